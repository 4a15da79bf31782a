/**
 * The StreamingQuery handle (Spark's `StreamingQuery`) over a VirtualFileSystem, whose reads
 * are synchronous, and the real operators: ids, name, status, progress, stopping, waiting,
 * failures, processAllAvailable; plus foreachBatch, isStreaming, the Catalog and the memory
 * sink's output modes.
 *
 * The tests wait for the query (`processAllAvailable`, `awaitTermination`) before they look at
 * what it did, so none depends on whether the first trigger runs inside `startQuery` or just after.
 */
import { Observable, Subject, asapScheduler, asyncScheduler, map, observeOn, of, type SchedulerLike } from 'rxjs';
import {
  AnalysisError,
  Catalog,
  FileReadError,
  InvalidArgumentError,
  StreamingQueryException,
  foreachBatch,
  groupCount,
  isStreaming,
  planOf,
  readJsonFiles,
  startQuery,
  throttleFiles,
  toMemoryTable,
  tumblingWindow,
  type StreamFileSystem,
  type StreamingQuery,
  type StreamingQueryProgress,
} from '../../src/index.js';
import { VirtualFileSystem, virtualDirectory } from '../../src/testing/index.js';

const DIR = 'in';
const SCHEMA = 'time TIMESTAMP, action STRING';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const HOUR = 3_600_000;

/** 2016-07-26T02:45:07Z, the first event of the notebook's dataset, in epoch seconds. */
const T0 = 1469501107;
const ev = (secondsAfterT0: number, action: string) => ({ time: T0 + secondsAfterT0, action });
const ms = (secondsAfterT0: number) => (T0 + secondsAfterT0) * 1000;
const W2 = { start: Date.UTC(2016, 6, 26, 2), end: Date.UTC(2016, 6, 26, 3) };

type CountRow = {
  readonly action: string | null;
  readonly window: { readonly start: number; readonly end: number };
  readonly count: number;
};

/** The notebook's query: one file per trigger, hourly windows, count per (action, window), into a memory table. */
function countsQuery(
  fileSystem: StreamFileSystem,
  catalog: Catalog,
  options: { watch?: boolean; outputMode?: 'complete' | 'update'; table?: string } = {},
) {
  return readJsonFiles(DIR, { schema: SCHEMA, fileSystem, watch: options.watch ?? true, pollInterval: '1 hour' }).pipe(
    throttleFiles(1),
    tumblingWindow('time', '1 hour'),
    groupCount('action', 'window'),
    toMemoryTable(options.table ?? 'counts', { catalog, outputMode: options.outputMode ?? 'complete' }),
  );
}

/** Queries started by a test, stopped after it so no poll outlives it. */
const started: StreamingQuery[] = [];
function start(...args: Parameters<typeof startQuery>): StreamingQuery {
  const q = startQuery(...args);
  started.push(q);
  return q;
}
afterEach(async () => {
  for (const q of started.splice(0)) await q.stop();
});

/** A file system whose listings answer on the next microtask, so the query is seen before its first listing ends. */
function asyncListing(fs: VirtualFileSystem): StreamFileSystem {
  return { list: (dir) => fs.list(dir).pipe(observeOn(asapScheduler)), readText: (path) => fs.readText(path) };
}

