import {
  EMPTY,
  Observable,
  SchedulerLike,
  asyncScheduler,
  catchError,
  concatMap,
  defer,
  exhaustMap,
  finalize,
  from,
  map,
  merge,
  mergeMap,
  of,
  throwError,
  timer,
} from 'rxjs';
import { fileMeta, type SourceFile } from '../src/batch.js';
import { durationMs, type DurationLike } from '../src/duration.js';
import { FileReadError, InvalidArgumentError, StructuredRxError } from '../src/errors.js';
import { nodeFileSystem, type FileStat, type StreamFileSystem } from '../src/fs/file-system.js';
import { parseJsonLines, type ParseMode } from '../src/json-lines.js';
import { compareNatural } from '../src/natural-order.js';
import { SourceMonitor, withPlan, type PlannedObservable } from '../src/plan.js';
import { parseSchema, type RowOf, type SchemaLike } from '../src/schema.js';

export interface ReadJsonFilesOptions<S extends SchemaLike> {
  /** The declared schema: Spark DDL (`'time TIMESTAMP, action STRING'`) or an object. */
  readonly schema: S;
  /** Keep watching for new files (a streaming source, the default) or read what is there and complete (a static one). */
  readonly watch?: boolean;
  /** How often a watching source lists the directory. Default `'1 second'`. */
  readonly pollInterval?: DurationLike;
  /** Spark's `latestFirst`: newest modification time first. Default false. */
  readonly latestFirst?: boolean;
  /** Spark's `mode` for malformed lines. Default `'PERMISSIVE'`, as Spark. */
  readonly mode?: ParseMode;
  /** Spark's `columnNameOfCorruptRecord`. Default `'_corrupt_record'`; used only if the schema declares it. */
  readonly columnNameOfCorruptRecord?: string;
  /** Where files are read from. Default: the real file system. */
  readonly fileSystem?: StreamFileSystem;
  /** Drives polling. Default `asyncScheduler`; pass a `TestScheduler` in marble tests. */
  readonly scheduler?: SchedulerLike;
}

const OP = 'readJsonFiles';
const MODES: readonly ParseMode[] = ['PERMISSIVE', 'DROPMALFORMED', 'FAILFAST'];

/**
 * The seen-file log: every path the source has listed, so each is read at most once. It is one
 * of the three pieces of state a checkpoint saves (with the state store and the sink).
 */
export class SeenFileLog {
  private readonly seen = new Set<string>();
  has(path: string): boolean {
    return this.seen.has(path);
  }
  add(path: string): void {
    this.seen.add(path);
  }
  get size(): number {
    return this.seen.size;
  }
  paths(): string[] {
    return [...this.seen];
  }
}

/** Spark's file source skips hidden and in-progress files. */
export function isVisibleDataFile(name: string): boolean {
  return !(name.startsWith('.') || name.startsWith('_') || name.endsWith('._COPYING_'));
}

/** Oldest modification time first, equal times by path in natural order. */
export function compareFiles(a: FileStat, b: FileStat): number {
  return a.mtimeMs - b.mtimeMs || compareNatural(a.path, b.path);
}

/**
 * Reads a directory of JSON-lines files as a stream: Spark's
 * `spark.readStream.schema(schema).json(dir)` (or `spark.read` with `watch: false`).
 *
 * Each file becomes one emission, a {@link SourceFile} with its path, size, modification time
 * and parsed rows (all rows of a file in one array, never one emission per row). Files are
 * taken oldest modification time first, equal times by path in natural order (`file-2` before
 * `file-10`); `latestFirst` reverses that. Names starting with `.` or `_`, and names ending in
 * `._COPYING_`, are never read. A path is read at most once (the {@link SeenFileLog}).
 *
 * ```
 * directory:  f0 f1 ......... f2 (appears later)
 * listing:    L--------------L-------------L----   (every pollInterval on the scheduler)
 * output:     (ab)-------------------------c----   a=f0 b=f1 c=f2
 * ```
 *
 * - `watch: true` (default): lists at subscription and then every `pollInterval`; never
 *   completes by itself. `watch: false`: one listing, then completes after the last file:
 *   the finite stream is Spark's static DataFrame.
 * - Files of one listing are read one after another and emitted in order; the next listing
 *   waits for the reads of the previous one.
 * - Errors: a directory that cannot be listed, or a file that cannot be read, errors with
 *   {@link FileReadError} naming the path; in FAILFAST mode a malformed line errors with
 *   `MalformedRecordError` naming the file and line.
 * - Unsubscribing stops polling and any read under way.
 *
 * @example
 * const events$ = readJsonFiles('datasets/events', { schema: 'time TIMESTAMP, action STRING' });
 */
