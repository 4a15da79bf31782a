import type { Observable } from 'rxjs';
import type { RowBatch, RowOfBatch } from '../src/batch.js';
import { countStar, type AnyCombiner } from '../src/agg/combiners.js';
import { inputPlan, pipeline } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import type { Pipeline } from '../src/engine/plan.js';
import { aggregationPlan, checkGroupColumns, type ResolvedAggregate } from './groupByAgg.js';

/** A result row of `groupCount`: the grouping columns, then `count`. */
export type CountRow<R, K extends PropertyKey> = { readonly [P in K]: P extends keyof R ? R[P] : unknown } & { readonly count: number };

const OP = 'groupCount';

/**
 * The running count of rows per group: Spark's `groupBy(...columns).count()` on a streaming
 * DataFrame, a stateful step of the query whose state (one entry per group) lives in the state
 * store the query's driver gives it, versioned by batch id.
 *
 * What each batch emits is the query's output mode (the sink's), known before the first batch:
 * - `complete`: the whole result table, every batch; nothing is evicted or dropped;
 * - `update`: the groups whose count changed in the batch;
 * - `append` (needs a watermark on a grouping key, as Spark): each group once, in the first
 *   batch whose watermark has passed its window's end (`window.end <= watermark`).
 *
 * With a watermark, in `append` and `update`, rows whose window already ended at or before the
 * watermark are dropped as late (counted in progress, and sent to the query's `lateRows`), and
 * groups the watermark has passed are removed from the state store: the state stays bounded.
 *
 * ```
 * input batches (action):  [Open, Open, Close]   [Open]
 * groupCount('action'), complete:  [Open 2, Close 1]     [Open 3, Close 1]
 * groupCount('action'), update:    [Open 2, Close 1]     [Open 3]
 * ```
 *
 * Groups compare by value: null is a group of its own, a window by its bounds. Result rows
 * come in the order their groups were first seen. With no columns, `groupCount()` is the
 * global count (Spark's `groupBy().count()`): one row `{ count }`.
 *
 * The shorthand of `groupByAgg(columns, agg.count('*').as('count'))`: the same step and state
 * (the count's accumulator), under its own operator name.
 *
 * @example
 * windowed$.pipe(groupCount('action', 'window'))
 */
export function groupCount<K extends string>(...columns: K[]) {
  checkGroupColumns(OP, columns);
  const count: ResolvedAggregate[] = [{ name: 'count', column: undefined, combiner: countStar as AnyCombiner }];
  return <B extends RowBatch<{ readonly [P in K]: unknown }>>(source: Observable<B>): Pipeline<MicroBatch<CountRow<RowOfBatch<B>, K>>> =>
    pipeline<MicroBatch<CountRow<RowOfBatch<B>, K>>>(aggregationPlan(OP, inputPlan(OP, source), columns, () => count));
}
