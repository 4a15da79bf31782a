import type { Observable, SchedulerLike } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import type { Catalog, Row } from '../src/catalog.js';
import { checkPlan, inputPlan, pipeline } from '../src/engine/compose.js';
import { checkOutputMode } from '../src/engine/output-mode.js';
import type { OutputMode, Pipeline } from '../src/engine/plan.js';
import { InvalidArgumentError } from '../src/errors.js';
import type { StreamingQueryProgress } from '../src/progress.js';
import type { ColumnType } from '../src/schema.js';

export interface ToMemoryTableOptions {
  /** The catalog the table lives in (there is no global one). */
  readonly catalog: Catalog;
  /** Spark's output mode; the default is `'append'`, as Spark's. */
  readonly outputMode?: OutputMode;
  /** Column types of the table, for readers (SQL) that want them. Default: what the plan knows. */
  readonly schema?: Readonly<Record<string, ColumnType>>;
  /** The query's clock. Default: the source's, else `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

const OP = 'toMemoryTable';

/**
 * Spark's memory sink: `writeStream.format("memory").queryName(name).outputMode(mode)`. Keeps
 * the query's result as the table `name` of a {@link Catalog}; the pipeline then emits each
 * batch's {@link StreamingQueryProgress}.
 *
 * At the end of each batch the table is replaced by a new immutable snapshot in one step, so
 * a reader always sees whole batches, also while the query runs (prefix integrity). As in
 * Spark's `MemorySink`: `complete` replaces the table with the whole result; `append` and
 * `update` add the batch's rows (new rows, finished groups, or changed groups) to what the
 * table holds. A new run (subscription, `startQuery`) starts a new, empty table; within a run
 * a batch id the table already holds is skipped (exactly-once on replay).
 *
 * ```
 * input (aggregated):  a-------b-------|
 * toMemoryTable('counts', { outputMode: 'complete', catalog })
 * output (progress):   p-------q-------|     table after a = a's rows, after b = b's rows
 * ```
 *
 * The output mode is the whole query's: every stateful step knows it before the first batch.
 * `append` over an aggregation without a watermark on a grouping key, and `complete` without
 * an aggregation, throw `AnalysisError` here, when the sink is composed.
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
  const { catalog } = options;
  const outputMode = checkOutputMode(OP, options.outputMode ?? 'append');
  return <R extends Row>(source: Observable<RowBatch<R>>): Pipeline<StreamingQueryProgress> => {
    const input = inputPlan(OP, source);
    const types = input.columns.types;
    const schema = options.schema ?? (types === undefined ? undefined : Object.fromEntries(types));
    const info = { isStreaming: input.source.isStreaming, ...(schema === undefined ? {} : { schema }) };
    const plan = {
      ...input,
      scheduler: options.scheduler ?? input.scheduler,
      sink: {
        operator: OP,
        name,
        description: `MemorySink[${name}]`,
        outputMode,
        create: (run?: { readonly resumed: boolean }) => {
          // A new run of a query starts a new table, as Spark's start() creates a new MemorySink;
          // a run that resumes a checkpointed query keeps the table's batches (a replayed one is skipped).
          if (run?.resumed !== true || catalog.table<R>(name) === undefined) catalog.replace<R>(name, [], { batchId: -1, ...info });
          return {
            addBatch: (batchId: number, rows: readonly unknown[]) => {
              const current = catalog.table<R>(name);
              if (current !== undefined && current.batchId >= batchId) return; // a replayed batch
              const next = outputMode === 'complete' || current === undefined ? (rows as readonly R[]) : [...current.rows, ...(rows as readonly R[])];
              catalog.replace(name, next, { batchId, ...info });
            },
          };
        },
      },
    };
    checkPlan(plan);
    return pipeline<StreamingQueryProgress>(plan);
  };
}
