import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { EventTimeStatsBuilder, rowsOf } from '../src/engine/batch.js';
import { isColumnChunk, isValid, windowStart, type NumberColumn, type WindowColumn } from '../src/engine/columns.js';
import { eventTimeMs } from '../src/engine/event-time.js';
import { inputPlan, pipeline, requireColumns, statelessStep, withStep } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { LateRowsEvent, Pipeline } from '../src/engine/plan.js';
import { parseDurationMs, type DurationLike } from '../src/duration.js';
import { AnalysisError, InvalidArgumentError } from '../src/errors.js';

export interface WithWatermarkOptions {
  /**
   * Called once per batch with the rows a stateful operator dropped as late behind this
   * watermark (beyond Spark, which only counts them). The query handle's `lateRows` carries
   * the same events.
   */
  readonly onLateRows?: (event: LateRowsEvent) => void;
}

const OP = 'withWatermark';

/**
 * Spark's `withWatermark(eventTime, delayThreshold)`: marks `timeColumn` as the query's event
 * time and tracks its watermark. After each batch the driver sets
 * `watermark = max(watermark, max event time of the batch - delay)`; it starts at 0 (the
 * epoch), never goes back, and applies from the next batch on. With several watermarks the
 * query's is the minimum of them (Spark's default policy).
 *
 * Rows pass unchanged. Stateful operators after it use the watermark: in `append` and
 * `update` mode an aggregation drops rows whose window (or time) already ended at or before the
 * watermark, and emits (append) and evicts the groups it closes.
 *
 * ```
 * batch 0 times:  10 11 12 13 14 15   watermark used: 0   after: 15 - 10 = 5
 * batch 1 times:  25                  watermark used: 5   after: 15
 * batch 2 times:  10 (late)           watermark used: 15
 * ```
 *
 * Throws `InvalidArgumentError` for a delay that is not a duration or is negative, and
 * `AnalysisError` for an unknown column or one that is not a timestamp (or window), when composed.
 *
 * @example
 * events$.pipe(withWatermark('time', '10 minutes'), tumblingWindow('time', '1 hour'), groupCount('window'))
 */
export function withWatermark<K extends string>(timeColumn: K, delay: DurationLike, options: WithWatermarkOptions = {}) {
  if (typeof timeColumn !== 'string' || timeColumn === '') throw new InvalidArgumentError(OP, 'eventTime', timeColumn, 'a column name');
  const delayMs = parseDurationMs(delay);
  if (delayMs === undefined) throw new InvalidArgumentError(OP, 'delayThreshold', delay, `a duration such as '10 minutes' (Unable to parse time delay '${String(delay)}')`);
  if (delayMs < 0) throw new InvalidArgumentError(OP, 'delayThreshold', delay, `a duration that is not negative (delay threshold (${String(delay)}) should not be negative)`);
  const onLateRows = options.onLateRows;
  if (onLateRows !== undefined && typeof onLateRows !== 'function') throw new InvalidArgumentError(OP, 'onLateRows', onLateRows, 'a function');

  return <R>(source: Observable<RowBatch<R>>): Pipeline<MicroBatch<R>> => {
    const plan = inputPlan(OP, source);
    const types = plan.columns.types;
    const type = types?.get(timeColumn);
    requireColumns(OP, plan, [timeColumn]);
    if (type !== undefined && type !== 'timestamp' && type !== 'window') {
      throw new AnalysisError(`${OP}: Event time must be defined on a window or a timestamp, but ${timeColumn} is of type ${type}`);
    }
    const index = plan.watermarks.length;
    const eventTime = new Map(plan.columns.eventTime);
    eventTime.set(timeColumn, type === 'window' ? 'window' : 'timestamp');
    return pipeline<MicroBatch<R>>(
      withStep(
        plan,
        statelessStep(OP, (input, ctx) =>
          input.mapParts((part) => {
            const stats = new EventTimeStatsBuilder();
            const column = isColumnChunk(part) ? part.column(timeColumn) : undefined;
            if (column !== undefined && (column.kind === 'number' || column.kind === 'window')) {
              // A columnar part: the statistics from the column, the part passed on as it is.
              addColumnStats(stats, column, part.length);
            } else {
              const chunk = rowsOf(part);
              for (let i = 0; i < chunk.length; i++) {
              // A timestamp, or a window by its end (also where the column's type is unknown).
                const v = (chunk[i] as Record<string, unknown>)[timeColumn];
                const t = typeof v === 'number' ? v : eventTimeMs(v, 'window');
                if (t !== null) stats.add(t);
              }
              part = chunk;
            }
            const built = stats.build();
            if (built !== undefined) {
              ctx.reportEventTime(built);
              ctx.observeEventTime(index, built.max);
            }
            return part;
          }),
        ),
        {
          watermarks: [...plan.watermarks, { column: timeColumn, delayMs, ...(onLateRows === undefined ? {} : { onLateRows }) }],
          columns: { types, eventTime },
        },
      ),
    );
  };
}

/** Event-time statistics of a columnar time column: a timestamp's non-null values, or a window's ends, in row order. */
function addColumnStats(stats: EventTimeStatsBuilder, column: NumberColumn | WindowColumn, n: number): void {
  if (column.kind === 'window') {
    for (let i = 0; i < n; i++) stats.add(windowStart(column, i) + column.sizeMs);
    return;
  }
  const { values, validity } = column;
  for (let i = 0; i < n; i++) if (isValid(validity, i)) stats.add(values[i] as number);
}
