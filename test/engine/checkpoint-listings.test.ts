// The driver drops old source-log files after each committed batch with one listing of
// `sources/0` (it listed the directory three times per batch), and keeps what a restart needs:
// the latest compact log and the increments after it.
import fs, { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foreachBatch, readJsonFiles, startQuery, throttleFiles } from '../../src/index.js';
import { CheckpointDir } from '../../src/engine/checkpoint.js';

const dirs: string[] = [];
// Node loads its recursive rmSync on first use, taking fs.readdirSync as it is then: load it
// now, so that it never keeps the spies below (which answer nothing once restored).
rmSync(mkdtempSync(join(tmpdir(), 'structured-rx-checkpoint-listings-')), { recursive: true, force: true });
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'structured-rx-checkpoint-listings-'));
  dirs.push(d);
  return d;
}

describe('CheckpointDir.numbersBySuffix', () => {
  it('gives, from one listing, what numbers gives for each suffix', () => {
    const cp = new CheckpointDir(tempDir());
    for (const name of ['0', '1', '9.compact', '10', '19.compact', '.5.tmp', 'x', '3.delta']) cp.writeJson(`sources/0/${name}`, 1);
    const listings = jest.spyOn(fs, 'readdirSync');
    try {
      const [plain, compact, delta] = cp.numbersBySuffix('sources/0', ['', '.compact', '.delta']);
      expect(listings).toHaveBeenCalledTimes(1);
      expect([plain, compact, delta]).toEqual([cp.numbers('sources/0'), cp.numbers('sources/0', '.compact'), cp.numbers('sources/0', '.delta')]);
      expect([plain, compact, delta]).toEqual([[0, 1, 10], [9, 19], [3]]);
      expect(cp.numbersBySuffix('missing', ['', '.compact'])).toEqual([[], []]);
    } finally {
      listings.mockRestore();
    }
  });
});

describe('old source logs', () => {
  it('are dropped with one listing of sources/0 per committed batch', async () => {
    const input = tempDir();
    const cp = join(tempDir(), 'cp');
    for (let i = 0; i < 25; i++) {
      writeFileSync(join(input, `file-${i}.json`), `{"id":${i}}\n`);
      utimesSync(join(input, `file-${i}.json`), 1000 + i, 1000 + i);
    }
    const sourceLogDir = join(cp, 'sources', '0');
    const listings = jest.spyOn(fs, 'readdirSync');
    let batches = 0;
    try {
      const q = startQuery(readJsonFiles(input, { schema: 'id INT' }).pipe(throttleFiles(1), foreachBatch(() => void batches++)), { checkpointLocation: cp });
      await q.processAllAvailable();
      await q.stop();
      const ofSourceLog = listings.mock.calls.filter(([path]) => String(path) === sourceLogDir).length;
      expect(batches).toBe(25);
      expect(ofSourceLog).toBe(25);
    } finally {
      listings.mockRestore();
    }
    // Batch 19 wrote the whole log; batches 20-24 their increments.
    const kept = fs.readdirSync(sourceLogDir).filter((n) => !n.startsWith('.'));
    expect(kept.sort()).toEqual(['19.compact', '20', '21', '22', '23', '24']);
  });
});
