import type { Observable, SchedulerLike } from 'rxjs';
import type { FileChange, FileProgress } from '../progress.js';
import type { ColumnType } from '../schema.js';
import type { Batch } from './batch.js';

/** A JSON value: what offsets and checkpoint records are made of. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * A position in a source, as Spark's `Offset`: an opaque JSON value that only its source
 * interprets (`{ logOffset: 3 }` for the file source: the first three entries of its log).
 * The driver compares offsets for equality only.
 */
export type Offset = JsonValue;

export function offsetsEqual(a: Offset | null, b: Offset | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How much one batch may take, as Spark's `ReadLimit`: everything, or at most `max` of the source's items (files, messages). */
export type ReadLimit = { readonly kind: 'all' } | { readonly kind: 'maxItems'; readonly max: number };

export const READ_ALL: ReadLimit = { kind: 'all' };

/** The rows between two offsets, read by {@link Source.getBatch}. */
export interface SourceBatch<R> {
  /** The rows; may be lazy (parsed as the query's steps read them). */
  readonly rows: Batch<R>;
  /** Input lines that did not fit the schema (kept or dropped according to the parse mode): final once `rows` has been read. */
  malformedRows(): number;
  /** What was read, as the source names it (file names for a directory, partitions and ranges for a broker). */
  readonly inputs: readonly string[];
  /** Per file read, its lines and what became of them: final once `rows` has been read and the steps have run (the file source). */
  files?(): readonly FileProgress[];
  /** Files seen changed since they were listed or read, found since the previous batch (the file source). */
  readonly changedFiles?: readonly FileChange[];
  /**
   * A step dropped `count` rows (a null event time, ...) of the chunk it is reading now: the
   * source counts them against the file that chunk came from.
   */
  rowsDropped?(reason: string, count: number): void;
}

/** What kind of bad input a {@link BadRecord} reports. */
export type BadRecordKind = 'malformed' | 'lineTooLong' | 'corruptFile' | 'missingFile' | 'changedFile';

/**
 * One piece of bad input, as the source found it: a malformed line (in every parse mode: kept
 * with nulls, dropped, or failing the query), a line longer than the limit, a file that could not
 * be read or decompressed, a file gone before it was read, or a file that changed after it was
 * listed or read. Spark only counts (or logs) these; here each is data.
 */
export interface BadRecord {
  readonly kind: BadRecordKind;
  /** The file. */
  readonly path: string;
  /** 1-based line number in the file (its decompressed text), or null for a whole file. */
  readonly line: number | null;
  /** Where the line starts in the file's (decompressed) bytes, or null for a whole file; for a corrupt file, where reading stopped. */
  readonly byteOffset: number | null;
  /** The line's text, at most {@link BAD_RECORD_RAW_LIMIT} characters (bytes that were not UTF-8 as U+FFFD); '' for a whole file. */
  readonly raw: string;
  /** Whether `raw` was cut to the limit. */
  readonly truncated: boolean;
  readonly reason: string;
}

/** The most characters of a bad line a {@link BadRecord} carries. */
export const BAD_RECORD_RAW_LIMIT = 1024;

/** What a run's source is given by the driver. */
export interface SourceContext {
  /** Reports bad input to the query (its `badRecords`). */
  badRecord(record: BadRecord): void;
}

/**
 * A replayable source read by offsets, as Spark's `Source` with admission control. All methods
 * that do I/O return cold Observables (no Promises), so a query runs in virtual time under a
 * `TestScheduler`.
 */
export interface Source<R> {
  readonly description: string;
  /**
   * The end offset of the next batch: at most `limit` beyond `start` (null before the first
   * batch). With `discover` it first looks for new data (lists a directory, polls a broker);
   * without, it answers from what it already knows (Trigger.AvailableNow after its first
   * trigger). Returns `start` when there is nothing new.
   */
  latestOffset(start: Offset | null, limit: ReadLimit, discover: boolean): Observable<Offset | null>;
  /** The data in `(start, end]`: the same every time it is asked for the same offsets. */
  getBatch(start: Offset | null, end: Offset): Observable<SourceBatch<R>>;
  /** Everything up to `end` is processed and committed: the source may forget it. */
  commit(end: Offset): void;
  /** Items known beyond `offset` but not yet in a batch (without new I/O). */
  pending(offset: Offset | null): number;
  /** Items the source has discovered so far. */
  known(): number;
  /** Has the source ever looked for data (its first discovery is done)? */
  readonly discovered: boolean;
  /** A bounded source: true once `offset` is the end of everything it will ever have. */
  isExhausted(offset: Offset | null): boolean;
  /** When idle under the default trigger, the driver looks for new data this often. */
  readonly pollIntervalMs: number;
  /** Pushes when new data may be there (a message source); polling sources leave it out. */
  readonly dataAvailable?: Observable<void>;
  /** The source's own log, for checkpoints (the file source's seen-file log). */
  checkpoint(): JsonValue;
  /**
   * Restores the log `checkpoint()` gave, before the run's first trigger (a restart from a
   * checkpoint), so that the planned input of an uncommitted batch reads the same data again.
   * A source that cannot replay leaves it out.
   */
  restore?(log: JsonValue): void;
  /**
   * For a log that grows with the input (the file source's): what was added since the last call
   * (or since `restore`), so that a batch's checkpoint holds only its own part and `checkpoint()`
   * is written whole only every few batches (Spark's `CompactibleFileStreamLog`). A source
   * without it has `checkpoint()` written at every batch.
   */
  checkpointIncrement?(): JsonValue;
  /** Applies, in order after `restore` (or to a new source), the increments `checkpointIncrement` gave. */
  restoreIncrement?(increment: JsonValue): void;
  /** Releases what the source holds (watchers, connections). */
  stop(): void;
}

/** What a source knows at composition, and how it makes a new {@link Source} for each run. */
export interface SourceSpec<R> {
  readonly description: string;
  /** A watching source (Spark's readStream) or a finite one (Spark's read). */
  readonly isStreaming: boolean;
  /** Column types of its rows, where known. */
  readonly schema?: Readonly<Record<string, ColumnType>>;
  /** The scheduler the source wants the query to run on (a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  create(context?: SourceContext): Source<R>;
}
