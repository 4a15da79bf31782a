/**
 * What the monitor page shows, kept up to date: the process's queries (running ones from the
 * registry, and the last few that ended), their totals and the live result tables, pushed to
 * the page's Server-Sent Events streams at most every `updateIntervalMs`, whatever the trigger
 * rate, so that a fast query never waits for the page.
 */
import type { ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { Subscription, auditTime, filter } from 'rxjs';
import type { Catalog, Row, TableSnapshot } from '../catalog.js';
import type { StreamingQueryProgress } from '../progress.js';
import type { StreamingQuery, StreamingQueryStatus } from '../query.js';
import type { ColumnType } from '../schema.js';
import { isWindow } from '../schema.js';
import { prepareSql, type PreparedSql } from '../sql/index.js';
import { registerQueryMetrics, type QueryMetrics } from './metrics.js';
import { activeQueries, streamingQueryEvents } from './registry.js';
import { QueryTotals } from './totals.js';

/** Queries that ended stay on the page (and in /metrics) until this many newer ones ended. */
const ENDED_KEPT = 20;
/** Rows of a live result table sent to the page. */
export const TABLE_ROWS = 200;
/** Rows of an SQL prompt's result sent to the page. */
export const SQL_ROWS = 500;
/** A page that reads slower than this many buffered bytes is disconnected (it reconnects and starts afresh). */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** How often the queries' status is sent while nothing else happens. */
const STATUS_INTERVAL_MS = 1000;

/** A table (or query result) as the page gets it: typed columns and rows of JSON cells, times as ISO-8601 UTC. */
export interface TableView {
  readonly name: string;
  readonly batchId: number;
  readonly version: number;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly (readonly unknown[])[];
  /** Rows in the table; `rows` holds the first of them. */
  readonly totalRows: number;
}

/** One run of a query as the page shows it. */
export interface QueryView {
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;
  readonly active: boolean;
  readonly status: StreamingQueryStatus;
  /** The error that ended the query, or null. */
  readonly exception: string | null;
  readonly inputsPending: number;
  readonly inputsKnown: number;
  /** The catalog table that holds the query's result, when the monitor has it. */
  readonly table: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly totals: {
    readonly batches: number;
    readonly inputRows: number;
    readonly outputRows: number;
    readonly malformedRows: number;
    readonly lateRows: number;
    readonly droppedRows: readonly (readonly [string, number])[];
  };
}

/** The first message of a page's stream: everything, with each query's recent batches. */
export interface HelloMessage {
  readonly queries: readonly (QueryView & { readonly recentProgress: readonly StreamingQueryProgress[] })[];
  readonly tables: readonly TableView[];
  readonly catalog: boolean;
}

/** What changed since the last message. */
export interface UpdateMessage {
  readonly queries: readonly QueryView[];
  readonly progress: readonly { readonly runId: string; readonly progress: StreamingQueryProgress }[];
  readonly tables: readonly TableView[];
}

interface Run {
  query: StreamingQuery | null;
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;
  readonly totals: QueryTotals;
  readonly metrics: QueryMetrics;
  readonly startedAt: string;
  endedAt: string | null;
  /** Kept from the handle when the query ended (the handle is let go). */
  ended: { status: StreamingQueryStatus; exception: string | null; recent: StreamingQueryProgress[] } | null;
  table: string | null;
}

/** A page's open event stream. */
class SseClient {
  constructor(private readonly res: ServerResponse) {}

  send(event: string, data: unknown): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (this.res.writableLength > MAX_BUFFERED) {
      this.res.destroy();
      return;
    }
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Tells the page the server is going away (so it does not reconnect), and ends the response. */
  end(): void {
    this.send('bye', {});
    if (!this.res.writableEnded) this.res.end();
  }
}

/** Opens an SSE response: headers, and the reconnection delay for the page's EventSource. */
export function openEventStream(res: ServerResponse): SseClient {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  return new SseClient(res);
}

/** A cell as JSON: timestamps and window bounds (epoch ms) as ISO-8601 UTC; numbers that JSON cannot hold as null. */
function cell(value: unknown, type: ColumnType | undefined): unknown {
  if (type === 'window' && isWindow(value)) return { start: new Date(value.start).toISOString(), end: new Date(value.end).toISOString() };
  if (type === 'timestamp' && typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value === undefined ? null : value;
}

/** The columns of a result: the schema's where known, else those of the first row. */
function tableView(
  name: string,
  rows: readonly Row[],
  schema: Readonly<Record<string, ColumnType>> | undefined,
  info: { batchId: number; version: number },
  limit: number,
  columnNames?: readonly string[],
): TableView {
  const names = columnNames ?? (schema !== undefined ? Object.keys(schema) : Object.keys(rows[0] ?? {}));
  const typeOf = (c: string): ColumnType | undefined => (schema !== undefined && Object.prototype.hasOwnProperty.call(schema, c) ? schema[c] : undefined);
  const types = names.map(typeOf);
  return {
    name,
    batchId: info.batchId,
    version: info.version,
    columns: names.map((c, i) => ({ name: c, type: types[i] ?? 'unknown' })),
    rows: rows.slice(0, limit).map((r) => names.map((c, i) => cell(Object.prototype.hasOwnProperty.call(r, c) ? r[c] : null, types[i]))),
    totalRows: rows.length,
  };
}

function snapshotView(s: TableSnapshot): TableView {
  return tableView(s.name, s.rows, s.schema, s, TABLE_ROWS);
}

/** `MemorySink[counts]` → `counts`. */
function memorySinkTable(p: StreamingQueryProgress | null): string | null {
  const m = p === null ? null : /^MemorySink\[(.*)\]$/.exec(p.sink.description);
  return m?.[1] ?? null;
}

export interface HubOptions {
  readonly catalog: Catalog | undefined;
  readonly registry: Registry;
  readonly updateIntervalMs: number;
}

export class MonitorHub {
  private readonly runs = new Map<string, Run>();
  private readonly clients = new Set<SseClient>();
  private readonly closers = new Set<() => void>();
  private readonly subscription = new Subscription();
  private pendingProgress: { runId: string; progress: StreamingQueryProgress }[] = [];
  private readonly dirtyTables = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private statusTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly options: HubOptions) {
    for (const q of activeQueries()) this.track(q);
    this.subscription.add(
      streamingQueryEvents().subscribe((e) => {
        if (e.type === 'started') this.track(e.query);
        else if (e.type === 'progress') this.onProgress(e.query, e.progress);
        else this.onTerminated(e.query);
      }),
    );
    const catalog = options.catalog;
    if (catalog !== undefined) {
      this.subscription.add(
        catalog.changes().subscribe((s) => {
          if (this.clients.size === 0 || ![...this.runs.values()].some((r) => r.table === s.name)) return;
          this.dirtyTables.add(s.name);
          this.scheduleFlush();
        }),
      );
    }
  }

  /** Everything, for a page that just connected (and for `/api/queries`). */
  hello(): HelloMessage {
    const catalog = this.options.catalog;
    const tables: TableView[] = [];
    for (const name of new Set([...this.runs.values()].map((r) => r.table))) {
      const s = name === null ? undefined : catalog?.table(name);
      if (s !== undefined) tables.push(snapshotView(s));
    }
    return {
      queries: [...this.runs.values()].map((r) => ({ ...this.view(r), recentProgress: r.query?.recentProgress ?? r.ended?.recent ?? [] })),
      tables,
      catalog: catalog !== undefined,
    };
  }

  /** Serves the page's main event stream on `res` until the page or the server goes away. */
  addClient(res: ServerResponse): void {
    const client = openEventStream(res);
    client.send('hello', this.hello());
    this.clients.add(client);
    this.statusTimer ??= setInterval(() => this.scheduleFlush(), STATUS_INTERVAL_MS);
    this.onClose(res, client, () => {
      this.clients.delete(client);
      if (this.clients.size === 0 && this.statusTimer !== undefined) {
        clearInterval(this.statusTimer);
        this.statusTimer = undefined;
      }
    });
  }

  /**
   * Serves one SQL statement over the catalog as an event stream: its result now and again after
   * the triggers that replace a table it reads (at most one run per update interval), or its
   * error, after which the stream ends. Rows beyond {@link SQL_ROWS} are counted, not sent.
   */
  addSqlClient(res: ServerResponse, statement: string): void {
    const catalog = this.options.catalog;
    const client = openEventStream(res);
    const fail = (e: unknown): void => {
      client.send('sqlerror', { error: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
      client.end();
    };
    if (catalog === undefined) return fail(new Error('the monitor was started without a catalog: there are no tables to query'));
    let prepared: PreparedSql;
    try {
      prepared = prepareSql(statement);
    } catch (e) {
      return fail(e);
    }
    const run = (): boolean => {
      try {
        const result = prepared.execute(catalog);
        const batchId = Math.max(-1, ...prepared.tables.map((t) => catalog.table(t)?.batchId ?? -1));
        client.send('result', tableView('result', result.rows, result.schema, { batchId, version: 0 }, SQL_ROWS, result.columns));
        return true;
      } catch (e) {
        fail(e);
        return false;
      }
    };
    if (!run()) return;
    const wanted = new Set(prepared.tables.map((t) => t.toLowerCase()));
    const sub = catalog
      .changes()
      .pipe(
        filter((s) => wanted.has(s.name.toLowerCase())),
        auditTime(this.options.updateIntervalMs),
      )
      .subscribe(() => {
        if (!run()) sub.unsubscribe();
      });
    this.onClose(res, client, () => sub.unsubscribe());
  }

  /** Ends every stream (the pages are told not to reconnect), stops listening, and removes the metrics' series. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.subscription.unsubscribe();
    if (this.clients.size > 0) this.flush(); // the last state (a query that just ended) before "bye"
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    for (const close of [...this.closers]) close();
    for (const r of this.runs.values()) r.metrics.unregister();
    this.runs.clear();
  }

  private onClose(res: ServerResponse, client: SseClient, cleanup: () => void): void {
    const close = (): void => {
      if (!this.closers.delete(close)) return;
      cleanup();
      client.end();
    };
    this.closers.add(close);
    res.on('close', close);
  }

  private track(query: StreamingQuery): void {
    if (this.runs.has(query.runId)) return;
    const totals = new QueryTotals();
    const recent = query.recentProgress;
    for (const p of recent) totals.add(p);
    this.runs.set(query.runId, {
      query,
      id: query.id,
      runId: query.runId,
      name: query.name,
      totals,
      metrics: registerQueryMetrics(query, { registry: this.options.registry }),
      startedAt: new Date().toISOString(),
      endedAt: null,
      ended: null,
      table: this.tableOf(query.name, recent[recent.length - 1] ?? null),
    });
    this.scheduleFlush();
  }

  /** The table that holds a query's result: its memory sink's, else the catalog table named as the query. */
  private tableOf(name: string | null, last: StreamingQueryProgress | null): string | null {
    const catalog = this.options.catalog;
    if (catalog === undefined) return null;
    const candidate = memorySinkTable(last) ?? name;
    return candidate !== null && catalog.table(candidate) !== undefined ? candidate : null;
  }

  private onProgress(query: StreamingQuery, progress: StreamingQueryProgress): void {
    const run = this.runs.get(query.runId);
    if (run === undefined) return;
    run.totals.add(progress);
    run.table ??= this.tableOf(run.name, progress);
    if (this.clients.size === 0) return;
    this.pendingProgress.push({ runId: run.runId, progress });
    if (run.table !== null) this.dirtyTables.add(run.table);
    this.scheduleFlush();
  }

  private onTerminated(query: StreamingQuery): void {
    const run = this.runs.get(query.runId);
    if (run === undefined) return;
    run.ended = { status: query.status, exception: query.exception?.message ?? null, recent: query.recentProgress };
    run.endedAt = new Date().toISOString();
    run.query = null;
    const ended = [...this.runs.values()].filter((r) => r.query === null);
    for (const old of ended.slice(0, Math.max(0, ended.length - ENDED_KEPT))) {
      old.metrics.unregister();
      this.runs.delete(old.runId);
    }
    this.scheduleFlush();
  }

  private view(r: Run): QueryView {
    const q = r.query;
    const t = r.totals;
    return {
      id: r.id,
      runId: r.runId,
      name: r.name,
      active: q !== null && q.isActive,
      status: q?.status ?? r.ended?.status ?? { message: 'Stopped', isDataAvailable: false, isTriggerActive: false },
      exception: q?.exception?.message ?? r.ended?.exception ?? null,
      inputsPending: q?.inputsPending ?? 0,
      inputsKnown: q?.inputsKnown ?? 0,
      table: r.table,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      totals: {
        batches: t.batches,
        inputRows: t.inputRows,
        outputRows: t.outputRows,
        malformedRows: t.malformedRows,
        lateRows: t.lateRows,
        droppedRows: [...t.droppedRows],
      },
    };
  }

  private scheduleFlush(): void {
    if (this.closed || this.clients.size === 0 || this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.options.updateIntervalMs);
  }

  private flush(): void {
    const catalog = this.options.catalog;
    const tables: TableView[] = [];
    for (const name of this.dirtyTables) {
      const s = catalog?.table(name);
      if (s !== undefined) tables.push(snapshotView(s));
    }
    this.dirtyTables.clear();
    const message: UpdateMessage = { queries: [...this.runs.values()].map((r) => this.view(r)), progress: this.pendingProgress, tables };
    this.pendingProgress = [];
    for (const c of this.clients) c.send('update', message);
  }
}
