/**
 * The bad-input corpus: a directory of files with every kind of bad line and file, read in the
 * three parse modes. Each line of the corpus says what it is (good, malformed and why, blank);
 * the tests derive from that what the reader must give: the rows, the corrupt-record column,
 * one bad record per bad line (file, line, byte offset, raw text, reason) and each file's line
 * accounting (linesRead = rowsKept + rowsDropped + linesRejected). Decision 0018.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import {
  AnalysisError,
  BAD_RECORD_RAW_LIMIT,
  FileReadError,
  MalformedRecordError,
  StreamingQueryException,
  foreachBatch,
  readJsonFiles,
  startQuery,
  throttleFiles,
  tumblingWindow,
  type BadRecord,
  type FileProgress,
  type MicroBatch,
  type ParseMode,
  type StreamingQueryProgress,
} from '../../src/index.js';
import { VirtualFileSystem, createTestScheduler, virtualDirectory } from '../../src/testing/index.js';

const SCHEMA = 'time TIMESTAMP, id LONG, action STRING, `__proto__` STRING, `constructor` STRING, `toString` STRING, _corrupt_record STRING';
const MODES: readonly ParseMode[] = ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'];

/** One line of the corpus and what it is. `text` is bytes where it must hold bytes that are not UTF-8. */
interface CorpusLine {
  readonly text: string | Buffer;
  readonly verdict: 'good' | 'malformed' | 'blank';
  readonly reason?: RegExp;
  /** Fields a good line's row must have. */
  readonly row?: Record<string, unknown>;
}
interface CorpusFile {
  readonly name: string;
  readonly eol: string;
  readonly gzip?: boolean;
  readonly lines: readonly CorpusLine[];
}

const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const T0 = 1469501107; // 2016-07-26T02:45:07Z

const CORPUS: readonly CorpusFile[] = [
  {
    name: 'numbers.json',
    eol: '\n',
    lines: [
      { text: `{"time":${T0},"id":1,"action":"Open"}`, verdict: 'good', row: { time: T0 * 1000, id: 1, action: 'Open' } },
      { text: '{"time":1e20,"id":2}', verdict: 'malformed', reason: /beyond the instants a JavaScript Date holds/ },
      { text: `{"time":${T0},"id":9007199254740993}`, verdict: 'malformed', reason: /±\(2\^53 - 1\)/ },
      { text: `{"time":${T0 + 1},"id":3,"action":"Close","big":12345678901234567890}`, verdict: 'good', row: { id: 3 } },
      { text: '', verdict: 'blank' },
      { text: `{"time":${T0 + 2},"id":4,"action":${nest(1000)}}`, verdict: 'malformed', reason: /nesting deeper than 1000 levels/ },
      { text: `{"time":${T0 + 3},"id":5,"action":${nest(5)}}`, verdict: 'good', row: { action: nest(5) } },
      { text: '{"id":6,"action":"no time"}', verdict: 'good', row: { time: null, id: 6 } },
    ],
  },
  {
    name: 'names.json',
    eol: '\n',
    lines: [
      { text: `{"time":${T0 + 4},"__proto__":"p","constructor":"c","toString":"t"}`, verdict: 'good', row: { __proto__: 'p', constructor: 'c', toString: 't' } },
      { text: `{"time":${T0 + 5},"__proto__":{"polluted":1}}`, verdict: 'good', row: { __proto__: '{"polluted":1}' } },
      { text: '   ', verdict: 'blank' },
      { text: '{"constructor":', verdict: 'malformed', reason: /JSON|Unexpected|end/i },
    ],
  },
  {
    name: 'cr-only.json',
    eol: '\r',
    lines: [
      { text: `{"time":${T0 + 6},"id":7}`, verdict: 'good', row: { id: 7 } },
      { text: '{"time":"10:00","id":8}', verdict: 'malformed', reason: /"10:00" is not a timestamp/ },
      { text: '{"time":"2016-07-26 03:00:00","id":9}', verdict: 'good', row: { time: Date.UTC(2016, 6, 26, 3), id: 9 } },
    ],
  },
  {
    name: 'more.json.gz',
    eol: '\n',
    gzip: true,
    lines: [
      { text: `{"time":${T0 + 7},"id":10}`, verdict: 'good', row: { id: 10 } },
      { text: '{"id":', verdict: 'malformed', reason: /JSON|Unexpected|end/i },
      { text: `{"time":${T0 + 8},"id":11,"action":"gz"}`, verdict: 'good', row: { action: 'gz' } },
    ],
  },
  {
    name: 'bytes.json',
    eol: '\n',
    lines: [
      { text: Buffer.concat([Buffer.from('{"id":12,"action":"caf'), Buffer.of(0xe9), Buffer.from('"}')]), verdict: 'malformed', reason: /not UTF-8/ },
      { text: `{"time":${T0 + 9},"id":13,"action":"café"}`, verdict: 'good', row: { action: 'café' } },
    ],
  },
];

