import { Observable, map } from 'rxjs';
import type { EventTimeStats, RowBatch, RowOfBatch } from '../src/batch.js';
import { durationMs, type DurationLike } from '../src/duration.js';
import { InvalidArgumentError } from '../src/errors.js';
import { derivePlan } from '../src/plan.js';
import type { Window } from '../src/schema.js';
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
 * filter out nulls"); the batch counts them in `droppedRows.nullEventTime`. The batch also gets
 * `eventTime` min/max/avg of its rows, for the query's progress.
 *
 * ```
 * input rows (time):   [02:45:07, 03:10:00, null]
 * tumblingWindow('time', '1 hour')
 * output rows:         [{…, window: [02:00, 03:00)}, {…, window: [03:00, 04:00)}]
 * ```
 *
 * Stateless and per batch: completes and errors with its source.
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

  return <B extends RowBatch<{ readonly [P in K]: number | null }>>(
    source: Observable<B>,
  ): Observable<Omit<B, 'rows'> & { rows: Windowed<RowOfBatch<B>>[]; eventTime?: EventTimeStats; droppedRows?: Readonly<Record<string, number>> }> =>
    derivePlan(
      source,
      source.pipe(
        map((batch) => {
          const cache = new WindowCache(sizeMs);
          const adder = new ColumnAdder('window');
          const rows: Windowed<RowOfBatch<B>>[] = [];
          let min = Infinity;
          let max = -Infinity;
          let sum = 0;
          let nulls = 0;
          for (const row of batch.rows as readonly RowOfBatch<B>[]) {
            const t = row[timeColumn];
            if (t === null || t === undefined) {
              nulls++;
              continue;
            }
            if (t < min) min = t;
            if (t > max) max = t;
            sum += t;
            rows.push(adder.add(row, cache.get(tumblingWindowStart(t, sizeMs, startMs))));
          }
          const previous = (batch as { droppedRows?: Readonly<Record<string, number>> }).droppedRows;
          return {
            ...batch,
            rows,
            ...(rows.length > 0 ? { eventTime: { min, max, avg: sum / rows.length } } : {}),
            ...(nulls > 0 ? { droppedRows: { ...previous, nullEventTime: (previous?.['nullEventTime'] ?? 0) + nulls } } : {}),
          };
        }),
      ),
    );
}
