// Checkpoints: a query started on the checkpoint of an earlier run resumes it — the same id, a new
// runId, the batch ids, watermark and state of the last committed batch, and a batch planned but
// not committed re-run with exactly its planned input and timestamp. Real files in a temp dir.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointError,
  Catalog,
  agg,
  foreachBatch,
  groupByAgg,
  groupCount,
  readJsonFiles,
  startQuery,
  throttleFiles,
  toMemoryTable,
  tumblingWindow,
  withWatermark,
  type StreamingQueryProgress,
} from '../../src/index.js';

const schema = 'time TIMESTAMP, action STRING';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'structured-rx-checkpoint-'));
  dirs.push(d);
  return d;
}

/** Writes a file of events (epoch seconds) with modification time `n` seconds. */
function writeFile(dir: string, n: number, events: [number, string][]): void {
  const path = join(dir, `file-${n}.json`);
  writeFileSync(path, events.map(([time, action]) => JSON.stringify({ time, action })).join('\n') + '\n');
  utimesSync(path, 1000 + n, 1000 + n);
}

function countsQuery(input: string, catalog: Catalog, checkpointLocation: string, id?: string) {
  return startQuery(
    readJsonFiles(input, { schema }).pipe(throttleFiles(1), groupCount('action'), toMemoryTable('counts', { catalog, outputMode: 'complete' })),
    { checkpointLocation, ...(id === undefined ? {} : { id }) },
  );
}

