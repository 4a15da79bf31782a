// Parse threads (decision 0022): files read and parsed whole, on worker threads or on the query's
// thread, give exactly what the lazy path gives (blocks parsed as the steps read them) — rows,
// aggregates, progress with its per-file accounting, every bad record in order, FAILFAST's error
// with its class — whatever the number of threads and the read-ahead. The threads run from the
// build (as the CLI tests do), in a child process per run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import { InvalidArgumentError, readJsonFiles, throttleFiles } from '../../src/index.js';
import { virtualDirectory } from '../../src/testing/index.js';
import { ensureBuilt, ROOT } from '../cli/helpers.js';

// The package's entry as a user imports it (the bundle, whose parse worker sits beside its chunks).
const INDEX = path.join(ROOT, 'dist', 'bundle', 'index.js');
let dir: string;

/** Files with good lines, malformed lines, blank lines, CRLF, a byte order mark, bytes that are not UTF-8, lines too long, a gzip file. */
function writeFiles(): void {
  const line = (t: number, action: string, latency: number | null) => JSON.stringify({ time: 1469501107 + t, action, latency });
  const files: (string | Buffer)[] = [];
  for (let f = 0; f < 6; f++) {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(line(f * 3000 + i * 7, ['Open', 'Close', 'View'][(i * 7 + f) % 3] as string, i % 5 === 0 ? null : (i % 13) / 4));
    if (f === 1) lines.splice(10, 0, '{"time":"soon","action":"Open"}', 'not json', '', '  ', `{"time":1469501107,"action":"${'x'.repeat(300)}"}`, '{ "time" : 1469501108 , "action" : "Op\\u0065n" }');
    if (f === 3) lines.splice(2000, 0, '{"time":1469501109,"action":"é😀"}', '[1,2]', '{"time":1.5}');
    files.push(lines.join(f === 2 ? '\r\n' : '\n') + '\n');
  }
  files[4] = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(files[4] as string), Buffer.from([0xff, 0x0a]), Buffer.from('{"time":1469501200,"action":"Close"}\n')]);
  files.forEach((content, f) => {
    const name = path.join(dir, `file-${f}.json`);
    writeFileSync(name, content);
    utimesSync(name, 1000 + f, 1000 + f);
  });
  const gz = path.join(dir, 'file-6.json.gz');
  writeFileSync(gz, gzipSync(Buffer.from(`${line(1, 'Open', 1)}\n${line(2, 'Close', 2)}\n`)));
  utimesSync(gz, 1006, 1006);
}

