import type { Observable } from 'rxjs';
import type { RowBatch, RowOfBatch } from '../src/batch.js';
import { Batch } from '../src/engine/batch.js';
import { inputPlan, pipeline, requireColumns, stateSchema, withStep } from '../src/engine/compose.js';
import { END_OF_TIME_MS, type MicroBatch } from '../src/engine/driver.js';
import type { EventTimeKind, LateRow, LogicalPlan, Pipeline, StepContext } from '../src/engine/plan.js';
import type { StateStore } from '../src/engine/state-store.js';
import { AnalysisError, InvalidArgumentError } from '../src/errors.js';
import { eventTimeMs } from '../src/engine/event-time.js';
import { groupKey } from '../src/group-key.js';
import type { Window } from '../src/schema.js';

const OP = 'dropDuplicates';
const OP_WITHIN = 'dropDuplicatesWithinWatermark';

/** The progress `droppedRows` reason for rows dropped as duplicates (Spark's `numDroppedDuplicateRows`). */
export const DUPLICATE_ROWS = 'duplicate';

/** The column whose event time decides lateness (and, when it is a key, eviction). */
interface EventTimeColumn {
  readonly column: string;
  readonly kind: EventTimeKind;
  /** Its position among the key columns, or -1 when it is not a key. */
  readonly keyIndex: number;
}

function checkColumnNames(op: string, columns: readonly unknown[]): void {
  for (const c of columns) {
    if (typeof c !== 'string' || c === '') throw new InvalidArgumentError(op, 'columns', c, 'a column name');
  }
}

/** The key columns: the named ones (each once, as Spark's `colNames.toSet`), or every column the plan knows, in order. */
function keyColumns(op: string, plan: LogicalPlan, columns: readonly string[]): string[] {
  if (columns.length === 0) {
    const types = plan.columns.types;
    if (types === undefined) {
      throw new AnalysisError(`${op}: the columns are unknown here (a mapBatch step comes before it); name the columns to deduplicate on, as ${op}('id', ...)`);
    }
    return [...types.keys()];
  }
  requireColumns(op, plan, columns);
  return [...new Set(columns)];
}

/**
 * After a streaming aggregation, deduplication runs only in append mode, as Spark 3.4+ allows
 * chained stateful operators (`UnsupportedOperationChecker.checkStreamingQueryGlobalWatermarkLimit`):
 * each step judges late rows by the previous batch's watermark, so the windows an append-mode
 * aggregation emits are not late for it. The output-mode check refuses the other modes.
 */
function afterAggregation(op: string, plan: LogicalPlan): LogicalPlan {
  return plan.aggregation === undefined ? plan : { ...plan, statefulAfterAggregation: op };
}

/**
 * Spark's `WatermarkSupport`: the event-time column of the input (the first key that carries
 * event time, else the first event-time column of the plan, as `findEventTimeColumn` takes the
 * first occurrence).
 */
function eventTimeColumn(plan: LogicalPlan, keys: readonly string[]): EventTimeColumn | undefined {
  const et = plan.columns.eventTime;
  const keyIndex = keys.findIndex((c) => et.has(c));
  if (keyIndex >= 0) {
    const column = keys[keyIndex] as string;
    return { column, kind: et.get(column) as EventTimeKind, keyIndex };
  }
  for (const [column, kind] of et) return { column, kind, keyIndex: -1 };
  return undefined;
}

/** A late row as the query's `lateRows` carries it. */
function lateRow(row: Record<string, unknown>, et: EventTimeColumn): LateRow {
  return { row, windows: et.kind === 'window' ? [row[et.column] as Window] : [] };
}

/**
 * One dedup step: keeps the first row of each key, across batches, and remembers the key in the
 * state store with `stateValue(row)`; at the end of the batch, `evict` removes what the
 * watermark has passed. Rows whose event time is at or behind the watermark are dropped first,
 * as late (Spark's `watermarkPredicateForDataForLateEvents`, applied before the state is read),
 * and counted one per input row. The rows pass chunk by chunk, so a large batch flows into the
 * next step without being held whole.
 */
