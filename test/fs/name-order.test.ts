// inNameOrder: a file system view in which the file source takes files by name, whatever their
// modification times (those of an npm install are when each file was unpacked, alphabetically).
import { lastValueFrom, of, type Observable } from 'rxjs';
import { Catalog, groupCount, inNameOrder, readJsonFiles, startQuery, throttleFiles, toMemoryTable, type FileStat, type StreamFileSystem } from '../../src/index.js';
import { VirtualFileSystem } from '../../src/testing/index.js';

const schema = 'time TIMESTAMP, action STRING';
const NAMES = [...Array(12).keys()].map((i) => `file-${i}.json`);

/** file-0 … file-11, each written at a later time in alphabetical order (file-10 before file-2), as npm unpacks them. */
function unpacked(): VirtualFileSystem {
  const vfs = new VirtualFileSystem().mkdir('/in');
  [...NAMES].sort().forEach((name, i) => vfs.write(`/in/${name}`, [{ time: i, action: 'Open' }], 1_700_000_000_000 + i));
  return vfs;
}

/** The files of each trigger of a one-file-per-trigger query over `/in`. */
async function filesPerTrigger(fileSystem: StreamFileSystem, latestFirst = false): Promise<string[]> {
  const query = startQuery(
    readJsonFiles('/in', { schema, watch: false, fileSystem, latestFirst }).pipe(throttleFiles(1), groupCount('action'), toMemoryTable('t', { catalog: new Catalog(), outputMode: 'complete' })),
  );
  await query.awaitTermination();
  return query.recentProgress.flatMap((p) => p.sources[0]?.inputs ?? []);
}

describe('inNameOrder', () => {
  it('makes the file source take files by number, not by when they were written', async () => {
    const vfs = unpacked();
    expect(await filesPerTrigger(vfs)).toEqual([...NAMES].sort()); // the times alone: file-10 before file-2
    expect(await filesPerTrigger(inNameOrder(vfs))).toEqual(NAMES);
  });

  it('takes them the other way round with latestFirst', async () => {
    expect(await filesPerTrigger(inNameOrder(unpacked()), true)).toEqual([...NAMES].reverse());
  });

  it('lists every file with the same time and everything else as the file system has it', async () => {
    const vfs = unpacked();
    const [plain, view] = await Promise.all([lastValueFrom(vfs.list('/in')), lastValueFrom(inNameOrder(vfs).list('/in'))]);
    expect(view.map((s) => s.mtimeMs)).toEqual(plain.map(() => 0));
    expect(view.map((s) => ({ ...s, mtimeMs: 1 }))).toEqual(plain.map((s) => ({ ...s, mtimeMs: 1 })));
    expect(await lastValueFrom(inNameOrder(vfs).readText('/in/file-3.json'))).toBe(await lastValueFrom(vfs.readText('/in/file-3.json')));
  });

  it("gives stat the listings' time, and has no method the file system lacks", async () => {
    const entry: FileStat = { path: '/in/a.json', name: 'a.json', size: 3, mtimeMs: 42, isFile: true };
    const withStat = {
      list: (): Observable<readonly FileStat[]> => of([entry]),
      readText: (): Observable<string> => of('{}\n'),
      stat: (path: string): Observable<FileStat | undefined> => of(path === entry.path ? entry : undefined),
    };
    const view = inNameOrder(withStat) as typeof withStat;
    expect(await lastValueFrom(view.stat('/in/a.json'))).toEqual({ ...entry, mtimeMs: 0 });
    expect(await lastValueFrom(view.stat('/in/b.json'))).toBeUndefined();
    const bare: StreamFileSystem = { list: withStat.list, readText: withStat.readText };
    expect('stat' in inNameOrder(bare)).toBe(false);
    expect((inNameOrder(bare) as { stat?: unknown }).stat).toBeUndefined();
  });
});
