import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { aggregateFields, type AnyCombiner } from '../src/agg/combiners.js';
import { Batch } from '../src/engine/batch.js';
import { inputPlan, pipeline, stateSchema, withStep } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { EventTimeKind, LateRow, LogicalPlan, Pipeline, StepContext } from '../src/engine/plan.js';
import type { JsonValue } from '../src/engine/source.js';
import type { StateStore } from '../src/engine/state-store.js';
import { durationMs, type DurationLike } from '../src/duration.js';
import { AnalysisError, InvalidArgumentError } from '../src/errors.js';
import { groupKey } from '../src/group-key.js';
import type { ColumnType, Window } from '../src/schema.js';
import { setField } from '../src/with-column.js';
import { windowColumnStep, windowColumns } from '../src/window-column.js';

/** A row with the session-window column added: `[time, time + gap)` until an aggregation merges sessions. */
export type WithSession<R> = R & { readonly session_window: Window };

const OP = 'sessionWindow';
/** Spark's name for the column. */
export const SESSION_COLUMN = 'session_window';

/**
 * Spark's `session_window(timeColumn, gapDuration)`: adds the column `session_window`, for
 * each row `[time, time + gap)`. Grouped by an aggregation (`groupCount('user',
 * 'session_window')`, `groupByAgg([...])`), the sessions of each key merge: rows whose
 * `[t, t + gap)` intervals overlap or touch form one session `[first time, last time + gap)`,
 * across batches, and a late row can bridge two sessions already in state into one.
 *
 * Rows whose time is null are dropped (counted as `nullEventTime`). When the time column has a
 * watermark, so does `session_window` (by its end). Output modes, as Spark: `append` (with a
 * watermark: a session is emitted once the watermark passes its end) and `complete`; `update`
 * is refused when the sink is composed, and so is an aggregation whose only key is the session.
 *
 * ```
 * input (user, time s):  [a 40, a 41, b 40]     [a 30]          (gap 10 s)
 * groupCount('user', 'session_window'), complete:
 *   [a [40,51) 2, b [40,50) 1]   [a [30,51) 3, b [40,50) 1]    (30 bridges into a's session)
 * ```
 *
 * @example
 * events$.pipe(withWatermark('time', '30 seconds'), sessionWindow('time', '10 seconds'), groupCount('user', 'session_window'))
 */
export function sessionWindow<K extends string>(timeColumn: K, gap: DurationLike) {
  if (typeof timeColumn !== 'string' || timeColumn === '') throw new InvalidArgumentError(OP, 'timeColumn', timeColumn, 'a column name');
  const gapMs = durationMs(OP, 'gapDuration', gap);
  return <R extends { readonly [P in K]: number | null }>(source: Observable<RowBatch<R>>): Pipeline<MicroBatch<WithSession<R>>> => {
    const plan = inputPlan(OP, source);
    const columns = windowColumns(OP, plan, timeColumn, SESSION_COLUMN);
    const step = windowColumnStep(OP, timeColumn, SESSION_COLUMN, `session gap ${gapMs} ms`, () => (t, emit) => emit(Object.freeze({ start: t, end: t + gapMs })));
    return pipeline<MicroBatch<WithSession<R>>>(withStep(plan, step, { columns: { ...columns, session: { column: SESSION_COLUMN, gapMs } } }));
  };
}

/** One session in the state store: the key's grouping values, its bounds, its accumulators (encoded). */
interface SessionState {
  /** The other grouping columns' values, as first seen. */
  readonly values: readonly unknown[];
  /** The group key of `values`, so a batch finds a key's sessions without re-encoding. */
  readonly group: string;
  readonly start: number;
  readonly end: number;
  readonly accs: readonly JsonValue[];
}

interface LiveSession {
  start: number;
  end: number;
  accs: unknown[];
}

/** An aggregate of the session aggregation: its output name, input column, combiner. */
export interface SessionAggregate {
  readonly name: string;
  readonly column: string | undefined;
  readonly combiner: AnyCombiner;
}

/**
 * The stateful step of an aggregation that groups by a session window (Spark's
 * `MergingSessionsExec` with `SessionWindowStateStoreSaveExec`): per key, the batch's rows
 * become intervals `[t, t + gap)`, merged with the key's sessions in the state store where they
 * overlap or touch; `complete` emits every session, `append` the sessions whose end the
 * watermark has passed (and removes them). The state store holds one entry per session, so
 * `numRowsTotal` counts sessions, as Spark's.
 */