function dedupProcess(
  keys: readonly string[],
  et: EventTimeColumn | undefined,
  stateValue: (row: Record<string, unknown>) => number | null,
  evict: ((value: number | null, watermarkMs: number) => boolean) | undefined,
) {
  return (input: Batch<unknown>, ctx: StepContext): Batch<unknown> => {
    const store = ctx.store as StateStore<number | null>;
    const late = ctx.hasWatermark ? et : undefined;
    const wm = ctx.watermarkMs;
    const lateWm = ctx.lateWatermarkMs;
    return Batch.lazy(function* () {
      const lateRows: LateRow[] = [];
      let duplicates = 0;
      const objectKeys = new WeakMap<object, string>();
      const values: unknown[] = new Array<unknown>(keys.length);
      for (const rows of (input as Batch<Record<string, unknown>>).chunks()) {
        const kept: Record<string, unknown>[] = [];
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r] as Record<string, unknown>;
          if (late !== undefined) {
            const t = eventTimeMs(row[late.column], late.kind);
            if (t !== null && t <= lateWm) {
              lateRows.push(lateRow(row, late));
              continue;
            }
          }
          for (let i = 0; i < keys.length; i++) values[i] = row[keys[i] as string];
          const key = groupKey(values, objectKeys);
          if (store.has(key)) {
            duplicates++;
            continue;
          }
          store.put(key, stateValue(row));
          kept.push(row);
        }
        if (kept.length > 0) yield kept;
      }
      ctx.reportLate(lateRows, lateRows.length);
      ctx.reportDropped(DUPLICATE_ROWS, duplicates);
      if (evict !== undefined && ctx.hasWatermark) {
        const expired: string[] = [];
        for (const [key, value] of store.entries()) if (evict(value, wm)) expired.push(key);
        for (const key of expired) store.remove(key);
      }
    });
  };
}

/**
 * Spark's `shouldRunAnotherBatch` for deduplication: a no-data batch once the watermark moved
 * (the driver asks only then), in every output mode, to evict. Not at the end of a finite
 * input: a dedup step emits nothing in a no-data batch, and no batch follows to read its state.
 */
const anotherBatchToEvict = (newWatermarkMs: number): boolean => newWatermarkMs < END_OF_TIME_MS;

/**
 * Streaming deduplication: Spark's `dropDuplicates(columns)` on a streaming DataFrame
 * (`StreamingDeduplicateExec`). Each batch passes on the first row of every key (the values of
 * `columns`; with no columns, all the columns the plan knows, in order) that no earlier row of
 * the query had; later rows with the same key are dropped. A stateful step: its state store
 * holds one entry per key seen, versioned by batch like every state store of the query.
 *
 * Keys compare by value: null (or a missing field) is a value of its own, a window compares by
 * its bounds. Rows keep their columns; the plan's columns and event time are unchanged. It is
 * not an aggregation: append (the default) and update mode write the rows it keeps; before a
 * `groupCount` any mode the aggregation allows.
 *
 * With a watermark (Spark's rules):
 * - rows whose event time is at or behind the watermark (`time <= watermark`, a window by its
 *   end) are dropped as late, whether or not the event-time column is a key; progress counts
 *   each in `numRowsDroppedByWatermark`, and they reach the query's `lateRows`;
 * - when the event-time column is a key, keys at or behind the watermark are removed from the
 *   state after each batch, so the state stays bounded; a no-data batch runs when the
 *   watermark moved, to remove them. Without an event-time key, the state grows with the keys.
 *
 * ```
 * withWatermark('time', '10 seconds'), dropDuplicates('time')
 * batch 0 (wm 0):   10 11 10 15 11   ->  10 11 15       state 10 11 15; wm after: 5
 * batch 1 (wm 5):   25 11            ->  25             state 10 11 15 25; wm after: 15
 * no-data (wm 15):                   ->  (none)         state 25 (10, 11, 15 removed)
 * batch 2 (wm 15):  10               ->  (none)         10 is late: dropped, counted
 * ```
 *
 * Progress: `numRowsTotal` is the keys held, `numRowsUpdated` the keys added, `numRowsRemoved`
 * the keys evicted; duplicates dropped are `droppedRows.duplicate` (Spark's
 * `numDroppedDuplicateRows`). Refused after an aggregation (`AnalysisError`), and with no
 * columns where a `mapBatch` step made the columns unknown.
 *
 * @example
 * events$.pipe(withWatermark('time', '10 minutes'), dropDuplicates('id', 'time'))
 */
