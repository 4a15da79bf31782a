/**
 * The process's running queries, as Spark's `spark.streams` (`StreamingQueryManager`): every
 * {@link StreamingQuery} registers when it starts and leaves when it stops, completes or fails.
 * {@link streamingQueryEvents} is Spark's `StreamingQueryListener` as an Observable. This module
 * has no dependency beyond RxJS; the monitor page and the Prometheus metrics read it.
 */
import { Observable, Subject } from 'rxjs';
import type { StreamingQueryProgress } from '../progress.js';
import type { StreamingQuery } from '../query.js';

/** Spark's `StreamingQueryListener` events: `onQueryStarted`, `onQueryProgress`, `onQueryTerminated`. */
export type StreamingQueryEvent =
  | { readonly type: 'started'; readonly query: StreamingQuery }
  | { readonly type: 'progress'; readonly query: StreamingQuery; readonly progress: StreamingQueryProgress }
  | { readonly type: 'terminated'; readonly query: StreamingQuery };

const active = new Set<StreamingQuery>();
const events = new Subject<StreamingQueryEvent>();

/** The queries of this process that are running now, oldest first (Spark's `spark.streams.active`). */
export function activeQueries(): StreamingQuery[] {
  return [...active];
}

/**
 * Every query's start, progress and end in this process, as they happen (hot: a subscriber sees
 * events after it subscribed; {@link activeQueries} gives the queries already running). A
 * listener that throws is reported by RxJS as an unhandled error; it never reaches the query.
 */
export function streamingQueryEvents(): Observable<StreamingQueryEvent> {
  return events.asObservable();
}

/** @internal called by the StreamingQuery handle when it starts */
export function registerQuery(query: StreamingQuery): void {
  active.add(query);
  events.next({ type: 'started', query });
}

/** @internal called by the StreamingQuery handle after each batch */
export function reportProgress(query: StreamingQuery, progress: StreamingQueryProgress): void {
  if (events.observed) events.next({ type: 'progress', query, progress });
}

/** @internal called by the StreamingQuery handle when it stops, completes or fails */
export function deregisterQuery(query: StreamingQuery): void {
  if (active.delete(query)) events.next({ type: 'terminated', query });
}
