import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import { EventTimeStatsBuilder } from '../src/engine/batch.js';
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
          input.mapChunks((chunk) => {
            const stats = new EventTimeStatsBuilder();
            for (let i = 0; i < chunk.length; i++) {
              // A timestamp, or a window by its end (also where the column's type is unknown).
              const v = (chunk[i] as Record<string, unknown>)[timeColumn];
              const t = typeof v === 'number' ? v : eventTimeMs(v, 'window');
              if (t !== null) stats.add(t);
            }
            const built = stats.build();
            if (built !== undefined) {
              ctx.reportEventTime(built);
              ctx.observeEventTime(index, built.max);
            }
            return chunk;
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
