import { randomUUID } from 'node:crypto';
import { Observable, ReplaySubject, Subject, Subscription } from 'rxjs';
import { AnalysisError, StructuredRxError } from './errors.js';
import { planOf, type SourceMonitor } from './plan.js';
import type { BatchProgress, StreamingQueryProgress } from './progress.js';

/** Spark's `StreamingQueryStatus`. */
export interface StreamingQueryStatus {
  readonly message: string;
  readonly isDataAvailable: boolean;
  readonly isTriggerActive: boolean;
}

export interface StartQueryOptions {
  /** The query name; default: the name the sink reports (a memory table's name). */
  readonly name?: string;
  /** A stable id (Spark keeps it in the checkpoint); default a new UUID. */
  readonly id?: string;
}

/** The query failed: `cause` is the error that ended it. */
export class StreamingQueryException extends StructuredRxError {
  constructor(
    readonly queryName: string | null,
    cause: unknown,
  ) {
    super(`query ${queryName ?? '(unnamed)'} terminated with exception: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const RECENT = 100;

/**
 * A handle to a running query, as Spark's `StreamingQuery`: ids, status, progress, stop and
 * waiting. Create it with {@link startQuery}.
 */
export class StreamingQuery {
  readonly id: string;
  readonly runId: string = randomUUID();
  private nameValue: string | null;
  private readonly recent: StreamingQueryProgress[] = [];
  private readonly subscription = new Subscription();
  private readonly terminated$ = new ReplaySubject<void>(1);
  private readonly progress$ = new Subject<StreamingQueryProgress>();
  private active = true;
  private error: StreamingQueryException | null = null;
  private filesProcessed = 0;
  private readonly monitor: SourceMonitor | undefined;

  /** @internal use {@link startQuery} */
  constructor(query: Observable<BatchProgress>, options: StartQueryOptions = {}) {
    this.id = options.id ?? randomUUID();
    // Spark names a query at start (queryName), not at its first trigger.
    this.nameValue = options.name ?? planOf(query)?.queryName ?? null;
    this.monitor = planOf(query)?.source;
    this.subscription.add(
      query.subscribe({
        next: (p) => this.record(p),
        error: (e: unknown) => {
          this.error = new StreamingQueryException(this.nameValue, e);
          this.terminate();
        },
        complete: () => this.terminate(),
      }),
    );
  }

  get name(): string | null {
    return this.nameValue;
  }

  /** True until the query stops, completes or fails. */
  get isActive(): boolean {
    return this.active;
  }

  /** The error that ended the query, or null. */
  get exception(): StreamingQueryException | null {
    return this.error;
  }

  /** The last trigger's progress, or null before the first trigger. */
  get lastProgress(): StreamingQueryProgress | null {
    return this.recent[this.recent.length - 1] ?? null;
  }

  /** The last 100 triggers' progress, oldest first (a copy). */
  get recentProgress(): StreamingQueryProgress[] {
    return this.recent.slice();
  }

  /** Each trigger's progress as it completes (Spark's `StreamingQueryListener.onQueryProgress`). */
  get progress(): Observable<StreamingQueryProgress> {
    return this.progress$.asObservable();
  }

  /** Files the source has listed so far, when the query reads a structured-rx file source. */
  get filesKnown(): number | undefined {
    return this.monitor?.current.filesListed;
  }

  get status(): StreamingQueryStatus {
    if (!this.active) return { message: 'Stopped', isDataAvailable: false, isTriggerActive: false };
    const s = this.monitor?.current;
    const pending = s === undefined ? (this.lastProgress?.filesPending ?? 0) : s.filesListed - this.filesProcessed;
    if (this.lastProgress === null && (s === undefined || s.listings === 0)) {
      return { message: 'Initializing sources', isDataAvailable: false, isTriggerActive: false };
    }
    if (pending > 0) return { message: 'Processing new data', isDataAvailable: true, isTriggerActive: true };
    return { message: 'Waiting for data to arrive', isDataAvailable: false, isTriggerActive: false };
  }

  /** Stops the query: unsubscribes the pipeline, which releases the source. Resolves when stopped. */
  stop(): Promise<void> {
    this.terminate();
    return Promise.resolve();
  }

  /**
   * Waits for the query to end. Without a timeout: resolves `true` when it stops or completes.
   * With one: resolves `false` if it is still running after `timeoutMs`. Rejects with the
   * {@link StreamingQueryException} when the query failed.
   */
  awaitTermination(timeoutMs?: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const sub = this.terminated$.subscribe(() => {
        if (timer !== undefined) clearTimeout(timer);
        if (this.error !== null) reject(this.error);
        else resolve(true);
      });
      if (timeoutMs !== undefined && this.active) {
        timer = setTimeout(() => {
          sub.unsubscribe();
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /**
   * Spark's `processAllAvailable()`: resolves once every file the source can see now has been
   * processed: it asks the source to list its directory at once (after a listing already under
   * way, which may have missed newer files), then waits until the files of that listing are all
   * in finished triggers (or the query ends; rejects if it failed). Needs a query that reads a
   * structured-rx file source.
   */
  processAllAvailable(): Promise<void> {
    const monitor = this.monitor;
    if (monitor === undefined) {
      return Promise.reject(new AnalysisError('processAllAvailable: the query does not read a structured-rx file source, so what is available is unknown'));
    }
    return new Promise<void>((resolve, reject) => {
      /** The listing count once our own listing is done; set when that listing is requested. */
      let target: number | undefined;
      let ready = false;
      const subs = new Subscription();
      const check = (): void => {
        if (!ready || subs.closed) return;
        if (!this.active) {
          subs.unsubscribe();
          if (this.error !== null) reject(this.error);
          else resolve();
          return;
        }
        const s = monitor.current;
        if (target === undefined) {
          // A listing under way may have started before files that are there now, and the source
          // ignores a request while it lists: wait until it is idle, then ask for our own listing.
          if (s.busy) return;
          target = s.listings + 1;
          monitor.requestListing();
          return;
        }
        if (s.listings >= target && !s.busy && this.filesProcessed >= s.filesListed) {
          subs.unsubscribe();
          resolve();
        }
      };
      subs.add(monitor.status.subscribe(check));
      subs.add(this.progress$.subscribe(check));
      subs.add(this.terminated$.subscribe(check));
      ready = true;
      check();
    });
  }

  private record(p: BatchProgress): void {
    if (this.nameValue === null) this.nameValue = p.name;
    const full: StreamingQueryProgress = { ...p, id: this.id, runId: this.runId };
    this.filesProcessed += p.files.length;
    this.recent.push(full);
    if (this.recent.length > RECENT) this.recent.shift();
    this.progress$.next(full);
  }

  private terminate(): void {
    if (!this.active) return;
    this.active = false;
    this.subscription.unsubscribe();
    this.progress$.complete();
    this.terminated$.next();
    this.terminated$.complete();
  }
}

/**
 * Starts a query: subscribes to a pipeline that ends in a sink (`toMemoryTable`,
 * `foreachBatch`) and returns its {@link StreamingQuery} handle, as Spark's
 * `writeStream...start()`. The query runs until it is stopped, its source completes (a finite
 * source, or trigger `once`/`availableNow`), or it fails.
 *
 * @example
 * const query = startQuery(counts$.pipe(toMemoryTable('counts', { outputMode: 'complete', catalog })));
 * await query.processAllAvailable();
 * await query.stop();
 */
export function startQuery(query: Observable<BatchProgress>, options: StartQueryOptions = {}): StreamingQuery {
  return new StreamingQuery(query, options);
}
