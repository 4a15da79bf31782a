/**
 * The monitor server over real files: the page and uPlot are served, the page's event stream
 * starts with every running query and gets each batch, the SQL stream pushes a statement's
 * result after the triggers that change its tables, bad options throw where the server is
 * created, and closing it (or stopping the query) leaves nothing open.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Catalog, InvalidArgumentError, type StreamingQuery, type StreamingQueryProgress } from '../../src/index.js';
import type { HelloMessage, TableView, UpdateMessage } from '../../src/monitor/hub.js';
import { MonitorServerError, type MonitorServer } from '../../src/monitor/server.js';
import { removeTempDirs, tempDir } from '../cli/helpers.js';
import { ROOT, addEvents, eventually, get, openSse, serveForTest, startCounts, type SseStream } from './helpers.js';

afterAll(removeTempDirs);

const rowsOf = (view: TableView | undefined): unknown[][] => (view?.rows ?? []).map((r) => [...r]);

describe('the page and its assets', () => {
  let monitor: MonitorServer;
  beforeAll(async () => {
    monitor = await serveForTest();
  });
  afterAll(() => monitor.close());

  it('serves the page, its script and style, and uPlot from the installed package', async () => {
    const page = await get(monitor.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    for (const src of ['vendor/uPlot.iife.min.js', 'vendor/uPlot.min.css', 'app.js', 'style.css']) expect(page.body).toContain(src);
    const uplot = await get(`${monitor.url}vendor/uPlot.iife.min.js`);
    expect(uplot.body).toBe(readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'));
    const app = await get(`${monitor.url}app.js`);
    expect(app.body).toBe(readFileSync(`${ROOT}/src/monitor/static/app.js`, 'utf8'));
    expect(app.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('bound to 127.0.0.1, answers only requests that name this machine in Host (no DNS rebinding)', async () => {
    const port = new URL(monitor.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) expect([host, (await get(`${monitor.url}api/queries`, 'GET', { host })).status]).toEqual([host, 200]);
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`]) {
      expect([host, (await get(`${monitor.url}api/queries`, 'GET', { host })).status]).toEqual([host, 403]);
    }
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await get(`${monitor.url}nope`)).status).toBe(404);
    expect((await get(`${monitor.url}../package.json`)).status).toBe(404);
    expect((await get(monitor.url, 'POST')).status).toBe(405);
  });

  it('refuses an SQL stream without a catalog, with the reason as its one event', async () => {
    const sql = await openSse(`${monitor.url}sql?q=${encodeURIComponent('select 1')}`);
    const err = await sql.waitFor<{ message: string }>('sqlerror');
    expect(err.message).toMatch(/without a catalog/);
    await sql.ended;
  });
});

describe('bad options', () => {
  it.each([
    [{ port: -1 }, 'port'],
    [{ port: 70000 }, 'port'],
    [{ port: 1.5 }, 'port'],
    [{ host: '' }, 'host'],
    [{ updateIntervalMs: 0 }, 'updateIntervalMs'],
    [{ catalog: {} as Catalog }, 'catalog'],
  ])('%j throws InvalidArgumentError naming the option, before anything listens', (options, option) => {
    let thrown: unknown;
    try {
      void serveForTest(options);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect(thrown).toMatchObject({ operator: 'serveMonitor', option });
  });

  it('a port in use rejects with MonitorServerError (EADDRINUSE)', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(serveForTest({ port })).rejects.toMatchObject({ constructor: MonitorServerError, code: 'EADDRINUSE', port });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

describe('a running query', () => {
  let dir: string;
  let catalog: Catalog;
  let query: StreamingQuery;
  let monitor: MonitorServer;
  const streams: SseStream[] = [];

  beforeAll(async () => {
    dir = tempDir();
    catalog = new Catalog();
    addEvents(dir, 'file-0.json', 40, 0);
    query = startCounts(dir, catalog);
    monitor = await serveForTest({ catalog });
    await query.processAllAvailable();
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await query.stop();
    await monitor.close();
  });

  it('the page stream starts with the query, its recent batches and its table, then gets each new batch', async () => {
    const events = await openSse(`${monitor.url}events`);
    streams.push(events);
    const hello = await events.waitFor<HelloMessage>('hello');
    const q = hello.queries.find((x) => x.runId === query.runId);
    expect(q).toMatchObject({ id: query.id, name: 'counts', active: true, table: 'counts' });
    expect(q?.recentProgress.map((p) => p.batchId)).toEqual(query.recentProgress.map((p) => p.batchId));
    expect(q?.totals.inputRows).toBe(40);
    const table = hello.tables.find((t) => t.name === 'counts');
    expect(table?.columns.map((c) => [c.name, c.type])).toEqual([
      ['action', 'string'],
      ['window', 'window'],
      ['count', 'long'],
    ]);
    const window = { start: '2016-07-26T02:00:00.000Z', end: '2016-07-26T03:00:00.000Z' };
    expect(rowsOf(table)).toContainEqual(['Open', window, 40 / 2]);

    addEvents(dir, 'file-1.json', 30, 600);
    const update = await events.waitFor<UpdateMessage>('update', (m) => m.progress.some((p) => p.progress.numInputRows === 30));
    const batch = update.progress.find((p) => p.progress.numInputRows === 30)?.progress as StreamingQueryProgress;
    expect(batch.sources[0]?.inputs).toEqual(['file-1.json']);
    await events.waitFor<UpdateMessage>('update', (m) => m.queries.some((x) => x.runId === query.runId && x.totals.inputRows === 40 + 30));
    // update mode: the memory table gets each batch's changed rows, here the window's new counts
    const tableUpdate = await events.waitFor<UpdateMessage>('update', (m) => m.tables.some((t) => t.name === 'counts' && t.batchId >= batch.batchId));
    expect(rowsOf(tableUpdate.tables.find((t) => t.name === 'counts'))).toContainEqual(['Open', window, (40 + 30) / 2]);
  });

  it('/api/queries is the same state as JSON', async () => {
    await query.processAllAvailable();
    const res = await get(`${monitor.url}api/queries`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const hello = JSON.parse(res.body) as HelloMessage;
    expect(hello.catalog).toBe(true);
    const totals = hello.queries.find((x) => x.runId === query.runId)?.totals;
    expect(totals?.inputRows).toBe(query.recentProgress.reduce((n, p) => n + p.numInputRows, 0));
    expect(totals?.batches).toBe(query.recentProgress.length);
  });

  it('the SQL stream pushes the result after each trigger that changes its table', async () => {
    const statement = 'select action, sum(count) as total from counts group by action order by action';
    const sql = await openSse(`${monitor.url}sql?q=${encodeURIComponent(statement)}`);
    streams.push(sql);
    const first = await sql.waitFor<TableView>('result');
    expect(first.columns.map((c) => c.name)).toEqual(['action', 'total']);
    const before = new Map(first.rows.map((r) => [r[0], Number(r[1])]));
    addEvents(dir, 'file-2.json', 10, 1200);
    const next = await sql.waitFor<TableView>('result', (v) => v.rows.reduce((n, r) => n + Number(r[1]), 0) === [...before.values()].reduce((a, b) => a + b, 0) + 10);
    expect(next.rows.map((r) => r[0])).toEqual(['Close', 'Open']);
    expect(Number(next.rows[1]?.[1])).toBe((before.get('Open') ?? 0) + 5);
  });

  it.each([
    ['select nope from counts', 'SqlUnknownColumnError'],
    ['select * from missing_table', 'SqlUnknownTableError'],
    ['select action from counts where', 'SqlSyntaxError'],
  ])('the SQL stream of %j is its error, then ends', async (statement, error) => {
    const sql = await openSse(`${monitor.url}sql?q=${encodeURIComponent(statement)}`);
    expect(await sql.waitFor('sqlerror')).toMatchObject({ error });
    await sql.ended;
    expect(sql.events.filter((e) => e.event === 'result')).toEqual([]);
  });

  it('an empty or oversized statement is a 400', async () => {
    expect((await get(`${monitor.url}sql?q=`)).status).toBe(400);
    expect((await get(`${monitor.url}sql?q=${'x'.repeat(9 * 1024)}`)).status).toBe(400);
  });
});

describe('stopping and closing', () => {
  const TRACKED = ['TCPServerWrap', 'TCPSocketWrap', 'Timeout'];
  const open = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const r of process.getActiveResourcesInfo()) if (TRACKED.includes(r)) counts.set(r, (counts.get(r) ?? 0) + 1);
    return counts;
  };

  it('the page sees the query end; close() ends its streams with "bye" and leaves no socket, server or timer', async () => {
    const baseline = open();
    const dir = tempDir();
    const catalog = new Catalog();
    addEvents(dir, 'file-0.json', 10, 0);
    const query = startCounts(dir, catalog);
    const monitor = await serveForTest({ catalog });
    await query.processAllAvailable();
    const events = await openSse(`${monitor.url}events`);
    const sql = await openSse(`${monitor.url}sql?q=${encodeURIComponent('select * from counts')}`);
    await events.waitFor('hello');
    await sql.waitFor('result');

    await query.stop();
    const ended = await events.waitFor<UpdateMessage>('update', (m) => m.queries.some((q) => q.runId === query.runId && !q.active));
    expect(ended.queries.find((q) => q.runId === query.runId)?.status.message).toBe('Stopped');

    await monitor.close();
    await Promise.all([events.ended, sql.ended]);
    expect(events.events[events.events.length - 1]?.event).toBe('bye');
    expect(sql.events[sql.events.length - 1]?.event).toBe('bye');
    await eventually('no server, socket or timer of the monitor or the query is left', () => {
      const now = open();
      return TRACKED.every((t) => (now.get(t) ?? 0) <= (baseline.get(t) ?? 0));
    });
    await expect(get(monitor.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a page that goes away is forgotten: its subscriptions end with it', async () => {
    const catalog = new Catalog();
    catalog.createOrReplaceTempView('t', [{ a: 1 }]);
    const monitor = await serveForTest({ catalog });
    const sql = await openSse(`${monitor.url}sql?q=${encodeURIComponent('select a from t')}`);
    await sql.waitFor('result');
    const replaced = (catalog as unknown as { replaced: { observers: unknown[] } }).replaced;
    const withPage = replaced.observers.length;
    sql.close();
    await eventually('the SQL stream unsubscribed from the catalog', () => replaced.observers.length < withPage);
    await monitor.close();
    expect(replaced.observers.length).toBe(0);
  });
});