/** A child process runs the query from the build and prints what it saw. */
function run(options: Record<string, unknown>, query: 'rows' | 'aggregate'): { out: unknown; threads: number } {
  const script = `
    import { readdirSync, existsSync } from 'node:fs';
    import { lastValueFrom, tap, toArray } from 'rxjs';
    import { readJsonFiles, throttleFiles, withWatermark, tumblingWindow, groupByAgg, agg, foreachBatch, MalformedRecordError, inNameOrder } from ${JSON.stringify(INDEX)};
    const options = ${JSON.stringify(options)};
    const bad = [];
    let threads = 0;
    const count = () => { if (existsSync('/proc/self/task')) threads = Math.max(threads, readdirSync('/proc/self/task').length); };
    const source = readJsonFiles(${JSON.stringify(dir)}, { schema: options.schema, watch: false, maxLineLength: 200, onBadRecord: (r) => { count(); bad.push(r); }, ...options.read, ...(options.lazy ? { fileSystem: inNameOrder() } : {}) }).pipe(throttleFiles(2));
    let out;
    try {
      if (${JSON.stringify(query)} === 'rows') {
        const batches = await lastValueFrom(source.pipe(tap(count), toArray()));
        out = batches.map((b) => ({ rows: b.rows, numInputRows: b.numInputRows, numMalformedRows: b.numMalformedRows, files: b.fileProgress, eventTime: b.eventTime, dropped: b.droppedRows }));
      } else {
        const sunk = [];
        const progress = await lastValueFrom(source.pipe(withWatermark('time', '10 minutes'), tumblingWindow('time', '1 hour'),
          groupByAgg(['action', 'window'], agg.count('*'), agg.avg('latency'), agg.max('latency')),
          foreachBatch((rows) => { count(); sunk.push(rows); }, { outputMode: 'update' }), toArray()));
        out = { sunk, progress: progress.map((p) => ({ numInputRows: p.numInputRows, eventTime: p.eventTime, files: p.sources[0].files, state: p.stateOperators[0].numRowsTotal })) };
      }
    } catch (err) {
      out = { error: err.message, failfast: err instanceof MalformedRecordError, line: err.line };
    }

    console.log(JSON.stringify({ out: { out, bad }, threads }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as { out: unknown; threads: number };
}

const SCHEMA = 'time TIMESTAMP, action STRING, latency DOUBLE';

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'structured-rx-threads-'));
  writeFiles();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parse threads give what the query’s own thread gives', () => {
  it.each([
    ['PERMISSIVE with a corrupt-record column', { schema: `${SCHEMA}, _corrupt_record STRING`, read: {} }],
    ['DROPMALFORMED', { schema: SCHEMA, read: { mode: 'DROPMALFORMED' } }],
    ['FAILFAST', { schema: SCHEMA, read: { mode: 'FAILFAST' } }],
  ])('rows, per-file accounting and bad records, %s', (_name, options) => {
    // The lazy path (blocks parsed as the steps read them): another file system than the real
    // one's own object (the same files, in name order, which is their time order).
    const lazy = run({ ...options, lazy: true }, 'rows');
    const one = run({ ...options, read: { ...options.read, parseThreads: 1 } }, 'rows');
    expect(one.out).toEqual(lazy.out);
    for (const read of [{ parseThreads: 2 }, { parseThreads: 3, readAhead: { files: 1 } }, { parseThreads: 2, readAhead: { files: 0, bytes: 0 } }]) {
      const threads = run({ ...options, read: { ...options.read, ...read } }, 'rows');
      expect(threads.out).toEqual(one.out);
      // The worker threads were there (Linux lists a process's threads): parseThreads counts the query's own.
      if (existsSync('/proc/self/task')) expect(threads.threads).toBeGreaterThanOrEqual(one.threads + read.parseThreads - 1);
    }
    if ((options.read as { mode?: string }).mode === 'FAILFAST') expect(one.out).toMatchObject({ out: { failfast: true, line: 11 } });
  });

  it('a windowed aggregation with a watermark, progress and late rows', () => {
    const lazy = run({ schema: SCHEMA, read: {}, lazy: true }, 'aggregate');
    const one = run({ schema: SCHEMA, read: { parseThreads: 1 } }, 'aggregate');
    const two = run({ schema: SCHEMA, read: { parseThreads: 2 } }, 'aggregate');
    expect(one.out).toEqual(lazy.out);
    expect(two.out).toEqual(one.out);
    // 7 files, 2 per trigger, then the batch at the end of input that closes every window.
    expect((one.out as { out: { sunk: unknown[] } }).out.sunk.length).toBe(5);
  });

  it('are not used over a virtual file system: the query runs in virtual time as ever', async () => {
    const fs = virtualDirectory('/in', [[{ time: 1, action: 'Open' }], [{ time: 2, action: 'Close' }]]);
    const batches = await lastValueFrom(readJsonFiles('/in', { schema: 'time TIMESTAMP, action STRING', fileSystem: fs, watch: false, parseThreads: 4 }).pipe(throttleFiles(1), toArray()));
    expect(batches.map((b) => b.rows)).toEqual([[{ time: 1000, action: 'Open' }], [{ time: 2000, action: 'Close' }]]);
  });

  it.each([
    [{ parseThreads: 0 }, 'parseThreads'],
    [{ parseThreads: 1.5 }, 'parseThreads'],
    [{ parseThreads: '2' }, 'parseThreads'],
    [{ readAhead: { files: -1 } }, 'readAhead.files'],
    [{ readAhead: { bytes: 0.5 } }, 'readAhead.bytes'],
    [{ readAhead: 3 }, 'readAhead'],
  ])('refuses %j where the source is composed, naming the option', (options, option) => {
    expect(() => readJsonFiles('/in', { schema: 'a INT', ...(options as object) })).toThrow(InvalidArgumentError);
    expect(() => readJsonFiles('/in', { schema: 'a INT', ...(options as object) })).toThrow(new RegExp(`readJsonFiles.*${option.replace('.', '\\.')}`));
  });
});
