import { availableParallelism } from 'node:os';
import { EMPTY, Observable, asyncScheduler, catchError, concat, concatMap, defer, from, ignoreElements, map, of, reduce, tap, throwError, toArray, type SchedulerLike } from 'rxjs';
import { picomatch } from '../src/lazy-dependencies.js';
import { durationMs, type DurationLike } from '../src/duration.js';
import { pipeline, sourcePlan } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import { Batch } from '../src/engine/batch.js';
import type { Pipeline } from '../src/engine/plan.js';
import { BAD_RECORD_RAW_LIMIT, type BadRecord, type JsonValue, type Offset, type ReadLimit, type Source, type SourceBatch, type SourceContext, type SourceSpec } from '../src/engine/source.js';
import { FileReadError, InvalidArgumentError, MalformedRecordError, StructuredRxError } from '../src/errors.js';
import { CorruptGzipError, decodeUtf8, encodeUtf8, gunzipChunks, isNotFound, nodeFileSystem, type FileStat, type StreamFileSystem } from '../src/fs/file-system.js';
import { LineBlockSplitter, LineStarts, type LineBlock, type LongLine } from '../src/fs/line-blocks.js';
import { checkCorruptRecordColumn, parseJsonLines, timestampParsing, type ParseMode, type ParseOptions } from '../src/json-lines.js';
import { isColumnarSchema, parseJsonLinesToColumns } from '../src/jsonl/columns.js';
import { parseFile, type ParseFileJob, type ParsedBlock, type ParsedFile } from '../src/jsonl/parse-file.js';
import type { ParsePool, ParseTask } from '../src/jsonl/parse-pool.js';
import { ColumnChunk } from '../src/engine/columns.js';
import { toWellFormed } from '../src/jsonl/fast-scan.js';
import { compareNatural } from '../src/natural-order.js';
import type { FileChange, FileProgress } from '../src/progress.js';
import { parseSchema, schemaTypes, type RowOf, type Schema, type SchemaLike } from '../src/schema.js';
import { SINK_LOG_DIR, parseSinkLogEntry, sinkLogFilesToRead } from './toJsonFiles.js';

export interface ReadJsonFilesOptions<S extends SchemaLike> {
  /** The declared schema: Spark DDL (`'time TIMESTAMP, action STRING'`) or an object. */
  readonly schema: S;
  /** Keep watching for new files (a streaming source, the default) or read what is there and complete (a static one). */
  readonly watch?: boolean;
  /** When the query is idle under the default trigger, how often it lists the directory for new files. Default `'1 second'`. */
  readonly pollInterval?: DurationLike;
  /** Spark's `latestFirst`: newest modification time first. Default false. */
  readonly latestFirst?: boolean;
  /**
   * Spark's `maxFileAge`: once files have been seen, a new file whose modification time is older
   * than the newest seen file's by more than this is ignored (the first listing takes every
   * file). Default `'7 days'`, as Spark; ignored with `latestFirst` and a `maxFilesPerTrigger`, as Spark.
   */
  readonly maxFileAge?: DurationLike;
  /** Spark's `mode` for malformed lines. Default `'PERMISSIVE'`, as Spark. */
  readonly mode?: ParseMode;
  /** Spark's `columnNameOfCorruptRecord`. Default `'_corrupt_record'`; used only if the schema declares it. */
  readonly columnNameOfCorruptRecord?: string;
  /**
   * Spark's `timestampFormat`: a datetime pattern (Spark's letters: `yyyy-MM-dd HH:mm:ss`,
   * `dd/MM/yyyy'T'HH:mm[:ss][XXX]`) that strings in timestamp columns must match. Default: Spark's
   * default parsing of ISO-8601-like texts (`parseTimestamp`).
   */
  readonly timestampFormat?: string;
  /** Spark's `timeZone`: the zone a timestamp text without an offset is read in (`America/Los_Angeles`, `+05:30`, `UTC`). Default UTC. */
  readonly timeZone?: string;
  /** Spark's `ignoreMissingFiles`: a file listed and then gone before it is read is skipped (and reported) instead of failing the query. Default false, as Spark. */
  readonly ignoreMissingFiles?: boolean;
  /**
   * Spark's `ignoreCorruptFiles`: a file that cannot be read or decompressed to its end (an I/O
   * error, invalid gzip data) is skipped and reported instead of failing the query; the lines
   * read before the fault are kept, as Spark keeps them. Default false, as Spark.
   */
  readonly ignoreCorruptFiles?: boolean;
  /**
   * The longest line read, in bytes (Hadoop's `mapreduce.input.linerecordreader.line.maxlength`):
   * a longer line is never held in memory; it is a bad record (rejected in every mode, FAILFAST
   * fails). Default 64 MiB.
   */
  readonly maxLineLength?: number;
  /**
   * Take a new file only once its size and modification time have not changed for this long (as
   * seen by listings on the query's clock, or by a modification time this old), so that a file
   * written in place, not renamed into the directory, is read whole. Default 0: take files as
   * listed (Spark's behaviour). Needs `watch: true`.
   */
  readonly minFileStableFor?: DurationLike;
  /** Spark's `pathGlobFilter`: read only files whose name matches this glob (Hadoop's syntax: `*`, `?`, `[abc]`, `[^a]`, `{json,jsonl}`). */
  readonly pathGlobFilter?: string;
  /** Called with each piece of bad input as it is found (see `BadRecord`); the query handle's `badRecords` has the same. */
  readonly onBadRecord?: (record: BadRecord) => void;
  /**
   * Threads that read and parse files, the query's own thread included (decision 0022): with
   * `n`, `n - 1` worker threads read and parse files ahead of the trigger that needs them, and
   * the query's thread parses a file waiting for a worker rather than wait. `1`: no worker thread. Default: the machine's cores,
   * used only on the real file system, for a schema of scalar columns, once the files to read
   * reach 4 MiB, 64 KiB a file on average (so a small input, or many tiny files, never start a
   * thread). A number given here is used whatever the input.
   */
  readonly parseThreads?: number;
  /** With worker threads: how far ahead of the current trigger they read and parse files. Default: 8 files per worker thread and 64 MiB. */
  readonly readAhead?: { readonly files?: number; readonly bytes?: number };
  /** Where files are read from. Default: the real file system. */
  readonly fileSystem?: StreamFileSystem;
  /** The query's clock: polling and triggers. Default `asyncScheduler`; pass a `TestScheduler` in marble tests. */
  readonly scheduler?: SchedulerLike;
}

