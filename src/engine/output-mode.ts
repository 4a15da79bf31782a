import { AnalysisError, InvalidArgumentError } from '../errors.js';
import type { LogicalPlan, OutputMode } from './plan.js';

export const OUTPUT_MODES: readonly OutputMode[] = ['append', 'update', 'complete'];

export function checkOutputMode(operator: string, mode: unknown): OutputMode {
  if (!OUTPUT_MODES.includes(mode as OutputMode)) throw new InvalidArgumentError(operator, 'outputMode', mode, OUTPUT_MODES.join(', '));
  return mode as OutputMode;
}

/**
 * The query's output mode: the sink's. A pipeline that ends without a sink (subscribed to
 * directly) writes in Spark's default `append` where that is legal, and in `complete` for an
 * aggregation without an event-time key (which cannot run in append): the running table.
 */
export function resolveOutputMode(plan: LogicalPlan): OutputMode {
  if (plan.sink !== undefined) return plan.sink.outputMode;
  return plan.aggregation !== undefined && !plan.aggregation.eventTimeKey ? 'complete' : 'append';
}

/**
 * Spark's output-mode rules (`UnsupportedOperationChecker`), checked before the first trigger:
 * append over an aggregation needs a watermark on one of its grouping keys; complete needs an
 * aggregation. Returns the error, or undefined when the mode fits.
 */
export function outputModeError(plan: LogicalPlan, mode: OutputMode, operator = plan.sink?.operator ?? 'query'): AnalysisError | undefined {
  const agg = plan.aggregation;
  if (agg !== undefined && mode === 'append' && !agg.eventTimeKey) {
    return new AnalysisError(
      `${operator}: Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark; ` +
        `use outputMode 'complete' or 'update', or add withWatermark(...) on the event-time column the aggregation groups by`,
    );
  }
  if (agg !== undefined && agg.distinct === true && plan.source.isStreaming && !(agg.eventTimeKey && mode !== 'complete')) {
    // Spark refuses every distinct aggregation on a stream; where a watermark evicts the groups
    // (an event-time key, append or update) their distinct sets are bounded, so we allow it there.
    return new AnalysisError(
      `${operator}: Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead ` +
        `(count(DISTINCT ...) is allowed where a watermark on a grouping key evicts the groups, in append or update mode)`,
    );
  }
  if (plan.statefulAfterAggregation !== undefined && mode !== 'append') {
    return new AnalysisError(
      `${operator}: Detected pattern of possible 'correctness' issue due to global watermark. The query contains stateful operation which can emit rows older than ` +
        `the current watermark plus allowed late record delay, which are "late rows" in downstream stateful operations and these rows can be discarded ` +
        `(${plan.statefulAfterAggregation} after ${agg?.operator ?? 'an aggregation'} runs in append mode only)`,
    );
  }
  if (agg !== undefined && mode === 'update' && agg.sessionWindow === true) {
    return new AnalysisError(`${operator}: Update output mode not supported for session window on streaming DataFrames/DataSets; use 'append' (with a watermark) or 'complete'`);
  }
  if (agg === undefined && mode === 'complete') {
    return new AnalysisError(`${operator}: Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets`);
  }
  return undefined;
}
