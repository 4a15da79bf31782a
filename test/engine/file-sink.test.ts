// The JSON-lines file sink: data files written atomically under unique names, each batch recorded
// in the sink's log last; a reader that goes by the log sees whole batches only, and a batch id
// already in the log is not written again (exactly once with a checkpoint).
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, of, toArray } from 'rxjs';
import { AnalysisError, readJsonFileSink, readJsonFiles, startQuery, throttleFiles, toJsonFiles, tumblingWindow, groupCount, withWatermark, SINK_LOG_DIR } from '../../src/index.js';

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
