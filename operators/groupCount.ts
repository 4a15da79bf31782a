import { Observable, defer, map } from 'rxjs';
import type { AggregateBatch, RowBatch, RowOfBatch } from '../src/batch.js';
import { InvalidArgumentError } from '../src/errors.js';
import { derivePlan } from '../src/plan.js';
import { CountStateStore } from '../src/state-store.js';

/** A result row of `groupCount`: the grouping columns, then `count`. */
export type CountRow<R, K extends PropertyKey> = { readonly [P in K]: P extends keyof R ? R[P] : unknown } & { readonly count: number };

const OP = 'groupCount';

/**
 * The running count of rows per group across all triggers so far: Spark's
 * `groupBy(...columns).count()` on a streaming DataFrame. Each input batch (a trigger) gives one
 * {@link AggregateBatch}: `rows` is the whole result table after the trigger (what `complete`
 * mode writes), `updatedRows` the groups whose count changed in it (what `update` mode writes).
 * The sink chooses with its `outputMode`; `append` is rejected until a watermark exists, as Spark
 * rejects it for an aggregation without one.
 *
 * ```
 * input batches (action):  [Open, Open, Close]   [Open]
 * groupCount('action')
 * rows:                    [Open 2, Close 1]     [Open 3, Close 1]
 * updatedRows:             [Open 2, Close 1]     [Open 3]
 * ```
 *
 * Groups compare by value: null is a group of its own, a window by its bounds. Result rows come
 * in the order their groups were first seen. Per subscription: a new subscription starts from
 * an empty state store. Completes and errors with its source.
 *
 * @example
 * windowed$.pipe(groupCount('action', 'window'))
 */
export function groupCount<K extends string>(...columns: K[]) {
  if (columns.length === 0) throw new InvalidArgumentError(OP, 'columns', columns, 'at least one column name');
  for (const c of columns) {
    if (typeof c !== 'string' || c === '') throw new InvalidArgumentError(OP, 'columns', c, 'a column name');
  }
  if (new Set(columns).size !== columns.length) throw new InvalidArgumentError(OP, 'columns', columns, 'distinct column names');

  return <B extends RowBatch<{ readonly [P in K]: unknown }>>(
    source: Observable<B>,
  ): Observable<Omit<B, 'rows'> & AggregateBatch<CountRow<RowOfBatch<B>, K>>> => {
    type R = RowOfBatch<B>;
    const toRow = (values: readonly unknown[], count: number): CountRow<R, K> => {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) row[columns[i] as K] = values[i];
      row['count'] = count;
      return row as CountRow<R, K>;
    };
    const counted = defer(() => {
      const store = new CountStateStore(); // the aggregation's state, one per subscription
      return source.pipe(
        map((batch) => {
          const changed = new Set<string>();
          const values: unknown[] = new Array<unknown>(columns.length);
          for (const row of batch.rows) {
            for (let i = 0; i < columns.length; i++) values[i] = (row as Record<K, unknown>)[columns[i] as K];
            changed.add(store.increment(values));
          }
          const rows: CountRow<R, K>[] = [];
          for (const e of store.all()) rows.push(toRow(e.values, e.count));
          const updatedRows: CountRow<R, K>[] = [];
          for (const key of changed) {
            const e = store.get(key);
            if (e !== undefined) updatedRows.push(toRow(e.values, e.count));
          }
          const numInputRows = (batch as { numInputRows?: number }).numInputRows ?? batch.rows.length;
          return { ...batch, aggregated: true as const, rows, updatedRows, numStateRows: store.size, numInputRows };
        }),
      );
    });
    return derivePlan(source, counted, { aggregated: true });
  };
}