describe('ids and name', () => {
  it('has a UUID id and runId, carried by every progress', async () => {
    const q = start(countsQuery(virtualDirectory(DIR, [[ev(0, 'Open')]]), new Catalog()));
    await q.processAllAvailable();
    expect(q.lastProgress).not.toBeNull();
    expect(q.id).toMatch(UUID);
    expect(q.runId).toMatch(UUID);
    expect(q.runId).not.toBe(q.id);
    expect(q.lastProgress?.id).toBe(q.id);
    expect(q.lastProgress?.runId).toBe(q.runId);
  });

  it('keeps a given id (as Spark restores it from the checkpoint) and gets a new runId at every start', () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')]]);
    const id = '5a1c1e6e-0d3b-4f4e-8f59-7c1c2b3a4d5e';
    const a = start(countsQuery(fs, new Catalog()), { id });
    const b = start(countsQuery(fs, new Catalog()), { id });
    expect([a.id, b.id]).toEqual([id, id]);
    expect(a.runId).not.toBe(b.runId);
    expect(start(countsQuery(fs, new Catalog())).id).not.toBe(id);
  });

  it('is named after the memory table', async () => {
    const q = start(countsQuery(virtualDirectory(DIR, [[ev(0, 'Open')]]), new Catalog(), { table: 'events_per_hour' }));
    await q.processAllAvailable();
    expect(q.name).toBe('events_per_hour');
    expect(q.lastProgress?.name).toBe('events_per_hour');
  });

  it('is named after the memory table before the first trigger too, as Spark names a query at start', () => {
    const q = start(countsQuery(virtualDirectory(DIR, []), new Catalog(), { table: 'counts' }));
    expect(q.lastProgress).toBeNull();
    expect(q.name).toBe('counts');
  });

  it('takes an explicit name over the sink name, and has none for an unnamed foreachBatch', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')]]);
    const named = start(countsQuery(fs, new Catalog()), { name: 'mine' });
    await named.processAllAvailable();
    expect(named.name).toBe('mine');
    expect(named.lastProgress?.name).toBe('mine');
    const unnamed = start(readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs }).pipe(throttleFiles(1), foreachBatch(() => undefined)));
    await unnamed.processAllAvailable();
    expect(unnamed.lastProgress?.batchId).toBe(0);
    expect(unnamed.lastProgress?.name).toBeNull();
    expect(unnamed.name).toBeNull();
  });
});

