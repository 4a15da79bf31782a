/**
 * The rows of one micro-batch as the engine's steps see them. Steps reach rows only through
 * this class, never through a bare array, so the representation can change (typed-array
 * columns, rows materialised on demand) without touching every operator.
 *
 * A batch is a sequence of chunks (a source's files, for example). A batch made by `lazy`,
 * `concat` of lazy batches, `mapChunks`, `map` or `filter` is computed as it is read, chunk by
 * chunk, and read once: the stateless steps of a query run chunk by chunk into the stateful
 * step that consumes them, so a large batch never holds every intermediate row at once (the
 * garbage stays young). `rows` materialises a batch into one array and keeps it.
 */
export class Batch<R> {
  private static readonly EMPTY = new Batch<never>([], undefined);
  private consumed = false;
  private produced = 0;

  private constructor(
    private data: readonly R[] | undefined,
    private readonly producer: (() => Iterable<readonly R[]>) | undefined,
  ) {}

  /** A batch over `rows` (not copied: the caller gives the array up). */
  static of<R>(rows: readonly R[]): Batch<R> {
    return rows.length === 0 ? Batch.empty<R>() : new Batch(rows, undefined);
  }

  static empty<R>(): Batch<R> {
    return Batch.EMPTY as Batch<R>;
  }

  /** A batch whose chunks `producer` makes as they are read (once). */
  static lazy<R>(producer: () => Iterable<readonly R[]>): Batch<R> {
    return new Batch<R>(undefined, producer);
  }

  /** One batch holding the chunks of `batches` in order. */
  static concat<R>(batches: readonly Batch<R>[]): Batch<R> {
    if (batches.length === 1) return batches[0] as Batch<R>;
    if (batches.every((b) => b.data !== undefined)) {
      const out: R[] = [];
      for (const b of batches) for (const r of b.data as readonly R[]) out.push(r);
      return Batch.of(out);
    }
    return Batch.lazy(function* () {
      for (const b of batches) yield* b.chunks();
    });
  }

  /** The chunks, in order. A lazy batch can be read once; `rows` can be read any number of times. */
  *chunks(): Generator<readonly R[]> {
    if (this.data !== undefined) {
      if (this.data.length > 0) yield this.data;
      return;
    }
    if (this.consumed) throw new Error('a lazy batch was read twice (read `rows` to keep its rows)');
    this.consumed = true;
    for (const chunk of (this.producer as () => Iterable<readonly R[]>)()) {
      this.produced += chunk.length;
      yield chunk;
    }
  }

  /** The rows as one array (materialised, then kept). */
  get rows(): readonly R[] {
    if (this.data === undefined) {
      const out: R[] = [];
      for (const chunk of this.chunks()) for (let i = 0; i < chunk.length; i++) out.push(chunk[i] as R);
      this.data = out;
    }
    return this.data;
  }

  /** Rows in the batch (materialises a lazy batch that has not been read). */
  get numRows(): number {
    if (this.data === undefined && this.consumed) return this.produced;
    return this.rows.length;
  }

  /** Reads a lazy batch to its end if nothing did (so a source's counts are final); returns the number of rows. */
  drain(): number {
    if (this.data !== undefined) return this.data.length;
    if (!this.consumed) for (const chunk of this.chunks()) void chunk;
    return this.produced;
  }

  /** A batch of `fn` applied to each chunk, computed as it is read. */
  mapChunks<S>(fn: (chunk: readonly R[]) => readonly S[]): Batch<S> {
    return Batch.lazy(() => mapIterable(this.chunks(), fn));
  }

  filter(predicate: (row: R) => boolean): Batch<R> {
    return this.mapChunks((chunk) => chunk.filter(predicate));
  }

  map<S>(fn: (row: R) => S): Batch<S> {
    return this.mapChunks((chunk) => chunk.map(fn));
  }
}

function* mapIterable<T, S>(source: Iterable<T>, fn: (t: T) => S): Generator<S> {
  for (const t of source) yield fn(t);
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
  /** Adds another chunk's statistics. */
  merge(s: EventTimeStats): void {
    if (s.count === 0) return;
    if (s.min < this.min) this.min = s.min;
    if (s.max > this.max) this.max = s.max;
    this.sum += s.avg * s.count;
    this.count += s.count;
  }
  build(): EventTimeStats | undefined {
    return this.count === 0 ? undefined : { min: this.min, max: this.max, avg: this.sum / this.count, count: this.count };
  }
}