export function dropDuplicates<K extends string>(...columns: K[]) {
  checkColumnNames(OP, columns);
  return <B extends RowBatch<{ readonly [P in K]: unknown }>>(source: Observable<B>): Pipeline<MicroBatch<RowOfBatch<B>>> => {
    const plan = afterAggregation(OP, inputPlan(OP, source));
    const keys = keyColumns(OP, plan, columns);
    const et = eventTimeColumn(plan, keys);
    // Spark's watermarkPredicateForKeys: only an event-time key can be compared with the watermark.
    const keyEt = et !== undefined && et.keyIndex >= 0 ? et : undefined;
    const stateValue = keyEt === undefined ? () => null : (row: Record<string, unknown>) => eventTimeMs(row[keyEt.column], keyEt.kind);
    const evict = keyEt === undefined ? undefined : (value: number | null, wm: number) => value !== null && value <= wm;
    const process = dedupProcess(keys, et, stateValue, evict);
    return pipeline<MicroBatch<RowOfBatch<B>>>(
      withStep(plan, { operator: OP, stateful: true, stateSchema: stateSchema(plan, keys, []), create: () => ({ process, shouldRunAnotherBatch: anotherBatchToEvict }) }),
    );
  };
}

/**
 * Deduplication within the watermark delay: Spark 3.5's `dropDuplicatesWithinWatermark(columns)`
 * (`StreamingDeduplicateWithinWatermarkExec`). The first row of a key is passed on and its key
 * is remembered until `its event time + the watermark delay`; a row with the same key arriving
 * before the watermark passes that expiry is dropped, one arriving after it is new again. The
 * event-time column need not be a key (deduplicate events by id, for as long as duplicates can
 * arrive); the state holds one expiry per key.
 *
 * Requires a watermark (`withWatermark` before it), else `AnalysisError` at composition, in
 * Spark's words. As in Spark: rows at or behind the watermark are dropped as late first; after
 * each batch keys whose expiry is at or behind the watermark are removed (`watermark >=
 * expiresAt`), so a duplicate arriving in the batch where its key expires is still dropped; a
 * row whose event time is null expires at `0 + delay` (Spark reads a null timestamp as 0).
 *
 * ```
 * withWatermark('time', '2 seconds'), dropDuplicatesWithinWatermark('id')
 * batch 0 (wm 0):   a@17          ->  a@17     a expires at 19; wm after: 15
 * batch 1 (wm 15):  a@16          ->  (none)   duplicate of a
 * batch 2 (wm 15):  b@22 c@21     ->  b c      wm after 20: the no-data batch removes a (19)
 * batch 4 (wm 20):  a@21          ->  a@21     a is new again
 * ```
 *
 * @example
 * clicks$.pipe(withWatermark('time', '1 hour'), dropDuplicatesWithinWatermark('clickId'))
 */
export function dropDuplicatesWithinWatermark<K extends string>(...columns: K[]) {
  checkColumnNames(OP_WITHIN, columns);
  return <B extends RowBatch<{ readonly [P in K]: unknown }>>(source: Observable<B>): Pipeline<MicroBatch<RowOfBatch<B>>> => {
    const plan = afterAggregation(OP_WITHIN, inputPlan(OP_WITHIN, source));
    const keys = keyColumns(OP_WITHIN, plan, columns);
    // Spark's UnsupportedOperationChecker: the input must carry an event-time column.
    if (plan.watermarks.length === 0 || plan.columns.eventTime.size === 0) {
      throw new AnalysisError(`${OP_WITHIN}: dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark`);
    }
    const timestamp = [...plan.columns.eventTime].find(([, kind]) => kind === 'timestamp')?.[0];
    if (timestamp === undefined) {
      throw new AnalysisError(
        `${OP_WITHIN}: the event-time column of its input is a window (${[...plan.columns.eventTime.keys()].join(', ')}); it needs a timestamp column with a watermark, as Spark reads the event time as a timestamp`,
      );
    }
    const delayMs = plan.watermarks.filter((w) => w.column === timestamp).at(-1)?.delayMs;
    if (delayMs === undefined) throw new AnalysisError(`${OP_WITHIN}: no watermark is defined on the event-time column ${timestamp}`);
    const et: EventTimeColumn = { column: timestamp, kind: 'timestamp', keyIndex: keys.indexOf(timestamp) };
    const stateValue = (row: Record<string, unknown>): number => {
      const t = row[timestamp];
      return (typeof t === 'number' ? t : 0) + delayMs;
    };
    const evict = (expiresAt: number | null, wm: number): boolean => expiresAt !== null && wm >= expiresAt;
    const process = dedupProcess(keys, et, stateValue, evict);
    return pipeline<MicroBatch<RowOfBatch<B>>>(
      withStep(plan, {
        operator: OP_WITHIN,
        stateful: true,
        stateSchema: stateSchema(plan, keys, [{ name: 'expiresAt', type: 'timestamp' }]),
        create: () => ({ process, shouldRunAnotherBatch: anotherBatchToEvict }),
      }),
    );
  };
}