const OP = 'readJsonFiles';
const MODES: readonly ParseMode[] = ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'];
/** The default `maxLineLength`: 64 MiB. */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024 * 1024;
/** Bytes of a long line kept for its report: enough for the report's characters. */
const HEAD_BYTES = 4 * BAD_RECORD_RAW_LIMIT;
/** With the default `parseThreads`, threads start once the files a batch reads (and those after them) reach this. */
const THREADS_MIN_BYTES = 4 * 1024 * 1024;
/** ... and their average size reaches this: a smaller file costs less to parse than its message to a thread and back (20,000 files of 10 lines: 1.7 s with a thread, 1.1 s without). */
const THREADS_MIN_FILE_BYTES = 64 * 1024;
/** A larger file is read here, in chunks, not by a parse thread (which reads a file whole). */
const THREAD_MAX_FILE_BYTES = 256 * 1024 * 1024;

/** Spark's file source skips hidden and in-progress files. */
export function isVisibleDataFile(name: string): boolean {
  return !(name.startsWith('.') || name.startsWith('_') || name.endsWith('._COPYING_'));
}

/** Oldest modification time first, equal times by path in natural order. */
export function compareFiles(a: FileStat, b: FileStat): number {
  return a.mtimeMs - b.mtimeMs || compareNatural(a.path, b.path);
}

/**
 * The seen-file log: every file the source has taken, in the order batches read them, so each
 * path is read at most once. A batch's offset is a position in this log (`{ files: n }`: the
 * first n entries). Spark's `SeenFilesMap` with its `maxFileAge` purge.
 */
export class SeenFileLog {
  private readonly entries: (FileStat | undefined)[] = [];
  private readonly seen = new Map<string, number>();
  private latestMtime = -Infinity;
  private purgedBefore = -Infinity;
  /** Entries before this are in the checkpoint already (see `increment`). */
  private checkpointed = 0;
  /** Entries before this are forgotten (see `forget`). */
  private forgottenBefore = 0;

  constructor(private readonly maxAgeMs = Infinity) {}

  /** Is `stat` a file the log has not taken, and not too old to take? */
  isNew(stat: FileStat): boolean {
    return !this.seen.has(stat.path) && stat.mtimeMs >= this.purgedBefore;
  }

  has(path: string): boolean {
    return this.seen.has(path);
  }

  add(stat: FileStat): void {
    this.entries.push(stat);
    this.seen.set(stat.path, stat.mtimeMs);
    if (stat.mtimeMs > this.latestMtime) this.latestMtime = stat.mtimeMs;
  }

  /** After a listing: forget paths older than the newest file by more than the max age (Spark's `SeenFilesMap.purge`). */
  purge(): void {
    if (this.maxAgeMs === Infinity) return;
    this.purgedBefore = this.latestMtime - this.maxAgeMs;
    for (const [path, mtime] of this.seen) if (mtime < this.purgedBefore) this.seen.delete(path);
  }

  /** Entries taken so far. */
  get size(): number {
    return this.entries.length;
  }

  /** The files in `[from, to)` of the log. */
  slice(from: number, to: number): FileStat[] {
    const out: FileStat[] = [];
    for (let i = from; i < to; i++) {
      const e = this.entries[i];
      if (e === undefined) throw new StructuredRxError(`seen-file log entry ${i} was committed and forgotten; it cannot be read again`);
      out.push(e);
    }
    return out;
  }

  /** Entries before `to` are committed: keep only their paths. */
  forget(to: number): void {
    // From where the last call stopped: a commit per batch does not walk the whole log again.
    const end = Math.min(to, this.entries.length);
    for (let i = this.forgottenBefore; i < end; i++) this.entries[i] = undefined;
    if (end > this.forgottenBefore) this.forgottenBefore = end;
  }

  paths(): string[] {
    return [...this.seen.keys()];
  }

  /**
   * What was added since the last call (or since the log was restored), for the checkpoint's
   * per-batch increment: the new entries from position `from`, and the purge threshold.
   */
  increment(): JsonValue {
    const from = this.checkpointed;
    const entries: JsonValue[] = [];
    for (let i = from; i < this.entries.length; i++) {
      const e = this.entries[i];
      entries.push(e === undefined ? null : [e.path, e.name, e.size, e.mtimeMs]); // null: committed already (positions are kept)
    }
    this.checkpointed = this.entries.length;
    return { from, entries, purgedBefore: Number.isFinite(this.purgedBefore) ? this.purgedBefore : null };
  }

  /** Applies an `increment()` in order (after `fromJSON`, or to an empty log). */
  applyIncrement(json: JsonValue): void {
    const o = json as { from?: unknown; entries?: unknown; purgedBefore?: unknown } | null;
    if (o === null || typeof o !== 'object' || typeof o.from !== 'number' || !Array.isArray(o.entries)) {
      throw new StructuredRxError('a file source log increment in the checkpoint is not one this source wrote');
    }
    if (o.from !== this.entries.length) throw new StructuredRxError(`a file source log increment starts at entry ${o.from}, the log has ${this.entries.length}: the checkpoint's source log has a gap`);
    for (const e of o.entries as ([string, string, number, number] | null)[]) {
      if (e === null) this.entries.push(undefined);
      else this.add({ path: e[0], name: e[1], size: e[2], mtimeMs: e[3], isFile: true });
    }
    if (typeof o.purgedBefore === 'number' && o.purgedBefore > this.purgedBefore) {
      this.purgedBefore = o.purgedBefore;
      for (const [path, mtime] of this.seen) if (mtime < this.purgedBefore) this.seen.delete(path);
    }
    this.checkpointed = this.entries.length;
  }

  /** The log as JSON, for a checkpoint: the entries not yet forgotten (with their positions) and every path seen. */
  toJSON(): JsonValue {
    const entries: JsonValue[] = [];
    this.entries.forEach((e, i) => {
      if (e !== undefined) entries.push([i, e.path, e.name, e.size, e.mtimeMs]);
    });
    return {
      size: this.entries.length,
      entries,
      seen: [...this.seen].map(([path, mtime]) => [path, mtime]),
      latestMtime: Number.isFinite(this.latestMtime) ? this.latestMtime : null,
      purgedBefore: Number.isFinite(this.purgedBefore) ? this.purgedBefore : null,
    };
  }

