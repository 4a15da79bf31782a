import type { Observable } from 'rxjs';
import type { RowBatch, RowOfBatch } from '../src/batch.js';
import { aggregateFields, combinerFor, type AggregateFunction, type AnyCombiner } from '../src/agg/combiners.js';
import type { Aggregate } from '../src/agg/functions.js';
import { aggregateColumns, type ColumnarAggregation, type PartialState } from '../src/agg/columnar.js';
import { Batch, rowsOf } from '../src/engine/batch.js';
import { isColumnChunk } from '../src/engine/columns.js';
import { inputPlan, pipeline, requireColumns, stateSchema, withStep } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { EventTimeKind, LateRow, LogicalPlan, OutputMode, Pipeline, StepContext } from '../src/engine/plan.js';
import type { JsonValue } from '../src/engine/source.js';
import type { StateStore } from '../src/engine/state-store.js';
import { AnalysisError, InvalidArgumentError } from '../src/errors.js';
import { behindWatermark } from '../src/engine/event-time.js';
import { groupKey } from '../src/group-key.js';
import type { ColumnType, Window } from '../src/schema.js';
import { setField } from '../src/with-column.js';
import { sessionAggregationPlan } from './sessionWindow.js';

/** The value type of one aggregate over rows `R`. */
export type AggValue<R, F extends AggregateFunction, C extends string> = F extends 'count' | 'count_distinct' | 'approx_count_distinct'
  ? number
  : F extends 'sum' | 'avg'
    ? number | null
    : C extends keyof R
      ? NonNullable<R[C]> | null
      : unknown;

/** A result row of `groupByAgg`: the grouping columns, then one column per aggregate, by its name. */
export type AggRow<R, K extends PropertyKey, A extends readonly Aggregate[]> = { readonly [P in K]: P extends keyof R ? R[P] : unknown } & {
  readonly [X in A[number] as X['name']]: AggValue<R, X['fn'], X['column']>;
};

/** An aggregate resolved against the plan: its output name, the input column (undefined for count(*)), its combiner. */
export interface ResolvedAggregate {
  readonly name: string;
  readonly column: string | undefined;
  readonly combiner: AnyCombiner;
}

/** One group's state in the state store: its grouping values (as first seen) and its accumulators, encoded (JSON). */
export interface AggState {
  readonly values: readonly unknown[];
  readonly accs: readonly JsonValue[];
}

/** A run's complete-mode result table, kept between batches: its rows in order, each key's position, the state version it is of. */
interface CompleteTable {
  version: number;
  rows: Record<string, unknown>[];
  readonly index: Map<string, number>;
}

/** Checks grouping column names (shared by groupByAgg and groupCount). */
export function checkGroupColumns(op: string, columns: readonly string[]): void {
  for (const c of columns) {
    if (typeof c !== 'string' || c === '') throw new InvalidArgumentError(op, 'columns', c, 'a column name');
  }
  if (new Set(columns).size !== columns.length) throw new InvalidArgumentError(op, 'columns', columns, 'distinct column names');
}

/**
 * The plan of a streaming aggregation: `columns` are the grouping keys, `aggs` the aggregates
 * (resolved by `resolve` against the input's column types). The stateful step behind both
 * `groupByAgg` and `groupCount`.
 */
