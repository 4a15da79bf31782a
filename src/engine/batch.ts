import { ColumnChunk } from './columns.js';

/** A piece of a batch: rows, or the same rows as columns (see `ColumnChunk`). */
export type BatchPart<R> = readonly R[] | ColumnChunk;

/**
 * The rows of one micro-batch as the engine's steps see them. Steps reach rows only through
 * this class, never through a bare array, so the representation can change (typed-array
 * columns, rows materialised on demand) without touching every operator.
 *
 * A batch is a sequence of parts (a source's files, for example), each an array of rows or a
 * {@link ColumnChunk}. Steps that read rows (`chunks`, `rows`, `map`, `filter`, `mapChunks`)
 * see arrays of rows: a columnar part is materialised into rows as they read it. The engine's
 * own hot-path steps read `parts` and keep columns as columns.
 *
 * A batch made by `lazy`, `concat` of lazy batches, `mapParts`, `mapChunks`, `map` or `filter` is
 * computed as it is read, part by part, and read once: the stateless steps of a query run part by
 * part into the stateful step that consumes them, so a large batch never holds every
 * intermediate row at once (the garbage stays young). `rows` materialises a batch into one
 * array and keeps it.
 */
export class Batch<R> {
  private static readonly EMPTY = new Batch<never>([], undefined);
  private consumed = false;
  private produced = 0;

  private constructor(
    private data: readonly R[] | undefined,
    private readonly producer: (() => Iterable<BatchPart<R>>) | undefined,
  ) {}

  /** A batch over `rows` (not copied: the caller gives the array up). */
  static of<R>(rows: readonly R[]): Batch<R> {
    return rows.length === 0 ? Batch.empty<R>() : new Batch(rows, undefined);
  }

  static empty<R>(): Batch<R> {
    return Batch.EMPTY as Batch<R>;
  }

  /** A batch whose parts `producer` makes as they are read (once). */
  static lazy<R>(producer: () => Iterable<BatchPart<R>>): Batch<R> {
    return new Batch<R>(undefined, producer);
  }

  /** One batch holding the parts of `batches` in order. */
  static concat<R>(batches: readonly Batch<R>[]): Batch<R> {
    if (batches.length === 1) return batches[0] as Batch<R>;
    if (batches.every((b) => b.data !== undefined)) {
      const out: R[] = [];
      for (const b of batches) for (const r of b.data as readonly R[]) out.push(r);
      return Batch.of(out);
    }
    return Batch.lazy(function* () {
      for (const b of batches) yield* b.parts();
    });
  }

  /** The parts, in order, columnar ones as they are. A lazy batch can be read once; `rows` can be read any number of times. */
  *parts(): Generator<BatchPart<R>> {
    if (this.data !== undefined) {
      if (this.data.length > 0) yield this.data;
      return;
    }
    if (this.consumed) throw new Error('a lazy batch was read twice (read `rows` to keep its rows)');
    this.consumed = true;
    for (const part of (this.producer as () => Iterable<BatchPart<R>>)()) {
      this.produced += part.length;
      yield part;
    }
  }

  /** The chunks of rows, in order (a columnar part is materialised as it is read). */
  *chunks(): Generator<readonly R[]> {
    for (const part of this.parts()) yield rowsOf(part);
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
    if (!this.consumed) for (const part of this.parts()) void part;
    return this.produced;
  }

  /** A batch of `fn` applied to each part, computed as it is read. */
  mapParts<S>(fn: (part: BatchPart<R>) => BatchPart<S>): Batch<S> {
    return Batch.lazy(() => mapIterable(this.parts(), fn));
  }

  /** A batch of `fn` applied to each chunk of rows, computed as it is read. */
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

/** A part's rows: the array itself, or a columnar part's rows materialised. */
export function rowsOf<R>(part: BatchPart<R>): readonly R[] {
  return part instanceof ColumnChunk ? (part.rows() as unknown as readonly R[]) : part;
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