describe('status, progress and termination', () => {
  it("reports Spark's status messages through the query's life", async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')], [ev(60, 'Close')], [ev(120, 'Open')]]);
    const catalog = new Catalog();
    // The status while each batch is written: the memory sink replaces the table inside the trigger.
    const statusOf = (q: StreamingQuery) => `${q.status.message} ${q.status.isDataAvailable} ${q.status.isTriggerActive}`;
    const during: string[] = [];
    let query: StreamingQuery | undefined;
    catalog.changes('counts').subscribe((snapshot) => {
      if (snapshot.batchId >= 0 && query !== undefined) during.push(`${snapshot.batchId}: ${statusOf(query)}`);
    });
    const q = start(countsQuery(asyncListing(fs), catalog));
    query = q;
    expect(q.isActive).toBe(true);
    expect(q.lastProgress).toBeNull();
    expect(q.status).toEqual({ message: 'Initializing sources', isDataAvailable: false, isTriggerActive: false });

    await q.processAllAvailable();
    // Changed with the driver: this used to be read when each progress was emitted; the driver
    // now ends the trigger before it reports progress (Spark delivers progress to listeners
    // asynchronously, so a listener's view of the status is not defined there), so the status of
    // a running trigger is read where the trigger writes its batch.
    expect(during).toEqual(['0: Processing new data true true', '1: Processing new data true true', '2: Processing new data true true']);
    expect(q.status).toEqual({ message: 'Waiting for data to arrive', isDataAvailable: false, isTriggerActive: false });

    await q.stop();
    expect(q.isActive).toBe(false);
    expect(q.status).toEqual({ message: 'Stopped', isDataAvailable: false, isTriggerActive: false });
  });

  it('keeps the last 100 triggers in recentProgress, oldest first, and the newest as lastProgress', async () => {
    const files = Array.from({ length: 105 }, (_, i) => [ev(i, i % 2 === 0 ? 'Open' : 'Close')]);
    const q = start(countsQuery(virtualDirectory(DIR, files), new Catalog(), { watch: false }));
    await q.awaitTermination();
    const recent = q.recentProgress;
    expect(recent).toHaveLength(100);
    expect(recent.map((p) => p.batchId)).toEqual(Array.from({ length: 100 }, (_, i) => i + 5));
    expect(recent[0]?.sources[0]?.inputs).toEqual(['file-5.json']);
    expect(q.lastProgress?.batchId).toBe(104);
    expect(q.lastProgress).toBe(recent[99]);
    // a copy: changing it does not change the handle's
    recent.length = 0;
    expect(q.recentProgress).toHaveLength(100);
  });

  it("fills each trigger's progress as Spark does", async () => {
    // A clock that moves only while the sink writes: every write takes 250 ms.
    let now = Date.UTC(2024, 0, 15, 12, 0, 0);
    const clock: SchedulerLike = { now: () => now, schedule: asyncScheduler.schedule.bind(asyncScheduler) };
    const fs = virtualDirectory(DIR, [
      [ev(0, 'Open'), ev(30, 'Close')],
      [ev(60, 'Open'), ev(-10, 'Open'), '{"time": "garbage", "action": "Open"}', ev(600, 'Close')],
      [ev(3600, 'Open')],
    ]);
    const written: number[] = [];
    const q = start(
      readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs, watch: false }).pipe(
        throttleFiles(1, { scheduler: clock }),
        tumblingWindow('time', '1 hour'),
        foreachBatch(
          (rows) => {
            written.push(rows.length);
            now += 250;
          },
          { scheduler: clock },
        ),
      ),
    );
    await q.awaitTermination();
    expect(written).toEqual([2, 3, 1]);
    const p = q.recentProgress;
    expect(p.map((x) => x.batchId)).toEqual([0, 1, 2]);
    expect(p.map((x) => x.timestamp)).toEqual(['2024-01-15T12:00:00.000Z', '2024-01-15T12:00:00.250Z', '2024-01-15T12:00:00.500Z']);
    expect(p.map((x) => x.numInputRows)).toEqual([2, 4, 1]);
    // rows over the time since the previous trigger started: 0 for the first trigger, as Spark
    expect(p.map((x) => x.inputRowsPerSecond)).toEqual([0, 16, 4]);
    expect(p.map((x) => x.processedRowsPerSecond)).toEqual([8, 16, 4]);
    // Spark's phases; only the sink's write takes time on this clock.
    for (const x of p) expect(x.durationMs).toEqual({ latestOffset: 0, getBatch: 0, addBatch: 250, commit: 0, triggerExecution: 250 });
    expect(p.map((x) => x.sources[0]?.inputs)).toEqual([['file-0.json'], ['file-1.json'], ['file-2.json']]);
    expect(p.map((x) => x.sources[0]?.pending)).toEqual([2, 1, 0]);
    expect(p.map((x) => x.numMalformedRows)).toEqual([0, 1, 0]);
    expect(p.map((x) => x.droppedRows)).toEqual([{}, { nullEventTime: 1 }, {}]);
    expect(p[0]?.eventTime).toEqual({ min: '2016-07-26T02:45:07.000Z', max: '2016-07-26T02:45:37.000Z', avg: '2016-07-26T02:45:22.000Z' });
    expect(p[1]?.eventTime).toEqual({
      min: new Date(ms(-10)).toISOString(),
      max: new Date(ms(600)).toISOString(),
      // Spark's ProgressReporter formats `avg.toLong`: the mean truncated to the millisecond.
      avg: new Date(Math.trunc((ms(60) + ms(-10) + ms(600)) / 3)).toISOString(),
    });
    expect(p.map((x) => x.sink)).toEqual([
      { description: 'ForeachBatchSink', numOutputRows: 2 },
      { description: 'ForeachBatchSink', numOutputRows: 3 },
      { description: 'ForeachBatchSink', numOutputRows: 1 },
    ]);
    expect(p.map((x) => x.stateOperators)).toEqual([[], [], []]);
    expect(p.map((x) => x.sources.map((src) => src.description))).toEqual([[`FileStreamSource[${DIR}]`], [`FileStreamSource[${DIR}]`], [`FileStreamSource[${DIR}]`]]);
    expect(p.map((x) => x.sources[0]?.numInputRows)).toEqual([2, 4, 1]);
  });

  it("reports the aggregation's state rows in stateOperators", async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open'), ev(1, 'Open'), ev(2, 'Close')], [ev(3, 'Open')]]);
    const q = start(countsQuery(fs, new Catalog(), { watch: false }));
    await q.awaitTermination();
    const state = q.recentProgress.map((p) =>
      p.stateOperators.map((o) => ({ operatorName: o.operatorName, numRowsTotal: o.numRowsTotal, numRowsUpdated: o.numRowsUpdated, numRowsRemoved: o.numRowsRemoved, stateVersion: o.stateVersion })),
    );
    expect(state).toEqual([
      [{ operatorName: 'groupCount', numRowsTotal: 2, numRowsUpdated: 2, numRowsRemoved: 0, stateVersion: 1 }],
      [{ operatorName: 'groupCount', numRowsTotal: 2, numRowsUpdated: 1, numRowsRemoved: 0, stateVersion: 2 }],
    ]);
    expect(q.recentProgress.map((p) => p.sink)).toEqual([
      { description: 'MemorySink[counts]', numOutputRows: 2 },
      { description: 'MemorySink[counts]', numOutputRows: 2 },
    ]);
  });

  it('emits each progress on progress and completes it when the query ends', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')]]);
    const q = start(countsQuery(fs, new Catalog()));
    await q.processAllAvailable(); // batch 0 (file-0) is done before the subscription
    const seen: StreamingQueryProgress[] = [];
    let completed = false;
    q.progress.subscribe({ next: (p) => seen.push(p), complete: () => (completed = true) });
    fs.write(`${DIR}/file-1.json`, [ev(5, 'Close')], 1);
    await q.processAllAvailable();
    expect(seen.map((p) => p.sources[0]?.inputs)).toEqual([['file-1.json']]);
    expect(completed).toBe(false);
    await q.stop();
    expect(completed).toBe(true);
  });

  it('stop() ends the query: inactive, Stopped, no more listings or reads', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')]]);
    const q = start(countsQuery(fs, new Catalog()));
    await q.processAllAvailable();
    expect(q.isActive).toBe(true);
    await q.stop();
    expect(q.isActive).toBe(false);
    expect(q.status.message).toBe('Stopped');
    expect(q.exception).toBeNull();
    await expect(q.awaitTermination()).resolves.toBe(true);
    fs.write(`${DIR}/file-1.json`, [ev(5, 'Close')], 1);
    await q.processAllAvailable(); // an ended query has nothing left to process
    expect(fs.reads).toEqual([`${DIR}/file-0.json`]);
    expect(q.lastProgress?.batchId).toBe(0);
  });

  it('awaitTermination() resolves true when a finite query completes', async () => {
    const q = start(countsQuery(virtualDirectory(DIR, [[ev(0, 'Open')], [ev(1, 'Open')]]), new Catalog(), { watch: false }));
    await expect(q.awaitTermination()).resolves.toBe(true);
    expect(q.isActive).toBe(false);
    expect(q.status.message).toBe('Stopped');
    await expect(q.awaitTermination(20)).resolves.toBe(true);
    expect(q.lastProgress?.batchId).toBe(1);
  });

  it('awaitTermination(timeout) resolves false while the query still runs', async () => {
    const q = start(countsQuery(virtualDirectory(DIR, [[ev(0, 'Open')]]), new Catalog()));
    await expect(q.awaitTermination(20)).resolves.toBe(false);
    expect(q.isActive).toBe(true);
    const waiting = q.awaitTermination();
    await q.stop();
    await expect(waiting).resolves.toBe(true);
  });
});

