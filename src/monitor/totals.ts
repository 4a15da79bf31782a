import type { StreamingQueryProgress } from '../progress.js';

/** Input rows the stateful operators dropped as late in one batch. */
export function lateRowsOf(p: StreamingQueryProgress): number {
  return p.stateOperators.reduce((n, s) => n + s.numLateInputRows, 0);
}

/** The watermark a batch ran with, epoch ms, or undefined before event time was seen (Spark's UI leaves out a watermark of 0 too). */
export function watermarkMsOf(p: StreamingQueryProgress): number | undefined {
  const w = p.eventTime.watermark;
  const ms = w === undefined ? NaN : Date.parse(w);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * Spark's "global watermark gap": how far the watermark is behind the batch's trigger time, in
 * ms; undefined without a watermark.
 */
export function watermarkGapMsOf(p: StreamingQueryProgress): number | undefined {
  const w = watermarkMsOf(p);
  return w === undefined ? undefined : Date.parse(p.timestamp) - w;
}

/** Sums over the batches of one query that the monitor saw. */
/** The phases of a trigger, as `StreamingQueryProgress.durationMs` names them (`triggerExecution` is their whole). */
export const PHASES = ['latestOffset', 'getBatch', 'addBatch', 'commit'] as const;
export type Phase = (typeof PHASES)[number];

/** Sums over the batches of one query that the monitor saw, and the last of them. */
export class QueryTotals {
  batches = 0;
  inputRows = 0;
  outputRows = 0;
  malformedRows = 0;
  lateRows = 0;
  /** Rows steps removed, by reason (late rows are in `lateRows`). */
  readonly droppedRows = new Map<string, number>();
  /** Milliseconds spent in each phase. */
  readonly phaseMs = new Map<Phase, number>(PHASES.map((p) => [p, 0]));
  last: StreamingQueryProgress | null = null;

  add(p: StreamingQueryProgress): void {
    this.batches++;
    this.inputRows += p.numInputRows;
    this.outputRows += p.sink.numOutputRows;
    this.malformedRows += p.numMalformedRows;
    this.lateRows += lateRowsOf(p);
    for (const [reason, n] of Object.entries(p.droppedRows)) this.droppedRows.set(reason, (this.droppedRows.get(reason) ?? 0) + n);
    for (const phase of PHASES) this.phaseMs.set(phase, (this.phaseMs.get(phase) ?? 0) + p.durationMs[phase]);
    this.last = p;
  }
}
