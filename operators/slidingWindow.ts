import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { inputPlan, pipeline, withStep } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { Pipeline } from '../src/engine/plan.js';
import { durationMs, type DurationLike } from '../src/duration.js';
import { InvalidArgumentError } from '../src/errors.js';
import { WindowCache, slidingWindowCount, tumblingWindowStart } from '../src/window.js';
import type { Windowed } from './tumblingWindow.js';
import { windowColumnStep, windowColumns } from '../src/window-column.js';

export interface SlidingWindowOptions {
  /** Spark's `startTime`: shifts the window grid from the epoch by this much (may be negative; |startTime| < slide). Default 0. */
  readonly startTime?: DurationLike;
}

const OP = 'slidingWindow';

/**
 * Adds the event-time `window` column `{ start, end }` (epoch ms, `[start, end)`) for sliding
 * windows: Spark's `window(timeColumn, size, slide, startTime)`. Windows start every `slide` on
 * the grid `startTime + k * slide` and last `size`, so they overlap when `slide < size`: each row
 * comes out once per window its time falls in (a copy of the row with that window), earliest
 * window first. With `slide === size` this is `tumblingWindow(timeColumn, size)`.
 *
 * The windows are Spark's (`TimeWindowing`): the last grid start at or before the time, found
 * with a floor modulo so that times before 1970 land in the right windows, then the earlier
 * starts one slide apart whose window still holds the time. Rows whose time is null are
 * dropped, as Spark's window function filters them; progress counts them in
 * `droppedRows.nullEventTime`. Event-time statistics are those of the input rows, not of their
 * copies. When `timeColumn` carries a watermark, so does `window` (its `end` is compared with
 * the watermark), as Spark moves the watermark metadata to the window column.
 *
 * ```
 * input rows (time):   [12:05, null]
 * slidingWindow('time', '12 minutes', '5 minutes')
 * output rows:         [{…, window: [11:55, 12:07)}, {…, window: [12:00, 12:12)}, {…, window: [12:05, 12:17)}]
 * ```
 *
 * A stateless step of the query: each batch's rows in, one row per (row, window) out.
 *
 * @example
 * events$.pipe(throttleFiles(1), slidingWindow('time', '10 minutes', '5 minutes'), groupCount('window'))
 */
export function slidingWindow<K extends string>(timeColumn: K, size: DurationLike, slide: DurationLike, options: SlidingWindowOptions = {}) {
  if (typeof timeColumn !== 'string' || timeColumn === '') throw new InvalidArgumentError(OP, 'timeColumn', timeColumn, 'a column name');
  // Spark's checks and words (TimeWindow.checkInputDataTypes), with the durations as given.
  const sizeMs = durationMs(OP, 'size', size, 'any');
  if (!(sizeMs > 0)) throw new InvalidArgumentError(OP, 'size', size, `a positive duration (The window duration (${String(size)}) must be greater than 0.)`);
  const slideMs = durationMs(OP, 'slide', slide, 'any');
  if (!(slideMs > 0)) throw new InvalidArgumentError(OP, 'slide', slide, `a positive duration (The slide duration (${String(slide)}) must be greater than 0.)`);
  if (slideMs > sizeMs) {
    throw new InvalidArgumentError(
      OP,
      'slide',
      slide,
      `a slide no longer than the window (The slide duration (${String(slide)}) must be less than or equal to the windowDuration (${String(size)}).)`,
    );
  }
  const startMs = durationMs(OP, 'startTime', options.startTime ?? 0, 'any');
  if (Math.abs(startMs) >= slideMs) {
    throw new InvalidArgumentError(
      OP,
      'startTime',
      options.startTime,
      `an offset whose absolute value is less than the slide (The absolute value of start time (${String(options.startTime)}) must be less than the slideDuration (${String(slide)}).)`,
    );
  }

  return <R extends { readonly [P in K]: number | null }>(source: Observable<RowBatch<R>>): Pipeline<MicroBatch<Windowed<R>>> => {
    const plan = inputPlan(OP, source);
    const columns = windowColumns(OP, plan, timeColumn, 'window');
    const step = windowColumnStep(OP, timeColumn, 'window', `sliding ${sizeMs} ms every ${slideMs} ms from ${startMs} ms`, () => {
      const cache = new WindowCache(sizeMs);
      return (t, emit) => {
        const last = tumblingWindowStart(t, slideMs, startMs);
        const n = slidingWindowCount(t, last, sizeMs, slideMs);
        for (let k = n - 1; k >= 0; k--) emit(cache.get(last - k * slideMs));
      };
    });
    return pipeline<MicroBatch<Windowed<R>>>(withStep(plan, step, { columns }));
  };
}