export function aggregationPlan(op: string, plan: LogicalPlan, columns: readonly string[], resolve: (types: ReadonlyMap<string, ColumnType> | undefined) => readonly ResolvedAggregate[]): LogicalPlan {
  if (plan.aggregation !== undefined) {
    throw new AnalysisError(`${op}: Multiple streaming aggregations are not supported with streaming DataFrames/Datasets (${plan.aggregation.operator} comes before it)`);
  }
  const types = plan.columns.types;
  requireColumns(op, plan, columns);
  const aggs = resolve(types);
  requireColumns(op, plan, aggs.flatMap((a) => (a.column === undefined ? [] : [a.column])));
  const names = new Set<string>(columns);
  for (const a of aggs) {
    if (names.has(a.name)) throw new InvalidArgumentError(op, 'aggregates', a.name, 'distinct output column names (rename one with .as(name))');
    names.add(a.name);
  }
  // The grouping key that carries event time decides both lateness and eviction: Spark's
  // StateStoreSaveExec sees the aggregated rows (keys and buffers), so only an event-time key
  // can be compared with the watermark.
  const session = plan.columns.session;
  if (session !== undefined && columns.includes(session.column)) {
    const sessionTypes = new Map<string, ColumnType>();
    for (const c of columns) sessionTypes.set(c, types?.get(c) ?? 'string');
    for (const a of aggs) sessionTypes.set(a.name, a.combiner.resultType ?? 'double');
    return sessionAggregationPlan(op, plan, columns, aggs, sessionTypes);
  }
  const keyIndex = columns.findIndex((c) => plan.columns.eventTime.has(c));
  const keyKind = keyIndex < 0 ? undefined : plan.columns.eventTime.get(columns[keyIndex] as string);
  const nextTypes = new Map<string, ColumnType>();
  for (const c of columns) nextTypes.set(c, types?.get(c) ?? 'string');
  for (const a of aggs) nextTypes.set(a.name, a.combiner.resultType ?? 'double');
  const eventTime = new Map<string, EventTimeKind>();
  if (keyIndex >= 0 && keyKind !== undefined) eventTime.set(columns[keyIndex] as string, keyKind);

  const n = aggs.length;
  const combiners: AnyCombiner[] = aggs.map((a) => a.combiner);
  const inputs: (string | undefined)[] = aggs.map((a) => a.column);

  const toRow = (values: readonly unknown[], results: readonly unknown[]): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) setField(row, columns[i] as string, values[i]);
    for (let a = 0; a < n; a++) setField(row, (aggs[a] as ResolvedAggregate).name, results[a]);
    return row;
  };
  const decodedResults = (s: AggState): unknown[] => {
    const out = new Array<unknown>(n);
    for (let a = 0; a < n; a++) {
      const c = combiners[a] as AnyCombiner;
      out[a] = c.result(c.decode(s.accs[a] as JsonValue));
    }
    return out;
  };

  const process = (input: Batch<unknown>, ctx: StepContext, table: CompleteTable): Batch<Record<string, unknown>> => {
    const store = ctx.store as StateStore<AggState>;
    const mode: OutputMode = ctx.outputMode;
    const watermarked = ctx.hasWatermark && mode !== 'complete';
    const wm = ctx.watermarkMs;
    const lateWm = ctx.lateWatermarkMs;
    // Partial aggregation of the batch: one accumulator list per group, rows added in place.
    const partial = new Map<string, { values: unknown[]; accs: unknown[] }>();
    const objectKeys = new WeakMap<object, string>();
    const late: LateRow[] = [];
    const lateKeys = new Set<string>();
    const values: unknown[] = new Array<unknown>(columns.length);
    const columnar: ColumnarAggregation = {
      columns,
      inputs,
      combiners,
      late: watermarked && keyKind !== undefined ? { keyIndex, kind: keyKind, watermarkMs: lateWm } : undefined,
    };
    const state: PartialState = { partial, late, lateKeys, objectKeys };
    for (const part of (input as Batch<Record<string, unknown>>).parts()) {
      // A columnar part is aggregated as columns (no row object, no key string per row).
      if (isColumnChunk(part) && aggregateColumns(part, columnar, state)) continue;
      const rows = rowsOf(part);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] as Record<string, unknown>;
        for (let i = 0; i < columns.length; i++) values[i] = row[columns[i] as string];
        const key = groupKey(values, objectKeys);
        if (watermarked && keyKind !== undefined) {
          const et = values[keyIndex];
          if (behindWatermark(et, keyKind, lateWm)) {
            late.push({ row, windows: keyKind === 'window' ? [et as Window] : [] });
            lateKeys.add(key);
            continue;
          }
        }
        let p = partial.get(key);
        if (p === undefined) {
          const accs = new Array<unknown>(n);
          for (let a = 0; a < n; a++) accs[a] = (combiners[a] as AnyCombiner).create();
          p = { values: values.slice(), accs };
          partial.set(key, p);
        }
        const accs = p.accs;
        for (let a = 0; a < n; a++) {
          const column = inputs[a];
          accs[a] = (combiners[a] as AnyCombiner).add(accs[a], column === undefined ? undefined : row[column]);
        }
      }
    }
    // Merge into the state store: decode, merge the batch's partial, encode.
    const changed = new Map<string, unknown[]>();
    for (const [key, p] of partial) {
      const old = store.get(key);
      const encoded = new Array<JsonValue>(n);
      const results = new Array<unknown>(n);
      for (let a = 0; a < n; a++) {
        const c = combiners[a] as AnyCombiner;
        const merged = old === undefined ? p.accs[a] : c.merge(c.decode(old.accs[a] as JsonValue), p.accs[a]);
        encoded[a] = c.encode(merged);
        results[a] = c.result(merged);
      }
      store.put(key, { values: old?.values ?? p.values, accs: encoded });
      changed.set(key, results);
    }
    ctx.reportLate(late, lateKeys.size);

    const out: Record<string, unknown>[] = [];
    if (mode === 'complete') {
      // The whole table: the rows of the groups this batch left unchanged are the previous
      // batch's row objects (complete mode never removes a group, so the order is first seen).
      // Rebuilt from the store when the table is not of the version this batch loaded.
      if (table.version !== store.version) {
        table.rows = [];
        table.index.clear();
        for (const [key, s] of store.entries()) {
          table.index.set(key, table.rows.length);
          table.rows.push(toRow(s.values, changed.get(key) ?? decodedResults(s)));
        }
      } else {
        for (const [key, results] of changed) {
          const row = toRow((store.get(key) as AggState).values, results);
          const at = table.index.get(key);
          if (at === undefined) {
            table.index.set(key, table.rows.length);
            table.rows.push(row);
          } else {
            table.rows[at] = row;
          }
        }
      }
      table.version = store.version + 1;
      return Batch.of(table.rows.slice());
    }
    if (mode === 'update') {
      for (const [key, results] of changed) {
        const s = store.get(key);
        if (s !== undefined) out.push(toRow(s.values, results));
      }
    }
    if (watermarked && keyKind !== undefined) {
      const evicted: string[] = [];
      for (const [key, s] of store.entries()) {
        if (!behindWatermark(s.values[keyIndex], keyKind, wm)) continue;
        evicted.push(key);
        if (mode === 'append') out.push(toRow(s.values, changed.get(key) ?? decodedResults(s)));
      }
      for (const key of evicted) store.remove(key);
    }
    return Batch.of(out);
  };

  return withStep(
    plan,
    {
      operator: op,
      stateful: true,
      stateSchema: stateSchema(plan, columns, aggregateFields(aggs)),
      create: () => {
        const table: CompleteTable = { version: -1, rows: [], index: new Map() };
        return {
          process: (input, ctx) => process(input, ctx, table),
          // Spark's StateStoreSaveExec: another batch is worth running in append and update mode once the watermark moved.
          shouldRunAnotherBatch: (_newWm, _lastWm, mode) => mode === 'append' || mode === 'update',
        };
      },
    },
    { aggregation: { operator: op, eventTimeKey: keyIndex >= 0 }, columns: { types: nextTypes, eventTime } },
  );
}

