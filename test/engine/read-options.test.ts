/**
 * The file source's read options as Spark has them: ignoreMissingFiles, ignoreCorruptFiles,
 * .gz files, timestampFormat and timeZone, pathGlobFilter; and the longest line read
 * (maxLineLength, Hadoop's line.maxlength). Each bad file or line is reported and accounted for.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { lastValueFrom, of, toArray, type Observable } from 'rxjs';
import {
  BAD_RECORD_RAW_LIMIT,
  FileReadError,
  InvalidArgumentError,
  MalformedRecordError,
  readJsonFileSink,
  readJsonFiles,
  toJsonFiles,
  type BadRecord,
  type FileProgress,
  type MicroBatch,
  type ParseMode,
  type StreamFileSystem,
} from '../../src/index.js';
import { READ_CHUNK_BYTES } from '../../src/fs/file-system.js';
import { VirtualFileSystem, createTestScheduler, virtualDirectory } from '../../src/testing/index.js';
import { thrown } from '../support/thrown.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'structured-rx-read-options-'));
  dirs.push(dir);
  Object.entries(files).forEach(([name, content], i) => {
    writeFileSync(join(dir, name), content);
    utimesSync(join(dir, name), 1000 + i, 1000 + i);
  });
  return dir;
}

const ids = (from: number, to: number): string => Array.from({ length: to - from }, (_, k) => JSON.stringify({ id: from + k })).join('\n') + '\n';

interface Result {
  readonly rows: Record<string, unknown>[];
  readonly files: FileProgress[];
  readonly bad: BadRecord[];
  readonly error: unknown;
}

async function run(dir: string, options: Record<string, unknown> = {}, schema = 'id LONG'): Promise<Result> {
  const bad: BadRecord[] = [];
  const source = readJsonFiles(dir, { schema, watch: false, onBadRecord: (r) => bad.push(r), ...options }) as unknown as Observable<MicroBatch<Record<string, unknown>>>;
  try {
    const batches = await lastValueFrom(source.pipe(toArray()));
    return { rows: batches.flatMap((b) => [...b.rows]), files: batches.flatMap((b) => [...(b.fileProgress ?? [])]), bad, error: undefined };
  } catch (error) {
    return { rows: [], files: [], bad, error };
  }
}

describe('ignoreMissingFiles', () => {
  /** A directory whose file-1.json disappears between its listing and its read. */
  function vanishing(): StreamFileSystem {
    const vfs = virtualDirectory('/in', [[{ id: 1 }], [{ id: 2 }], [{ id: 3 }]]);
    return {
      list: (dir, accept) => vfs.list(dir, accept),
      readText: (path) => vfs.readText(path),
      readBytes: (path) => {
        if (path === '/in/file-1.json') vfs.remove(path);
        return vfs.readBytes(path);
      },
      stat: (path) => vfs.stat(path),
    };
  }

  it('fails the query by default, as Spark, naming the file (and reports it)', async () => {
    const r = await run('/in', { fileSystem: vanishing() });
    expect(r.error).toBeInstanceOf(FileReadError);
    expect((r.error as FileReadError).path).toBe('/in/file-1.json');
    expect(r.bad.map((b) => [b.kind, b.path])).toEqual([['missingFile', '/in/file-1.json']]);
  });

  it('skips and reports the file with the option; the other files are read', async () => {
    const r = await run('/in', { fileSystem: vanishing(), ignoreMissingFiles: true });
    expect(r.error).toBeUndefined();
    expect(r.rows.map((x) => x['id'])).toEqual([1, 3]);
    expect(r.files.map((f) => [f.path, f.status, f.linesRead])).toEqual([
      ['/in/file-0.json', 'read', 1],
      ['/in/file-1.json', 'missing', 0],
      ['/in/file-2.json', 'read', 1],
    ]);
    expect(r.bad).toEqual([expect.objectContaining({ kind: 'missingFile', path: '/in/file-1.json', line: null, byteOffset: null, reason: expect.stringMatching(/gone before it was read.*ignoreMissingFiles/) })]);
  });
});

