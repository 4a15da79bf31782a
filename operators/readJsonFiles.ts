import { Observable, SchedulerLike, catchError, concatMap, defer, from, map, of, throwError, toArray } from 'rxjs';
import { durationMs, type DurationLike } from '../src/duration.js';
import { pipeline, sourcePlan } from '../src/engine/compose.js';
import type { MicroBatch } from '../src/engine/driver.js';
import { Batch } from '../src/engine/batch.js';
import type { Pipeline } from '../src/engine/plan.js';
import type { JsonValue, Offset, ReadLimit, Source, SourceBatch, SourceSpec } from '../src/engine/source.js';
import { FileReadError, InvalidArgumentError, StructuredRxError } from '../src/errors.js';
import { nodeFileSystem, type FileStat, type StreamFileSystem } from '../src/fs/file-system.js';
import { checkCorruptRecordColumn, parseJsonLines, type ParseMode } from '../src/json-lines.js';
import { compareNatural } from '../src/natural-order.js';
import { parseSchema, schemaTypes, type RowOf, type Schema, type SchemaLike } from '../src/schema.js';

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
  /** Where files are read from. Default: the real file system. */
  readonly fileSystem?: StreamFileSystem;
  /** The query's clock: polling and triggers. Default `asyncScheduler`; pass a `TestScheduler` in marble tests. */
  readonly scheduler?: SchedulerLike;
}

const OP = 'readJsonFiles';
const MODES: readonly ParseMode[] = ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'];

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
    for (let i = 0; i < to && i < this.entries.length; i++) this.entries[i] = undefined;
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
 * (the {@link SeenFileLog}).
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
 * - Errors: a directory that cannot be listed, or a file that cannot be read, fails the query
 *   with {@link FileReadError} naming the path; in FAILFAST mode a malformed line fails it with
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
  const latestFirst = options.latestFirst ?? false;
  if (typeof latestFirst !== 'boolean') throw new InvalidArgumentError(OP, 'latestFirst', latestFirst, 'true or false');
  const fs = options.fileSystem ?? nodeFileSystem;
  const config: FileSourceConfig = { dir, schema, watch, pollMs, maxFileAgeMs, mode, corruptColumn, latestFirst, fs };

  const spec: SourceSpec<RowOf<S>> = {
    description: `FileStreamSource[${dir}]`,
    isStreaming: watch,
    schema: schemaTypes(schema),
    ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    create: () => new JsonFileSource<RowOf<S>>(config),
  };
  return pipeline<MicroBatch<RowOf<S>>>(sourcePlan(spec as SourceSpec<unknown>));
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

  constructor(private readonly c: FileSourceConfig) {
    this.description = `FileStreamSource[${c.dir}]`;
    this.pollIntervalMs = c.pollMs;
    this.log = new SeenFileLog(c.maxFileAgeMs);
  }

  get discovered(): boolean {
    return this.listings > 0;
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
    return this.c.fs.list(this.c.dir, isVisibleDataFile).pipe(
      catchError((err: unknown) => throwError(() => new FileReadError(this.c.dir, err))),
      map((stats) => {
        const fresh = stats.filter((s) => s.isFile && isVisibleDataFile(s.name) && (this.maxAgeApplies ? this.log.isNew(s) : !this.log.has(s.path))).sort(compareFiles);
        if (this.c.latestFirst) fresh.reverse();
        for (const s of fresh) this.log.add(s);
        if (this.maxAgeApplies) this.log.purge();
        this.listings++;
        this.listedThisRun = true;
        return end();
      }),
    );
  }

  getBatch(start: Offset | null, end: Offset): Observable<SourceBatch<R>> {
    return defer(() => {
      const files = this.log.slice(filesOf(start), filesOf(end));
      // The files are read now (I/O); each is parsed when the query's steps reach it, so the
      // rows of one file become garbage before the next file is parsed.
      return from(files).pipe(
        concatMap((stat) =>
          this.c.fs.readText(stat.path).pipe(
            catchError((err: unknown) => throwError(() => (err instanceof StructuredRxError ? err : new FileReadError(stat.path, err)))),
            map((text) => ({ stat, text })),
          ),
        ),
        toArray(),
        map((texts): SourceBatch<R> => {
          let malformed = 0;
          const c = this.c;
          const rows = Batch.lazy<R>(function* () {
            for (const { stat, text } of texts) {
              const parsed = parseJsonLines(text, c.schema, { path: stat.path, mode: c.mode, columnNameOfCorruptRecord: c.corruptColumn });
              malformed += parsed.numMalformedRows;
              yield parsed.rows as unknown as R[];
            }
          });
          return { rows, malformedRows: () => malformed, inputs: files.map((f) => f.name) };
        }),
      );
    });
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
    // Nothing held between calls: listings and reads under way are unsubscribed by the driver.
  }
}

