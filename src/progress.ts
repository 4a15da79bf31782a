import type { JsonValue } from './engine/source.js';

/** Spark's `StateOperatorProgress`: one stateful operator in one batch. */
export interface StateOperatorProgress {
  readonly operatorName: string;
  /** The stable id of the operator's state store (its position among the query's stateful operators). */
  readonly operatorId: string;
  /** Rows (groups, keys) in the state store after the batch. */
  readonly numRowsTotal: number;
  /** Rows written to the state store in the batch. */
  readonly numRowsUpdated: number;
  /** Rows removed from the state store in the batch (evicted behind the watermark). */
  readonly numRowsRemoved: number;
  /** Spark's count of state rows dropped as late: after per-batch aggregation, one per late group. */
  readonly numRowsDroppedByWatermark: number;
  /** Input rows dropped as late (each is on the query's `lateRows` channel). */
  readonly numLateInputRows: number;
  /** A rough estimate of the state's memory. */
  readonly memoryUsedBytes: number;
  /** The state store version after the batch (= batchId + 1 once committed). */
  readonly stateVersion: number;
}

/** Spark's `SourceProgress`. */
export interface SourceProgress {
  readonly description: string;
  readonly startOffset: JsonValue;
  readonly endOffset: JsonValue;
  /** Items the source knows of (files listed, messages fetched) beyond `endOffset`, not yet in a batch. */
  readonly pending: number;
  readonly numInputRows: number;
  readonly inputRowsPerSecond: number;
  readonly processedRowsPerSecond: number;
  /** What the batch read, as the source names it (file names, relative to the directory, for the file source). */
  readonly inputs: readonly string[];
  /** The file source: each file of the batch, its lines and what became of them. */
  readonly files?: readonly FileProgress[];
  /** The file source: files seen changed after they were listed or read, found since the previous batch. */
  readonly changedFiles?: readonly FileChange[];
}

/**
 * One file of a batch: every line accounted for, `linesRead = rowsKept + rowsDropped + linesRejected`.
 * Blank lines are no records (as in Spark) and count nowhere.
 */
export interface FileProgress {
  readonly path: string;
  /** `read`, `missing` (gone before it was read, `ignoreMissingFiles`) or `corrupt` (could not be read or decompressed to its end, `ignoreCorruptFiles`: the lines before are counted). */
  readonly status: 'read' | 'missing' | 'corrupt';
  /** Bytes read (decompressed for a `.gz` file). */
  readonly bytesRead: number;
  /** Lines that are not blank. */
  readonly linesRead: number;
  /** Rows the file gave the query that no step dropped (malformed rows kept with nulls in PERMISSIVE mode included). */
  readonly rowsKept: number;
  /** Rows of the file a step dropped as it read them (a null event time at a window); steps that read the whole batch first count theirs per batch only. */
  readonly rowsDropped: number;
  /** Lines that gave no row: malformed in DROPMALFORMED mode, longer than `maxLineLength`, unfinished in a corrupt file. */
  readonly linesRejected: number;
  /** Malformed lines (kept with nulls in PERMISSIVE mode, rejected in DROPMALFORMED). */
  readonly malformedLines: number;
}

/** A file whose size or modification time changed after the source listed or read it. */
export interface FileChange {
  readonly path: string;
  /** Size and modification time when the source read it (or listed it, for a change before the read). */
  readonly before: { readonly size: number; readonly mtimeMs: number };
  readonly after: { readonly size: number; readonly mtimeMs: number };
  /** `beforeRead`: between its listing and its read (what was read is the newer content); `afterRead`: after it was read (the change is not read: a path is read once). */
  readonly when: 'beforeRead' | 'afterRead';
}

/**
 * One batch's progress, built by the query's driver: Spark's `StreamingQueryProgress`. Times
 * are ISO-8601 UTC with milliseconds; durations in milliseconds (of the scheduler's clock).
 */
export interface StreamingQueryProgress {
  readonly id: string;
  readonly runId: string;
  /** The query name (for a memory sink, the table name). */
  readonly name: string | null;
  readonly batchId: number;
  /** When the trigger started. */
  readonly timestamp: string;
  /** Rows read from the source in this batch, whatever the steps after it did with them (0 in a no-data batch). */
  readonly numInputRows: number;
  /** numInputRows over the time since the previous trigger started (0 for the first trigger, as Spark). */
  readonly inputRowsPerSecond: number;
  /** numInputRows over this trigger's duration (at least 1 ms). */
  readonly processedRowsPerSecond: number;
  /** Per phase, as Spark's: `latestOffset` (looking for data), `getBatch` (reading it), `addBatch` (steps and sink), `commit` (state and commit log), `triggerExecution` (all). */
  readonly durationMs: {
    readonly latestOffset: number;
    readonly getBatch: number;
    readonly addBatch: number;
    readonly commit: number;
    readonly triggerExecution: number;
  };
  /** Event time of the batch's rows (when a step read it) and the watermark the batch ran with (when the query has one). */
  readonly eventTime: { readonly min?: string; readonly max?: string; readonly avg?: string; readonly watermark?: string };
  readonly stateOperators: readonly StateOperatorProgress[];
  readonly sources: readonly SourceProgress[];
  readonly sink: { readonly description: string; readonly numOutputRows: number };
  /** Malformed input lines in this batch (kept or dropped according to the parse mode). */
  readonly numMalformedRows: number;
  /** Rows steps removed, by reason (for example `nullEventTime`, `duplicate`); rows dropped as late are in `stateOperators`. */
  readonly droppedRows: Readonly<Record<string, number>>;
}

/** The name the library used before the driver built progress; the same type. */
export type BatchProgress = StreamingQueryProgress;

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