const OP = 'groupByAgg';

/**
 * Spark's `groupBy(...columns).agg(...aggregates)` on a streaming DataFrame: a stateful step
 * whose state store holds, per group, the grouping values and each aggregate's accumulator
 * (encoded as JSON). Each batch is aggregated on its own first (partial aggregation), then
 * merged into the state: `avg` merges sums and counts, never averages.
 *
 * Output modes, watermark, late rows and no-data batches as `groupCount`: `complete` emits the
 * whole table every batch; `update` the groups changed in the batch; `append` (needs a
 * watermark on a grouping key) each group once, when the watermark passes its window's end.
 * With a watermark, in `append` and `update`, late rows are dropped (reported on the query's
 * `lateRows`) and finished groups are evicted.
 *
 * Output columns: the grouping columns, then one per aggregate named as Spark names it
 * (`count(1)`, `sum(value)`, `avg(latency)`, `count(DISTINCT user)`, `approx_count_distinct(user)`),
 * or as `.as(name)` says. Types are inferred from the schema: `count` is a number, `sum` and
 * `avg` `number | null`, `min`/`max` the column's type or null. With no columns: the global
 * aggregate, one row.
 *
 * ```
 * input batches (action, latency):  [Open 10, Open 20, Close 5]   [Open 30]
 * groupByAgg(['action'], agg.count('*'), agg.avg('latency')), update:
 *   [{Open, count(1) 2, avg(latency) 15}, {Close, 1, 5}]   [{Open, 3, 20}]
 * ```
 *
 * @example
 * windowed$.pipe(groupByAgg(['action', 'window'], agg.count('*').as('n'), agg.avg('latency').as('avgLatency')))
 */
