import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { inputPlan, pipeline, withStep } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { Pipeline } from '../src/engine/plan.js';
import { durationMs, type DurationLike } from '../src/duration.js';
import { InvalidArgumentError } from '../src/errors.js';
import type { Window } from '../src/schema.js';
import { WindowCache, tumblingWindowStart } from '../src/window.js';
import { windowColumnStep, windowColumns } from '../src/window-column.js';

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
    const columns = windowColumns(OP, plan, timeColumn, 'window');
    const step = windowColumnStep(OP, timeColumn, 'window', `tumbling ${sizeMs} ms from ${startMs} ms`, () => {
      const cache = new WindowCache(sizeMs);
      return (t, emit) => emit(cache.get(tumblingWindowStart(t, sizeMs, startMs)));
    }, { sizeMs, startMs });
    return pipeline<MicroBatch<Windowed<R>>>(withStep(plan, step, { columns }));
  };
}
