import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { Batch, EventTimeStatsBuilder } from '../src/engine/batch.js';
import { inputPlan, pipeline, requireColumns, statelessStep, withStep } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { Pipeline } from '../src/engine/plan.js';
import { durationMs, type DurationLike } from '../src/duration.js';
import { AnalysisError, InvalidArgumentError } from '../src/errors.js';
import type { ColumnType, Window } from '../src/schema.js';
import { WindowCache, tumblingWindowStart } from '../src/window.js';
import { ColumnAdder } from '../src/with-column.js';

export interface TumblingWindowOptions {
  /** Spark's `startTime`: shifts the windows from the epoch by this much (may be negative; |startTime| < size). Default 0. */
  readonly startTime?: DurationLike;
}

/** A row with the window column added. */
export type Windowed<R> = R & { readonly window: Window };

const OP = 'tumblingWindow';

/**
 * Adds the event-time `window` column `{ start, end }` (epoch ms, `[start, end)`): Spark's
 * `window(timeColumn, size, size, startTime)`. This is an event-time column read from each
 * row, not RxJS's processing-time `window`/`windowTime`.
 *
 * Windows are aligned to the epoch plus `startTime`, with a floor modulo so that times before
 * 1970 land in the right window. Rows whose time is null are dropped, as Spark's window
 * function filters them (`TimeWindowing`: "For backwards compatibility we add a filter to
 * filter out nulls"); progress counts them in `droppedRows.nullEventTime`. When `timeColumn`
 * carries a watermark, so does `window` (its `end` is compared with the watermark), as Spark
 * moves the watermark metadata to the window column.
 *
 * ```
 * input rows (time):   [02:45:07, 03:10:00, null]
 * tumblingWindow('time', '1 hour')
 * output rows:         [{…, window: [02:00, 03:00)}, {…, window: [03:00, 04:00)}]
 * ```
 *
 * A stateless step of the query: each batch's rows in, the same rows with `window` out.
 *
 * @example
 * events$.pipe(throttleFiles(1), tumblingWindow('time', '1 hour'))
 */
export function tumblingWindow<K extends string>(timeColumn: K, size: DurationLike, options: TumblingWindowOptions = {}) {
  if (typeof timeColumn !== 'string' || timeColumn === '') throw new InvalidArgumentError(OP, 'timeColumn', timeColumn, 'a column name');
  const sizeMs = durationMs(OP, 'size', size);
  const startMs = durationMs(OP, 'startTime', options.startTime ?? 0, 'any');
  if (Math.abs(startMs) >= sizeMs) {
    throw new InvalidArgumentError(OP, 'startTime', options.startTime, `an offset whose absolute value is less than the window size (${sizeMs} ms)`);
  }

  return <R extends { readonly [P in K]: number | null }>(source: Observable<RowBatch<R>>): Pipeline<MicroBatch<Windowed<R>>> => {
    const plan = inputPlan(OP, source);
    const types = plan.columns.types;
    const type = types?.get(timeColumn);
    requireColumns(OP, plan, [timeColumn]);
    if (type !== undefined && type !== 'timestamp') throw new AnalysisError(`${OP}: the window's time column ${timeColumn} must be a timestamp, not ${type}`);
    const nextTypes = types === undefined ? undefined : new Map<string, ColumnType>(types).set('window', 'window');
    const eventTime = new Map(plan.columns.eventTime);
    if (eventTime.has(timeColumn)) eventTime.set('window', 'window');
    else eventTime.delete('window');
    return pipeline<MicroBatch<Windowed<R>>>(
      withStep(
        plan,
        statelessStep(OP, (input, ctx) => {
          const cache = new WindowCache(sizeMs);
          const adder = new ColumnAdder('window');
          return (input as Batch<R>).mapChunks((chunk) => {
            const rows: Windowed<R>[] = [];
            const stats = new EventTimeStatsBuilder();
            let nulls = 0;
            for (let i = 0; i < chunk.length; i++) {
              const row = chunk[i] as R;
              const t = row[timeColumn];
              if (t === null || t === undefined) {
                nulls++;
                continue;
              }
              stats.add(t);
              rows.push(adder.add(row, cache.get(tumblingWindowStart(t, sizeMs, startMs))));
            }
            const built = stats.build();
            if (built !== undefined) ctx.reportEventTime(built);
            ctx.reportDropped('nullEventTime', nulls);
            return rows;
          });
        }),
        { columns: { types: nextTypes, eventTime } },
      ),
    );
  };
}