describe('.gz files and ignoreCorruptFiles', () => {
  const whole = gzipSync(Buffer.from(ids(0, 2000)));
  const truncated = whole.subarray(0, Math.floor(whole.length / 2));

  it('reads a .gz file decompressed, by its extension', async () => {
    const r = await run(tempDir({ 'a.json.gz': whole, 'b.json': ids(2000, 2001) }));
    expect(r.rows).toHaveLength(2001);
    expect(r.files[0]).toEqual({ path: expect.stringMatching(/a\.json\.gz$/), status: 'read', bytesRead: Buffer.byteLength(ids(0, 2000)), linesRead: 2000, rowsKept: 2000, rowsDropped: 0, linesRejected: 0, malformedLines: 0 });
  });

  it('a corrupt gzip file fails the query by default, naming the file and the fault', async () => {
    const r = await run(tempDir({ 'a.json': ids(0, 1), 'bad.json.gz': Buffer.from('this is not gzip\n') }));
    expect(r.error).toBeInstanceOf(FileReadError);
    expect((r.error as FileReadError).message).toMatch(/bad\.json\.gz: corrupt gzip file: .*header/);
    expect(r.bad.map((b) => b.kind)).toEqual(['corruptFile']);
  });

  it('with ignoreCorruptFiles keeps the lines read before the fault (as Spark), and reports where it stopped', async () => {
    const dir = tempDir({ 'cut.json.gz': truncated, 'next.json': ids(5000, 5002) });
    const r = await run(dir, { ignoreCorruptFiles: true });
    expect(r.error).toBeUndefined();
    const kept = r.rows.filter((x) => (x['id'] as number) < 5000).map((x) => x['id']);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(2000);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => k)); // a prefix, in order, nothing invented
    expect(r.rows.slice(-2).map((x) => x['id'])).toEqual([5000, 5001]);
    const [fault] = r.bad;
    expect(fault).toMatchObject({ kind: 'corruptFile', path: join(dir, 'cut.json.gz'), reason: expect.stringMatching(/corrupt gzip file: unexpected end of file.*ignoreCorruptFiles/) });
    // It stopped in the line after the last one kept (or at its start), at that line's offset in the decompressed bytes.
    expect(fault?.line).toBe(kept.length + 1);
    expect(fault?.byteOffset).toBe(Buffer.byteLength(ids(0, kept.length)));
    const account = r.files[0] as FileProgress;
    expect(account.status).toBe('corrupt');
    expect(account.rowsKept).toBe(kept.length);
    expect(account.linesRead).toBe(account.rowsKept + account.rowsDropped + account.linesRejected);
  });

  it('an I/O error while reading is a corrupt file too', async () => {
    const vfs = virtualDirectory('/in', [[{ id: 1 }], [{ id: 2 }]]).failRead('/in/file-0.json');
    const failing = await run('/in', { fileSystem: vfs });
    expect((failing.error as FileReadError).message).toBe('cannot read /in/file-0.json: EIO: i/o error, read');
    const skipped = await run('/in', { fileSystem: vfs, ignoreCorruptFiles: true });
    expect(skipped.rows.map((x) => x['id'])).toEqual([2]);
    expect(skipped.files.map((f) => f.status)).toEqual(['corrupt', 'read']);
    expect(skipped.bad).toEqual([expect.objectContaining({ kind: 'corruptFile', path: '/in/file-0.json', line: 1, byteOffset: 0, reason: expect.stringMatching(/EIO/) })]);
  });
});

describe('maxLineLength', () => {
  it('skips a line longer than the limit as it streams by, in a file read in chunks, and reports it; the lines around it are read', async () => {
    const long = `{"id":2,"pad":"${'x'.repeat(READ_CHUNK_BYTES + 1000)}"}`;
    const text = `${ids(0, 2)}${long}\n${ids(3, 5)}`;
    const dir = tempDir({ 'big.json': text });
    for (const mode of ['PERMISSIVE', 'DROPMALFORMED'] as ParseMode[]) {
      const r = await run(dir, { maxLineLength: 1024 * 1024, mode });
      expect(r.rows.map((x) => x['id'])).toEqual([0, 1, 3, 4]);
      expect(r.bad).toEqual([
        {
          kind: 'lineTooLong',
          path: join(dir, 'big.json'),
          line: 3,
          byteOffset: Buffer.byteLength(ids(0, 2)),
          raw: long.slice(0, BAD_RECORD_RAW_LIMIT),
          truncated: true,
          reason: `line of ${long.length} bytes is longer than maxLineLength (1048576 bytes): not read`,
        },
      ]);
      expect(r.files[0]).toMatchObject({ linesRead: 5, rowsKept: 4, linesRejected: 1, malformedLines: 0, bytesRead: Buffer.byteLength(text) });
    }
    const failfast = await run(dir, { maxLineLength: 1024 * 1024, mode: 'FAILFAST' });
    expect(failfast.error).toBeInstanceOf(MalformedRecordError);
    expect((failfast.error as MalformedRecordError).line).toBe(3);
  });

  it('is a positive whole number of bytes', () => {
    for (const bad of [0, -1, 1.5, Infinity]) expect(thrown(() => readJsonFiles('/in', { schema: 'id LONG', maxLineLength: bad }), InvalidArgumentError).option).toBe('maxLineLength');
  });
});

