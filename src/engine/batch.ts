/**
 * The rows of one micro-batch as the engine's steps see them. Steps reach rows only through
 * this class (`numRows`, iteration, `filter`, `map`, `rows`), never through a bare array, so
 * the representation can become columnar (typed-array columns, rows materialised on demand)
 * without touching every operator.
 */
export class Batch<R> implements Iterable<R> {
  private static readonly EMPTY = new Batch<never>([]);

  private constructor(private readonly data: readonly R[]) {}

  /** A batch over `rows` (not copied: the caller gives the array up). */
  static of<R>(rows: readonly R[]): Batch<R> {
    return rows.length === 0 ? Batch.empty<R>() : new Batch(rows);
  }

  static empty<R>(): Batch<R> {
    return Batch.EMPTY as Batch<R>;
  }

  /** One batch holding the rows of `batches` in order. */
  static concat<R>(batches: readonly Batch<R>[]): Batch<R> {
    if (batches.length === 1) return batches[0] as Batch<R>;
    const out: R[] = [];
    for (const b of batches) for (const r of b.data) out.push(r);
    return Batch.of(out);
  }

  get numRows(): number {
    return this.data.length;
  }

  /** The rows as an array (materialised where a user or a sink asks for them). */
  get rows(): readonly R[] {
    return this.data;
  }

  [Symbol.iterator](): Iterator<R> {
    return this.data[Symbol.iterator]();
  }

  filter(predicate: (row: R) => boolean): Batch<R> {
    return Batch.of(this.data.filter(predicate));
  }

  map<S>(fn: (row: R) => S): Batch<S> {
    return Batch.of(this.data.map(fn));
  }
}

/** Event-time statistics of a batch's rows, epoch milliseconds. */
export interface EventTimeStats {
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  readonly count: number;
}

/** Accumulates event-time statistics over rows. */
export class EventTimeStatsBuilder {
  min = Infinity;
  max = -Infinity;
  sum = 0;
  count = 0;
  add(t: number): void {
    if (t < this.min) this.min = t;
    if (t > this.max) this.max = t;
    this.sum += t;
    this.count++;
  }
  build(): EventTimeStats | undefined {
    return this.count === 0 ? undefined : { min: this.min, max: this.max, avg: this.sum / this.count, count: this.count };
  }
}