  /** The log `toJSON` wrote. */
  static fromJSON(json: JsonValue, maxAgeMs: number): SeenFileLog {
    const o = json as { size?: unknown; entries?: unknown; seen?: unknown; latestMtime?: unknown; purgedBefore?: unknown } | null;
    if (o === null || typeof o !== 'object' || typeof o.size !== 'number' || !Array.isArray(o.entries) || !Array.isArray(o.seen)) {
      throw new StructuredRxError('the file source log in the checkpoint is not one this source wrote');
    }
    const log = new SeenFileLog(maxAgeMs);
    log.entries.length = o.size;
    for (const e of o.entries as [number, string, string, number, number][]) log.entries[e[0]] = { path: e[1], name: e[2], size: e[3], mtimeMs: e[4], isFile: true };
    for (const [path, mtime] of o.seen as [string, number][]) log.seen.set(path, mtime);
    log.latestMtime = typeof o.latestMtime === 'number' ? o.latestMtime : -Infinity;
    log.purgedBefore = typeof o.purgedBefore === 'number' ? o.purgedBefore : -Infinity;
    log.checkpointed = o.size;
    return log;
  }
}

function filesOf(offset: Offset | null): number {
  if (offset === null) return 0;
  const n = (offset as { files?: unknown }).files;
  return typeof n === 'number' ? n : 0;
}

/**
 * Reads a directory of JSON-lines files as a stream: Spark's
 * `spark.readStream.schema(schema).json(dir)` (or `spark.read` with `watch: false`).
 *
 * It is the query's source: the query's driver asks it, at each trigger, to list the directory
 * for new files (the latest offset) and to read the files of the batch it planned (the files
 * between two offsets). Files are taken oldest modification time first, equal times by path in
 * natural order (`file-2` before `file-10`); `latestFirst` reverses that. Names starting with
 * `.` or `_`, and names ending in `._COPYING_`, are never read. A path is read at most once
 * (the {@link SeenFileLog}). A file whose name ends in `.gz` is decompressed (Spark picks the
 * codec by extension). A directory a `toJsonFiles` sink writes (it has `_spark_metadata`) is
 * read by the sink's log: only the files of committed batches, as Spark's `FileStreamSource`.
 *
 * Subscribed on its own, each trigger emits one {@link MicroBatch} with the rows of every file
 * found (all of them: add `throttleFiles(n)` for Spark's `maxFilesPerTrigger`).
 *
 * ```
 * directory:  f0 f1 ......... f2 (appears later)
 * listing:    L--------------L-------------L----   (the first trigger, then every pollInterval while idle)
 * output:     a--------------b------------------   a = batch 0 [f0, f1], b = batch 1 [f2]
 * ```
 *
 * - `watch: true` (default): a streaming source; never completes by itself. `watch: false`: one
 *   listing; the query completes once it has read it (Spark's static DataFrame).
 * - Every line is accounted for: each batch's progress lists its files with the lines read, the
 *   rows kept and dropped and the lines rejected (`sources[0].files`).
 * - Bad input (malformed and over-long lines, corrupt, missing and changed files) reaches
 *   `onBadRecord` and the query's `badRecords` as one record each.
 * - Errors: a directory that cannot be listed, or a file that cannot be read (unless
 *   `ignoreMissingFiles` / `ignoreCorruptFiles`), fails the query with {@link FileReadError}
 *   naming the path; in FAILFAST mode a malformed or over-long line fails it with
 *   `MalformedRecordError` naming the file and line.
 *
 * @example
 * const events$ = readJsonFiles('datasets/events', { schema: 'time TIMESTAMP, action STRING' });
 */
export function readJsonFiles<const S extends SchemaLike>(dir: string, options: ReadJsonFilesOptions<S>): Pipeline<MicroBatch<RowOf<S>>> {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError(OP, 'dir', dir, 'a directory path');
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(OP, 'options', options, 'an options object with a schema');
  const schema = parseSchema(options.schema, OP);
  const watch = options.watch ?? true;
  if (typeof watch !== 'boolean') throw new InvalidArgumentError(OP, 'watch', watch, 'true or false');
  const pollMs = durationMs(OP, 'pollInterval', options.pollInterval ?? '1 second');
  const maxFileAgeMs = durationMs(OP, 'maxFileAge', options.maxFileAge ?? '7 days');
  const mode = options.mode ?? 'PERMISSIVE';
  if (!MODES.includes(mode)) throw new InvalidArgumentError(OP, 'mode', mode, MODES.join(', '));
  const corruptColumn = options.columnNameOfCorruptRecord ?? '_corrupt_record';
  if (typeof corruptColumn !== 'string' || corruptColumn === '') throw new InvalidArgumentError(OP, 'columnNameOfCorruptRecord', corruptColumn, 'a column name');
  checkCorruptRecordColumn(schema, corruptColumn, OP);
  const latestFirst = flag(options.latestFirst, 'latestFirst');
  const { timestampFormat, timeZone } = options;
  if (timestampFormat !== undefined && (typeof timestampFormat !== 'string' || timestampFormat === '')) throw new InvalidArgumentError(OP, 'timestampFormat', timestampFormat, 'a datetime pattern');
  if (timeZone !== undefined && typeof timeZone !== 'string') throw new InvalidArgumentError(OP, 'timeZone', timeZone, 'a time zone');
  try {
    timestampParsing(timestampFormat, timeZone);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    const option = timeZone !== undefined && err.message.startsWith('unknown time zone') ? 'timeZone' : 'timestampFormat';
    const expected = option === 'timeZone' ? 'a region such as "America/Los_Angeles", "UTC", or an offset such as "+05:30"' : `a datetime pattern Spark and this library read (${err.message})`;
    throw new InvalidArgumentError(OP, option, option === 'timeZone' ? timeZone : timestampFormat, expected);
  }
  const maxLineBytes = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) throw new InvalidArgumentError(OP, 'maxLineLength', maxLineBytes, 'a positive whole number of bytes');
  const stableMs = options.minFileStableFor === undefined ? 0 : durationMs(OP, 'minFileStableFor', options.minFileStableFor, 'any');
  if (stableMs < 0) throw new InvalidArgumentError(OP, 'minFileStableFor', options.minFileStableFor, 'a duration of 0 or more');
  if (stableMs > 0 && !watch) throw new InvalidArgumentError(OP, 'minFileStableFor', options.minFileStableFor, 'no value with watch: false (a single listing cannot see a file settle)');
  const glob = options.pathGlobFilter;
  if (glob !== undefined && (typeof glob !== 'string' || glob === '')) throw new InvalidArgumentError(OP, 'pathGlobFilter', glob, 'a glob pattern for file names, such as "*.json"');
  const onBadRecord = options.onBadRecord;
  if (onBadRecord !== undefined && typeof onBadRecord !== 'function') throw new InvalidArgumentError(OP, 'onBadRecord', onBadRecord, 'a function');
  const matches = glob === undefined ? () => true : picomatch()(glob, { dot: true, nonegate: true, noextglob: true });
  const threads = options.parseThreads;
  if (threads !== undefined && (!Number.isSafeInteger(threads) || threads < 1)) throw new InvalidArgumentError(OP, 'parseThreads', threads, 'a whole number of threads, 1 or more (1: no worker thread)');
  const readAhead = options.readAhead ?? {};
  if (readAhead === null || typeof readAhead !== 'object') throw new InvalidArgumentError(OP, 'readAhead', readAhead, 'an object { files, bytes }');
  const cores = threads ?? availableParallelism();
  const readAheadFiles = readAhead.files ?? 8 * Math.max(1, cores - 1);
  if (!Number.isSafeInteger(readAheadFiles) || readAheadFiles < 0) throw new InvalidArgumentError(OP, 'readAhead.files', readAhead.files, 'a whole number of files, 0 or more');
  const readAheadBytes = readAhead.bytes ?? 64 * 1024 * 1024;
  if (!Number.isSafeInteger(readAheadBytes) || readAheadBytes < 0) throw new InvalidArgumentError(OP, 'readAhead.bytes', readAhead.bytes, 'a whole number of bytes, 0 or more');
  const config: FileSourceConfig = {
    dir,
    schema,
    watch,
    pollMs,
    maxFileAgeMs,
    mode,
    corruptColumn,
    latestFirst,
    fs: options.fileSystem ?? nodeFileSystem,
    ...(timestampFormat === undefined ? {} : { timestampFormat }),
    ...(timeZone === undefined ? {} : { timeZone }),
    ignoreMissingFiles: flag(options.ignoreMissingFiles, 'ignoreMissingFiles'),
    ignoreCorruptFiles: flag(options.ignoreCorruptFiles, 'ignoreCorruptFiles'),
    maxLineBytes,
    stableMs,
    accepts: (name) => isVisibleDataFile(name) && matches(name),
    parseThreads: cores,
    parseThreadsGiven: threads !== undefined,
    readAheadFiles,
    readAheadBytes,
    ...(onBadRecord === undefined ? {} : { onBadRecord }),
    scheduler: options.scheduler ?? asyncScheduler,
  };

  const spec: SourceSpec<RowOf<S>> = {
    description: `FileStreamSource[${dir}]`,
    isStreaming: watch,
    schema: schemaTypes(schema),
    ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    create: (context) => new JsonFileSource<RowOf<S>>(config, context),
  };
  return pipeline<MicroBatch<RowOf<S>>>(sourcePlan(spec as SourceSpec<unknown>));
}

