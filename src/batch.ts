import type { FileStat } from './fs/file-system.js';

/** A file as it appears in batches and progress: where it is and what it was when listed. */
export interface FileMeta {
  readonly path: string;
  /** Name relative to the source directory. */
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export function fileMeta(s: FileStat): FileMeta {
  return { path: s.path, name: s.name, size: s.size, mtimeMs: s.mtimeMs };
}

/** Anything that carries rows: a source file, a micro-batch, an aggregate result. */
export interface RowBatch<R> {
  readonly rows: readonly R[];
}

/** The row type of a batch type. */
export type RowOfBatch<B> = B extends RowBatch<infer R> ? R : never;

/** Where a file stands in the directory listing that found it. */
export interface ListingPosition {
  /** Counts the source's listings that found new files, from 0. */
  readonly id: number;
  /** This file's index among the new files of that listing. */
  readonly index: number;
  /** How many new files that listing found. */
  readonly count: number;
}

/** One emission of `readJsonFiles`: one whole file, parsed. */
export interface SourceFile<R> extends RowBatch<R> {
  readonly file: FileMeta;
  readonly listing: ListingPosition;
  /** Malformed lines of this file (kept with nulls in PERMISSIVE mode, dropped in DROPMALFORMED). */
  readonly numMalformedRows: number;
}

/** Event-time statistics of a batch's rows, epoch milliseconds. */
export interface EventTimeStats {
  readonly min: number;
  readonly max: number;
  readonly avg: number;
}

/** One trigger's micro-batch, as `throttleFiles` emits it. */
export interface MicroBatch<R> extends RowBatch<R> {
  /** Counts micro-batches from 0, as Spark's batchId. */
  readonly batchId: number;
  /** The files of this trigger, in source order. */
  readonly files: readonly FileMeta[];
  /** Rows read from the source in this trigger. */
  readonly numInputRows: number;
  /** Malformed lines among them. */
  readonly numMalformedRows: number;
  /** When the trigger started, in the scheduler's clock (ms). */
  readonly triggerStartMs: number;
  /** Files listed by the source but not yet in any batch once this batch was planned. */
  readonly filesPending: number;
}

/** What the downstream operators know of a batch beyond its rows; every field optional, so a bare `SourceFile` works too. */
export interface BatchInfo {
  readonly batchId?: number;
  readonly files?: readonly FileMeta[];
  readonly file?: FileMeta;
  readonly numInputRows?: number;
  readonly numMalformedRows?: number;
  readonly triggerStartMs?: number;
  readonly filesPending?: number;
  readonly eventTime?: EventTimeStats;
  /** Rows a stateless step removed, by reason (for example `nullEventTime`). */
  readonly droppedRows?: Readonly<Record<string, number>>;
}

/** The output of a stateful aggregation for one trigger. */
export interface AggregateBatch<R> extends RowBatch<R>, BatchInfo {
  /** Marks the batch as an aggregation result: the sinks' output modes apply. */
  readonly aggregated: true;
  /** The whole result table after this trigger (what `complete` mode writes). */
  readonly rows: readonly R[];
  /** The groups whose value changed in this trigger (what `update` mode writes). */
  readonly updatedRows: readonly R[];
  /** Groups held in the state store after this trigger (Spark's numRowsTotal). */
  readonly numStateRows: number;
}

export function isAggregateBatch<R>(b: RowBatch<R>): b is AggregateBatch<R> {
  return (b as Partial<AggregateBatch<R>>).aggregated === true;
}
