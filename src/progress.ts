/**
 * One trigger's progress, as a sink reports it (Spark's `StreamingQueryProgress`, less the
 * query's ids, which the query handle adds). Times are ISO-8601 UTC with milliseconds.
 */
export interface BatchProgress {
  /** The query name (for a memory sink, the table name). */
  readonly name: string | null;
  readonly batchId: number;
  /** When the trigger started. */
  readonly timestamp: string;
  /** Rows read from the source in this trigger. */
  readonly numInputRows: number;
  /** numInputRows over the time since the previous trigger started (0 for the first trigger, as Spark). */
  readonly inputRowsPerSecond: number;
  /** numInputRows over this trigger's duration (at least 1 ms, as Spark). */
  readonly processedRowsPerSecond: number;
  readonly durationMs: { readonly triggerExecution: number; readonly addBatch: number };
  /** The names of this trigger's files, relative to the source directory, in source order. */
  readonly files: readonly string[];
  /** Event-time statistics of the trigger's rows, when a step read event time. */
  readonly eventTime: { readonly min?: string; readonly max?: string; readonly avg?: string };
  /** Malformed input lines in this trigger (kept or dropped according to the parse mode). */
  readonly numMalformedRows: number;
  /** Rows removed by stateless steps, by reason (for example rows whose event time is null). */
  readonly droppedRows: Readonly<Record<string, number>>;
  /** Files the source has listed but no trigger has taken yet. */
  readonly filesPending: number;
  readonly stateOperators: readonly { readonly numRowsTotal: number; readonly numRowsUpdated: number }[];
  readonly sink: { readonly description: string; readonly numOutputRows: number };
}

/** The handle's view of a trigger: the sink's progress plus the query's ids. */
export interface StreamingQueryProgress extends BatchProgress {
  readonly id: string;
  readonly runId: string;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