describe('a failing query', () => {
  it('sets exception to a StreamingQueryException caused by the FileReadError, and awaitTermination rejects', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')], [ev(1, 'Open')]]).failRead(`${DIR}/file-1.json`);
    const q = start(countsQuery(fs, new Catalog()));
    await expect(q.awaitTermination()).rejects.toBeInstanceOf(StreamingQueryException);
    expect(q.isActive).toBe(false);
    expect(q.status.message).toBe('Stopped');
    const e = q.exception;
    expect(e).toBeInstanceOf(StreamingQueryException);
    expect(e?.queryName).toBe('counts');
    expect(e?.cause).toBeInstanceOf(FileReadError);
    expect((e?.cause as FileReadError).path).toBe(`${DIR}/file-1.json`);
    expect(e?.message).toContain(`${DIR}/file-1.json`);
    // the trigger before the failure completed
    expect(q.lastProgress?.batchId).toBe(0);
    await expect(q.awaitTermination()).rejects.toBe(e);
    await expect(q.awaitTermination(20)).rejects.toBe(e);
    await expect(q.processAllAvailable()).rejects.toBe(e);
  });

  it('fails while running when a later file cannot be read', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')]]);
    const q = start(countsQuery(fs, new Catalog()));
    const waiting = q.awaitTermination();
    fs.write(`${DIR}/file-1.json`, [ev(1, 'Open')], 1).failRead(`${DIR}/file-1.json`, new Error('EACCES: permission denied'));
    await expect(q.processAllAvailable()).rejects.toBeInstanceOf(StreamingQueryException);
    await expect(waiting).rejects.toBe(q.exception);
    expect(q.isActive).toBe(false);
    expect(((q.exception?.cause as FileReadError).cause as Error).message).toBe('EACCES: permission denied');
  });

  it('fails when the foreachBatch function throws or rejects', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')]]);
    const boom = new Error('sink down');
    const thrower = start(readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs, watch: false }).pipe(foreachBatch(() => { throw boom; })));
    await expect(thrower.awaitTermination()).rejects.toBeInstanceOf(StreamingQueryException);
    expect(thrower.exception?.cause).toBe(boom);
    const rejecter = start(readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs, watch: false }).pipe(foreachBatch(() => Promise.reject(boom))));
    await expect(rejecter.awaitTermination()).rejects.toBeInstanceOf(StreamingQueryException);
    expect(rejecter.exception?.cause).toBe(boom);
  });
});

