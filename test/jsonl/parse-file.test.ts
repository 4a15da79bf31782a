// Reading one file whole (src/jsonl/parse-file.ts), as the file source does on the query's thread
// or a parse thread: with the size its listing gave (no first fstat, a single read when the file
// still has that size) the result is what reading without it gives, also when the file changed
// after its listing (grew, shrank, grew too large to read whole, became a directory).
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFile, type ParseFileJob, type ParsedFile } from '../../src/jsonl/parse-file.js';
import { parseSchema } from '../../src/schema.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'structured-rx-parse-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = parseSchema('time TIMESTAMP, action STRING', 'test');
const job = (path: string, more: Partial<ParseFileJob> = {}): ParseFileJob => ({
  path,
  schema,
  mode: 'PERMISSIVE',
  columnNameOfCorruptRecord: '_corrupt_record',
  maxLineBytes: 64 * 1024 * 1024,
  headBytes: 4096,
  maxFileBytes: 256 * 1024 * 1024,
  ...more,
});
const lines = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => `{"time":${1469501107 + from + i},"action":"${(from + i) % 3 === 0 ? 'Open' : 'Close'}"}\n`).join('');

/** What a parsed file says, in plain values (columns as arrays), to compare two reads. */
function plain(file: ParsedFile): unknown {
  if (!file.ok) return { ok: false };
  return {
    bytesRead: file.bytesRead,
    mtimeMs: file.mtimeMs,
    longLines: file.longLines.map((l) => ({ ...l, head: [...l.head] })),
    blocks: file.blocks.map((b) => ({
      ...b,
      columns: b.columns.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v]))),
    })),
  };
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('parseFile with the listed size', () => {
  it.each([
    ['the size it was listed with', 0],
    ['more bytes than listed (it grew)', -100],
    ['fewer bytes than listed (it shrank)', 100],
    ['bytes where the listing saw none', -Infinity],
  ])('reads the whole file when it has %s', (_what, delta) => {
    const text = lines(40);
    const path = write(`f-${String(delta)}.json`, text);
    const listed = delta === -Infinity ? 0 : text.length + delta;
    const withSize = parseFile(job(path, { listedSize: listed }));
    const without = parseFile(job(path));
    expect(withSize.ok).toBe(true);
    if (!withSize.ok) return;
    expect(withSize.bytesRead).toBe(text.length);
    expect(withSize.mtimeMs).toBe(statSync(path).mtimeMs);
    expect(withSize.blocks.reduce((n, b) => n + b.length, 0)).toBe(40);
    expect(plain(withSize)).toEqual(plain(without));
  });

  it('reads an empty file as no block', () => {
    const path = write('empty.json', '');
    const file = parseFile(job(path, { listedSize: 0 }));
    expect(file.ok && file.blocks.length === 0 && file.bytesRead === 0).toBe(true);
  });

  it('reads a file larger than one read into its buffer, whole', () => {
    const text = lines(6000); // about 230 KB: more than the first buffer of 64 KiB
    const path = write('large.json', text);
    const file = parseFile(job(path, { listedSize: text.length }));
    expect(file.ok).toBe(true);
    if (!file.ok) return;
    expect(file.bytesRead).toBe(text.length);
    expect(file.blocks.reduce((n, b) => n + b.length, 0)).toBe(6000);
    expect(plain(file)).toEqual(plain(parseFile(job(path))));
  });

  it('cuts lines longer than maxLineLength out of a small file as the splitter does', () => {
    const text = lines(3) + `{"time":1469501107,"action":"${'x'.repeat(200)}"}\n` + lines(2, 3);
    const path = write('long-line.json', text);
    const file = parseFile(job(path, { listedSize: text.length, maxLineBytes: 100 }));
    expect(file.ok).toBe(true);
    if (!file.ok) return;
    expect(file.longLines.map((l) => l.line)).toEqual([4]);
    expect(file.blocks.reduce((n, b) => n + b.length, 0)).toBe(5);
    expect(plain(file)).toEqual(plain(parseFile(job(path, { maxLineBytes: 100 }))));
  });

  it('leaves a file that grew past what is read whole since its listing to the source', () => {
    const text = lines(20);
    const path = write('grew.json', text);
    expect(parseFile(job(path, { listedSize: 10, maxFileBytes: 100 })).ok).toBe(false);
    expect(parseFile(job(path, { maxFileBytes: 100 })).ok).toBe(false);
  });

  it('leaves a path that became a directory to the source', () => {
    const path = join(dir, 'now-a-dir');
    mkdirSync(path);
    expect(parseFile(job(path, { listedSize: 10 })).ok).toBe(false);
  });

  it('leaves a file gone since its listing to the source', () => {
    expect(parseFile(job(join(dir, 'gone.json'), { listedSize: 10 })).ok).toBe(false);
  });
});
