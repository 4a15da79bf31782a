import { map, type OperatorFunction } from 'rxjs';
import type { FileMeta } from '../batch.js';

/** What a marble test usually wants to see of a trigger. */
export interface BatchSummary {
  readonly batchId: number;
  /** The trigger's file names (relative to the source directory), in batch order. */
  readonly files: readonly string[];
  readonly numInputRows: number;
}

/** Anything that says which batch it is, what it read and how many rows: a `MicroBatch` (its `inputs`) or a progress (its sources' `inputs`). */
export interface SummarizableBatch {
  readonly batchId: number;
  readonly numInputRows: number;
  readonly inputs?: readonly string[];
  readonly sources?: readonly { readonly inputs: readonly string[] }[];
  readonly files?: readonly (FileMeta | string)[];
}

/**
 * The {@link BatchSummary} of a micro-batch (or of a sink's progress): only `batchId`, the file
 * names and `numInputRows`, so expected marble values stay short and readable.
 */
export function summarizeBatch(batch: SummarizableBatch): BatchSummary {
  return {
    batchId: batch.batchId,
    files: batch.inputs ?? batch.sources?.flatMap((s) => s.inputs) ?? (batch.files ?? []).map((f) => (typeof f === 'string' ? f : f.name)),
    numInputRows: batch.numInputRows,
  };
}

/**
 * Maps every emission to its {@link BatchSummary}.
 *
 * ```
 * throttleFiles(2):     x-----y|    x = MicroBatch of file-0, file-1 (3 rows)
 * summarizeBatches():   a-----b|    a = { batchId: 0, files: ['file-0.json', 'file-1.json'], numInputRows: 3 }
 * ```
 *
 * @example
 * expectObservable(batches$.pipe(summarizeBatches())).toBe('(ab|)', { a, b });
 */
export function summarizeBatches<B extends SummarizableBatch>(): OperatorFunction<B, BatchSummary> {
  return map(summarizeBatch);
}