function flag(value: boolean | undefined, option: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw new InvalidArgumentError(OP, option, value, 'true or false');
  return value ?? false;
}

interface FileSourceConfig {
  readonly dir: string;
  readonly schema: Schema;
  readonly watch: boolean;
  readonly pollMs: number;
  readonly maxFileAgeMs: number;
  readonly mode: ParseMode;
  readonly corruptColumn: string;
  readonly latestFirst: boolean;
  readonly fs: StreamFileSystem;
  readonly timestampFormat?: string;
  readonly timeZone?: string;
  readonly ignoreMissingFiles: boolean;
  readonly ignoreCorruptFiles: boolean;
  readonly maxLineBytes: number;
  readonly stableMs: number;
  /** Names the source reads (visible, matching `pathGlobFilter`), judged before any stat. */
  readonly accepts: (name: string) => boolean;
  readonly parseThreads: number;
  /** Was `parseThreads` given (then used whatever the input's size)? */
  readonly parseThreadsGiven: boolean;
  readonly readAheadFiles: number;
  readonly readAheadBytes: number;
  readonly onBadRecord?: (record: BadRecord) => void;
  readonly scheduler: SchedulerLike;
}

/** A file as one read left it: its lines in blocks, the lines too long to hold, and how the read ended. */
interface FileRead {
  readonly stat: FileStat;
  readonly status: FileProgress['status'];
  /** Blocks of lines, or blocks a parse thread parsed already. */
  readonly blocks: readonly (LineBlock | ParsedBlock)[];
  readonly longLines: readonly LongLine[];
  /** Bytes read (decompressed). */
  readonly bytesRead: number;
  /** A corrupt file: where reading stopped, and the unfinished line there. */
  readonly fault?: { readonly reason: string; readonly byteOffset: number; readonly line: number; readonly unfinished: { readonly length: number; readonly head: Uint8Array } | undefined };
  /** A missing file skipped: its report. */
  readonly missing?: BadRecord;
}

/** A line as a bad record carries it: at most BAD_RECORD_RAW_LIMIT characters, bytes that were not UTF-8 as U+FFFD. */
function rawOf(text: string, longer = false): { raw: string; truncated: boolean } {
  if (text.length <= BAD_RECORD_RAW_LIMIT && !longer) return { raw: toWellFormed(text), truncated: false };
  return { raw: toWellFormed(text.slice(0, BAD_RECORD_RAW_LIMIT)), truncated: true };
}

/** The unfinished line of a corrupt file as a bad record carries it. */
function rawOfHead(unfinished: { readonly length: number; readonly head: Uint8Array } | undefined): { raw: string; truncated: boolean } {
  return unfinished === undefined ? { raw: '', truncated: false } : rawOf(decodeUtf8(unfinished.head), unfinished.head.length < unfinished.length);
}

function isGzip(name: string): boolean {
  return name.toLowerCase().endsWith('.gz');
}

/** One run's file source: its own seen-file log, so two runs of one pipeline never share state. */
class JsonFileSource<R> implements Source<R> {
  readonly description: string;
  readonly pollIntervalMs: number;
  private log: SeenFileLog;
  private listings = 0;
  /** Has this run listed the directory? (A finite source lists once per run, also when it resumes a checkpoint.) */
  private listedThisRun = false;
  private maxAgeApplies = true;
  /** Files this run read: size and modification time as read, and the change last reported. */
  private readonly readStats = new Map<string, { size: number; mtimeMs: number; reported?: string }>();
  /** New files waiting to be stable (`minFileStableFor`): size and modification time, and since when (query clock) they have not changed. */
  private readonly settling = new Map<string, { size: number; mtimeMs: number; since: number }>();
  /** Changes found by listings, for the next batch's progress. */
  private changes: FileChange[] = [];
  /** The directory is a file sink's output: the data files its log committed, and the log entries read. */
  private sinkLog: { readonly files: Set<string>; after: number } | undefined;
  /** Whether files are read and parsed whole (decided at the first batch). */
  private whole: boolean | undefined;
  /** The parse threads of this run: not decided yet (undefined), none (null), or the pool. */
  private pool: ParsePool | null | undefined;
  /** Files given to the parse threads ahead of their batch, by path. */
  private readonly ahead = new Map<string, { readonly size: number; readonly task: ParseTask }>();

