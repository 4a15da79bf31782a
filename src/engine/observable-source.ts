import { Observable, Subject, defer, of, type Subscription } from 'rxjs';
import { AnalysisError } from '../errors.js';
import { Batch } from './batch.js';
import type { JsonValue, Offset, ReadLimit, Source, SourceBatch, SourceSpec } from './source.js';

/** What an observable source accepts per emission: a batch-like object with `rows`, or an array of rows. */
export type BatchLike<R> = readonly R[] | { readonly rows: readonly R[]; readonly numMalformedRows?: number; readonly file?: { readonly name: string } };

function itemsOf(offset: Offset | null): number {
  if (offset === null) return 0;
  const n = (offset as { items?: unknown }).items;
  return typeof n === 'number' ? n : 0;
}

/**
 * A source over a plain RxJS Observable (a message stream, a hand-made hot or cold marble
 * source): each emission is one item holding rows; the offset counts the items received. The
 * items are kept in memory until a batch that read them commits, so the source can replay
 * batches. It completes (is exhausted) when the observable completes; its error fails the query.
 */
export function observableSourceSpec<R>(source$: Observable<BatchLike<R>>, description = 'ObservableSource'): SourceSpec<R> {
  return {
    description,
    isStreaming: true,
    create: () => new ObservableSource(source$, description),
  };
}

class ObservableSource<R> implements Source<R> {
  readonly pollIntervalMs = 1000;
  private readonly items: (BatchLike<R> | undefined)[] = [];
  private completed = false;
  private subscription: Subscription | undefined;
  private readonly pushes = new Subject<void>();
  readonly dataAvailable: Observable<void> = this.pushes.asObservable();
  discovered = false;

  constructor(
    private readonly source$: Observable<BatchLike<R>>,
    readonly description: string,
  ) {}

  private ensureSubscribed(): void {
    if (this.subscription !== undefined) return;
    this.subscription = this.source$.subscribe({
      next: (item) => {
        this.items.push(item);
        this.pushes.next();
      },
      error: (e: unknown) => this.pushes.error(e),
      complete: () => {
        this.completed = true;
        this.pushes.next();
      },
    });
  }

  latestOffset(start: Offset | null, limit: ReadLimit): Observable<Offset | null> {
    return defer(() => {
      this.ensureSubscribed();
      this.discovered = true;
      const from = itemsOf(start);
      const end = limit.kind === 'all' ? this.items.length : Math.min(this.items.length, from + limit.max);
      return of(end === from ? start : { items: end });
    });
  }

  getBatch(start: Offset | null, end: Offset): Observable<SourceBatch<R>> {
    return defer(() => {
      const parts: Batch<R>[] = [];
      const inputs: string[] = [];
      let malformed = 0;
      for (let i = itemsOf(start); i < itemsOf(end); i++) {
        const item = this.items[i];
        if (item === undefined) throw new AnalysisError(`${this.description}: item ${i} was already committed and cannot be read again`);
        if (Array.isArray(item)) {
          parts.push(Batch.of(item as readonly R[]));
          continue;
        }
        const b = item as Exclude<BatchLike<R>, readonly R[]>;
        if (b === null || typeof b !== 'object' || !Array.isArray(b.rows)) {
          throw new AnalysisError(`${this.description}: emission ${i} is neither an array of rows nor an object with a rows array`);
        }
        parts.push(Batch.of(b.rows));
        if (typeof b.numMalformedRows === 'number') malformed += b.numMalformedRows;
        if (b.file !== undefined && typeof b.file.name === 'string') inputs.push(b.file.name);
      }
      return of({ rows: Batch.concat(parts), malformedRows: () => malformed, inputs });
    });
  }

  commit(end: Offset): void {
    for (let i = 0; i < itemsOf(end); i++) this.items[i] = undefined;
  }

  pending(offset: Offset | null): number {
    return this.items.length - itemsOf(offset);
  }

  known(): number {
    return this.items.length;
  }

  isExhausted(offset: Offset | null): boolean {
    return this.completed && itemsOf(offset) >= this.items.length;
  }

  checkpoint(): JsonValue {
    return { items: this.items.length };
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