describe('processAllAvailable', () => {
  it('picks up a file written after start without waiting for the next poll (the poll interval is an hour)', async () => {
    const catalog = new Catalog();
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')]]);
    const q = start(countsQuery(fs, catalog));
    await q.processAllAvailable();
    expect(catalog.table<CountRow>('counts')?.rows).toEqual([{ action: 'Open', window: W2, count: 1 }]);

    fs.write(`${DIR}/file-1.json`, [ev(10, 'Open'), ev(20, 'Close')], 1);
    await q.processAllAvailable();
    expect(catalog.table<CountRow>('counts')?.rows).toEqual([
      { action: 'Open', window: W2, count: 2 },
      { action: 'Close', window: W2, count: 1 },
    ]);
    expect(q.lastProgress?.sources[0]?.inputs).toEqual(['file-1.json']);
    expect(q.isActive).toBe(true);
  });

  it('waits for every file available when they take several triggers', async () => {
    const fs = virtualDirectory(DIR, []);
    const catalog = new Catalog();
    const q = start(countsQuery(asyncListing(fs), catalog));
    for (let i = 0; i < 4; i++) fs.write(`${DIR}/file-${i}.json`, [ev(i, 'Open')], i);
    await q.processAllAvailable();
    expect(q.lastProgress?.batchId).toBe(3);
    expect(catalog.table<CountRow>('counts')?.rows).toEqual([{ action: 'Open', window: W2, count: 4 }]);
  });

  // Changed deliberately: it used to reject with AnalysisError for a query without a file
  // source. The driver owns every source now, so it works for any source, as Spark's.
  it('works for a query over a hand-made source too', async () => {
    const batches: unknown[][] = [];
    const items = new Subject<{ rows: { a: number }[] }>();
    const q = start(items.pipe(foreachBatch((rows) => void batches.push([...rows]))));
    await q.processAllAvailable(); // the first trigger has subscribed to the (hot) subject and found nothing
    expect(batches).toEqual([]);
    items.next({ rows: [{ a: 1 }] });
    await q.processAllAvailable();
    expect(batches).toEqual([[{ a: 1 }]]);
    items.next({ rows: [{ a: 2 }, { a: 3 }] });
    await q.processAllAvailable();
    expect(batches).toEqual([[{ a: 1 }], [{ a: 2 }, { a: 3 }]]);
    expect(q.lastProgress?.batchId).toBe(1);
    expect(q.isActive).toBe(true);
    items.complete();
    await expect(q.awaitTermination()).resolves.toBe(true);
  });
});

