import type { Observable, SchedulerLike } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { inputPlan, pipeline } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { Pipeline } from '../src/engine/plan.js';
import { parseTrigger, type TriggerSpec } from '../src/engine/trigger.js';
import { InvalidArgumentError } from '../src/errors.js';

export { parseTrigger, type TriggerSpec } from '../src/engine/trigger.js';

export interface ThrottleFilesOptions {
  readonly trigger?: TriggerSpec;
  /** The query's clock (processing-time triggers, polling). Default: the source's, else `asyncScheduler`; a `TestScheduler` in marble tests. */
  readonly scheduler?: SchedulerLike;
}

const OP = 'throttleFiles';

/**
 * How the query's triggers take input: Spark's `maxFilesPerTrigger` and `trigger`. It adds no
 * step: it sets the read limit and the trigger the query's driver uses. Each trigger's batch
 * takes the next `min(n, files listed and not yet batched)` files of the source, in the
 * source's order, so batches depend only on the directory listings, never on read speed.
 *
 * ```
 * source (5 files, one listing):  abcde
 * throttleFiles(2):               (xyz)       x=[a,b] y=[c,d] z=[e], batchIds 0, 1, 2
 * throttleFiles(2, { trigger: '5 seconds' }), times in seconds:
 * output:                          x----y----z   at 0, 5 and 10
 * ```
 *
 * - Default trigger: the next batch starts as soon as the previous one is committed; when
 *   there is nothing new the driver lists again after the source's `pollInterval`.
 * - Processing-time trigger: triggers start at multiples of the interval on the scheduler's
 *   clock (Spark's `ProcessingTimeExecutor`); a trigger lists, reads and runs its batch; one
 *   that runs past the next multiple is followed at once by the next.
 * - `once`: one batch with every file available at start (Spark 3 ignores
 *   `maxFilesPerTrigger` for `Trigger.Once`), no no-data batch, then the query completes.
 *   `availableNow`: the files available at start in batches of `n`, then the closing no-data
 *   batch if the watermark calls for one, then it completes.
 *
 * A bad `maxFilesPerTrigger` (0, -1, 1.5) or trigger throws here, when the operator is created.
 *
 * @example
 * readJsonFiles(dir, { schema }).pipe(throttleFiles(1)) // one file per trigger, as the notebook
 */
export function throttleFiles(maxFilesPerTrigger: number, options: ThrottleFilesOptions = {}) {
  const n = maxFilesPerTrigger;
  if (typeof n !== 'number' || !(n === Infinity || (Number.isInteger(n) && n > 0))) {
    throw new InvalidArgumentError(OP, 'maxFilesPerTrigger', n, 'a positive whole number of files (or Infinity)');
  }
  const trigger = parseTrigger(options.trigger ?? 'default', OP);
  return <R>(source: Observable<RowBatch<R>>): Pipeline<MicroBatch<R>> => {
    const plan = inputPlan(OP, source);
    return pipeline<MicroBatch<R>>({
      ...plan,
      readLimit: n === Infinity ? { kind: 'all' } : { kind: 'maxItems', max: n },
      trigger,
      scheduler: options.scheduler ?? plan.scheduler,
    });
  };
}
