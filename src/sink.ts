import { Observable, SchedulerLike, asyncScheduler, concatMap, defer, from, isObservable, of } from 'rxjs';
import { isAggregateBatch, type BatchInfo, type RowBatch } from './batch.js';
import { AnalysisError, InvalidArgumentError } from './errors.js';
import { derivePlan, planOf, type OutputMode } from './plan.js';
import { isoTime, type BatchProgress } from './progress.js';

const OUTPUT_MODES: readonly OutputMode[] = ['append', 'update', 'complete'];

export function checkOutputMode(operator: string, mode: unknown): OutputMode {
  if (!OUTPUT_MODES.includes(mode as OutputMode)) throw new InvalidArgumentError(operator, 'outputMode', mode, OUTPUT_MODES.join(', '));
  return mode as OutputMode;
}

/**
 * Spark's output-mode rules (`UnsupportedOperationChecker`): append over an aggregation needs a
 * watermark; complete needs an aggregation. Returns the error, or undefined when the mode fits.
 */
export function outputModeError(operator: string, mode: OutputMode, aggregated: boolean, hasWatermark: boolean): AnalysisError | undefined {
  if (aggregated && mode === 'append' && !hasWatermark) {
    return new AnalysisError(
      `${operator}: Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark; use outputMode 'complete' or 'update'`,
    );
  }
  if (!aggregated && mode === 'complete') {
    return new AnalysisError(`${operator}: Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets`);
  }
  return undefined;
}

/** What a sink writes for one trigger. */
export interface SinkWrite<R> {
  readonly batchId: number;
  /** The rows the output mode selects: the whole result (complete), the changed groups (update), or the new rows (append). */
  readonly rows: readonly R[];
  /** True for the first trigger of this run (subscription) of the query. */
  readonly firstOfRun: boolean;
}

export interface SinkSpec<R> {
  readonly operator: string;
  readonly name: string | null;
  readonly description: string;
  readonly outputMode: OutputMode;
  readonly scheduler?: SchedulerLike;
  /** Writes one trigger; may return a Promise or Observable, which the next trigger waits for. */
  readonly write: (w: SinkWrite<R>) => void | PromiseLike<void> | Observable<unknown>;
}

/**
 * The machinery every sink shares: checks the output mode against the plan when composed,
 * selects the rows the output mode writes, calls `write` once per trigger (in order, waiting
 * for an asynchronous write before the next), and emits that trigger's {@link BatchProgress}.
 */
export function sinkOperator<R>(spec: SinkSpec<R>) {
  const scheduler = spec.scheduler ?? asyncScheduler;
  return (source: Observable<RowBatch<R> & BatchInfo>): Observable<BatchProgress> => {
    const plan = planOf(source);
    if (plan !== undefined) {
      const err = outputModeError(spec.operator, spec.outputMode, plan.aggregated === true, plan.watermark !== undefined);
      if (err !== undefined) throw err;
    }
    const progress = defer(() => {
      // Per-subscription state: batch numbering for sources without triggers, and the last trigger's start.
      let nextBatchId = 0;
      let lastTriggerStartMs: number | undefined;
      let firstOfRun = true;
      return source.pipe(
        concatMap((batch) => {
          const aggregated = isAggregateBatch(batch);
          const err = outputModeError(spec.operator, spec.outputMode, aggregated, plan?.watermark !== undefined);
          if (err !== undefined) throw err;
          const batchId = batch.batchId ?? nextBatchId;
          nextBatchId = batchId + 1;
          const startMs = batch.triggerStartMs ?? scheduler.now();
          const rows = aggregated && spec.outputMode === 'update' ? batch.updatedRows : batch.rows;
          const addStart = scheduler.now();
          const done = spec.write({ batchId, rows, firstOfRun });
          firstOfRun = false;
          const finish = (): BatchProgress => {
            const end = scheduler.now();
            const numInputRows = batch.numInputRows ?? batch.rows.length;
            const inputSec = lastTriggerStartMs === undefined ? Infinity : (startMs - lastTriggerStartMs) / 1000;
            lastTriggerStartMs = startMs;
            const files = batch.files ?? (batch.file === undefined ? [] : [batch.file]);
            const et = batch.eventTime;
            return {
              name: spec.name,
              batchId,
              timestamp: isoTime(startMs),
              numInputRows,
              inputRowsPerSecond: inputSec > 0 ? numInputRows / inputSec : 0,
              processedRowsPerSecond: numInputRows / (Math.max(1, end - startMs) / 1000),
              durationMs: { triggerExecution: end - startMs, addBatch: end - addStart },
              files: files.map((f) => f.name),
              eventTime: et === undefined ? {} : { min: isoTime(et.min), max: isoTime(et.max), avg: isoTime(Math.round(et.avg)) },
              numMalformedRows: batch.numMalformedRows ?? 0,
              droppedRows: batch.droppedRows ?? {},
              filesPending: batch.filesPending ?? 0,
              stateOperators: aggregated ? [{ numRowsTotal: batch.numStateRows, numRowsUpdated: batch.updatedRows.length }] : [],
              sink: { description: spec.description, numOutputRows: rows.length },
            };
          };
          if (done === undefined) return of(finish());
          const wait = isObservable(done) ? done : from(done);
          return new Observable<BatchProgress>((sub) =>
            wait.subscribe({
              error: (e: unknown) => sub.error(e),
              complete: () => {
                sub.next(finish());
                sub.complete();
              },
            }),
          );
        }),
      );
    });
    return derivePlan(source, progress, spec.name === null ? {} : { queryName: spec.name });
  };
}