describe('foreachBatch', () => {
  it('receives (rows, batchId) once per trigger', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')], [ev(1, 'Close'), ev(2, 'Open')], []]);
    const calls: [unknown[], number][] = [];
    const q = start(
      readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs, watch: false }).pipe(
        throttleFiles(1),
        foreachBatch((rows, batchId) => {
          calls.push([[...rows], batchId]);
        }),
      ),
    );
    await q.awaitTermination();
    expect(calls).toEqual([
      [[{ time: ms(0), action: 'Open' }], 0],
      [
        [
          { time: ms(1), action: 'Close' },
          { time: ms(2), action: 'Open' },
        ],
        1,
      ],
      [[], 2],
    ]);
  });

  it('waits for a returned Promise before the next trigger', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open')], [ev(1, 'Open')], [ev(2, 'Open')]]);
    const calls: number[] = [];
    const release: (() => void)[] = [];
    let firstCall: () => void = () => undefined;
    const called = new Promise<void>((resolve) => (firstCall = resolve));
    const q = start(
      readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs, watch: false }).pipe(
        throttleFiles(1),
        foreachBatch((_rows, batchId) => {
          calls.push(batchId);
          firstCall();
          return new Promise<void>((resolve) => release.push(resolve));
        }),
      ),
    );
    const progressed: number[] = [];
    q.progress.subscribe((p) => progressed.push(p.batchId));
    await called;
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([0]);
    expect(progressed).toEqual([]);
    expect(q.isActive).toBe(true);

    release[0]?.();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([0, 1]);
    expect(progressed).toEqual([0]);

    release[1]?.();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([0, 1, 2]);
    expect(q.isActive).toBe(true);

    release[2]?.();
    await expect(q.awaitTermination()).resolves.toBe(true);
    expect(progressed).toEqual([0, 1, 2]);
  });

  it('writes the changed groups in update mode and the whole table in complete mode', async () => {
    const fs = virtualDirectory(DIR, [[ev(0, 'Open'), ev(1, 'Close')], [ev(2, 'Open')]]);
    const got: Record<string, unknown[][]> = { update: [], complete: [] };
    for (const outputMode of ['update', 'complete'] as const) {
      const q = start(
        readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs, watch: false }).pipe(
          throttleFiles(1),
          groupCount('action'),
          foreachBatch((rows) => void got[outputMode]?.push([...rows]), { outputMode }),
        ),
      );
      await q.awaitTermination();
    }
    expect(got['update']).toEqual([
      [
        { action: 'Open', count: 1 },
        { action: 'Close', count: 1 },
      ],
      [{ action: 'Open', count: 2 }],
    ]);
    expect(got['complete']).toEqual([
      [
        { action: 'Open', count: 1 },
        { action: 'Close', count: 1 },
      ],
      [
        { action: 'Open', count: 2 },
        { action: 'Close', count: 1 },
      ],
    ]);
  });
});