describe('timestampFormat and timeZone on files', () => {
  it("read Spark's space-separated text in a zone, and a pattern of one's own", async () => {
    const dir = tempDir({ 'a.json': '{"time":"2016-07-26 03:00:00"}\n{"time":"26/07/2016 03:00"}\n' });
    const zoned = await run(dir, { timeZone: 'America/Los_Angeles' }, 'time TIMESTAMP');
    expect(zoned.rows.map((x) => x['time'])).toEqual([Date.UTC(2016, 6, 26, 10), null]);
    const patterned = await run(dir, { timestampFormat: 'dd/MM/yyyy HH:mm' }, 'time TIMESTAMP');
    expect(patterned.rows.map((x) => x['time'])).toEqual([null, Date.UTC(2016, 6, 26, 3)]);
    expect(patterned.bad.map((b) => [b.line, b.reason])).toEqual([[1, expect.stringMatching(/timestampFormat "dd\/MM\/yyyy HH:mm"/)]]);
  });
});

describe('pathGlobFilter', () => {
  it('reads only the file names that match, with Hadoop glob syntax', async () => {
    const vfs = new VirtualFileSystem().mkdir('/in');
    for (const name of ['a.json', 'b.jsonl', 'c.txt', 'd.json.gz.tmp', 'e1.json', 'e2.json']) vfs.write(`/in/${name}`, '{"id":1}\n');
    const names = async (glob: string): Promise<string[]> => (await run('/in', { fileSystem: vfs, pathGlobFilter: glob })).files.map((f) => f.path.slice(4)).sort();
    expect(await names('*.json')).toEqual(['a.json', 'e1.json', 'e2.json']);
    expect(await names('*.{json,jsonl}')).toEqual(['a.json', 'b.jsonl', 'e1.json', 'e2.json']);
    expect(await names('e[^1].json')).toEqual(['e2.json']);
    expect(await names('?.txt')).toEqual(['c.txt']);
    expect(thrown(() => readJsonFiles('/in', { schema: 'id LONG', pathGlobFilter: '' }), InvalidArgumentError).option).toBe('pathGlobFilter');
  });
});

describe("a file sink's directory", () => {
  it('is read through the sink’s log: only files of committed batches, never an orphan of a crashed batch', async () => {
    const out = join(tempDir({}), 'out');
    await lastValueFrom(of({ rows: [{ id: 1 }] }, { rows: [{ id: 2 }, { id: 3 }] }, { rows: [] }).pipe(toJsonFiles(out), toArray()));
    writeFileSync(join(out, 'part-00003-orphan.json'), '{"id":99}\n'); // a data file whose batch never reached the log
    const r = await run(out);
    expect(r.rows.map((x) => x['id']).sort()).toEqual(readJsonFileSink(out).map((x) => x['id']).sort());
    expect(r.rows.map((x) => x['id']).sort()).toEqual([1, 2, 3]);
  });

  it('a watching source takes a data file once its batch is in the log, also from a compacted log (virtual time)', () => {
    const scheduler = createTestScheduler();
    const batches: number[][] = [];
    const entry = (batchId: number, files: string[]): string => JSON.stringify({ formatVersion: 1, value: { batchId, files: files.map((path) => ({ path, rows: 1 })) } });
    scheduler.run(({ flush }) => {
      const fs = new VirtualFileSystem().mkdir('/out');
      fs.write('/out/part-0.json', '{"id":0}\n', 0).write('/out/_spark_metadata/0', entry(0, ['part-0.json']), 0);
      fs.write('/out/part-1.json', '{"id":1}\n', 1); // written, not yet committed
      scheduler.schedule(() => fs.write('/out/_spark_metadata/1', entry(1, ['part-1.json']), 1500), 1500);
      scheduler.schedule(() => {
        // Batch 9 compacts the log: 9.compact holds every batch up to 9, the entries before it go.
        fs.write('/out/part-9.json', '{"id":9}\n', 2500);
        fs.write('/out/_spark_metadata/9.compact', entry(9, ['part-0.json', 'part-1.json', 'part-9.json']), 2500);
        fs.remove('/out/_spark_metadata/0').remove('/out/_spark_metadata/1');
      }, 2500);
      const sub = readJsonFiles('/out', { schema: 'id LONG', fileSystem: fs, scheduler }).subscribe((b) => batches.push(b.rows.map((x) => x.id as number)));
      scheduler.schedule(() => sub.unsubscribe(), 4000);
      flush();
    });
    expect(batches).toEqual([[0], [1], [9]]);
  });
});