describe('a query restarted on its checkpoint', () => {
  it('resumes: same id, new runId, batch ids and state continue, files read once', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    const catalog = new Catalog();
    writeFile(input, 0, [[1, 'Open'], [2, 'Close']]);
    writeFile(input, 1, [[3, 'Open']]);
    const first = countsQuery(input, catalog, cp);
    await first.processAllAvailable();
    await first.stop();
    writeFile(input, 2, [[4, 'Open']]); // arrives while the query is stopped
    const second = countsQuery(input, catalog, cp);
    const seen: StreamingQueryProgress[] = [];
    second.progress.subscribe((p) => seen.push(p));
    await second.processAllAvailable();
    await second.stop();
    expect(second.id).toBe(first.id);
    expect(second.runId).not.toBe(first.runId);
    expect(seen.map((p) => [p.batchId, p.sources[0]?.inputs])).toEqual([[2, ['file-2.json']]]);
    expect(catalog.table('counts')?.rows).toEqual([
      { action: 'Open', count: 3 },
      { action: 'Close', count: 1 },
    ]);
    expect(seen[0]?.stateOperators[0]?.stateVersion).toBe(3);
  });

  it('re-runs a batch planned but not committed with exactly its input and timestamp; newer files wait for the next batch', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    writeFile(input, 0, [[1, 'Open']]);
    writeFile(input, 1, [[2, 'Open'], [3, 'Close']]);
    let failOnce = true;
    const written: [number, unknown][] = [];
    const make = () =>
      startQuery(
        readJsonFiles(input, { schema }).pipe(
          throttleFiles(1),
          groupCount('action'),
          foreachBatch(
            (rows, batchId) => {
              if (batchId === 1 && failOnce) {
                failOnce = false;
                throw new Error('the sink went away');
              }
              written.push([batchId, rows]);
            },
            { outputMode: 'complete' },
          ),
        ),
        { checkpointLocation: cp },
      );
    const first = make();
    await expect(first.awaitTermination()).rejects.toThrow(/the sink went away/);
    expect(first.recentProgress.length).toBe(1); // batch 0 committed; batch 1 planned, not committed
    const plannedAt = first.checkpointState().offsets.find((o) => o.batchId === 1)?.timestampMs;
    expect(first.checkpointState().commits.map((c) => c.batchId)).toEqual([0]);
    writeFile(input, 2, [[9, 'Close']]); // arrives before the restart
    const second = make();
    const progress: StreamingQueryProgress[] = [];
    second.progress.subscribe((p) => progress.push(p));
    await second.processAllAvailable();
    await second.stop();
    expect(progress.map((p) => [p.batchId, p.sources[0]?.inputs, p.numInputRows])).toEqual([
      [1, ['file-1.json'], 2],
      [2, ['file-2.json'], 1],
    ]);
    // batch 1 kept the trigger time it was planned with in the first run
    expect(plannedAt).toBeDefined();
    expect(progress[0]?.timestamp).toBe(new Date(plannedAt ?? 0).toISOString());
    expect(written.map(([b]) => b)).toEqual([0, 1, 2]);
    expect(written[2]?.[1]).toEqual([
      { action: 'Open', count: 2 },
      { action: 'Close', count: 2 },
    ]);
  });

  it('keeps the watermark and the windows in state, so append mode emits each window once across the restart', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    const catalog = new Catalog();
    const make = () =>
      startQuery(
        readJsonFiles(input, { schema }).pipe(
          throttleFiles(1),
          withWatermark('time', '5 seconds'),
          tumblingWindow('time', '10 seconds'),
          groupCount('window'),
          toMemoryTable('final', { catalog, outputMode: 'append' }),
        ),
        { checkpointLocation: cp },
      );
    writeFile(input, 0, [[1, 'Open'], [2, 'Open'], [12, 'Open']]);
    const first = make();
    await first.processAllAvailable();
    const wm = first.watermarkMs;
    await first.stop();
    writeFile(input, 1, [[25, 'Open'], [13, 'Open']]);
    const second = make();
    expect(second.watermarkMs).toBe(wm); // 12 - 5 = 7 s
    await second.processAllAvailable();
    await second.stop();
    const rows = (catalog.table('final')?.rows ?? []) as { window: { start: number }; count: number }[];
    expect(rows.map((r) => [r.window.start / 1000, r.count]).sort()).toEqual([
      [0, 2],
      [10, 2],
    ]);
  });

  it('writes a full state snapshot every 10 versions and drops what no restore needs', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    const catalog = new Catalog();
    for (let i = 0; i < 23; i++) writeFile(input, i, [[i, i % 2 === 0 ? 'Open' : 'Close']]);
    const first = countsQuery(input, catalog, cp);
    await first.processAllAvailable();
    await first.stop();
    const stateFiles = readdirSync(join(cp, 'state', '0')).sort();
    expect(stateFiles.filter((f) => f.endsWith('.snapshot')).sort()).toEqual(['10.snapshot', '20.snapshot']);
    expect(stateFiles.filter((f) => f.endsWith('.delta')).map((f) => Number(f.split('.')[0])).sort((a, b) => a - b)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(stateFiles.some((f) => f.startsWith('.'))).toBe(false); // no temp file left behind
    writeFile(input, 23, [[23, 'Close']]);
    const second = countsQuery(input, catalog, cp);
    await second.processAllAvailable();
    await second.stop();
    expect(catalog.table('counts')?.rows).toEqual([
      { action: 'Open', count: 12 },
      { action: 'Close', count: 12 },
    ]);
  });
});

