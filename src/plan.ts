import { BehaviorSubject, Observable, Subject } from 'rxjs';
import { AnalysisError } from './errors.js';

export type OutputMode = 'append' | 'update' | 'complete';

/** What the file source reports about its listings, for the query handle and progress bars. */
export interface SourceStatus {
  /** Listings done so far (also the empty ones). */
  readonly listings: number;
  /** New files found by all listings so far. */
  readonly filesListed: number;
  /** Files read and emitted so far. */
  readonly filesRead: number;
  /** True while a listing or its reads are under way. */
  readonly busy: boolean;
}

/**
 * The file source's status, shared by every subscription of one `readJsonFiles` observable
 * (a query subscribes once). `requestListing()` asks the source to list its directory now
 * instead of at the next poll (what `processAllAvailable()` uses).
 */
export class SourceMonitor {
  private readonly status$ = new BehaviorSubject<SourceStatus>({ listings: 0, filesListed: 0, filesRead: 0, busy: false });
  private readonly requests$ = new Subject<void>();

  /** The current status; replays the latest to a new subscriber. */
  readonly status: Observable<SourceStatus> = this.status$.asObservable();
  /** Requests for an immediate listing. */
  readonly listingRequests: Observable<void> = this.requests$.asObservable();

  get current(): SourceStatus {
    return this.status$.getValue();
  }

  requestListing(): void {
    this.requests$.next();
  }

  /** Called by the source. */
  update(change: Partial<SourceStatus>): void {
    this.status$.next({ ...this.status$.getValue(), ...change });
  }
}

/**
 * The logical plan of a pipeline, known while it is composed (before anything runs), as
 * Spark knows a DataFrame's plan: whether it is streaming, whether it aggregates, and the
 * file source's monitor. Our operators pass it on; a sink checks it when it is composed, so a
 * query Spark would reject at definition (append mode over an aggregation without watermark)
 * is rejected here at the same point.
 */
export interface QueryPlan {
  readonly isStreaming: boolean;
  readonly source?: SourceMonitor;
  readonly aggregated?: boolean;
  readonly watermark?: { readonly column: string; readonly delayMs: number };
  /** The query name a sink gives (a memory table's name), known before the first trigger. */
  readonly queryName?: string;
}

/** An Observable that knows its plan. */
export type PlannedObservable<T> = Observable<T> & { readonly plan: QueryPlan };

/** Attaches a plan to an observable (our operators call this on what they return). */
export function withPlan<T>(observable: Observable<T>, plan: QueryPlan): PlannedObservable<T> {
  return Object.assign(observable, { plan });
}

/** The plan of an observable built with structured-rx operators; undefined for a foreign one. */
export function planOf(observable: Observable<unknown>): QueryPlan | undefined {
  const p = (observable as Partial<PlannedObservable<unknown>>).plan;
  return p !== undefined && typeof p === 'object' ? p : undefined;
}

/** Passes `source`'s plan on to `result`, changed by `change`. */
export function derivePlan<T>(source: Observable<unknown>, result: Observable<T>, change: Partial<QueryPlan> = {}): Observable<T> {
  const plan = planOf(source);
  return plan === undefined ? result : withPlan(result, { ...plan, ...change });
}

/**
 * Spark's `DataFrame.isStreaming`: true when the pipeline reads a watching source, false for a
 * finite one. Throws `AnalysisError` for an observable whose plan is unknown (one that does not
 * start from a structured-rx source, or passed through a foreign operator).
 */
export function isStreaming(observable: Observable<unknown>): boolean {
  const plan = planOf(observable);
  if (plan === undefined) {
    throw new AnalysisError('isStreaming: this observable was not built from a structured-rx source, so whether it streams is unknown');
  }
  return plan.isStreaming;
}
