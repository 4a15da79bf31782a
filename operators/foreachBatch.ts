import type { Observable, SchedulerLike } from 'rxjs';
import type { BatchInfo, RowBatch } from '../src/batch.js';
import { InvalidArgumentError } from '../src/errors.js';
import type { OutputMode } from '../src/plan.js';
import type { BatchProgress } from '../src/progress.js';
import { checkOutputMode, sinkOperator } from '../src/sink.js';

export interface ForeachBatchOptions {
  /** Spark's output mode; default `'append'`, as Spark's. */
  readonly outputMode?: OutputMode;
  /** A name for the query's progress. */
  readonly name?: string;
  readonly scheduler?: SchedulerLike;
}

const OP = 'foreachBatch';

/**
 * Spark's `foreachBatch` sink: calls `fn(rows, batchId)` once per trigger with the rows the
 * output mode selects (the whole result, the changed groups, or the new rows), and emits the
 * trigger's {@link BatchProgress}. If `fn` returns a Promise or Observable, the next trigger's
 * call waits for it; a throw or rejection fails the query (down the error channel).
 *
 * ```
 * input:   a-----b-----|
 * output:  p-----q-----|    fn(a.rows, 0), fn(b.rows, 1)
 * ```
 *
 * @example
 * counts$.pipe(foreachBatch((rows, batchId) => db.upsert(rows), { outputMode: 'update' }))
 */
export function foreachBatch<R>(
  fn: (rows: readonly R[], batchId: number) => void | PromiseLike<void> | Observable<unknown>,
  options: ForeachBatchOptions = {},
) {
  if (typeof fn !== 'function') throw new InvalidArgumentError(OP, 'fn', fn, 'a function (rows, batchId) => void');
  const outputMode = checkOutputMode(OP, options.outputMode ?? 'append');
  return (source: Observable<RowBatch<R> & BatchInfo>): Observable<BatchProgress> =>
    sinkOperator<R>({
      operator: OP,
      name: options.name ?? null,
      description: 'ForeachBatchSink',
      outputMode,
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
      write: ({ rows, batchId }) => fn(rows, batchId),
    })(source);
}