describe("the checkpoint's source log", () => {
  const read = (file: string): { value: { increment?: { log: { from: number; entries: unknown[] } }; log?: { seen: unknown[] } } } =>
    JSON.parse(readFileSync(file, 'utf8')) as { value: { increment?: { log: { from: number; entries: unknown[] } }; log?: { seen: unknown[] } } };

  it('holds per batch only the files it added, the whole log every 10th batch, and nothing older than the last whole log', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    for (let i = 0; i < 23; i++) writeFile(input, i, [[i, 'Open']]);
    const first = countsQuery(input, new Catalog(), cp);
    await first.processAllAvailable();
    await first.stop();
    const files = readdirSync(join(cp, 'sources', '0')).sort();
    expect(files.filter((f) => !f.startsWith('.')).sort()).toEqual(['19.compact', '20', '21', '22']);
    // Batch 20's increment: the log's entries from position 20 on (the first listing took all 23 files).
    expect(read(join(cp, 'sources', '0', '20')).value.increment?.log.from).toBe(23);
    expect(read(join(cp, 'sources', '0', '19.compact')).value.log?.seen).toHaveLength(23);
    // A restart between two whole logs: the compact file, then the increments after it.
    writeFile(input, 23, [[23, 'Open']]);
    writeFile(input, 24, [[24, 'Close']]);
    const catalog = new Catalog();
    const second = countsQuery(input, catalog, cp);
    await second.processAllAvailable();
    await second.stop();
    expect(catalog.table('counts')?.rows).toEqual([
      { action: 'Open', count: 24 },
      { action: 'Close', count: 1 },
    ]);
    // The new run's one listing found both new files: batch 23's increment has both, batch 24's none.
    const entry = (n: number) => [join(input, `file-${n}.json`), `file-${n}.json`, expect.any(Number), (1000 + n) * 1000];
    expect(read(join(cp, 'sources', '0', '23')).value.increment?.log).toEqual({ from: 23, entries: [entry(23), entry(24)], purgedBefore: 1024_000 - 7 * 24 * 3600_000 });
    expect(read(join(cp, 'sources', '0', '24')).value.increment?.log).toEqual({ from: 25, entries: [], purgedBefore: 1024_000 - 7 * 24 * 3600_000 });
  });

  it('keeps every increment before the first whole log, and is refused with a CheckpointError when an increment is missing', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    for (let i = 0; i < 13; i++) writeFile(input, i, [[i, 'Open']]);
    const first = countsQuery(input, new Catalog(), cp);
    await first.processAllAvailable();
    await first.stop();
    // Before the first whole log, every increment is kept: a restart at batch 3 reads 0..2.
    const early = join(tempDir(), 'cp');
    const short = tempDir();
    for (let i = 0; i < 3; i++) writeFile(short, i, [[i, 'Open']]);
    const a = countsQuery(short, new Catalog(), early);
    await a.processAllAvailable();
    await a.stop();
    expect(readdirSync(join(early, 'sources', '0')).sort()).toEqual(['0', '1', '2']);
    writeFile(short, 3, [[3, 'Close']]);
    const catalog = new Catalog();
    const b = countsQuery(short, catalog, early);
    await b.processAllAvailable();
    await b.stop();
    expect(catalog.table('counts')?.rows).toEqual([
      { action: 'Open', count: 3 },
      { action: 'Close', count: 1 },
    ]);

    rmSync(join(cp, 'sources', '0', '11'));
    expect(() => countsQuery(input, new Catalog(), cp)).toThrow(/sources\/0: lacks the source log increment of batch 11/);
  });

  it('forgets paths older than maxFileAge in its whole log, so it stays bounded', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    const run = () => startQuery(readJsonFiles(input, { schema, maxFileAge: '5 seconds' }).pipe(throttleFiles(1), foreachBatch(() => undefined)), { checkpointLocation: cp });
    for (let i = 0; i < 20; i++) writeFile(input, i, [[i, 'Open']]);
    const q = run();
    await q.processAllAvailable();
    await q.stop();
    // The files are 1 s apart: the newest (19) keeps the paths of 14..19 (mtime >= 19 - 5).
    expect(read(join(cp, 'sources', '0', '19.compact')).value.log?.seen).toHaveLength(6);
  });
});

