import type { Observable, SchedulerLike } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { checkPlan, inputPlan, pipeline } from '../src/engine/compose.js';
import { checkOutputMode } from '../src/engine/output-mode.js';
import type { OutputMode, Pipeline } from '../src/engine/plan.js';
import { InvalidArgumentError } from '../src/errors.js';
import type { StreamingQueryProgress } from '../src/progress.js';

export interface ForeachBatchOptions {
  /** Spark's output mode; default `'append'`, as Spark's. */
  readonly outputMode?: OutputMode;
  /** The query name for progress. */
  readonly name?: string;
  /** The query's clock. Default: the source's, else `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

const OP = 'foreachBatch';

/**
 * Spark's `foreachBatch` sink: calls `fn(rows, batchId)` once per batch (no-data batches
 * included) with the rows the output mode selects (the whole result, the changed groups, the
 * finished groups, or the new rows); the pipeline then emits each batch's progress. If `fn`
 * returns a Promise or Observable, the driver waits for it before it commits the batch and
 * starts the next; a throw or rejection fails the query.
 *
 * ```
 * input:   a-----b-----|
 * output:  p-----q-----|    fn(a's rows, 0), fn(b's rows, 1)
 * ```
 *
 * @example
 * counts$.pipe(foreachBatch((rows, batchId) => db.upsert(rows), { outputMode: 'update' }))
 */
export function foreachBatch<R>(fn: (rows: readonly R[], batchId: number) => void | PromiseLike<unknown> | Observable<unknown>, options: ForeachBatchOptions = {}) {
  if (typeof fn !== 'function') throw new InvalidArgumentError(OP, 'fn', fn, 'a function (rows, batchId) => void');
  const outputMode = checkOutputMode(OP, options.outputMode ?? 'append');
  return (source: Observable<RowBatch<R>>): Pipeline<StreamingQueryProgress> => {
    const input = inputPlan(OP, source);
    const plan = {
      ...input,
      scheduler: options.scheduler ?? input.scheduler,
      sink: {
        operator: OP,
        name: options.name ?? null,
        description: 'ForeachBatchSink',
        outputMode,
        create: () => ({ addBatch: (batchId: number, rows: readonly unknown[]) => fn(rows as readonly R[], batchId) }),
      },
    };
    checkPlan(plan);
    return pipeline<StreamingQueryProgress>(plan);
  };
}
