// The JSON-lines file sink: data files written atomically under unique names, each batch recorded
// in the sink's log last; a reader that goes by the log sees whole batches only, and a batch id
// already in the log is not written again (exactly once with a checkpoint).
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, of, toArray } from 'rxjs';
import { AnalysisError, readJsonFileSink, readJsonFiles, startQuery, throttleFiles, toJsonFiles, tumblingWindow, groupCount, withWatermark, SINK_LOG_DIR, sinkLogFilesToRead } from '../../src/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'structured-rx-file-sink-'));
  dirs.push(d);
  return d;
}
function writeInput(dir: string, n: number, times: number[]): void {
  const path = join(dir, `file-${n}.json`);
  writeFileSync(path, times.map((time) => JSON.stringify({ time })).join('\n') + '\n');
  utimesSync(path, 1000 + n, 1000 + n);
}

describe('toJsonFiles', () => {
  it('writes each batch to its own data file and records it in the log; timestamps and windows as ISO strings', async () => {
    const input = tempDir();
    const out = join(tempDir(), 'out');
    writeInput(input, 0, [100, 104]);
    writeInput(input, 1, [123]);
    await lastValueFrom(
      readJsonFiles(input, { schema: 'time TIMESTAMP', watch: false }).pipe(
        throttleFiles(1),
        withWatermark('time', '10 seconds'),
        tumblingWindow('time', '5 seconds'),
        groupCount('window'),
        toJsonFiles(out),
        toArray(),
      ),
    );
    expect(readJsonFileSink(out)).toEqual([
      { window: { start: '1970-01-01T00:01:40.000Z', end: '1970-01-01T00:01:45.000Z' }, count: 2 },
      { window: { start: '1970-01-01T00:02:00.000Z', end: '1970-01-01T00:02:05.000Z' }, count: 1 },
    ]);
    const log = readdirSync(join(out, SINK_LOG_DIR)).filter((n) => !n.startsWith('.'));
    expect(log.length).toBeGreaterThanOrEqual(2); // one entry per batch, empty batches included
    expect(readdirSync(out).some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('does not write a batch id its log already has (a replayed batch), and ignores a data file no log entry names', async () => {
    const out = join(tempDir(), 'out');
    const sink = toJsonFiles(out);
    await lastValueFrom(of({ rows: [{ a: 1 }] }, { rows: [{ a: 2 }] }).pipe(sink, toArray()));
    expect(readJsonFileSink(out)).toEqual([{ a: 1 }, { a: 2 }]);
    // A second run of the same query numbers its batches 0, 1 again: already in the log, skipped.
    await lastValueFrom(of({ rows: [{ a: 9 }] }).pipe(sink, toArray()));
    expect(readJsonFileSink(out)).toEqual([{ a: 1 }, { a: 2 }]);
    // A crash after a data file but before its log entry leaves an orphan that readers never see.
    writeFileSync(join(out, 'part-00002-orphan.json'), '{"a":3}\n');
    expect(readJsonFileSink(out)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('with a checkpoint, a batch re-run after a crash is written once', async () => {
    const input = tempDir();
    const root = tempDir();
    const out = join(root, 'out');
    const cp = join(root, 'cp');
    writeInput(input, 0, [1]);
    const make = () => startQuery(readJsonFiles(input, { schema: 'time TIMESTAMP' }).pipe(throttleFiles(1), toJsonFiles(out)), { checkpointLocation: cp });
    const first = make();
    await first.processAllAvailable();
    await first.stop();
    // Make batch 1 look planned but not committed: its write-ahead record exists, its commit does not.
    writeInput(input, 1, [2]);
    const second = make();
    await second.processAllAvailable();
    await second.stop();
    rmSync(join(cp, 'commits', '1'));
    const third = make(); // re-runs batch 1: the sink's log has it, so nothing is written twice
    await third.processAllAvailable();
    await third.stop();
    expect(readJsonFileSink(out)).toEqual([{ time: '1970-01-01T00:00:01.000Z' }, { time: '1970-01-01T00:00:02.000Z' }]);
    expect(third.recentProgress.map((p) => p.batchId)).toEqual([1]);
  });

  it('compacts its log every 10 batches, as Spark: the compact file holds every batch up to it, older log files go one interval later', async () => {
    const out = join(tempDir(), 'out');
    const batches = Array.from({ length: 25 }, (_, i) => ({ rows: [{ i }] }));
    await lastValueFrom(of(...batches).pipe(throttleFiles(1), toJsonFiles(out), toArray())); // one batch per item
    const log = readdirSync(join(out, SINK_LOG_DIR)).filter((n) => !n.startsWith('.'));
    // Before 9.compact: gone; 9.compact and batches 10..18, covered by 19.compact, stay one interval more.
    expect(log.sort()).toEqual(['9.compact', ...Array.from({ length: 9 }, (_, k) => String(10 + k)), '19.compact', '20', '21', '22', '23', '24'].sort());
    expect(readJsonFileSink(out)).toEqual(batches.map((b) => b.rows[0]));
    expect(sinkLogFilesToRead(log)).toEqual([{ batchId: 19, name: '19.compact' }, ...[20, 21, 22, 23, 24].map((id) => ({ batchId: id, name: String(id) }))]);
    expect(sinkLogFilesToRead(log, 21).map((f) => f.name)).toEqual(['22', '23', '24']);
    // A replayed batch before the latest (in a compact file now) is still not written again.
    await lastValueFrom(of({ rows: [{ i: 99 }] }).pipe(toJsonFiles(out), toArray()));
    expect(readJsonFileSink(out)).toHaveLength(25);
  });

  it('with a retention, leaves data files committed longer ago out of its compacted log (Spark’s retention option)', async () => {
    const out = join(tempDir(), 'out');
    const sink = toJsonFiles(out, { retention: '1 hour' });
    const realNow = Date.now;
    const t0 = Date.UTC(2026, 0, 1);
    // The clock moves two hours once batch 5's data file is written: batches 0..4 are committed
    // two hours before batches 5..9, and the compaction at batch 9 keeps only 5..9.
    Date.now = () => t0 + (existsSync(out) && readdirSync(out).filter((n) => n.startsWith('part-')).length >= 6 ? 2 * 3600_000 : 0);
    try {
      const batches = Array.from({ length: 10 }, (_, i) => ({ rows: [{ i }] }));
      await lastValueFrom(of(...batches).pipe(throttleFiles(1), sink, toArray()));
    } finally {
      Date.now = realNow;
    }
    expect(readJsonFileSink(out)).toEqual([5, 6, 7, 8, 9].map((i) => ({ i })));
    expect(() => toJsonFiles(out, { retention: 'soon' })).toThrow(/toJsonFiles: invalid retention/);
  });

  it('supports append mode only, as Spark’s file sink (an AnalysisError with Spark’s error class)', () => {
    for (const outputMode of ['update', 'complete'] as const) {
      let error: unknown;
      try {
        toJsonFiles('out', { outputMode });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AnalysisError);
      expect((error as AnalysisError).errorClass).toBe('STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE');
      expect((error as Error).message).toContain(`Invalid streaming output mode: ${outputMode}`);
    }
    expect(existsSync('out')).toBe(false); // refused before anything was written
  });
});