describe('isStreaming', () => {
  it('is true for a watching source and false for watch: false, through the operators', () => {
    const fs = virtualDirectory(DIR, []);
    const watching = readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs });
    const finite = readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs, watch: false });
    expect(isStreaming(watching)).toBe(true);
    expect(isStreaming(finite)).toBe(false);
    expect(isStreaming(watching.pipe(throttleFiles(1), tumblingWindow('time', '1 hour'), groupCount('action', 'window')))).toBe(true);
    expect(isStreaming(finite.pipe(tumblingWindow('time', '1 hour')))).toBe(false);
  });

  it('throws AnalysisError for an observable not built from a structured-rx source', () => {
    expect(() => isStreaming(of({ rows: [] }))).toThrow(AnalysisError);
    const fs = virtualDirectory(DIR, []);
    const foreign = readJsonFiles(DIR, { schema: SCHEMA, fileSystem: fs }).pipe(map((f) => f));
    expect(() => isStreaming(foreign)).toThrow(AnalysisError);
    expect(() => isStreaming(new Observable<never>())).toThrow(/isStreaming/);
  });
});

describe('Catalog', () => {
  it('registers a static result with createOrReplaceTempView', () => {
    const catalog = new Catalog();
    const rows = [{ action: 'Open', count: 2 }];
    const snap = catalog.createOrReplaceTempView('static_counts', rows, { action: 'string', count: 'long' });
    expect(catalog.table('static_counts')).toBe(snap);
    expect(snap).toEqual({ name: 'static_counts', rows, batchId: -1, version: 0, isStreaming: false, schema: { action: 'string', count: 'long' } });
    // the table keeps its own copy of the array
    rows.push({ action: 'Close', count: 1 });
    expect(catalog.table('static_counts')?.rows).toHaveLength(1);
  });

  it('freezes snapshots and replaces them whole', () => {
    const catalog = new Catalog();
    const first = catalog.createOrReplaceTempView('t', [{ n: 1 }]);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.rows)).toBe(true);
    expect(() => (first.rows as { n: number }[]).push({ n: 2 })).toThrow(TypeError);

    const second = catalog.createOrReplaceTempView('t', [{ n: 3 }, { n: 4 }]);
    expect(second).not.toBe(first);
    expect(second.version).toBe(1);
    expect(catalog.table('t')).toBe(second);
    // a reader holding the old snapshot still sees the old content
    expect(first.rows).toEqual([{ n: 1 }]);
    expect(first.version).toBe(0);
  });

  it('lists table names sorted and knows no missing table', () => {
    const catalog = new Catalog();
    expect(catalog.tableNames()).toEqual([]);
    catalog.createOrReplaceTempView('zeta', []);
    catalog.createOrReplaceTempView('alpha', []);
    catalog.createOrReplaceTempView('mid', []);
    expect(catalog.tableNames()).toEqual(['alpha', 'mid', 'zeta']);
    expect(catalog.table('nope')).toBeUndefined();
    expect(catalog.drop('mid')).toBe(true);
    expect(catalog.drop('mid')).toBe(false);
    expect(catalog.tableNames()).toEqual(['alpha', 'zeta']);
  });

  it('refuses an empty table name', () => {
    const catalog = new Catalog();
    expect(() => catalog.createOrReplaceTempView('', [])).toThrow(InvalidArgumentError);
    expect(() => catalog.createOrReplaceTempView('  ', [])).toThrow(InvalidArgumentError);
  });

  it('holds a streaming table written by the memory sink alongside a temp view', async () => {
    const catalog = new Catalog();
    catalog.createOrReplaceTempView('static_counts', []);
    await start(countsQuery(virtualDirectory(DIR, [[ev(0, 'Open')]]), catalog)).processAllAvailable();
    expect(catalog.tableNames()).toEqual(['counts', 'static_counts']);
    const t = catalog.table('counts');
    expect(t?.isStreaming).toBe(true);
    expect(t?.batchId).toBe(0);
    expect(Object.isFrozen(t?.rows)).toBe(true);
  });
});

