// The file source on the real file system, where it reads small files whole with few system
// calls: the listing's paths are the directory joined with each name whatever the directory's
// spelling; a file changed between its listing and its read is still found (by its size, or by
// its modification time at the same size); the seen-file log forgets committed entries
// batch after batch.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { lastValueFrom, tap, toArray, type Observable } from 'rxjs';
import { nodeFileSystem, readJsonFiles, SeenFileLog, throttleFiles, type BadRecord, type FileStat, type MicroBatch } from '../../src/index.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'structured-rx-file-source-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function directory(name: string, files: readonly string[]): string {
  const dir = join(root, name);
  mkdirSync(dir);
  files.forEach((text, i) => {
    writeFileSync(join(dir, `file-${i}.json`), text);
    utimesSync(join(dir, `file-${i}.json`), 1000 + i, 1000 + i);
  });
  return dir;
}

describe('nodeFileSystem.list', () => {
  it('gives each entry the path join(dir, name) gives, however the directory is written', async () => {
    const dir = directory('spelled', ['{"id":1}\n', '{"id":2}\n']);
    mkdirSync(join(dir, 'sub'));
    const rel = relative(process.cwd(), dir);
    for (const spelling of [dir, `${dir}/`, `${dir}//`, rel, `./${rel}`, `${rel}/./`, join(dir, 'sub', '..')]) {
      const stats = await lastValueFrom(nodeFileSystem.list(spelling));
      const byName = [...stats].sort((a, b) => a.name.localeCompare(b.name));
      expect(byName.map((s) => [s.name, s.path, s.isFile])).toEqual([
        ['file-0.json', join(spelling, 'file-0.json'), true],
        ['file-1.json', join(spelling, 'file-1.json'), true],
        ['sub', join(spelling, 'sub'), false],
      ]);
      expect(byName.slice(0, 2).map((s) => [s.size, s.mtimeMs])).toEqual([
        [9, 1_000_000],
        [9, 1_001_000],
      ]);
    }
  });
});

describe('a file changed between its listing and its read', () => {
  /** Two files, one per batch; when the first batch arrives, `change` rewrites the second (listed already, not read yet). */
  async function readChanging(name: string, change: (path: string) => void): Promise<{ batches: MicroBatch<{ id: number }>[]; bad: BadRecord[] }> {
    const dir = directory(name, ['{"id":1}\n', '{"id":2}\n']);
    const bad: BadRecord[] = [];
    const source = readJsonFiles(dir, { schema: 'id INT', watch: false, onBadRecord: (r) => bad.push(r) }).pipe(throttleFiles(1)) as unknown as Observable<MicroBatch<{ id: number }>>;
    const batches = await lastValueFrom(
      source.pipe(
        tap((b) => {
          if (b.batchId === 0) change(join(dir, 'file-1.json'));
        }),
        toArray(),
      ),
    );
    return { batches, bad };
  }

  it('is read as it is now and reported when it grew', async () => {
    const { batches, bad } = await readChanging('grew', (path) => {
      writeFileSync(path, '{"id":2}\n{"id":3}\n');
      utimesSync(path, 1001, 1001);
    });
    expect(batches.map((b) => b.rows.map((r) => r.id))).toEqual([[1], [2, 3]]);
    expect(bad.map((r) => [r.kind, r.path.endsWith('file-1.json')])).toEqual([['changedFile', true]]);
    expect(bad[0]?.reason).toContain('(9 bytes, modified 1001000) and its read (18 bytes, modified 1001000)');
  });

  it('is reported when only its modification time changed (same size)', async () => {
    const { batches, bad } = await readChanging('touched', (path) => {
      writeFileSync(path, '{"id":7}\n');
      utimesSync(path, 5000, 5000);
    });
    expect(batches.map((b) => b.rows.map((r) => r.id))).toEqual([[1], [7]]);
    expect(bad.map((r) => r.kind)).toEqual(['changedFile']);
    expect(bad[0]?.reason).toContain('(9 bytes, modified 1001000) and its read (9 bytes, modified 5000000)');
  });

  it('is not reported when it did not change', async () => {
    const { batches, bad } = await readChanging('same', () => undefined);
    expect(batches.map((b) => b.rows.map((r) => r.id))).toEqual([[1], [2]]);
    expect(bad).toEqual([]);
  });
});

describe('SeenFileLog.forget', () => {
  const stat = (i: number): FileStat => ({ path: `/d/f-${i}`, name: `f-${i}`, size: i, mtimeMs: i, isFile: true });

  it('forgets the committed entries of each commit in turn, and keeps the rest', () => {
    const log = new SeenFileLog();
    for (let i = 0; i < 6; i++) log.add(stat(i));
    log.forget(2);
    expect(log.slice(2, 6).map((s) => s.name)).toEqual(['f-2', 'f-3', 'f-4', 'f-5']);
    expect(() => log.slice(1, 2)).toThrow(/entry 1 was committed and forgotten/);
    log.forget(1); // an older commit: nothing more to forget
    expect(log.slice(2, 3).map((s) => s.name)).toEqual(['f-2']);
    log.forget(4);
    expect(() => log.slice(3, 4)).toThrow(/entry 3 was committed and forgotten/);
    expect(log.slice(4, 6).map((s) => s.name)).toEqual(['f-4', 'f-5']);
    log.forget(9); // past the end: every entry
    expect(() => log.slice(5, 6)).toThrow(/entry 5/);
    log.add(stat(6));
    expect(log.slice(6, 7).map((s) => s.name)).toEqual(['f-6']);
    log.forget(7);
    expect(() => log.slice(6, 7)).toThrow(/entry 6/);
    expect(log.paths()).toHaveLength(7);
  });

  it('forgets the entries of a log restored from a checkpoint', () => {
    const log = new SeenFileLog();
    for (let i = 0; i < 4; i++) log.add(stat(i));
    log.forget(1);
    const restored = SeenFileLog.fromJSON(log.toJSON(), Infinity);
    expect(restored.slice(1, 4).map((s) => s.name)).toEqual(['f-1', 'f-2', 'f-3']);
    restored.forget(3);
    expect(() => restored.slice(2, 3)).toThrow(/entry 2/);
    expect(restored.slice(3, 4).map((s) => s.name)).toEqual(['f-3']);
  });
});
