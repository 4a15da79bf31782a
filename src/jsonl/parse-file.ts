/**
 * One file read and parsed into columns, as a worker thread does it for the file source
 * (`src/jsonl/parse-pool.ts`): the file's bytes cut into blocks of lines exactly as the source
 * cuts them (`LineBlockSplitter`: the same blocks, the same lines too long to hold), each block
 * parsed by `parseJsonLinesToColumns` with the source's options. What the source would report
 * while parsing (malformed lines with their byte offsets, a FAILFAST stop) is recorded, not
 * reported: the source replays it in order as its steps read the blocks, and builds every error
 * on its own thread, so errors keep their classes.
 *
 * A file that cannot be read here (gone, unreadable, larger than a worker takes) is given back
 * as `{ ok: false }`: the source then reads it itself, with its own rules for missing and
 * corrupt files.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Column } from '../engine/columns.js';
import { MalformedRecordError } from '../errors.js';
import { READ_CHUNK_BYTES } from '../fs/bytes.js';
import { LineBlockSplitter, LineStarts, type LineBlock, type LongLine } from '../fs/line-blocks.js';
import type { ParseMode } from '../json-lines.js';
import type { Schema } from '../schema.js';
import { parseJsonLinesToColumns } from './columns.js';

/** What a worker is asked: a file and how the source reads it. */
export interface ParseFileJob {
  readonly path: string;
  readonly schema: Schema;
  readonly mode: ParseMode;
  readonly columnNameOfCorruptRecord: string;
  readonly timestampFormat?: string | undefined;
  readonly timeZone?: string | undefined;
  readonly maxLineBytes: number;
  /** Bytes of a long line kept for its report. */
  readonly headBytes: number;
  /** A larger file is left to the source (it reads it in chunks). */
  readonly maxFileBytes: number;
  /**
   * The file's size in the listing the source took it from, if known: the file is then read
   * without a first `fstat` (the listing's size sizes the buffer and says it is small enough),
   * and a read that stops at that size is its end. What the file is when read (its bytes, its
   * modification time by `fstat` after the read) is still what the result says.
   */
  readonly listedSize?: number;
}

/** A malformed line as the source reports it (`raw` before its cut to the report's limit). */
export interface MalformedLine {
  readonly line: number;
  readonly byteOffset: number;
  readonly reason: string;
  readonly raw: string;
}

/** One block of lines, parsed. */
export interface ParsedBlock {
  readonly firstLine: number;
  readonly byteOffset: number;
  readonly length: number;
  readonly names: readonly string[];
  readonly columns: readonly Column[];
  readonly numMalformedRows: number;
  /** The malformed lines, in order (each reported as the block is read). */
  readonly malformed: readonly MalformedLine[];
  /** FAILFAST stopped at this line (after reporting it): the source throws there. */
  readonly failfast?: { readonly line: number; readonly reason: string; readonly record: string };
}

export type ParsedFile =
  | {
      readonly ok: true;
      /** Bytes read, and the file's modification time when it was read. */
      readonly bytesRead: number;
      readonly mtimeMs: number;
      readonly blocks: readonly ParsedBlock[];
      readonly longLines: readonly { readonly line: number; readonly byteOffset: number; readonly length: number; readonly head: Uint8Array }[];
    }
  | { readonly ok: false; readonly why: string };

/** Files up to this size are read into one buffer kept by the thread (nothing the result holds points into it). */
const SCRATCH_MAX_BYTES = 16 * 1024 * 1024;
let scratch = Buffer.alloc(0);

/**
 * The file's bytes from its start to its end (which may be past `size` if it grew): into the
 * thread's buffer when small enough. A read of a regular file returns less than it was asked
 * for only at the file's end, so a first read that stops exactly at the expected size is the
 * whole file (one `read` call, not a second one to see the end); any other count reads on to
 * the end.
 */
function readWhole(fd: number, size: number): Uint8Array {
  if (size >= SCRATCH_MAX_BYTES) return readFileSync(fd);
  if (scratch.length < size + 1) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX_BYTES, Math.max(64 * 1024, 2 * (size + 1))));
  let n = 0;
  for (;;) {
    if (n === scratch.length) {
      // It grew past the buffer: the rest as readFileSync reads it.
      return Buffer.concat([scratch.subarray(0, n), readFileSync(fd)]);
    }
    const asked = scratch.length - n;
    const got = readSync(fd, scratch, n, asked, null); // from the current position, which readFileSync continues from
    n += got;
    if (got === 0 || (got < asked && n === size)) return scratch.subarray(0, n);
  }
}