describe('a checkpoint that cannot be used', () => {
  it('is refused with a CheckpointError naming the file: torn, newer format, another query’s operators, a gap', async () => {
    const input = tempDir();
    writeFile(input, 0, [[1, 'Open']]);
    const cp = join(tempDir(), 'cp');
    const catalog = new Catalog();
    const q = countsQuery(input, catalog, cp);
    await q.processAllAvailable();
    await q.stop();

    writeFileSync(join(cp, 'commits', '0'), '{"formatVersion":1,"val');
    expect(() => countsQuery(input, catalog, cp)).toThrow(CheckpointError);
    expect(() => countsQuery(input, catalog, cp)).toThrow(/commits\/0: is torn/);

    writeFileSync(join(cp, 'commits', '0'), JSON.stringify({ formatVersion: 99, value: {} }));
    expect(() => countsQuery(input, catalog, cp)).toThrow(/format version 99, newer than this library's 1/);

    const other = join(tempDir(), 'cp2');
    const q2 = countsQuery(input, catalog, other);
    await q2.processAllAvailable();
    await q2.stop();
    expect(() => startQuery(readJsonFiles(input, { schema }).pipe(foreachBatch(() => undefined)), { checkpointLocation: other })).toThrow(/stateful operators \[groupByAgg\]|stateful operators \[groupCount\]/);

    rmSync(join(other, 'offsets', '0'));
    writeFileSync(join(other, 'offsets', '5'), JSON.stringify({ formatVersion: 1, value: {} }));
    expect(() => countsQuery(input, catalog, other)).toThrow(/gap/);
    expect(existsSync(join(other, 'metadata'))).toBe(true);
  });
});

describe('a restart that changed the query', () => {
  /** Runs `make(cp)` once on a fresh checkpoint, then returns a function that starts another query on it. */
  async function checkpointOf(query: (cp: string) => ReturnType<typeof startQuery>): Promise<string> {
    const cp = join(tempDir(), 'cp');
    const q = query(cp);
    await q.processAllAvailable();
    await q.stop();
    return cp;
  }
  const windowed = (input: string, cp: string, size: string, opts: { by?: 'action' | 'time'; mode?: 'complete' | 'update'; agg?: 'count' | 'max' } = {}) => {
    const windows = readJsonFiles(input, { schema: 'time TIMESTAMP, action STRING, n LONG' }).pipe(withWatermark('time', '1 hour'), tumblingWindow('time', size));
    const sink = () => toMemoryTable('w', { catalog: new Catalog(), outputMode: opts.mode ?? 'complete' });
    const query =
      opts.agg === 'max'
        ? windows.pipe(groupByAgg(['window', 'action'], agg.max('n')), sink())
        : opts.by === 'time'
          ? windows.pipe(groupByAgg(['window', 'time'], agg.count('*')), sink())
          : windows.pipe(groupByAgg(['window', 'action'], agg.count('*')), sink());
    return startQuery(query, { checkpointLocation: cp });
  };

  it("is refused with a CheckpointError when the state's keys, aggregates, window or output mode changed (Spark's rules, and beyond)", async () => {
    const input = tempDir();
    writeFile(input, 0, [[1, 'Open']]);
    const cp = await checkpointOf((c) => windowed(input, c, '1 hour'));
    // The same query resumes.
    const same = windowed(input, cp, '1 hour');
    await same.stop();
    // Another grouping key type (a timestamp for a string): Spark's state schema check.
    expect(() => windowed(input, cp, '1 hour', { by: 'time' })).toThrow(CheckpointError);
    expect(() => windowed(input, cp, '1 hour', { by: 'time' })).toThrow(/other grouping keys than the checkpoint's: provided \[window window\(tumbling 3600000 ms from 0 ms\), time timestamp\], existing \[window window\(tumbling 3600000 ms from 0 ms\), action string\]/);
    // Another window size: the same types, so Spark would resume; refused here.
    expect(() => windowed(input, cp, '30 minutes')).toThrow(/other grouping keys .*tumbling 1800000 ms/);
    // Another aggregate.
    expect(() => windowed(input, cp, '1 hour', { agg: 'max' })).toThrow(/other values \(aggregates\) than the checkpoint's: provided \[max\(n\) max\(n\) long\], existing \[count\(1\) count\(\*\) long\]/);
    // Another output mode.
    expect(() => windowed(input, cp, '1 hour', { mode: 'update' })).toThrow(/was written in complete output mode, this query runs in update mode/);
  });

  it('resumes when only names changed, as Spark allows (the state is positional)', async () => {
    const input = tempDir();
    writeFile(input, 0, [[1, 'Open'], [2, 'Open']]);
    const cp = join(tempDir(), 'cp');
    const run = (alias: string, catalog: Catalog) =>
      startQuery(
        readJsonFiles(input, { schema }).pipe(throttleFiles(1), groupByAgg(['action'], agg.count('*').as(alias)), toMemoryTable('c', { catalog, outputMode: 'complete' })),
        { checkpointLocation: cp },
      );
    const first = run('n', new Catalog());
    await first.processAllAvailable();
    await first.stop();
    writeFile(input, 1, [[3, 'Open']]);
    const catalog = new Catalog();
    const second = run('events', catalog);
    await second.processAllAvailable();
    await second.stop();
    expect(catalog.table('c')?.rows).toEqual([{ action: 'Open', events: 3 }]);
  });
});

describe('the checkpoint lock', () => {
  it('lets one run write a checkpoint at a time, and is not stuck after a run that died', async () => {
    const input = tempDir();
    writeFile(input, 0, [[1, 'Open']]);
    const cp = join(tempDir(), 'cp');
    const catalog = new Catalog();
    const first = countsQuery(input, catalog, cp);
    await first.processAllAvailable();
    expect(() => countsQuery(input, catalog, cp)).toThrow(/is in use by another run of the query/);
    await first.stop();
    const second = countsQuery(input, catalog, cp);
    await second.processAllAvailable();
    await second.stop();
    // A lock left by a process that no longer exists (a crash) does not block.
    writeFileSync(join(cp, 'lock'), JSON.stringify({ formatVersion: 1, value: { pid: 2 ** 22 + 12345, runId: 'gone' } }));
    const third = countsQuery(input, catalog, cp);
    await third.processAllAvailable();
    await third.stop();
    expect(existsSync(join(cp, 'lock'))).toBe(false); // released when the run stopped
  });
});

describe('ignored names', () => {
  it('are left out before any stat: a hidden symlink loop does not fail the listing', async () => {
    const input = tempDir();
    writeFile(input, 0, [[1, 'Open']]);
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(input, '.loop'), join(input, '.loop')); // stat of it fails with ELOOP
    symlinkSync(join(input, '_loop'), join(input, '_loop'));
    const catalog = new Catalog();
    const q = startQuery(readJsonFiles(input, { schema }).pipe(groupCount('action'), toMemoryTable('t', { catalog, outputMode: 'complete' })));
    await q.processAllAvailable();
    await q.stop();
    expect(q.exception).toBeNull();
    expect(catalog.table('t')?.rows).toEqual([{ action: 'Open', count: 1 }]);
  });
});

describe('a finite read resumed on its checkpoint', () => {
  it('lists the directory again in the new run and reads only the files added since', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    const catalog = new Catalog();
    const run = () =>
      startQuery(readJsonFiles(input, { schema, watch: false }).pipe(throttleFiles(1), groupCount('action'), toMemoryTable('counts', { catalog, outputMode: 'complete' })), { checkpointLocation: cp });
    writeFile(input, 0, [[1, 'Open']]);
    const first = run();
    await first.awaitTermination();
    writeFile(input, 1, [[2, 'Close']]);
    const second = run();
    await second.awaitTermination();
    expect(second.recentProgress.map((p) => [p.batchId, p.sources[0]?.inputs])).toEqual([[1, ['file-1.json']]]);
    expect(catalog.table('counts')?.rows).toEqual([
      { action: 'Open', count: 1 },
      { action: 'Close', count: 1 },
    ]);
  });
});

describe('a crash between the write-ahead writes', () => {
  it('leaves a checkpoint that restarts: the source log is written before the offsets', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    const catalog = new Catalog();
    writeFile(input, 0, [[1, 'Open']]);
    const first = countsQuery(input, catalog, cp);
    await first.processAllAvailable();
    await first.stop();
    // As if the process died after writing batch 1's source log and before its offsets.
    writeFileSync(join(cp, 'sources', '0', '1'), readFileSync(join(cp, 'sources', '0', '0')));
    writeFile(input, 1, [[2, 'Close']]);
    const second = countsQuery(input, catalog, cp);
    await second.processAllAvailable();
    await second.stop();
    expect(second.recentProgress.map((p) => [p.batchId, p.sources[0]?.inputs])).toEqual([[1, ['file-1.json']]]);
  });
});
