/**
 * Helpers of the monitor's tests: the server with the page's files from this checkout, a small
 * Server-Sent Events reader and plain GETs over node:http (no connection pool, so that nothing
 * stays open after a test), and the notebook's query over a temporary directory.
 */
import { request } from 'node:http';
import path from 'node:path';
import { Catalog, groupCount, readJsonFiles, startQuery, throttleFiles, toMemoryTable, tumblingWindow, withWatermark, type StreamingQuery } from '../../src/index.js';
import { monitorAssets, startMonitorServer, type MonitorOptions, type MonitorServer } from '../../src/monitor/server.js';
import { writeEvents } from '../cli/helpers.js';

export const ROOT = path.resolve(__dirname, '..', '..');

/** `serveMonitor` as the package runs it, with the page's files from this checkout. */
export function serveForTest(options: MonitorOptions = {}): Promise<MonitorServer> {
  return startMonitorServer({ port: 0, updateIntervalMs: 20, ...options }, () => monitorAssets(ROOT));
}

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request, the whole body as text. */
export function get(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

export interface SseStream {
  /** Every event received so far, in order. */
  readonly events: readonly SseEvent[];
  /** The first event (received so far or later) named `event` whose data passes `test`. */
  waitFor<T>(event: string, test?: (data: T) => boolean): Promise<T>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens an event stream and parses its events (`event:` and one `data:` line of JSON each). */
export function openSse(url: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const waiters: { event: string; test: (d: unknown) => boolean; resolve: (d: unknown) => void; reject: (e: Error) => void }[] = [];
    let buffer = '';
    let endedResolve: () => void = () => undefined;
    const ended = new Promise<void>((r) => (endedResolve = r));
    const check = (): void => {
      for (const w of [...waiters]) {
        const hit = events.find((e) => e.event === w.event && w.test(e.data));
        if (hit !== undefined) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(hit.data);
        }
      }
    };
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${url}: status ${String(res.statusCode)}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name !== undefined && data !== undefined) events.push({ event: name, data: JSON.parse(data) as unknown });
        }
        check();
      });
      res.on('close', () => {
        endedResolve();
        for (const w of waiters.splice(0)) w.reject(new Error(`the stream ended before a "${w.event}" event that passes the test`));
      });
      resolve({
        events,
        ended,
        waitFor: <T>(event: string, test: (data: T) => boolean = () => true) =>
          new Promise<T>((res2, rej) => {
            waiters.push({ event, test: test as (d: unknown) => boolean, resolve: res2 as (d: unknown) => void, reject: rej });
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** 2016-07-26T02:45:07Z, the first event of the notebook's dataset, in epoch seconds. */
export const T0 = 1469501107;
let mtime = 1_700_000_000;

/** Writes a file of `n` events `seconds` after T0 (alternating Open and Close), each file newer than the last. */
export function addEvents(dir: string, name: string, n: number, seconds: number): void {
  const events = Array.from({ length: n }, (_, i) => ({ time: T0 + seconds + i, action: i % 2 === 0 ? 'Open' : 'Close' }));
  writeEvents(dir, name, events, mtime++);
}

/** The notebook's windowed count with a 10-minute watermark in update mode, one file per trigger, watching `dir`. */
export function startCounts(dir: string, catalog: Catalog, table = 'counts'): StreamingQuery {
  return startQuery(
    readJsonFiles(dir, { schema: 'time TIMESTAMP, action STRING', watch: true, pollInterval: '30 milliseconds' }).pipe(
      throttleFiles(1),
      withWatermark('time', '10 minutes'),
      tumblingWindow('time', '1 hour'),
      groupCount('action', 'window'),
      toMemoryTable(table, { catalog, outputMode: 'update' }),
    ),
  );
}

/** Waits until `test` holds, checking every 10 ms; fails after `limitMs` (a bound for a hung test, not a timing assertion). */
export async function eventually(what: string, test: () => boolean, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > limitMs) throw new Error(`still not true after ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
