import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { Batch } from '../src/engine/batch.js';
import { inputPlan, pipeline, requireColumns, statelessStep, withStep } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { ColumnsInfo, OutputMode, Pipeline } from '../src/engine/plan.js';
import { AnalysisError, InvalidArgumentError } from '../src/errors.js';
import { ColumnAdder, setField } from '../src/with-column.js';
import type { ColumnType } from '../src/schema.js';

/** What a user's batch step is told about the batch. */
export interface BatchInfo {
  readonly batchId: number;
  /** The watermark the batch runs with, epoch ms. */
  readonly watermarkMs: number;
  readonly outputMode: OutputMode;
  /** False for a no-data batch. */
  readonly isDataBatch: boolean;
}

/**
 * Your own per-batch step, inside the query: `fn` gets each batch's rows (and which batch it
 * is) and returns the rows to pass on. Use it instead of a plain RxJS `map` between
 * structured-rx operators: a plain operator hides the query's plan, and the structured-rx
 * operator after it refuses it at composition.
 *
 * The column types after it are unknown to the plan (later operators check columns when the
 * batch runs); columns that carried event time still do, so keep their names if a watermark
 * should still apply. `fn` must not mutate its input rows.
 *
 * ```
 * input:   a------b------|    a = [{ n: 1 }, { n: 2 }]
 * mapBatch((rows) => rows.map((r) => ({ ...r, twice: r.n * 2 })))
 * output:  x------y------|    x = [{ n: 1, twice: 2 }, { n: 2, twice: 4 }]
 * ```
 *
 * @example
 * events$.pipe(mapBatch((rows) => rows.filter((r) => r.action !== null)), tumblingWindow('time', '1 hour'))
 */
export function mapBatch<R, S>(fn: (rows: readonly R[], batch: BatchInfo) => readonly S[]) {
  if (typeof fn !== 'function') throw new InvalidArgumentError('mapBatch', 'fn', fn, 'a function (rows, batch) => rows');
  return (source: Observable<RowBatch<R>>): Pipeline<MicroBatch<S>> => {
    const plan = inputPlan('mapBatch', source);
    const columns: ColumnsInfo = { types: undefined, eventTime: plan.columns.eventTime };
    return pipeline<MicroBatch<S>>(
      withStep(
        plan,
        {
          operator: 'mapBatch',
          stateful: false,
          create: () => ({
            process: (input, ctx) => {
              const out = fn(input.rows as readonly R[], { batchId: ctx.batchId, watermarkMs: ctx.watermarkMs, outputMode: ctx.outputMode, isDataBatch: ctx.isDataBatch });
              if (!Array.isArray(out)) throw new AnalysisError(`mapBatch: the function returned ${typeof out} for batch ${ctx.batchId}; it must return an array of rows`);
              return Batch.of(out as readonly unknown[]);
            },
          }),
        },
        { columns },
      ),
    );
  };
}

/**
 * Spark's `filter(condition)` as a step of the query: keeps the rows for which `predicate`
 * returns true. Columns, types and event time are unchanged.
 *
 * @example
 * events$.pipe(filterRows((r) => r.action === 'Open'))
 */
export function filterRows<R>(predicate: (row: R) => boolean) {
  if (typeof predicate !== 'function') throw new InvalidArgumentError('filterRows', 'predicate', predicate, 'a function (row) => boolean');
  return (source: Observable<RowBatch<R>>): Pipeline<MicroBatch<R>> => {
    const plan = inputPlan('filterRows', source);
    return pipeline<MicroBatch<R>>(
      withStep(
        plan,
        statelessStep('filterRows', (input) => (input as Batch<R>).filter((r) => predicate(r) === true)),
      ),
    );
  };
}

/**
 * Spark's `select(columns)` of plain columns: keeps only the columns named, in that order.
 * An unknown column is an `AnalysisError` when composed (when the plan knows the columns).
 *
 * @example
 * counts$.pipe(selectColumns('action', 'count'))
 */
export function selectColumns<R, K extends keyof R & string>(...names: K[]) {
  if (names.length === 0) throw new InvalidArgumentError('selectColumns', 'columns', names, 'at least one column name');
  for (const n of names) if (typeof n !== 'string' || n === '') throw new InvalidArgumentError('selectColumns', 'columns', n, 'a column name');
  return (source: Observable<RowBatch<R>>): Pipeline<MicroBatch<Pick<R, K>>> => {
    const plan = inputPlan('selectColumns', source);
    requireColumns('selectColumns', plan, names);
    const types = plan.columns.types;
    const eventTime = new Map([...plan.columns.eventTime].filter(([c]) => (names as string[]).includes(c)));
    const nextTypes = types === undefined ? undefined : new Map(names.map((n) => [n, types.get(n) ?? 'string'] as const));
    return pipeline<MicroBatch<Pick<R, K>>>(
      withStep(
        plan,
        statelessStep('selectColumns', (input) =>
          input.map((row) => {
            const out: Record<string, unknown> = {};
            for (const n of names) setField(out, n, (row as Record<string, unknown>)[n]);
            return out;
          }),
        ),
        { columns: { types: nextTypes, eventTime } },
      ),
    );
  };
}

/**
 * Spark's `withColumn(name, expression)`: adds (or replaces) the column `name`, computed per row
 * by `fn`. Give the column's `type` so later operators can check it (a window needs a
 * `timestamp`, an average a number); without it the plan's column types become unknown, as
 * after `mapBatch`. Replacing a column that carries event time removes its watermark mark.
 *
 * @example
 * events$.pipe(withColumn('latencyMs', (r) => (r.latency ?? 0) * 1000, 'double'))
 */
export function withColumn<R, N extends string, V>(name: N, fn: (row: R) => V, type?: ColumnType) {
  if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('withColumn', 'name', name, 'a column name');
  if (typeof fn !== 'function') throw new InvalidArgumentError('withColumn', 'fn', fn, 'a function (row) => value');
  if (type !== undefined && typeof type !== 'string') throw new InvalidArgumentError('withColumn', 'type', type, 'a column type such as double, string or timestamp');
  return (source: Observable<RowBatch<R>>): Pipeline<MicroBatch<Omit<R, N> & { readonly [P in N]: V }>> => {
    const plan = inputPlan('withColumn', source);
    const types = plan.columns.types;
    const nextTypes = types === undefined || type === undefined ? undefined : new Map(types).set(name, type);
    const eventTime = new Map(plan.columns.eventTime);
    eventTime.delete(name);
    return pipeline<MicroBatch<Omit<R, N> & { readonly [P in N]: V }>>(
      withStep(
        plan,
        statelessStep('withColumn', (input) => {
          const adder = new ColumnAdder(name);
          return (input as Batch<R>).mapChunks((chunk) => chunk.map((row) => adder.add(row as R & object, fn(row))));
        }),
        { columns: { types: nextTypes, eventTime } },
      ),
    );
  };
}
