import { Batch, EventTimeStatsBuilder, rowsOf } from './engine/batch.js';
import { isColumnChunk, isValid, type ColumnChunk, type WindowColumn } from './engine/columns.js';
import { WindowCache } from './window.js';
import { requireColumns, statelessStep } from './engine/compose.js';
import type { ColumnsInfo, LogicalPlan, StepContext, StepSpec } from './engine/plan.js';
import { AnalysisError } from './errors.js';
import type { ColumnType, Window } from './schema.js';
import { ColumnAdder } from './with-column.js';

/**
 * The columns after an operator adds the window column `column` computed from `timeColumn`
 * (checked to be a timestamp): `column` is a window, and carries event time when `timeColumn`
 * does (Spark moves the watermark metadata to the window column).
 */
export function windowColumns(operator: string, plan: LogicalPlan, timeColumn: string, column: string): ColumnsInfo {
  requireColumns(operator, plan, [timeColumn]);
  const types = plan.columns.types;
  const type = types?.get(timeColumn);
  if (type !== undefined && type !== 'timestamp') throw new AnalysisError(`${operator}: the window's time column ${timeColumn} must be a timestamp, not ${type}`);
  const eventTime = new Map(plan.columns.eventTime);
  if (eventTime.has(timeColumn)) eventTime.set(column, 'window');
  else eventTime.delete(column);
  return { types: types === undefined ? undefined : new Map<string, ColumnType>(types).set(column, 'window'), eventTime };
}

/**
 * The step that adds the window column: each row whose time is not null is copied once per
 * window `assign` gives for its time (Spark's `TimeWindowing` expands a row into its windows);
 * rows with a null time are dropped and counted (`nullEventTime`); event-time statistics come
 * from the rows, not their copies. `makeAssign` is called once per batch (for per-batch caches).
 * `definition` says which windows (`tumbling 3600000 ms`), for the checkpoint's restart check.
 * `tumbling` (size and offset, ms) says the windows are tumbling ones: a columnar part then gets
 * a columnar window column (each row's window numbered into a typed array, no row copied).
 */
export function windowColumnStep(
  operator: string,
  timeColumn: string,
  column: string,
  definition: string,
  makeAssign: () => (t: number, emit: (window: Window) => void) => void,
  tumbling?: { readonly sizeMs: number; readonly startMs: number },
): StepSpec {
  const step = statelessStep(operator, (input, ctx) => {
    const assign = makeAssign();
    const adder = new ColumnAdder(column);
    const windows = tumbling === undefined ? undefined : new WindowCache(tumbling.sizeMs);
    return (input as Batch<Record<string, unknown>>).mapParts((part) => {
      if (tumbling !== undefined && windows !== undefined && isColumnChunk(part)) {
        const out = tumblingColumns(part, timeColumn, column, tumbling.sizeMs, tumbling.startMs, windows, ctx);
        if (out !== undefined) return out;
      }
      const chunk = rowsOf(part);
      const rows: Record<string, unknown>[] = [];
      const stats = new EventTimeStatsBuilder();
      let nulls = 0;
      let row: Record<string, unknown> = {};
      const emit = (w: Window): void => void rows.push(adder.add(row, w));
      for (let i = 0; i < chunk.length; i++) {
        row = chunk[i] as Record<string, unknown>;
        const t = row[timeColumn] as number | null | undefined;
        if (t === null || t === undefined) {
          nulls++;
          continue;
        }
        stats.add(t);
        assign(t, emit);
      }
      const built = stats.build();
      if (built !== undefined) ctx.reportEventTime(built);
      ctx.reportDropped('nullEventTime', nulls);
      return rows;
    });
  });
  return { ...step, defines: { column, definition } };
}

/**
 * The tumbling window column of a columnar part whose time column is a number column: each
 * row's window start (Spark's floor-modulo rule, as `tumblingWindowStart`) into a typed array;
 * rows with a null time dropped (the other columns compacted) and counted; event-time
 * statistics over the rows in order, as the row path adds them. Undefined when the time
 * column is not a number column (the row path then runs).
 */
