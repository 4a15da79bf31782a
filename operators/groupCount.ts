import type { Observable } from 'rxjs';
import type { RowBatch, RowOfBatch } from '../src/batch.js';
import { Batch } from '../src/engine/batch.js';
import { inputPlan, pipeline, requireColumns, withStep } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { EventTimeKind, LateRow, OutputMode, Pipeline, StepContext } from '../src/engine/plan.js';
import type { StateStore } from '../src/engine/state-store.js';
import { InvalidArgumentError } from '../src/errors.js';
import type { ColumnType, Window } from '../src/schema.js';
import { groupKey } from '../src/group-key.js';
import { setField } from '../src/with-column.js';

/** A result row of `groupCount`: the grouping columns, then `count`. */
export type CountRow<R, K extends PropertyKey> = { readonly [P in K]: P extends keyof R ? R[P] : unknown } & { readonly count: number };

/** One group's state: its grouping values (as first seen) and its running count. */
interface CountState {
  readonly values: readonly unknown[];
  readonly count: number;
}

const OP = 'groupCount';

/** Is an event-time value (a timestamp, or a window by its end) at or behind the watermark? (Spark's `WatermarkSupport`: `eventTime <= watermark`, `window.end <= watermark`.) */
function behind(value: unknown, kind: EventTimeKind, watermarkMs: number): boolean {
  if (kind === 'timestamp') return typeof value === 'number' && value <= watermarkMs;
  return value !== null && typeof value === 'object' && typeof (value as Window).end === 'number' && (value as Window).end <= watermarkMs;
}

/**
 * The running count of rows per group: Spark's `groupBy(...columns).count()` on a streaming
 * DataFrame, a stateful step of the query whose state (one entry per group) lives in the state
 * store the query's driver gives it, versioned by batch id.
 *
 * What each batch emits is the query's output mode (the sink's), known before the first batch:
 * - `complete`: the whole result table, every batch; nothing is evicted or dropped;
 * - `update`: the groups whose count changed in the batch;
 * - `append` (needs a watermark on a grouping key, as Spark): each group once, in the first
 *   batch whose watermark has passed its window's end (`window.end <= watermark`).
 *
 * With a watermark, in `append` and `update`, rows whose window already ended at or before the
 * watermark are dropped as late (counted in progress, and sent to the query's `lateRows`), and
 * groups the watermark has passed are removed from the state store: the state stays bounded.
 *
 * ```
 * input batches (action):  [Open, Open, Close]   [Open]
 * groupCount('action'), complete:  [Open 2, Close 1]     [Open 3, Close 1]
 * groupCount('action'), update:    [Open 2, Close 1]     [Open 3]
 * ```
 *
 * Groups compare by value: null is a group of its own, a window by its bounds. Result rows
 * come in the order their groups were first seen. With no columns, `groupCount()` is the
 * global count (Spark's `groupBy().count()`): one row `{ count }`.
 *
 * @example
 * windowed$.pipe(groupCount('action', 'window'))
 */
export function groupCount<K extends string>(...columns: K[]) {
  for (const c of columns) {
    if (typeof c !== 'string' || c === '') throw new InvalidArgumentError(OP, 'columns', c, 'a column name');
  }
  if (new Set(columns).size !== columns.length) throw new InvalidArgumentError(OP, 'columns', columns, 'distinct column names');

  return <B extends RowBatch<{ readonly [P in K]: unknown }>>(source: Observable<B>): Pipeline<MicroBatch<CountRow<RowOfBatch<B>, K>>> => {
    type Out = CountRow<RowOfBatch<B>, K>;
    const plan = inputPlan(OP, source);
    const types = plan.columns.types;
    requireColumns(OP, plan, columns);
    // The grouping key that carries event time decides both lateness and eviction: Spark's
    // StateStoreSaveExec sees the aggregated rows (keys and buffers), so only an event-time key
    // can be compared with the watermark.
    const keyIndex = columns.findIndex((c) => plan.columns.eventTime.has(c));
    const keyKind = keyIndex < 0 ? undefined : plan.columns.eventTime.get(columns[keyIndex] as K);
    const nextTypes = new Map<string, ColumnType>();
    for (const c of columns) nextTypes.set(c, types?.get(c) ?? 'string');
    nextTypes.set('count', 'long');
    const eventTime = new Map<string, EventTimeKind>();
    if (keyIndex >= 0 && keyKind !== undefined) eventTime.set(columns[keyIndex] as K, keyKind);

    const toRow = (values: readonly unknown[], count: number): Out => {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) setField(row, columns[i] as K, values[i]);
      setField(row, 'count', count);
      return row as Out;
    };

    const process = (input: Batch<unknown>, ctx: StepContext): Batch<Out> => {
      const store = ctx.store as StateStore<CountState>;
      const mode: OutputMode = ctx.outputMode;
      const watermarked = ctx.hasWatermark && mode !== 'complete';
      const wm = ctx.watermarkMs;
      const partial = new Map<string, { values: unknown[]; count: number }>();
      const objectKeys = new WeakMap<object, string>();
      const late: LateRow[] = [];
      const lateKeys = new Set<string>();
      const values: unknown[] = new Array<unknown>(columns.length);
      for (const rows of (input as Batch<Record<string, unknown>>).chunks()) {
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r] as Record<string, unknown>;
          for (let i = 0; i < columns.length; i++) values[i] = row[columns[i] as K];
          const key = groupKey(values, objectKeys);
          if (watermarked && keyKind !== undefined) {
            const et = values[keyIndex];
            if (behind(et, keyKind, wm)) {
              late.push({ row, windows: keyKind === 'window' ? [et as Window] : [] });
              lateKeys.add(key);
              continue;
            }
          }
          const p = partial.get(key);
          if (p === undefined) partial.set(key, { values: values.slice(), count: 1 });
          else p.count++;
        }
      }
      const changed: string[] = [];
      for (const [key, p] of partial) {
        const old = store.get(key);
        store.put(key, { values: old?.values ?? p.values, count: (old?.count ?? 0) + p.count });
        changed.push(key);
      }
      ctx.reportLate(late, lateKeys.size);

      const out: Out[] = [];
      if (mode === 'complete') {
        for (const [, s] of store.entries()) out.push(toRow(s.values, s.count));
        return Batch.of(out);
      }
      if (mode === 'update') {
        for (const key of changed) {
          const s = store.get(key);
          if (s !== undefined) out.push(toRow(s.values, s.count));
        }
      }
      if (watermarked && keyKind !== undefined) {
        const evicted: string[] = [];
        for (const [key, s] of store.entries()) {
          if (!behind(s.values[keyIndex], keyKind, wm)) continue;
          evicted.push(key);
          if (mode === 'append') out.push(toRow(s.values, s.count));
        }
        for (const key of evicted) store.remove(key);
      }
      return Batch.of(out);
    };

    return pipeline<MicroBatch<Out>>(
      withStep(
        plan,
        {
          operator: OP,
          stateful: true,
          create: () => ({
            process,
            // Spark's StateStoreSaveExec: another batch is worth running in append and update mode once the watermark moved.
            shouldRunAnotherBatch: (_newWm, _lastWm, mode) => mode === 'append' || mode === 'update',
          }),
        },
        { aggregation: { operator: OP, eventTimeKey: keyIndex >= 0 }, columns: { types: nextTypes, eventTime } },
      ),
    );
  };
}
