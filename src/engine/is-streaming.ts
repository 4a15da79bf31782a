import type { Observable } from 'rxjs';
import { AnalysisError } from '../errors.js';
import { isDerivedFromPipeline, planOf } from './plan.js';

/**
 * Spark's `DataFrame.isStreaming`: true when the pipeline reads a watching source, false for a
 * finite one. Throws `AnalysisError` for an observable whose plan is unknown (one that does not
 * start from a structured-rx source, or passed through a plain RxJS operator).
 */
export function isStreaming(observable: Observable<unknown>): boolean {
  const plan = planOf(observable);
  if (plan === undefined) {
    throw new AnalysisError(
      isDerivedFromPipeline(observable)
        ? 'isStreaming: a plain RxJS operator was applied to this structured-rx pipeline, which hides its plan; use mapBatch(...) for your own step'
        : 'isStreaming: this observable was not built from a structured-rx source, so whether it streams is unknown',
    );
  }
  return plan.source.isStreaming;
}