export function groupByAgg<K extends string, const A extends readonly Aggregate[]>(columns: readonly K[], ...aggregates: A) {
  if (!Array.isArray(columns)) throw new InvalidArgumentError(OP, 'columns', columns, "a list of column names (use [] for the global aggregate)");
  checkGroupColumns(OP, columns);
  if (aggregates.length === 0) throw new InvalidArgumentError(OP, 'aggregates', aggregates, 'at least one aggregate (agg.count, agg.sum, …)');
  for (const a of aggregates) {
    if (a === null || typeof a !== 'object' || typeof a.fn !== 'string' || typeof a.name !== 'string') throw new InvalidArgumentError(OP, 'aggregates', a, 'an aggregate made by agg.count, agg.sum, …');
  }
  const cols = [...columns];
  return <B extends RowBatch<{ readonly [P in K | Exclude<A[number]['column'], '*'>]: unknown }>>(source: Observable<B>): Pipeline<MicroBatch<AggRow<RowOfBatch<B>, K, A>>> => {
    const plan = inputPlan(OP, source);
    const aggregated = aggregationPlan(OP, plan, cols, (types) =>
        aggregates.map((a) => {
          const star = a.fn === 'count' && a.column === '*';
          const inputType = star ? undefined : types?.get(a.column);
          if ((a.fn === 'sum' || a.fn === 'avg') && inputType !== undefined && (inputType === 'timestamp' || inputType === 'window' || inputType === 'boolean' || inputType.startsWith('array<'))) {
            throw new AnalysisError(`${OP}: cannot resolve "${a.fn}(${a.column})" due to data type mismatch: ${a.fn} needs a numeric column, and ${a.column} is ${inputType}`);
          }
          return {
            name: a.name,
            column: star ? undefined : a.column,
            combiner: combinerFor(a.fn, inputType, { star, ...(a.relativeSD === undefined ? {} : { relativeSD: a.relativeSD }) }),
          };
        }),
    );
    // count(DISTINCT ...) keeps every distinct value of a group: the output-mode check allows it
    // only where the watermark evicts the group (see outputModeError).
    const distinct = aggregates.some((a) => a.fn === 'count_distinct');
    const agg = aggregated.aggregation;
    return pipeline<MicroBatch<AggRow<RowOfBatch<B>, K, A>>>(distinct && agg !== undefined ? { ...aggregated, aggregation: { ...agg, distinct: true } } : aggregated);
  };
}
