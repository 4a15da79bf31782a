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