function tumblingColumns(part: ColumnChunk, timeColumn: string, column: string, sizeMs: number, startMs: number, windows: WindowCache, ctx: StepContext): ColumnChunk | undefined {
  const time = part.column(timeColumn);
  if (time === undefined || time.kind !== 'number') return undefined;
  const n = part.length;
  const times = time.values;
  const validity = time.validity;
  let kept = part;
  let keptTimes = times;
  let nulls = 0;
  if (validity !== undefined) {
    const rows = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) if (isValid(validity, i)) rows[k++] = i;
    nulls = n - k;
    if (nulls > 0) {
      kept = part.select(rows, k);
      const t = kept.column(timeColumn);
      keptTimes = t !== undefined && t.kind === 'number' ? t.values : times;
    }
  }
  const m = kept.length;
  // Each row's window as a number of windows after the first row's (whole milliseconds: times,
  // size and offset, where the rule's arithmetic is exact), renumbered from the earliest: the
  // aggregation's codes as they are. A row that is not whole milliseconds, or a span too wide
  // for 32 bits, keeps the starts themselves.
  const stats = timeStats(keptTimes, m);
  const whole = stats.whole && Number.isInteger(sizeMs) && Number.isInteger(startMs);
  let index: Int32Array | undefined = whole ? new Int32Array(m) : undefined;
  const { min, max, sum } = stats;
  let first = NaN;
  let lowest = 0;
  let highest = 0;
  // The window of the previous row is reused while rows stay in it (a file's times are mostly in order).
  let from = Infinity;
  let to = -Infinity;
  let start = 0;
  let k = 0;
  for (let i = 0; index !== undefined && i < m; i++) {
    const t = keptTimes[i] as number;
    if (!(t >= from && t < to)) {
      const offset = (t - startMs) % sizeMs;
      start = t - (offset < 0 ? offset + sizeMs : offset);
      if (Number.isNaN(first)) first = start;
      k = (start - first) / sizeMs;
      if (k < -0x3fffffff || k > 0x3fffffff) {
        index = undefined;
        break;
      }
      if (k < lowest) lowest = k;
      if (k > highest) highest = k;
      from = start;
      to = start + sizeMs;
    }
    index[i] = k;
  }
  let window: WindowColumn;
  if (index !== undefined) {
    if (lowest !== 0) for (let i = 0; i < m; i++) index[i] = (index[i] as number) - lowest;
    window = { kind: 'window', starts: undefined, index, base: (Number.isNaN(first) ? 0 : first) + lowest * sizeMs, count: highest - lowest + 1, sizeMs, cache: windows };
  } else {
    const starts = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const t = keptTimes[i] as number;
      const offset = (t - startMs) % sizeMs;
      starts[i] = t - (offset < 0 ? offset + sizeMs : offset);
    }
    window = { kind: 'window', starts, index: undefined, base: 0, count: 0, sizeMs, cache: windows };
  }
  if (m > 0) ctx.reportEventTime({ min, max, avg: sum / m, count: m });
  ctx.reportDropped('nullEventTime', nulls);
  return kept.with(column, window);
}

/**
 * The event-time statistics of a part's times, in row order (the sum added as the row path
 * adds it), and whether every time is a whole number of milliseconds. Rows in time order (a
 * file's usually are) take a loop without the minimum and maximum, whose compares the processor
 * cannot predict when times repeat (the first row is then the least, the last the greatest):
 * the whole pass took about half the time on the notebook's files. From the first row out of
 * order (or NaN, which no compare admits, or a zero) on, the general loop, so that the result
 * is the general loop's to the bit.
 */
function timeStats(times: Float64Array, m: number): { min: number; max: number; sum: number; whole: boolean } {
  let sum = 0;
  let whole = true;
  let prev = -Infinity;
  let i = 0;
  for (; i < m; i++) {
    const t = times[i] as number;
    // A zero also leaves (0 and -0 are equal to compares, not to the general loop's result).
    if (!(t >= prev) || t === 0) break;
    prev = t;
    sum += t;
    if (Math.floor(t) !== t) whole = false;
  }
  let min = i > 0 ? (times[0] as number) : Infinity;
  let max = i > 0 ? prev : -Infinity;
  for (; i < m; i++) {
    const t = times[i] as number;
    if (t < min) min = t;
    if (t > max) max = t;
    sum += t;
    if (Math.floor(t) !== t) whole = false;
  }
  return { min, max, sum, whole };
}