/** Reads and parses one file (see the module's comment). */
export function parseFile(job: ParseFileJob): ParsedFile {
  let bytes: Uint8Array;
  let mtimeMs: number;
  let fd: number | undefined;
  try {
    fd = openSync(job.path, 'r');
    const listed = job.listedSize;
    let size: number;
    if (listed !== undefined && listed <= job.maxFileBytes) {
      size = listed;
    } else {
      const stat = fstatSync(fd);
      if (!stat.isFile() || stat.size > job.maxFileBytes) return { ok: false, why: 'not a file a worker reads whole' };
      size = stat.size;
    }
    bytes = readWhole(fd, size);
    // Reading a directory fails (EISDIR); a file that grew too large since its listing is left to the source.
    if (bytes.length > job.maxFileBytes) return { ok: false, why: 'not a file a worker reads whole' };
    mtimeMs = fstatSync(fd).mtimeMs;
  } catch (err) {
    return { ok: false, why: err instanceof Error ? err.message : String(err) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const lines = blocksOf(bytes, job);
  const blocks: ParsedBlock[] = [];
  for (const block of lines.blocks) {
    const starts = new LineStarts(block.bytes);
    const malformed: MalformedLine[] = [];
    const options = {
      path: job.path,
      mode: job.mode,
      columnNameOfCorruptRecord: job.columnNameOfCorruptRecord,
      timestampFormat: job.timestampFormat,
      timeZone: job.timeZone,
      lineOffset: block.firstLine - 1,
      onMalformed: (line: number, reason: string, raw: string) => malformed.push({ line, byteOffset: block.byteOffset + starts.of(line - block.firstLine + 1), reason, raw }),
    };
    try {
      const { chunk, numMalformedRows } = parseJsonLinesToColumns(block.bytes, job.schema, options);
      blocks.push({ firstLine: block.firstLine, byteOffset: block.byteOffset, length: chunk.length, names: chunk.names, columns: chunk.columns, numMalformedRows, malformed });
    } catch (err) {
      if (!(err instanceof MalformedRecordError)) throw err;
      const failfast = { line: err.line, reason: err.reason, record: err.record };
      blocks.push({ firstLine: block.firstLine, byteOffset: block.byteOffset, length: 0, names: [], columns: [], numMalformedRows: malformed.length, malformed, failfast });
      break; // the source stops at this line
    }
  }
  return { ok: true, bytesRead: bytes.length, mtimeMs, blocks, longLines: lines.longLines };
}

/**
 * The file's lines in blocks, as the source's `LineBlockSplitter` cuts them from the chunks the
 * file system reads a large file in. A file smaller than a chunk with no line too long (no
 * longer than the limit as a whole) is one block of all its bytes: what the splitter gives it,
 * without the splitter.
 */
function blocksOf(bytes: Uint8Array, job: ParseFileJob): { readonly blocks: readonly LineBlock[]; readonly longLines: readonly LongLine[] } {
  if (bytes.length < READ_CHUNK_BYTES && bytes.length <= job.maxLineBytes) return { blocks: bytes.length === 0 ? [] : [{ bytes, firstLine: 1, byteOffset: 0 }], longLines: [] };
  const splitter = new LineBlockSplitter(job.maxLineBytes, job.headBytes);
  for (let at = 0; at < bytes.length; at += READ_CHUNK_BYTES) splitter.push(bytes.subarray(at, Math.min(bytes.length, at + READ_CHUNK_BYTES)));
  splitter.end();
  return splitter;
}

/** The buffers a parsed file can hand over to another thread without a copy. */
export function transferList(file: ParsedFile): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  if (!file.ok) return [];
  for (const block of file.blocks) {
    for (const c of block.columns) {
      const arrays = c.kind === 'number' ? [c.values, c.validity] : c.kind === 'dict' ? [c.ids, c.validity] : c.kind === 'window' ? [c.starts] : [];
      for (const a of arrays) if (a !== undefined && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
    }
  }
  for (const l of file.longLines) if (l.head.buffer instanceof ArrayBuffer && l.head.byteLength === l.head.buffer.byteLength) out.add(l.head.buffer);
  return [...out];
}