  constructor(
    private readonly c: FileSourceConfig,
    private readonly context: SourceContext | undefined,
  ) {
    this.description = `FileStreamSource[${c.dir}]`;
    this.pollIntervalMs = c.pollMs;
    this.log = new SeenFileLog(c.maxFileAgeMs);
  }

  get discovered(): boolean {
    return this.listings > 0;
  }

  private report(record: BadRecord): void {
    this.c.onBadRecord?.(record);
    this.context?.badRecord(record);
  }

  latestOffset(start: Offset | null, limit: ReadLimit, discover: boolean): Observable<Offset | null> {
    // Spark ignores maxFileAge with latestFirst and a maxFilesPerTrigger.
    if (this.c.latestFirst && limit.kind === 'maxItems') this.maxAgeApplies = false;
    const end = (): Offset | null => {
      const from = filesOf(start);
      const to = limit.kind === 'all' ? this.log.size : Math.min(this.log.size, from + limit.max);
      return to === from ? start : { files: to };
    };
    if (!discover || (!this.c.watch && this.listedThisRun)) return defer(() => of(end()));
    return this.c.fs.list(this.c.dir, (name) => this.c.accepts(name) || name === SINK_LOG_DIR).pipe(
      catchError((err: unknown) => throwError(() => new FileReadError(this.c.dir, err))),
      concatMap((stats) => this.committedFiles(stats).pipe(map((committed) => ({ stats, committed })))),
      map(({ stats, committed }) => {
        const now = this.c.scheduler.now();
        this.findChanges(stats);
        const listed = new Set<string>();
        const fresh = stats.filter((s) => {
          if (!s.isFile || !this.c.accepts(s.name) || (committed !== undefined && !committed.has(s.name))) return false;
          listed.add(s.path);
          return (this.maxAgeApplies ? this.log.isNew(s) : !this.log.has(s.path)) && this.isStable(s, now);
        });
        for (const path of this.settling.keys()) if (!listed.has(path)) this.settling.delete(path);
        fresh.sort(compareFiles);
        if (this.c.latestFirst) fresh.reverse();
        for (const s of fresh) this.log.add(s);
        if (this.maxAgeApplies) this.log.purge();
        for (const path of this.readStats.keys()) if (!this.log.has(path)) this.readStats.delete(path);
        this.listings++;
        this.listedThisRun = true;
        return end();
      }),
    );
  }

  /**
   * `minFileStableFor`: has the file's size and modification time not changed for that long?
   * Either its modification time is that old on the query's clock, or listings have seen it
   * unchanged for that long.
   */
  private isStable(s: FileStat, now: number): boolean {
    const wait = this.c.stableMs;
    if (wait <= 0 || s.mtimeMs <= now - wait) {
      this.settling.delete(s.path);
      return true;
    }
    const seen = this.settling.get(s.path);
    if (seen === undefined || seen.size !== s.size || seen.mtimeMs !== s.mtimeMs) {
      this.settling.set(s.path, { size: s.size, mtimeMs: s.mtimeMs, since: now });
      return false;
    }
    if (now - seen.since < wait) return false;
    this.settling.delete(s.path);
    return true;
  }

  /** Files read by this run whose size or modification time differ in this listing: reported once per new state (Spark does not look). */
  private findChanges(stats: readonly FileStat[]): void {
    for (const s of stats) {
      const was = this.readStats.get(s.path);
      if (was === undefined || (was.size === s.size && was.mtimeMs === s.mtimeMs)) continue;
      const key = `${s.size}:${s.mtimeMs}`;
      if (was.reported === key) continue;
      was.reported = key;
      const change: FileChange = { path: s.path, before: { size: was.size, mtimeMs: was.mtimeMs }, after: { size: s.size, mtimeMs: s.mtimeMs }, when: 'afterRead' };
      this.changes.push(change);
      this.report({
        kind: 'changedFile',
        path: s.path,
        line: null,
        byteOffset: was.size === s.size ? null : Math.min(was.size, s.size),
        raw: '',
        truncated: false,
        reason: `changed after it was read (${was.size} bytes, modified ${was.mtimeMs} → ${s.size} bytes, modified ${s.mtimeMs}): the change is not read, as a path is read once; minFileStableFor waits for files to settle`,
      });
    }
  }

  /**
   * A directory a file sink writes (its log, `_spark_metadata`, is there): the names of the data
   * files of the committed batches, from the log's entries and compact files, each read once
   * (`sinkLogFilesToRead`, as Spark's `CompactibleFileStreamLog`). Undefined for an ordinary
   * directory. Once seen, the log is used for the rest of the run, as Spark's `FileStreamSource`
   * decides once.
   */
  private committedFiles(stats: readonly FileStat[]): Observable<ReadonlySet<string> | undefined> {
    if (this.sinkLog === undefined && !stats.some((s) => s.name === SINK_LOG_DIR && !s.isFile)) return of(undefined);
    const log = (this.sinkLog ??= { files: new Set<string>(), after: -1 });
    const logDir = `${this.c.dir.replace(/\/+$/, '')}/${SINK_LOG_DIR}`;
    return this.c.fs.list(logDir, (name) => /^\d+(\.compact)?$/.test(name)).pipe(
      catchError((err: unknown) => throwError(() => new FileReadError(logDir, err))),
      concatMap((entries) => from(sinkLogFilesToRead(entries.filter((e) => e.isFile).map((e) => e.name), log.after))),
      concatMap((entry) =>
        this.bytesOf(`${logDir}/${entry.name}`).pipe(
          toArray(),
          map((chunks) => {
            for (const name of parseSinkLogEntry(decodeUtf8(Buffer.concat(chunks)), `${logDir}/${entry.name}`)) log.files.add(name);
            log.after = entry.batchId;
          }),
        ),
      ),
      ignoreElements(),
      // An entry removed by a compaction after the listing: the rest waits for the next listing.
      catchError((err: unknown) => (isNotFound(err) ? EMPTY : throwError(() => (err instanceof StructuredRxError ? err : new FileReadError(logDir, err))))),
      (done) => concat(done, defer(() => of(log.files))),
    );
  }