/** A file's bytes as written (before gzip). */
function plainBytes(f: CorpusFile): Buffer {
  return Buffer.concat(f.lines.map((l) => Buffer.concat([typeof l.text === 'string' ? Buffer.from(l.text) : l.text, Buffer.from(f.eol)])));
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The corpus on disk, oldest file first, with a hidden symlink loop and an underscore file beside it (never read). */
function corpusDir(files: readonly CorpusFile[] = CORPUS): string {
  const dir = mkdtempSync(join(tmpdir(), 'structured-rx-corpus-'));
  dirs.push(dir);
  files.forEach((f, i) => {
    const path = join(dir, f.name);
    writeFileSync(path, f.gzip === true ? gzipSync(plainBytes(f)) : plainBytes(f));
    utimesSync(path, 1000 + i, 1000 + i);
  });
  symlinkSync('.loop', join(dir, '.loop')); // stat would fail with ELOOP: hidden names are never stat'ed
  writeFileSync(join(dir, '_SUCCESS'), 'not json');
  return dir;
}

/** Where each line of a file starts in its (decompressed) bytes, and its line number. */
function lineSpans(f: CorpusFile): { line: CorpusLine; number: number; offset: number }[] {
  let offset = 0;
  return f.lines.map((line, i) => {
    const span = { line, number: i + 1, offset };
    offset += (typeof line.text === 'string' ? Buffer.byteLength(line.text) : line.text.length) + Buffer.byteLength(f.eol);
    return span;
  });
}

/** The text a bad record or the corrupt column holds for a line: bytes that were not UTF-8 as U+FFFD. */
function shown(text: string | Buffer): string {
  return typeof text === 'string' ? text : text.toString('utf8');
}

interface Run {
  readonly batches: MicroBatch<Record<string, unknown>>[];
  readonly bad: BadRecord[];
  readonly error: unknown;
}

async function read(dir: string, mode: ParseMode, extra: Record<string, unknown> = {}, window = false): Promise<Run> {
  const bad: BadRecord[] = [];
  const source = readJsonFiles(dir, { schema: SCHEMA, watch: false, mode, onBadRecord: (r) => bad.push(r), ...extra });
  const query: Observable<unknown> = window ? source.pipe(tumblingWindow('time', '1 hour')) : source;
  try {
    const batches = (await lastValueFrom(query.pipe(toArray()))) as unknown as MicroBatch<Record<string, unknown>>[];
    return { batches, bad, error: undefined };
  } catch (error) {
    return { batches: [], bad, error };
  }
}

function filesOf(run: Run): FileProgress[] {
  return run.batches.flatMap((b) => b.fileProgress ?? []);
}

describe('the bad-input corpus in each parse mode', () => {
  const dir = corpusDir();
  const good = CORPUS.flatMap((f) => f.lines.filter((l) => l.verdict === 'good'));
  const malformed = CORPUS.flatMap((f) => lineSpans(f).filter((s) => s.line.verdict === 'malformed').map((s) => ({ file: f, ...s })));

  it.each(['PERMISSIVE', 'DROPMALFORMED'] as const)('%s: rows, the corrupt-record column and one bad record per malformed line, with its file, line, byte offset and raw text', async (mode) => {
    const run = await read(dir, mode);
    expect(run.error).toBeUndefined();
    const rows = run.batches.flatMap((b) => b.rows);
    const kept = rows.filter((r) => r['_corrupt_record'] === null);
    expect(kept).toHaveLength(good.length);
    good.forEach((line, i) => {
      const row = kept[i] as Record<string, unknown>;
      for (const [k, v] of Object.entries(line.row ?? {})) {
        expect(Object.hasOwn(row, k)).toBe(true);
        expect(row[k]).toEqual(v);
      }
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const corrupt = rows.filter((r) => r['_corrupt_record'] !== null).map((r) => r['_corrupt_record']);
    expect(corrupt).toEqual(mode === 'PERMISSIVE' ? malformed.map((m) => shown(m.line.text)) : []);

    // One bad record per malformed line, in file and line order, whatever the mode.
    expect(run.bad.map((r) => [r.kind, r.path, r.line])).toEqual(malformed.map((m) => ['malformed', join(dir, m.file.name), m.number]));
    run.bad.forEach((r, i) => {
      const m = malformed[i] as (typeof malformed)[number];
      expect(r.reason).toMatch(m.line.reason as RegExp);
      const raw = shown(m.line.text);
      expect(r.truncated).toBe(raw.length > BAD_RECORD_RAW_LIMIT);
      expect(r.raw).toBe(raw.slice(0, BAD_RECORD_RAW_LIMIT));
      // The byte offset is where the line's bytes start in the file (decompressed for .gz).
      const onDisk = readFileSync(join(dir, m.file.name));
      const bytes = m.file.gzip === true ? gunzipSync(onDisk) : onDisk;
      const lineBytes = typeof m.line.text === 'string' ? Buffer.from(m.line.text) : m.line.text;
      expect(r.byteOffset).toBe(m.offset);
      expect(bytes.subarray(r.byteOffset ?? -1, (r.byteOffset ?? 0) + lineBytes.length).equals(lineBytes)).toBe(true);
    });
  });

  it.each(['PERMISSIVE', 'DROPMALFORMED'] as const)('%s: every line of every file accounted for, rows without event time dropped by the window counted against their file', async (mode) => {
    const plain = await read(dir, mode);
    const windowed = await read(dir, mode, {}, true);
    expect(filesOf(windowed).map((f) => f.path)).toEqual(CORPUS.map((f) => join(dir, f.name)));
    for (const [i, f] of CORPUS.entries()) {
      const account = filesOf(windowed)[i] as FileProgress;
      const nonBlank = f.lines.filter((l) => l.verdict !== 'blank').length;
      const bad = f.lines.filter((l) => l.verdict === 'malformed').length;
      // The file read alone (pathGlobFilter): its rows whose time is null are those the window drops.
      const alone = await read(dir, mode, { pathGlobFilter: f.name });
      const nullTimes = alone.batches.flatMap((b) => b.rows).filter((r) => r['time'] === null).length;
      expect(account.status).toBe('read');
      expect(account.linesRead).toBe(nonBlank);
      expect(account.malformedLines).toBe(bad);
      expect(account.linesRejected).toBe(mode === 'DROPMALFORMED' ? bad : 0);
      expect(account.rowsDropped).toBe(nullTimes);
      expect(account.rowsKept + account.rowsDropped + account.linesRejected).toBe(account.linesRead);
      expect(account.bytesRead).toBe(plainBytes(f).length);
      // Without a window nothing is dropped: every line is a row or rejected.
      const before = filesOf(plain)[i] as FileProgress;
      expect(before.rowsDropped).toBe(0);
      expect(before.rowsKept).toBe(nonBlank - account.linesRejected);
    }
    const droppedTotal = filesOf(windowed).reduce((n, f) => n + f.rowsDropped, 0);
    expect(droppedTotal).toBeGreaterThan(0);
    expect(windowed.batches.reduce((n, b) => n + (b.droppedRows['nullEventTime'] ?? 0), 0)).toBe(droppedTotal);
  });

  it('FAILFAST: fails at the first malformed line with its file and line, after reporting it as a bad record', async () => {
    const run = await read(dir, 'FAILFAST');
    const first = malformed[0] as (typeof malformed)[number];
    expect(run.error).toBeInstanceOf(MalformedRecordError);
    const e = run.error as MalformedRecordError;
    expect([e.path, e.line]).toEqual([join(dir, first.file.name), first.number]);
    expect(e.reason).toMatch(first.line.reason as RegExp);
    expect(run.bad.map((r) => [r.path, r.line])).toEqual([[e.path, e.line]]);
  });

  it('the query handle gives the same bad records as the callback, in every mode', async () => {
    for (const mode of MODES) {
      const viaCallback: BadRecord[] = [];
      const viaHandle: BadRecord[] = [];
      const query = startQuery(
        readJsonFiles(dir, { schema: SCHEMA, watch: false, mode, onBadRecord: (r) => viaCallback.push(r) }).pipe(foreachBatch(() => undefined)),
      );
      query.badRecords.subscribe((r) => viaHandle.push(r));
      await query.awaitTermination().catch(() => undefined);
      expect(viaHandle).toEqual(viaCallback);
      expect(viaHandle.length).toBe(mode === 'FAILFAST' ? 1 : malformed.length);
      expect(query.exception === null).toBe(mode !== 'FAILFAST');
      if (mode === 'FAILFAST') expect((query.exception as StreamingQueryException).cause).toBeInstanceOf(MalformedRecordError);
    }
  });

  it('refuses a corrupt-record column declared as another type where the source is composed', () => {
    expect(() => readJsonFiles(dir, { schema: 'time TIMESTAMP, _corrupt_record INT' })).toThrow(AnalysisError);
  });
});

describe('files that change after they are listed or read (in virtual time)', () => {
  interface WatchOptions {
    readonly readDelayMs?: number;
    readonly maxFiles?: number;
    readonly minFileStableFor?: string;
    readonly stopAt?: number;
  }

  /** Runs a streaming query over a virtual `/in` until `stopAt`, `setup` writing files now and later; returns its progress, the rows of each batch and the bad records (each reason prefixed by the frame it came at). */
  function watch(setup: (fs: VirtualFileSystem, at: (ms: number, fn: () => void) => void) => void, options: WatchOptions = {}) {
    const scheduler = createTestScheduler();
    const progress: StreamingQueryProgress[] = [];
    const rows: Record<string, unknown>[][] = [];
    const bad: BadRecord[] = [];
    scheduler.run(({ flush }) => {
      const fs = virtualDirectory('/in', [], { scheduler, ...(options.readDelayMs === undefined ? {} : { readDelayMs: options.readDelayMs }) });
      setup(fs, (ms, fn) => scheduler.schedule(fn, ms));
      const source = readJsonFiles('/in', {
        schema: 'id LONG, _corrupt_record STRING',
        fileSystem: fs,
        scheduler,
        onBadRecord: (r) => bad.push({ ...r, reason: `${scheduler.now()}: ${r.reason}` }),
        ...(options.minFileStableFor === undefined ? {} : { minFileStableFor: options.minFileStableFor }),
      });
      const limited = options.maxFiles === undefined ? source : source.pipe(throttleFiles(options.maxFiles, { scheduler }));
      const query = startQuery(limited.pipe(foreachBatch<Record<string, unknown>>((batch) => void rows.push([...batch]))));
      query.progress.subscribe((p) => progress.push(p));
      scheduler.schedule(() => void query.stop(), options.stopAt ?? 5000);
      flush();
    });
    return { progress, rows, bad };
  }

  it('a file appended to after it was read: reported once, at the listing that sees it, and in the next batch’s progress; the appended line is not read', () => {
    const { progress, rows, bad } = watch((fs, at) => {
      fs.write('/in/file-0.json', [{ id: 1 }, { id: 2 }], 0);
      at(1500, () => fs.append('/in/file-0.json', '{"id":3}\n', 1500));
      at(2500, () => fs.write('/in/file-1.json', [{ id: 4 }], 2500));
    });
    expect(rows.map((r) => r.map((x) => x['id']))).toEqual([[1, 2], [4]]);
    const size = Buffer.byteLength('{"id":1}\n{"id":2}\n');
    expect(bad).toEqual([
      {
        kind: 'changedFile',
        path: '/in/file-0.json',
        line: null,
        byteOffset: size,
        raw: '',
        truncated: false,
        reason: expect.stringMatching(new RegExp(`^2000: changed after it was read \\(${size} bytes, modified 0 → ${size + 9} bytes, modified 1500\\)`)),
      },
    ]);
    expect(progress.map((p) => p.sources[0]?.changedFiles)).toEqual([
      undefined,
      [{ path: '/in/file-0.json', before: { size, mtimeMs: 0 }, after: { size: size + 9, mtimeMs: 1500 }, when: 'afterRead' }],
    ]);
  });

  it.each([
    ['appended', (fs: VirtualFileSystem) => fs.append('/in/file-1.json', '{"id":3}\n', 50), [2, 3]],
    ['truncated and rewritten', (fs: VirtualFileSystem) => fs.write('/in/file-1.json', '{"id":9}\n', 50), [9]],
  ])('a file %s between its listing and its read: the content read is the newer one, and the change is reported', (_how, change, ids) => {
    const { progress, rows, bad } = watch(
      (fs, at) => {
        fs.write('/in/file-0.json', [{ id: 1 }], 0);
        fs.write('/in/file-1.json', [{ id: 2 }, { id: 22 }].slice(0, 1), 1);
        at(50, () => change(fs));
      },
      { readDelayMs: 100, maxFiles: 1, stopAt: 1000 },
    );
    expect(rows.map((r) => r.map((x) => x['id']))).toEqual([[1], ids]);
    const listed = Buffer.byteLength('{"id":2}\n');
    const read = Buffer.byteLength(ids.map((id) => `{"id":${id}}\n`).join(''));
    expect(progress[1]?.sources[0]?.changedFiles).toEqual([{ path: '/in/file-1.json', before: { size: listed, mtimeMs: 1 }, after: { size: read, mtimeMs: 50 }, when: 'beforeRead' }]);
    expect(bad.map((b) => [b.kind, b.path, b.reason.replace(/:.*/, '')])).toEqual([['changedFile', '/in/file-1.json', '200']]);
    expect(progress[1]?.sources[0]?.files?.[0]).toMatchObject({ linesRead: ids.length, rowsKept: ids.length, bytesRead: read });
  });

  it('minFileStableFor: a file written in place in two steps is read whole once it has settled; without it, half is read and the rest reported', () => {
    const writer = (fs: VirtualFileSystem, at: (ms: number, fn: () => void) => void): void => {
      fs.write('/in/file-0.json', '{"id":1}\n{"id":', 0);
      at(1500, () => fs.append('/in/file-0.json', '2}\n', 1500));
    };
    const settled = watch(writer, { minFileStableFor: '2 seconds', stopAt: 6000 });
    expect(settled.rows).toEqual([[{ id: 1, _corrupt_record: null }, { id: 2, _corrupt_record: null }]]);
    expect(settled.progress.map((p) => p.timestamp)).toEqual([new Date(4000).toISOString()]);
    expect(settled.bad).toEqual([]);

    const eager = watch(writer, { stopAt: 6000 });
    expect(eager.rows).toEqual([[{ id: 1, _corrupt_record: null }, { id: null, _corrupt_record: '{"id":' }]]);
    expect(eager.bad.map((b) => [b.kind, b.line])).toEqual([
      ['malformed', 2],
      ['changedFile', null],
    ]);
  });

  it('minFileStableFor needs a watching source', () => {
    expect(() => readJsonFiles('/in', { schema: 'id LONG', watch: false, minFileStableFor: '1 second' })).toThrow(/minFileStableFor/);
  });
});

describe('a second run of the same pipeline', () => {
  it('does not hang in processAllAvailable and shares no counters with the first', async () => {
    const dir = corpusDir();
    const bad: BadRecord[][] = [];
    const pipeline = readJsonFiles(dir, { schema: SCHEMA, pollInterval: '50 milliseconds' }).pipe(throttleFiles(2), foreachBatch(() => undefined));
    const runs: FileProgress[][] = [];
    for (let run = 0; run < 2; run++) {
      const query = startQuery(pipeline);
      const mine: BadRecord[] = [];
      const files: FileProgress[] = [];
      query.badRecords.subscribe((r) => mine.push(r));
      query.progress.subscribe((p) => files.push(...(p.sources[0]?.files ?? [])));
      await query.processAllAvailable();
      await query.stop();
      bad.push(mine);
      runs.push(files);
    }
    expect(runs[0]?.map((f) => f.path)).toEqual(CORPUS.map((f) => join(dir, f.name)));
    expect(runs[1]).toEqual(runs[0]);
    expect(bad[1]).toEqual(bad[0]);
    expect(bad[0]?.length).toBe(CORPUS.flatMap((f) => f.lines).filter((l) => l.verdict === 'malformed').length);
  });
});