export function sessionAggregationPlan(op: string, plan: LogicalPlan, columns: readonly string[], aggs: readonly SessionAggregate[], nextTypes: Map<string, ColumnType>): LogicalPlan {
  const session = plan.columns.session;
  if (session === undefined) throw new Error('sessionAggregationPlan without a session column');
  const sIdx = columns.indexOf(session.column);
  if (columns.length === 1) {
    throw new AnalysisError(`${op}: Global aggregation with session window in streaming query is not supported; group by at least one more column than ${session.column}`);
  }
  const keyCols = columns.filter((_, i) => i !== sIdx);
  const watermarked = plan.columns.eventTime.get(session.column) === 'window';
  const n = aggs.length;
  const combiners = aggs.map((a) => a.combiner);
  const inputs = aggs.map((a) => a.column);
  const eventTime = new Map<string, EventTimeKind>();
  if (watermarked) eventTime.set(session.column, 'window');

  const toRow = (values: readonly unknown[], start: number, end: number, results: readonly unknown[]): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    let k = 0;
    for (let i = 0; i < columns.length; i++) {
      if (i === sIdx) setField(row, session.column, Object.freeze({ start, end }));
      else setField(row, columns[i] as string, values[k++]);
    }
    for (let a = 0; a < n; a++) setField(row, (aggs[a] as SessionAggregate).name, results[a]);
    return row;
  };
  const results = (accs: readonly unknown[]): unknown[] => accs.map((acc, a) => (combiners[a] as AnyCombiner).result(acc));
  const decode = (s: SessionState): unknown[] => s.accs.map((j, a) => (combiners[a] as AnyCombiner).decode(j));
  const encode = (accs: readonly unknown[]): JsonValue[] => accs.map((acc, a) => (combiners[a] as AnyCombiner).encode(acc));
  const stateKey = (group: string, start: number): string => `${group}\u0002${start}`;

  const process = (input: Batch<unknown>, ctx: StepContext): Batch<Record<string, unknown>> => {
    const store = ctx.store as StateStore<SessionState>;
    const append = ctx.outputMode === 'append';
    const dropLate = ctx.hasWatermark && append && watermarked;
    const lateWm = ctx.lateWatermarkMs;
    // The batch's rows, per key: one interval each, with its own accumulators.
    const byKey = new Map<string, { values: unknown[]; items: LiveSession[] }>();
    const late: LateRow[] = [];
    const lateKeys = new Set<string>();
    const values: unknown[] = new Array<unknown>(keyCols.length);
    for (const rows of (input as Batch<Record<string, unknown>>).chunks()) {
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] as Record<string, unknown>;
        const w = row[session.column] as Window | null | undefined;
        if (w === null || w === undefined) continue;
        for (let i = 0; i < keyCols.length; i++) values[i] = row[keyCols[i] as string];
        const group = groupKey(values);
        if (dropLate && w.end <= lateWm) {
          late.push({ row, windows: [w] });
          lateKeys.add(stateKey(group, w.start));
          continue;
        }
        let k = byKey.get(group);
        if (k === undefined) {
          k = { values: values.slice(), items: [] };
          byKey.set(group, k);
        }
        const accs = new Array<unknown>(n);
        for (let a = 0; a < n; a++) {
          const c = combiners[a] as AnyCombiner;
          const column = inputs[a];
          accs[a] = c.add(c.create(), column === undefined ? undefined : row[column]);
        }
        k.items.push({ start: w.start, end: w.end, accs });
      }
    }
    ctx.reportLate(late, lateKeys.size);
    if (byKey.size > 0) {
      // The keys' sessions in state (one scan of the store per batch that has rows).
      const existing = new Map<string, [string, SessionState][]>();
      for (const [k, s] of store.entries()) {
        if (!byKey.has(s.group)) continue;
        let list = existing.get(s.group);
        if (list === undefined) existing.set(s.group, (list = []));
        list.push([k, s]);
      }
      for (const [group, k] of byKey) {
        const old = existing.get(group) ?? [];
        const all: LiveSession[] = k.items;
        for (const [key, s] of old) {
          all.push({ start: s.start, end: s.end, accs: decode(s) });
          store.remove(key);
        }
        all.sort((a, b) => a.start - b.start);
        // Merge sessions that overlap or touch (Spark: the next starts at or before the current's end).
        let cur: LiveSession | undefined;
        const merged: LiveSession[] = [];
        for (const s of all) {
          if (cur !== undefined && s.start <= cur.end) {
            if (s.end > cur.end) cur.end = s.end;
            for (let a = 0; a < n; a++) cur.accs[a] = (combiners[a] as AnyCombiner).merge(cur.accs[a], s.accs[a]);
          } else {
            cur = { start: s.start, end: s.end, accs: s.accs.slice() };
            merged.push(cur);
          }
        }
        const keyValues = old[0]?.[1].values ?? k.values;
        for (const s of merged) store.put(stateKey(group, s.start), { values: keyValues, group, start: s.start, end: s.end, accs: encode(s.accs) });
      }
    }
    const out: Record<string, unknown>[] = [];
    if (!append) {
      for (const [, s] of store.entries()) out.push(toRow(s.values, s.start, s.end, results(decode(s))));
      return Batch.of(out);
    }
    if (ctx.hasWatermark && watermarked) {
      const wm = ctx.watermarkMs;
      const closed: string[] = [];
      for (const [key, s] of store.entries()) {
        if (s.end > wm) continue;
        closed.push(key);
        out.push(toRow(s.values, s.start, s.end, results(decode(s))));
      }
      for (const key of closed) store.remove(key);
    }
    return Batch.of(out);
  };

  return withStep(
    plan,
    {
      operator: op,
      stateful: true,
      stateSchema: stateSchema(plan, columns, aggregateFields(aggs)),
      create: () => ({
        process,
        // Spark's SessionWindowStateStoreSaveExec: append mode emits and evicts when the watermark moved.
        shouldRunAnotherBatch: (_newWm, _lastWm, mode) => mode === 'append',
      }),
    },
    { aggregation: { operator: op, eventTimeKey: watermarked, sessionWindow: true }, columns: { types: nextTypes, eventTime } },
  );
}