  /** A file's bytes, in chunks (from `readText` when the file system cannot give bytes). */
  private bytesOf(path: string): Observable<Uint8Array> {
    const fs = this.c.fs;
    return fs.readBytes !== undefined ? fs.readBytes(path) : fs.readText(path).pipe(map((text) => encodeUtf8(text)));
  }

  getBatch(start: Offset | null, end: Offset): Observable<SourceBatch<R>> {
    return defer(() => {
      const files = this.log.slice(filesOf(start), filesOf(end));
      const changes = this.changes;
      this.changes = [];
      const read = (now: (stat: FileStat, index: number) => FileRead | undefined): Observable<SourceBatch<R>> =>
        this.readInOrder(files, changes, now).pipe(map((reads) => this.batchOf(files, reads, changes)));
      // Another file system, or a schema read as rows: the files are read now (I/O), into blocks
      // of lines; each block is parsed when the query's steps reach it, so the rows of one block
      // become garbage before the next is parsed.
      if (!this.readsWhole()) return read(() => undefined);
      // The real file system and a columnar schema: each file is read and parsed into columns
      // whole, now (columns are smaller than the bytes they come from); what it would report is
      // reported as the steps read it, as above.
      if (!this.wantsThreads(files, filesOf(end))) return read((stat) => this.readLocally(stat, changes));
      // With parse threads: every file (that can be read whole) is given to the pool, those of
      // the next batches too, within the read-ahead; the files come back in order, parsed by a
      // worker or by this thread (which parses a queued file itself rather than wait). A file
      // that could not be read whole that way is read here as any other.
      return from(this.startPool()).pipe(
        concatMap((pool) => {
          if (pool === null) return read((stat) => this.readLocally(stat, changes));
          const tasks = files.map((stat) => this.taskOf(pool, stat));
          this.readAheadFrom(pool, filesOf(end));
          return from(this.results(pool, tasks)).pipe(
            concatMap((results) => {
              return read((stat, k) => {
                const file = results[k];
                return file !== undefined && file.ok ? this.readParsed(stat, file, changes) : undefined;
              });
            }),
          );
        }),
      );
    });
  }

  /**
   * The parsed files, in order. While a worker parses the one needed next, this thread parses
   * a file queued last (of this batch or the read-ahead) instead of waiting, if a queued file
   * stays for every worker.
   */
  private async results(pool: ParsePool, tasks: readonly (ParseTask | undefined)[]): Promise<(ParsedFile | undefined)[]> {
    const out: (ParsedFile | undefined)[] = [];
    for (const task of tasks) {
      if (task === undefined) {
        out.push(undefined);
        continue;
      }
      while (task.state !== 'done' && !pool.takeBack(task)) {
        const other = pool.spare();
        if (other === undefined) break;
        pool.takeBack(other);
        await new Promise<void>((resolve) => setImmediate(resolve)); // let the workers' results in
      }
      out.push(await task.result);
    }
    return out;
  }

  /** Are files read and parsed whole (on the real file system, for a schema of scalar columns)? */
  private readsWhole(): boolean {
    return (this.whole ??= this.c.fs === nodeFileSystem && isColumnarSchema(this.c.schema, this.c.corruptColumn));
  }

  /**
   * The files read in order: each by `now` (synchronously: no Observable per file), or, where it
   * gives undefined, the ordinary way (`readFile`: chunks through the file system); from the
   * first such file on, one by one through `concatMap`. The reads' side effects (reports of
   * changed, missing and corrupt files) come in file order, and stop at a file that fails the query.
   */
  private readInOrder(files: readonly FileStat[], changes: FileChange[], now: (stat: FileStat, index: number) => FileRead | undefined): Observable<FileRead[]> {
    return defer(() => {
      const reads: FileRead[] = [];
      let first = 0;
      for (; first < files.length; first++) {
        const read = now(files[first] as FileStat, first);
        if (read === undefined) break;
        reads.push(read);
      }
      if (first === files.length) return of(reads);
      return from(files.slice(first)).pipe(
        concatMap((stat, k) => {
          const read = k === 0 ? undefined : now(stat, first + k);
          return read === undefined ? this.readFile(stat, changes) : of(read);
        }),
        reduce((all, read) => {
          all.push(read);
          return all;
        }, reads),
      );
    });
  }

  /** A file read and parsed whole by this thread, or undefined for one to read the ordinary way (compressed, too large to read whole, or not read whole here). */
  private readLocally(stat: FileStat, changes: FileChange[]): FileRead | undefined {
    if (!this.threadable(stat)) return undefined;
    const file = parseFile(this.jobOf(stat));
    return file.ok ? this.readParsed(stat, file, changes) : undefined;
  }

  /** Parse threads for this batch (files read whole)? If threads were asked for, or the input is large enough. */
  private wantsThreads(files: readonly FileStat[], end: number): boolean {
    if (this.pool !== undefined) return this.pool !== null;
    const c = this.c;
    if (c.parseThreads < 2) {
      this.pool = null;
      return false;
    }
    if (c.parseThreadsGiven) return true;
    let bytes = 0;
    let count = files.length;
    for (const f of files) bytes += f.size;
    for (let i = end; i < this.log.size && bytes < THREADS_MIN_BYTES; i++, count++) bytes += this.log.slice(i, i + 1)[0]?.size ?? 0;
    if (bytes < THREADS_MIN_BYTES) return false; // undecided: a later batch may have more to read
    // Files too small to be worth a message to a thread each: no threads for this run.
    if (bytes / Math.max(1, count) < THREADS_MIN_FILE_BYTES) this.pool = null;
    return this.pool !== null;
  }

  /** The pool, once loaded; null (and no threads for the rest of the run) if it cannot load (the sources run unbuilt, in a test runner). */
  private async startPool(): Promise<ParsePool | null> {
    if (this.pool !== undefined) return this.pool;
    try {
      const { ParsePool } = await import('../src/jsonl/parse-pool.js');
      this.pool ??= new ParsePool(this.c.parseThreads - 1);
    } catch {
      this.pool = null;
    }
    return this.pool;
  }

  /** The file's task (given out ahead of time, or now), or undefined for a file read here the ordinary way (compressed, or too large to read whole). */
  private taskOf(pool: ParsePool, stat: FileStat): ParseTask | undefined {
    const ahead = this.ahead.get(stat.path);
    if (ahead !== undefined) {
      this.ahead.delete(stat.path);
      return ahead.task;
    }
    return this.threadable(stat) ? pool.submit(this.jobOf(stat)) : undefined;
  }

