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
import { LineBlockSplitter, LineStarts } from '../fs/line-blocks.js';
import type { ParseMode } from '../json-lines.js';
import type { Schema } from '../schema.js';
import { parseJsonLinesToColumns } from './columns.js';

/** What a worker is asked: a file and how the source reads it. */
export interface ParseFileJob {
  readonly path: string;
  readonly schema: Schema;
  readonly mode: ParseMode;
  readonly columnNameOfCorruptRecord: string;
  readonly timestampFormat?: string;
  readonly timeZone?: string;
  readonly maxLineBytes: number;
  /** Bytes of a long line kept for its report. */
  readonly headBytes: number;
  /** A larger file is left to the source (it reads it in chunks). */
  readonly maxFileBytes: number;
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

/** The file's bytes from its start to its end (which may be past `size` if it grew): into the thread's buffer when small enough. */
function readWhole(fd: number, size: number): Uint8Array {
  if (size >= SCRATCH_MAX_BYTES) return readFileSync(fd);
  if (scratch.length < size + 1) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX_BYTES, Math.max(64 * 1024, 2 * (size + 1))));
  let n = 0;
  for (;;) {
    if (n === scratch.length) {
      // It grew past the buffer: the rest as readFileSync reads it.
      return Buffer.concat([scratch.subarray(0, n), readFileSync(fd)]);
    }
    const got = readSync(fd, scratch, n, scratch.length - n, null); // from the current position, which readFileSync continues from
    if (got === 0) return scratch.subarray(0, n);
    n += got;
  }
}

/** Reads and parses one file (see the module's comment). */
export function parseFile(job: ParseFileJob): ParsedFile {
  let bytes: Uint8Array;
  let mtimeMs: number;
  let fd: number | undefined;
  try {
    fd = openSync(job.path, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > job.maxFileBytes) return { ok: false, why: 'not a file a worker reads whole' };
    bytes = readWhole(fd, stat.size);
    mtimeMs = fstatSync(fd).mtimeMs;
  } catch (err) {
    return { ok: false, why: err instanceof Error ? err.message : String(err) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  // In the chunks the file system reads a large file in, so the blocks are the ones it gives.
  const splitter = new LineBlockSplitter(job.maxLineBytes, job.headBytes);
  for (let at = 0; at < bytes.length; at += READ_CHUNK_BYTES) splitter.push(bytes.subarray(at, Math.min(bytes.length, at + READ_CHUNK_BYTES)));
  splitter.end();
  const blocks: ParsedBlock[] = [];
  for (const block of splitter.blocks) {
    const starts = new LineStarts(block.bytes);
    const malformed: MalformedLine[] = [];
    const options = {
      path: job.path,
      mode: job.mode,
      columnNameOfCorruptRecord: job.columnNameOfCorruptRecord,
      ...(job.timestampFormat === undefined ? {} : { timestampFormat: job.timestampFormat }),
      ...(job.timeZone === undefined ? {} : { timeZone: job.timeZone }),
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
  return { ok: true, bytesRead: splitter.bytesIn, mtimeMs, blocks, longLines: splitter.longLines };
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