export function readJsonFiles<const S extends SchemaLike>(
  dir: string,
  options: ReadJsonFilesOptions<S>,
): PlannedObservable<SourceFile<RowOf<S>>> {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError(OP, 'dir', dir, 'a directory path');
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(OP, 'options', options, 'an options object with a schema');
  const schema = parseSchema(options.schema, OP);
  const watch = options.watch ?? true;
  if (typeof watch !== 'boolean') throw new InvalidArgumentError(OP, 'watch', watch, 'true or false');
  const pollMs = durationMs(OP, 'pollInterval', options.pollInterval ?? '1 second');
  const mode = options.mode ?? 'PERMISSIVE';
  if (!MODES.includes(mode)) throw new InvalidArgumentError(OP, 'mode', mode, MODES.join(', '));
  const corruptColumn = options.columnNameOfCorruptRecord ?? '_corrupt_record';
  const latestFirst = options.latestFirst ?? false;
  const fs = options.fileSystem ?? nodeFileSystem;
  const scheduler = options.scheduler ?? asyncScheduler;
  const monitor = new SourceMonitor();

  const source = defer(() => {
    // Per-subscription state: the seen-file log and the listing counter.
    const log = new SeenFileLog();
    let listingId = 0;

    const readOne = (stat: FileStat, position: { id: number; index: number; count: number }): Observable<SourceFile<RowOf<S>>> =>
      fs.readText(stat.path).pipe(
        catchError((err: unknown) => throwError(() => (err instanceof StructuredRxError ? err : new FileReadError(stat.path, err)))),
        map((text) => {
          const parsed = parseJsonLines(text, schema, { path: stat.path, mode, columnNameOfCorruptRecord: corruptColumn });
          monitor.update({ filesRead: monitor.current.filesRead + 1 });
          return {
            file: fileMeta(stat),
            rows: parsed.rows as unknown as RowOf<S>[],
            listing: position,
            numMalformedRows: parsed.numMalformedRows,
          };
        }),
      );

    const listAndRead = (): Observable<SourceFile<RowOf<S>>> => {
      monitor.update({ busy: true });
      return fs.list(dir).pipe(
        catchError((err: unknown) => throwError(() => new FileReadError(dir, err))),
        mergeMap((stats) => {
          const fresh = stats.filter((s) => s.isFile && isVisibleDataFile(s.name) && !log.has(s.path)).sort(compareFiles);
          if (latestFirst) fresh.reverse();
          for (const s of fresh) log.add(s.path);
          const m = monitor.current;
          // Still busy until finalize: the listing is under way until its reads are done.
          monitor.update({ listings: m.listings + 1, filesListed: m.filesListed + fresh.length });
          if (fresh.length === 0) return EMPTY;
          const id = listingId++;
          return from(fresh).pipe(concatMap((s, index) => readOne(s, { id, index, count: fresh.length })));
        }),
        // The listing's reads are done (or it found nothing): idle until the next poll.
        finalize(() => monitor.update({ busy: false })),
      );
    };

    if (!watch) return listAndRead();
    // The first listing starts at subscription, synchronously (not on a timer(0) tick), so a
    // processing-time trigger that fires at subscription already sees it under way, and each
    // later poll runs before a trigger tick of the same instant.
    return merge(of(0), timer(pollMs, pollMs, scheduler), monitor.listingRequests).pipe(exhaustMap(() => listAndRead()));
  });

  return withPlan(source, { isStreaming: watch, source: monitor });
}