  /** Gives the files after log position `from` to the threads, within the read-ahead's bounds (files, bytes). */
  private readAheadFrom(pool: ParsePool, from: number): void {
    let bytes = 0;
    for (const a of this.ahead.values()) bytes += a.size;
    for (let i = from; i < this.log.size && this.ahead.size < this.c.readAheadFiles; i++) {
      const stat = this.log.slice(i, i + 1)[0];
      if (stat === undefined || this.ahead.has(stat.path) || !this.threadable(stat)) continue;
      if (bytes + stat.size > this.c.readAheadBytes) break;
      bytes += stat.size;
      this.ahead.set(stat.path, { size: stat.size, task: pool.submit(this.jobOf(stat)) });
    }
  }

  private threadable(stat: FileStat): boolean {
    return !isGzip(stat.name) && stat.size <= THREAD_MAX_FILE_BYTES;
  }

  /** The file's job: how this source reads files, the file's path, and its size as listed (so it is read without a first fstat). A literal of the same shape every time (no spreads: this runs per file). */
  private jobOf(stat: FileStat): ParseFileJob {
    const c = this.c;
    return {
      path: stat.path,
      schema: c.schema,
      mode: c.mode,
      columnNameOfCorruptRecord: c.corruptColumn,
      timestampFormat: c.timestampFormat,
      timeZone: c.timeZone,
      maxLineBytes: c.maxLineBytes,
      headBytes: HEAD_BYTES,
      maxFileBytes: THREAD_MAX_FILE_BYTES,
      listedSize: stat.size,
    };
  }

  /** A file read and parsed whole (by a worker, or here): checked against its listing as any file read, its blocks parsed already. */
  private readParsed(stat: FileStat, file: ParsedFile & { ok: true }, changes: FileChange[]): FileRead {
    this.checkRead(stat, file.bytesRead, file.mtimeMs, changes);
    return { stat, status: 'read', blocks: file.blocks, longLines: file.longLines, bytesRead: file.bytesRead };
  }

  /** Reads one file into blocks of lines (decompressing a `.gz` file); a missing or corrupt file fails, or is skipped and reported when the options say so. */
  private readFile(stat: FileStat, changes: FileChange[]): Observable<FileRead> {
    return defer(() => {
      const splitter = new LineBlockSplitter(this.c.maxLineBytes, HEAD_BYTES);
      let rawBytes = 0;
      const raw$ = this.bytesOf(stat.path).pipe(tap((chunk) => (rawBytes += chunk.length)));
      const data$ = isGzip(stat.name) ? gunzipChunks(raw$) : raw$;
      return concat(
        data$.pipe(
          reduce((_, chunk) => {
            splitter.push(chunk);
            return 0;
          }, 0),
          ignoreElements(),
        ),
        defer(() => {
          splitter.end();
          return this.afterRead(stat, rawBytes, changes).pipe(
            map((): FileRead => ({ stat, status: 'read', blocks: splitter.blocks, longLines: splitter.longLines, bytesRead: splitter.bytesIn })),
          );
        }),
      ).pipe(catchError((err: unknown) => this.readFailure(stat, splitter, err)));
    });
  }

  /** After a read: a file whose size or modification time differ from its listing changed before it was read; what was read is remembered for later listings. */
  private afterRead(stat: FileStat, rawBytes: number, changes: FileChange[]): Observable<void> {
    const stat$ = this.c.fs.stat === undefined ? of(undefined) : this.c.fs.stat(stat.path).pipe(catchError(() => of(undefined)));
    return stat$.pipe(map((now) => this.checkRead(stat, rawBytes, now?.mtimeMs ?? stat.mtimeMs, changes)));
  }

  /** What was read is remembered for later listings; a file whose size or modification time differ from its listing changed before it was read. */
  private checkRead(stat: FileStat, rawBytes: number, mtimeMs: number, changes: FileChange[]): void {
    // A finite source lists once per run: after that listing no other looks for changes.
    if (this.c.watch || !this.listedThisRun) this.readStats.set(stat.path, { size: rawBytes, mtimeMs });
    if (rawBytes === stat.size && mtimeMs === stat.mtimeMs) return;
    changes.push({ path: stat.path, before: { size: stat.size, mtimeMs: stat.mtimeMs }, after: { size: rawBytes, mtimeMs }, when: 'beforeRead' });
    this.report({
      kind: 'changedFile',
      path: stat.path,
      line: null,
      byteOffset: null,
      raw: '',
      truncated: false,
      reason: `changed between its listing (${stat.size} bytes, modified ${stat.mtimeMs}) and its read (${rawBytes} bytes, modified ${mtimeMs}): the content read is the newer one`,
    });
  }

  private readFailure(stat: FileStat, splitter: LineBlockSplitter, err: unknown): Observable<FileRead> {
    if (err instanceof StructuredRxError) return throwError(() => err);
    const cause = err instanceof CorruptGzipError ? err.reason : err instanceof Error ? err.message : String(err);
    if (isNotFound(err) && splitter.bytesIn === 0) {
      const ignored = this.c.ignoreMissingFiles;
      const record: BadRecord = { kind: 'missingFile', path: stat.path, line: null, byteOffset: null, raw: '', truncated: false, reason: `gone before it was read (${cause})${ignored ? '; skipped (ignoreMissingFiles)' : ''}` };
      if (!ignored) {
        this.report(record);
        return throwError(() => new FileReadError(stat.path, err));
      }
      return of({ stat, status: 'missing', blocks: [], longLines: [], bytesRead: 0, missing: record });
    }
    const ignored = this.c.ignoreCorruptFiles;
    const unfinished = splitter.unfinished();
    const what = err instanceof CorruptGzipError ? `corrupt gzip file: ${cause}` : `cannot be read to its end: ${cause}`;
    const reason = `${what}${ignored ? `; the lines before byte ${unfinished?.byteOffset ?? splitter.bytesIn} are kept, the rest is skipped (ignoreCorruptFiles)` : ''}`;
    const fault = { reason, byteOffset: unfinished?.byteOffset ?? splitter.bytesIn, line: unfinished?.line ?? splitter.nextLineNumber, unfinished };
    if (!ignored) {
      this.report({ kind: 'corruptFile', path: stat.path, line: fault.line, byteOffset: fault.byteOffset, ...rawOfHead(unfinished), reason });
      return throwError(() => new FileReadError(stat.path, err instanceof CorruptGzipError ? new Error(what, { cause: err }) : err));
    }
    return of({ stat, status: 'corrupt', blocks: splitter.blocks, longLines: splitter.longLines, bytesRead: splitter.bytesIn, fault });
  }