describe('memory sink output modes', () => {
  // 02:45:07, 02:50:07, 02:55:07 | 02:56:47 | 03:51:47
  const files = [[ev(0, 'Open'), ev(300, 'Open'), ev(600, 'Close')], [ev(700, 'Open')], [ev(4000, 'Close')]];
  const W3 = { start: W2.start + HOUR, end: W2.end + HOUR };

  it("update mode appends each trigger's changed groups, as Spark's MemorySink", async () => {
    const catalog = new Catalog();
    await start(countsQuery(virtualDirectory(DIR, files), catalog, { watch: false, outputMode: 'update' })).awaitTermination();
    const t = catalog.table<CountRow>('counts');
    expect(t?.rows).toEqual([
      { action: 'Open', window: W2, count: 2 },
      { action: 'Close', window: W2, count: 1 },
      { action: 'Open', window: W2, count: 3 },
      { action: 'Close', window: W3, count: 1 },
    ]);
    expect(t?.batchId).toBe(2);
    // version 0 is the empty table registered when the run started, then one per batch
    expect(t?.version).toBe(3);
  });

  it('complete mode replaces the table with the whole result', async () => {
    const catalog = new Catalog();
    const versions: number[][] = [];
    catalog.changes('counts').subscribe((s) => versions.push(s.rows.map((r) => (r as unknown as CountRow).count)));
    await start(countsQuery(virtualDirectory(DIR, files), catalog, { watch: false, outputMode: 'complete' })).awaitTermination();
    expect(catalog.table<CountRow>('counts')?.rows).toEqual([
      { action: 'Open', window: W2, count: 3 },
      { action: 'Close', window: W2, count: 1 },
      { action: 'Close', window: W3, count: 1 },
    ]);
    // first the empty table registered when the run started (as Spark's memory sink), then one snapshot per batch
    expect(versions).toEqual([[], [2, 1], [3, 1], [3, 1, 1]]);
  });

  // Changed deliberately: batch ids used to come from the emissions of a hand-made source, so a
  // test could replay one through the pipeline. The driver now numbers batches itself; a replay
  // (the driver writing a batch id again) is checked on the sink's writer, as the driver calls it.
  it('skips a replayed batchId, so a replay does not write twice', () => {
    const catalog = new Catalog();
    const sink = planOf(of({ rows: [{ n: 0 }] }).pipe(toMemoryTable('appended', { catalog })))?.sink;
    if (sink === undefined) throw new Error('toMemoryTable gave no sink in its plan');
    const writer = sink.create();
    expect(catalog.table('appended')).toMatchObject({ rows: [], batchId: -1, version: 0 });
    void writer.addBatch(0, [{ n: 1 }]);
    void writer.addBatch(1, [{ n: 2 }]);
    void writer.addBatch(1, [{ n: 2 }]);
    void writer.addBatch(2, [{ n: 3 }]);
    const t = catalog.table('appended');
    expect(t?.rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(t?.batchId).toBe(2);
    expect(t?.version).toBe(3);
  });

  it('starts a new table when a query runs again, instead of taking its batch ids 0, 1, ... for replays', async () => {
    const catalog = new Catalog();
    await start(countsQuery(virtualDirectory(DIR, files), catalog, { watch: false, outputMode: 'update' })).awaitTermination();
    expect(catalog.table<CountRow>('counts')?.rows).toHaveLength(4);
    // A new run writing the same table: Spark's start() creates a new MemorySink.
    await start(countsQuery(virtualDirectory(DIR, [files[2] ?? []]), catalog, { watch: false, outputMode: 'update' })).awaitTermination();
    const t = catalog.table<CountRow>('counts');
    expect(t?.rows).toEqual([{ action: 'Close', window: W3, count: 1 }]);
    expect(t?.batchId).toBe(0);
  });
});
