import type { Observable, SchedulerLike } from 'rxjs';
import type { BatchInfo, RowBatch } from '../src/batch.js';
import type { Catalog, Row } from '../src/catalog.js';
import { InvalidArgumentError } from '../src/errors.js';
import type { OutputMode } from '../src/plan.js';
import type { BatchProgress } from '../src/progress.js';
import type { ColumnType } from '../src/schema.js';
import { checkOutputMode, sinkOperator } from '../src/sink.js';

export interface ToMemoryTableOptions {
  /** The catalog the table lives in (there is no global one). */
  readonly catalog: Catalog;
  /** Spark's output mode; the default is `'append'`, as Spark's. */
  readonly outputMode?: OutputMode;
  /** Column types of the table, for readers (SQL) that want them. */
  readonly schema?: Readonly<Record<string, ColumnType>>;
  /** The clock for progress timings. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

const OP = 'toMemoryTable';

/**
 * Spark's memory sink: `writeStream.format("memory").queryName(name).outputMode(mode)`. Keeps
 * the query's result as the table `name` of a {@link Catalog}, and emits each trigger's
 * {@link BatchProgress}.
 *
 * At the end of each trigger the table is replaced by a new immutable snapshot in one step, so
 * a reader always sees one whole trigger, also while the query runs (prefix integrity). As in
 * Spark's `MemorySink`: `complete` replaces the table with the whole result; `append` and
 * `update` add the trigger's rows (new rows, or the changed groups) to what the table holds. A
 * new run (subscription) starts a new table; within a run, a batch whose `batchId` the table
 * already holds is skipped (exactly-once on replay).
 *
 * ```
 * input (aggregate batches):  a-------b-------|
 * toMemoryTable('counts', { outputMode: 'complete', catalog })
 * output (progress):          p-------q-------|     table after a = a.rows, after b = b.rows
 * ```
 *
 * Errors: `append` over an aggregation without a watermark, and `complete` without an
 * aggregation, throw `AnalysisError` when the sink is composed (or, for a pipeline whose plan
 * is unknown, go down the error channel at the first batch). Completes with its source.
 *
 * @example
 * const catalog = new Catalog();
 * counts$.pipe(toMemoryTable('counts', { outputMode: 'complete', catalog }))
 */
export function toMemoryTable(name: string, options: ToMemoryTableOptions) {
  if (typeof name !== 'string' || name.trim() === '') throw new InvalidArgumentError(OP, 'name', name, 'a non-empty table name');
  if (options === null || typeof options !== 'object' || options.catalog === undefined || typeof options.catalog.replace !== 'function') {
    throw new InvalidArgumentError(OP, 'catalog', options?.catalog, 'a Catalog instance');
  }
  const { catalog, schema } = options;
  const outputMode = checkOutputMode(OP, options.outputMode ?? 'append');
  return <R extends Row>(source: Observable<RowBatch<R> & BatchInfo>): Observable<BatchProgress> =>
    sinkOperator<R>({
      operator: OP,
      name,
      description: `MemorySink[${name}]`,
      outputMode,
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
      write: ({ batchId, rows, firstOfRun }) => {
        const current = catalog.table<R>(name);
        // A new run of a query starts a new table, as Spark's memory sink does; within a run a
        // batch id the table already holds is a replay and is skipped.
        if (!firstOfRun && current !== undefined && current.batchId >= batchId) return;
        const next = outputMode === 'complete' || firstOfRun || current === undefined ? rows : [...current.rows, ...rows];
        catalog.replace(name, next, { batchId, isStreaming: true, ...(schema === undefined ? {} : { schema }) });
      },
    })(source);
}