  /**
   * The batch: its rows parsed lazily, block by block, each file's lines accounted for as they
   * are parsed, and every bad line reported in file and line order. Rows a step drops as it
   * reads a block are counted against that block's file (`rowsDropped`).
   */
  private batchOf(files: readonly FileStat[], reads: readonly FileRead[], changes: readonly FileChange[]): SourceBatch<R> {
    const c = this.c;
    const report = (record: BadRecord): void => this.report(record);
    const accounts = reads.map((r) => ({ path: r.stat.path, status: r.status, bytesRead: r.bytesRead, linesRead: 0, rowsKept: 0, rowsDropped: 0, linesRejected: 0, malformedLines: 0 }));
    let malformed = 0;
    let current: (typeof accounts)[number] | undefined;
    const columnar = isColumnarSchema(c.schema, c.corruptColumn);
    const rows = Batch.lazy<R>(function* () {
      for (let f = 0; f < reads.length; f++) {
        const read = reads[f] as (typeof reads)[number];
        const account = accounts[f] as (typeof accounts)[number];
        const path = read.stat.path;
        current = account;
        let nextLong = 0;
        const rejectLongLines = (before: number): void => {
          for (; nextLong < read.longLines.length && (read.longLines[nextLong] as LongLine).line < before; nextLong++) {
            const long = read.longLines[nextLong] as LongLine;
            account.linesRead++;
            account.linesRejected++;
            const reason = `line of ${long.length} bytes is longer than maxLineLength (${c.maxLineBytes} bytes): not read`;
            const { raw } = rawOf(decodeUtf8(long.head), true);
            report({ kind: 'lineTooLong', path, line: long.line, byteOffset: long.byteOffset, raw, truncated: true, reason });
            if (c.mode === 'FAILFAST') throw new MalformedRecordError(path, long.line, reason, raw);
          }
        };
        for (const block of read.blocks) {
          rejectLongLines(block.firstLine);
          if ('columns' in block) {
            // Parsed on a thread: its reports now, in order, as if it were parsed here.
            for (const m of block.malformed) {
              account.malformedLines++;
              report({ kind: 'malformed', path, line: m.line, byteOffset: m.byteOffset, ...rawOf(m.raw), reason: m.reason });
            }
            if (block.failfast !== undefined) throw new MalformedRecordError(path, block.failfast.line, block.failfast.reason, block.failfast.record);
            malformed += block.numMalformedRows;
            const rejected = c.mode === 'DROPMALFORMED' ? block.numMalformedRows : 0;
            account.linesRead += block.length + rejected;
            account.linesRejected += rejected;
            account.rowsKept += block.length;
            if (block.length > 0) yield new ColumnChunk(block.length, block.names, block.columns);
            continue;
          }
          const starts = new LineStarts(block.bytes);
          const options: ParseOptions = {
            path,
            mode: c.mode,
            columnNameOfCorruptRecord: c.corruptColumn,
            ...(c.timestampFormat === undefined ? {} : { timestampFormat: c.timestampFormat }),
            ...(c.timeZone === undefined ? {} : { timeZone: c.timeZone }),
            lineOffset: block.firstLine - 1,
            onMalformed: (line, reason, text) => {
              account.malformedLines++;
              report({ kind: 'malformed', path, line, byteOffset: block.byteOffset + starts.of(line - block.firstLine + 1), ...rawOf(text), reason });
            },
          };
          // A schema of scalar columns is read from the bytes straight into columns; others as rows from the text.
          const parsed = columnar ? parseJsonLinesToColumns(block.bytes, c.schema, options) : parseJsonLines(decodeUtf8(block.bytes), c.schema, options);
          const rows = 'chunk' in parsed ? parsed.chunk : (parsed.rows as unknown as R[]);
          malformed += parsed.numMalformedRows;
          const rejected = c.mode === 'DROPMALFORMED' ? parsed.numMalformedRows : 0;
          account.linesRead += rows.length + rejected;
          account.linesRejected += rejected;
          account.rowsKept += rows.length;
          if (rows.length > 0) yield rows;
        }
        rejectLongLines(Infinity);
        const fault = read.fault;
        if (fault !== undefined) {
          if (fault.unfinished !== undefined) {
            account.linesRead++;
            account.linesRejected++;
          }
          report({ kind: 'corruptFile', path, line: fault.line, byteOffset: fault.byteOffset, ...rawOfHead(fault.unfinished), reason: fault.reason });
        }
        if (read.missing !== undefined) report(read.missing);
      }
      current = undefined;
    });
    return {
      rows,
      malformedRows: () => malformed,
      inputs: files.map((f) => f.name),
      files: () => accounts.map((a) => ({ ...a })),
      ...(changes.length === 0 ? {} : { changedFiles: changes }),
      rowsDropped: (_reason, count) => {
        if (current === undefined) return;
        current.rowsDropped += count;
        current.rowsKept -= count;
      },
    };
  }

  commit(end: Offset): void {
    this.log.forget(filesOf(end));
  }

  pending(offset: Offset | null): number {
    return Math.max(0, this.log.size - filesOf(offset));
  }

  known(): number {
    return this.log.size;
  }

  isExhausted(offset: Offset | null): boolean {
    return !this.c.watch && this.listedThisRun && filesOf(offset) >= this.log.size;
  }

  checkpoint(): JsonValue {
    return { listings: this.listings, log: this.log.toJSON() };
  }

  restore(state: JsonValue): void {
    const o = state as { listings?: unknown; log?: unknown } | null;
    if (o === null || typeof o !== 'object' || typeof o.listings !== 'number' || o.log === undefined) {
      throw new StructuredRxError(`${this.description}: the checkpoint's source log is not one this source wrote`);
    }
    this.log = SeenFileLog.fromJSON(o.log as JsonValue, this.c.maxFileAgeMs);
    this.listings = o.listings;
  }

  checkpointIncrement(): JsonValue {
    return { listings: this.listings, log: this.log.increment() };
  }

  restoreIncrement(increment: JsonValue): void {
    const o = increment as { listings?: unknown; log?: unknown } | null;
    if (o === null || typeof o !== 'object' || typeof o.listings !== 'number' || o.log === undefined) {
      throw new StructuredRxError(`${this.description}: the checkpoint's source log increment is not one this source wrote`);
    }
    this.log.applyIncrement(o.log as JsonValue);
    this.listings = o.listings;
  }

  stop(): void {
    // Listings and reads under way are unsubscribed by the driver; the parse threads stop here.
    this.ahead.clear();
    if (this.pool !== null && this.pool !== undefined) this.pool.close();
    this.pool = null;
  }
}

