import { asyncScheduler, isObservable, from, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { AnalysisError } from '../errors.js';
import { isoTime, type FileProgress, type StateOperatorProgress, type StreamingQueryProgress } from '../progress.js';
import { Batch, EventTimeStatsBuilder, type EventTimeStats } from './batch.js';
import { outputModeError, resolveOutputMode } from './output-mode.js';
import type { LateRow, LateRowsEvent, LogicalPlan, OutputMode, SinkWriter, StateField, StateSchema, StepContext, StepInstance } from './plan.js';
import { READ_ALL, offsetsEqual, type BadRecord, type JsonValue, type Offset, type Source, type SourceBatch } from './source.js';
import { StateStoreProvider, type StateStore } from './state-store.js';
import { CheckpointDir, CheckpointError, SNAPSHOT_INTERVAL } from './checkpoint.js';

/** How many batches the offset and commit logs (and the state stores' deltas) keep, as Spark's `spark.sql.streaming.minBatchesToRetain`. */
export const BATCHES_TO_RETAIN = 100;

/** Every this many batches, an incremental source log is written whole (Spark's `spark.sql.streaming.fileSource.log.compactInterval`, 10). */
export const SOURCE_LOG_COMPACT_INTERVAL = 10;

/** The end of event time: the watermark after a finite source's last row (every window is then final). */
export const END_OF_TIME_MS = 8.64e15;

/** The write-ahead record of one batch, written before it runs (Spark's offset log entry). */
export interface OffsetLogEntry {
  readonly batchId: number;
  readonly startOffset: Offset | null;
  readonly endOffset: Offset | null;
  /** The watermark the batch runs with. */
  readonly watermarkMs: number;
  /** When its trigger started: the batch's processing time. */
  readonly timestampMs: number;
  readonly isDataBatch: boolean;
}

/** The record that a batch's output has been taken by the sink (Spark's commit log entry). */
export interface CommitLogEntry {
  readonly batchId: number;
  /** The watermark after the batch: what the next batch runs with. */
  readonly nextWatermarkMs: number;
}

/** What a subscriber of a sink-less pipeline receives per batch: the last step's output. */
export interface MicroBatch<R> {
  readonly batchId: number;
  /** The rows the pipeline's last step gave for this batch (for an aggregation: what the output mode selects). */
  readonly rows: readonly R[];
  /** Rows read from the source in this batch (0 in a no-data batch). */
  readonly numInputRows: number;
  readonly numMalformedRows: number;
  /** False for a no-data batch, run only because the watermark moved. */
  readonly isDataBatch: boolean;
  /** The watermark the batch ran with, epoch ms. */
  readonly watermarkMs: number;
  /** When the batch's trigger started, on the query's clock (ms). */
  readonly timestampMs: number;
  /** What the batch read, as the source names it (file names for the file source). */
  readonly inputs: readonly string[];
  /** The file source: each file's lines and what became of them (progress's `sources[0].files`). */
  readonly fileProgress?: readonly FileProgress[];
  readonly eventTime?: EventTimeStats;
  readonly droppedRows: Readonly<Record<string, number>>;
}

/** Spark's `StreamingQueryStatus`. */
export interface StreamingQueryStatus {
  readonly message: string;
  readonly isDataAvailable: boolean;
  readonly isTriggerActive: boolean;
}

export interface DriverOptions {
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;
  /** Spark's `spark.sql.streaming.noDataMicroBatches.enabled`. Default true. */
  readonly noDataMicroBatches: boolean;
  /** A directory where the driver keeps its checkpoint; a run on an existing one resumes it. */
  readonly checkpointLocation?: string;
}

/** What the driver tells the one who runs it. */
export interface DriverListener {
  batch?(output: MicroBatch<unknown>, progress: StreamingQueryProgress): void;
  lateRows?(event: LateRowsEvent): void;
  /** The source found bad input (a malformed line, a corrupt file, ...). */
  badRecord?(record: BadRecord): void;
  /** The query ended: completed (no error) or failed. */
  terminated(error: unknown): void;
}

/** Everything a checkpoint saves, in named, serialisable places. */
export interface CheckpointState {
  readonly id: string;
  readonly offsets: readonly OffsetLogEntry[];
  readonly commits: readonly CommitLogEntry[];
  readonly watermarkMs: number;
  readonly source: JsonValue;
  readonly stateStores: readonly { readonly operatorId: string; readonly operatorName: string; readonly version: number }[];
}

interface Observations {
  /** The event-time statistics of the first step that reported any, merged over its chunks. */
  eventTime: EventTimeStatsBuilder | undefined;
  eventTimeStep: number;
  readonly maxEventTime: (number | undefined)[];
  readonly dropped: Map<string, number>;
  readonly late: { rows: LateRow[]; droppedByWatermark: number }[];
  /** The batch's input, told of rows steps drop (counted per file). */
  readonly input: SourceBatch<unknown>;
}

/**
 * The driver of one run of a query: Spark's `MicroBatchExecution`. It owns when triggers fire,
 * the batch ids, each batch's planned input (source offsets, written to the offset log before
 * the batch runs), the output mode, the watermark, one versioned state store per stateful
 * step, the commit of a batch once the sink has taken it, and progress.
 *
 * It runs on a scheduler and subscribes to the source's cold Observables, never to Promises,
 * so under a `TestScheduler` a whole query runs in virtual time.
 */
export class MicroBatchExecution {
  /** The offset log: the planned input of every batch, written before the batch runs. */
  readonly offsetLog = new Map<number, OffsetLogEntry>();
  /** The commit log: batches whose output the sink has taken. */
  readonly commitLog = new Map<number, CommitLogEntry>();
  /** One state store provider per stateful step, in plan order; the index is the operator id. */
  readonly stateStores: StateStoreProvider<unknown>[] = [];
  readonly outputMode: OutputMode;
  readonly scheduler: SchedulerLike;

  private readonly source: Source<unknown>;
  private readonly steps: StepInstance[];
  private readonly stepStore: (StateStoreProvider<unknown> | undefined)[] = [];
  private readonly sink: SinkWriter | undefined;
  private readonly operatorWatermarks: (number | undefined)[];

  /** The query's id: the options', or the checkpoint's when the run resumes one. */
  readonly queryId: string;
  private readonly checkpointDir: CheckpointDir | undefined;
  /** A batch planned (offset log) but not committed when the previous run ended: run it first, as planned. */
  private replay: OffsetLogEntry | undefined;
  private watermark = 0;
  private lastBatchWatermark: number | undefined;
  private committed: Offset | null = null;
  private nextBatchId = 0;
  private triggers = 0;
  private lastTriggerStart: number | undefined;
  private endOfInputDone = false;

  private started = false;
  private stopped = false;
  private triggerActive = false;
  private dataAvailable = false;
  private readonly subscriptions = new Set<Subscription>();
  private timer: Subscription | undefined;
  private timerDelay = 0;
  /** Waiting for the next trigger (a timer, or a push from the source). */
  private idle = false;
  private checkSeq = 0;
  private readonly idleWaiters: { after: number; resolve: () => void }[] = [];
  private readonly queue: (() => void)[] = [];
  private pumping = false;

  constructor(
    readonly plan: LogicalPlan,
    readonly options: DriverOptions,
    private readonly listener: DriverListener,
  ) {
    this.outputMode = resolveOutputMode(plan);
    const err = outputModeError(plan, this.outputMode);
    if (err !== undefined) throw err;
    this.scheduler = plan.scheduler ?? asyncScheduler;
    this.source = plan.source.create({ badRecord: (record) => this.listener.badRecord?.(record) });
    this.steps = plan.steps.map((s) => s.create());
    plan.steps.forEach((s) => {
      if (!s.stateful) {
        this.stepStore.push(undefined);
        return;
      }
      const provider = new StateStoreProvider<unknown>(String(this.stateStores.length), s.operator, BATCHES_TO_RETAIN);
      this.stateStores.push(provider);
      this.stepStore.push(provider);
    });
    this.operatorWatermarks = plan.watermarks.map(() => undefined);
    this.checkpointDir = options.checkpointLocation === undefined ? undefined : new CheckpointDir(options.checkpointLocation);
    this.checkpointDir?.lock(options.runId);
    let resumed: string | undefined;
    try {
      resumed = this.checkpointDir === undefined ? undefined : this.recover(this.checkpointDir);
    } catch (err) {
      this.checkpointDir?.unlock(options.runId);
      throw err;
    }
    this.queryId = resumed ?? options.id;
    this.sink = plan.sink?.create({ resumed: resumed !== undefined });
  }

  /**
   * Reads the checkpoint: the query id, the last committed batch (its end offsets, the watermark
   * after it, the state stores at its version), the source's log, and a batch planned but not
   * committed, which runs first with exactly its planned input, watermark and timestamp.
   * Returns the checkpoint's query id, or undefined for a new checkpoint (then written).
   */
  private recover(cp: CheckpointDir): string | undefined {
    const operators = this.stateStores.map((p) => p.operatorName);
    const schemas = this.plan.steps.filter((s) => s.stateful).map((s) => s.stateSchema ?? null);
    const meta = cp.readJson('metadata') as { id?: unknown; operators?: unknown; stateSchemas?: unknown; outputMode?: unknown } | null | undefined;
    if (meta === undefined) {
      cp.writeJson('metadata', { id: this.options.id, operators, stateSchemas: schemas as unknown as JsonValue, outputMode: this.outputMode });
      return undefined;
    }
    if (meta === null || typeof meta.id !== 'string' || !Array.isArray(meta.operators)) throw new CheckpointError(cp.path('metadata'), 'has no query id or operators');
    checkRestart(cp, meta.operators as unknown[], operators, meta.stateSchemas, schemas, meta.outputMode, this.outputMode);
    const commits = cp.numbers('commits');
    const offsets = cp.numbers('offsets');
    const lastCommit = commits[commits.length - 1] ?? -1;
    const lastPlanned = offsets[offsets.length - 1] ?? -1;
    if (lastPlanned > lastCommit + 1 || lastCommit > lastPlanned) {
      throw new CheckpointError(cp.dir, `has a gap: batches planned up to ${lastPlanned}, committed up to ${lastCommit}`);
    }
    if (lastCommit >= 0) {
      const planned = cp.readJson(`offsets/${lastCommit}`) as unknown as OffsetLogEntry | undefined;
      const commit = cp.readJson(`commits/${lastCommit}`) as unknown as (CommitLogEntry & { operatorWatermarks?: (number | null)[] }) | undefined;
      if (planned === undefined || commit === undefined) throw new CheckpointError(cp.dir, `lacks the records of batch ${lastCommit}`);
      this.committed = planned.endOffset;
      this.lastBatchWatermark = planned.watermarkMs;
      this.watermark = commit.nextWatermarkMs;
      (commit.operatorWatermarks ?? []).forEach((w, i) => {
        if (i < this.operatorWatermarks.length) this.operatorWatermarks[i] = w ?? undefined;
      });
      this.nextBatchId = lastCommit + 1;
      this.offsetLog.set(lastCommit, planned);
      this.commitLog.set(lastCommit, { batchId: lastCommit, nextWatermarkMs: commit.nextWatermarkMs });
    }
    if (lastPlanned >= 0) {
      restoreSourceLog(cp, this.source, lastPlanned);
    }
    for (const provider of this.stateStores) restoreStateStore(cp, provider, lastCommit + 1);
    if (lastPlanned === lastCommit + 1) this.replay = cp.readJson(`offsets/${lastPlanned}`) as unknown as OffsetLogEntry;
    return meta.id;
  }

  /**
   * Writes a batch's write-ahead record and the source's log, before the batch runs. A source that
   * keeps its log incrementally writes, as Spark's `CompactibleFileStreamLog`, only what the batch
   * added (`sources/0/<id>`), and every SOURCE_LOG_COMPACT_INTERVAL-th batch the whole log
   * (`sources/0/<id>.compact`), so that each batch writes little and the directory stays small.
   */
  private writeAhead(entry: OffsetLogEntry): void {
    const cp = this.checkpointDir;
    if (cp === undefined) return;
    // The source's log first, then the offsets (Spark's order): a crash between the two leaves a
    // source log no offset entry names, which is harmless (overwritten when the batch is planned again).
    const id = entry.batchId;
    const increment = this.source.checkpointIncrement?.();
    if (increment === undefined) cp.writeJson(`sources/0/${id}`, this.source.checkpoint());
    else if ((id + 1) % SOURCE_LOG_COMPACT_INTERVAL === 0) cp.writeJson(`sources/0/${id}.compact`, this.source.checkpoint());
    else cp.writeJson(`sources/0/${id}`, { increment });
    cp.writeJson(`offsets/${id}`, entry as unknown as JsonValue);
  }

  /** Writes the batch's commit and the state stores' new versions, then drops old files. */
  private writeCommit(batchId: number): void {
    const cp = this.checkpointDir;
    if (cp === undefined) return;
    for (const provider of this.stateStores) writeStateVersion(cp, provider);
    cp.writeJson(`commits/${batchId}`, {
      batchId,
      nextWatermarkMs: this.watermark,
      operatorWatermarks: this.operatorWatermarks.map((w) => w ?? null),
    });
    const old = batchId - BATCHES_TO_RETAIN;
    if (old >= 0) {
      cp.remove(`offsets/${old}`);
      cp.remove(`commits/${old}`);
    }
    dropOldSourceLogs(cp, batchId, this.source.checkpointIncrement !== undefined);
  }

  /** The watermark the next batch runs with, epoch ms. */
  get watermarkMs(): number {
    return this.watermark;
  }

  /** The id the next batch gets. */
  get currentBatchId(): number {
    return this.nextBatchId;
  }

  get isActive(): boolean {
    return this.started && !this.stopped;
  }

  /** Items the source knows of but no batch has taken yet. */
  get pending(): number {
    return this.source.pending(this.committed);
  }

  /** Items the source has discovered so far (files listed, messages fetched). */
  get known(): number {
    return this.source.known();
  }

  get status(): StreamingQueryStatus {
    if (this.stopped) return { message: 'Stopped', isDataAvailable: false, isTriggerActive: false };
    if (!this.source.discovered) return { message: 'Initializing sources', isDataAvailable: false, isTriggerActive: this.triggerActive };
    const pending = this.source.pending(this.committed) > 0;
    if (this.triggerActive && this.dataAvailable) return { message: 'Processing new data', isDataAvailable: true, isTriggerActive: true };
    if (pending) return { message: 'Processing new data', isDataAvailable: true, isTriggerActive: this.triggerActive };
    const waiting = this.plan.trigger.kind === 'processingTime' ? 'Waiting for next trigger' : 'Waiting for data to arrive';
    return { message: waiting, isDataAvailable: false, isTriggerActive: this.triggerActive };
  }

  /** Everything a checkpoint saves, as plain data. */
  checkpointState(): CheckpointState {
    return {
      id: this.queryId,
      offsets: [...this.offsetLog.values()],
      commits: [...this.commitLog.values()],
      watermarkMs: this.watermark,
      source: this.source.checkpoint(),
      stateStores: this.stateStores.map((p) => ({ operatorId: p.operatorId, operatorName: p.operatorName, version: p.version })),
    };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const push = this.source.dataAvailable;
    // A push wakes the driver at the end of the source's current emission burst (a 0 ms timer on
    // the query's clock), so items emitted together can be batched together.
    if (push !== undefined) this.track(push.subscribe({ next: () => this.wakeSoon(), error: (e: unknown) => this.fail(e) }));
    this.enqueue(() => this.runTrigger());
  }

  /** Stops the run: no new trigger starts, work under way is unsubscribed. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions.clear();
    for (const p of this.stateStores) p.abort();
    this.source.stop();
    this.checkpointDir?.unlock(this.options.runId);
    this.resolveWaiters(Infinity);
  }

  /** Starts a trigger now if the default trigger is waiting for its next poll. */
  wake(): void {
    if (this.stopped || this.triggerActive || this.plan.trigger.kind === 'processingTime') return;
    if (!this.idle) return; // starting, or a continuation is queued
    this.clearTimer();
    this.enqueue(() => this.runTrigger());
  }

  /** As `wake`, but after what runs now (a 0 ms timer), so a burst of pushes makes one trigger. */
  private wakeSoon(): void {
    if (this.stopped || this.triggerActive || this.plan.trigger.kind === 'processingTime') return;
    if (!this.idle || (this.timer !== undefined && this.timerDelay === 0)) return;
    this.setTimer(0);
  }

  /**
   * Resolves once a trigger that started after this call found nothing left to do (no new
   * data, no no-data batch due), or the query ended: Spark's `processAllAvailable`.
   */
  whenIdle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idleWaiters.push({ after: this.checkSeq, resolve });
      this.wake();
    });
  }

  // ---- the trigger loop -------------------------------------------------------------------

  private runTrigger(): void {
    if (this.stopped) return;
    this.clearTimer();
    this.idle = false;
    this.triggerActive = true;
    this.dataAvailable = false;
    const replay = this.replay;
    if (replay !== undefined) {
      // The batch the previous run planned but did not commit: exactly its input, watermark and time.
      this.replay = undefined;
      this.triggers++;
      this.dataAvailable = replay.isDataBatch;
      this.runBatch(replay.timestampMs, 0, replay.isDataBatch ? replay.endOffset : null, replay.watermarkMs, true);
      return;
    }
    const seq = ++this.checkSeq;
    const triggerStart = this.scheduler.now();
    const kind = this.plan.trigger.kind;
    const discover = !(kind === 'availableNow' && this.triggers > 0);
    const limit = kind === 'once' ? READ_ALL : this.plan.readLimit;
    this.triggers++;
    let latest: Offset | null = this.committed;
    this.subscribeOnce(this.source.latestOffset(this.committed, limit, discover), (end) => (latest = end), () => {
      const latestMs = this.scheduler.now() - triggerStart;
      this.afterLatestOffset(seq, triggerStart, latestMs, latest);
    });
  }

  private afterLatestOffset(seq: number, triggerStart: number, latestMs: number, end: Offset | null): void {
    const kind = this.plan.trigger.kind;
    if (end !== null && !offsetsEqual(end, this.committed)) {
      this.dataAvailable = true;
      this.runBatch(triggerStart, latestMs, end, this.watermark);
      return;
    }
    if (kind !== 'once' && this.noDataBatchDue()) {
      this.runBatch(triggerStart, latestMs, null, this.watermark);
      return;
    }
    const bounded = this.source.isExhausted(this.committed);
    const endWanted = (): boolean => this.steps.some((s) => s.shouldRunAnotherBatch?.(END_OF_TIME_MS, this.lastBatchWatermark ?? 0, this.outputMode) === true);
    if (bounded && !this.endOfInputDone && this.plan.watermarks.length > 0 && this.watermark < END_OF_TIME_MS && endWanted()) {
      // A finite source has ended: event time is over, so every window is final (as Flink's
      // end-of-input watermark; Spark's static query gives the same, all groups).
      this.endOfInputDone = true;
      this.runBatch(triggerStart, latestMs, null, END_OF_TIME_MS);
      return;
    }
    this.triggerActive = false;
    this.resolveWaiters(seq);
    if (kind === 'once' || kind === 'availableNow' || bounded) {
      this.complete();
      return;
    }
    if (this.idleWaiters.length > 0 && kind === 'default') {
      // processAllAvailable() was called while this trigger looked for data: its look may
      // predate data that is there now, so look again at once instead of at the next poll.
      this.enqueue(() => this.runTrigger());
      return;
    }
    this.scheduleNextTrigger(triggerStart, false);
  }

  private noDataBatchDue(): boolean {
    if (!this.options.noDataMicroBatches || this.lastBatchWatermark === undefined) return false;
    const last = this.lastBatchWatermark;
    if (!(this.watermark > last)) return false;
    return this.steps.some((s) => s.shouldRunAnotherBatch?.(this.watermark, last, this.outputMode) === true);
  }

  private scheduleNextTrigger(triggerStart: number, ranBatch: boolean): void {
    if (this.stopped) return;
    const trigger = this.plan.trigger;
    if (trigger.kind === 'once') {
      this.complete();
      return;
    }
    if (trigger.kind === 'processingTime') {
      const next = Math.floor(triggerStart / trigger.intervalMs) * trigger.intervalMs + trigger.intervalMs;
      const delay = next - this.scheduler.now();
      if (delay <= 0) this.enqueue(() => this.runTrigger());
      else this.setTimer(delay);
      return;
    }
    if (ranBatch) this.enqueue(() => this.runTrigger());
    else if (this.source.dataAvailable !== undefined) this.idle = true; // a push source wakes the driver itself
    else this.setTimer(this.source.pollIntervalMs);
  }

  // ---- one batch ----------------------------------------------------------------------------

  private runBatch(triggerStart: number, latestMs: number, end: Offset | null, watermarkMs: number, replayed = false): void {
    const batchId = this.nextBatchId;
    const start = this.committed;
    const isData = end !== null;
    // The write-ahead record: what this batch reads and with which watermark, before it runs.
    const entry: OffsetLogEntry = { batchId, startOffset: start, endOffset: isData ? end : start, watermarkMs, timestampMs: triggerStart, isDataBatch: isData };
    this.offsetLog.set(batchId, entry);
    if (!replayed) this.writeAhead(entry); // a replayed batch's records are in the checkpoint already
    if (!isData) {
      this.execute(batchId, triggerStart, latestMs, 0, start, start, watermarkMs, { rows: Batch.empty(), malformedRows: () => 0, inputs: [] }, false);
      return;
    }
    const getStart = this.scheduler.now();
    let read: SourceBatch<unknown> | undefined;
    this.subscribeOnce(this.source.getBatch(start, end), (b) => (read = b), () => {
      if (read === undefined) {
        this.fail(new AnalysisError(`source ${this.source.description} gave no data for batch ${batchId}`));
        return;
      }
      this.execute(batchId, triggerStart, latestMs, this.scheduler.now() - getStart, start, end, watermarkMs, read, true);
    });
  }

  private execute(
    batchId: number,
    triggerStart: number,
    latestMs: number,
    getBatchMs: number,
    start: Offset | null,
    end: Offset | null,
    watermarkMs: number,
    input: SourceBatch<unknown>,
    isData: boolean,
  ): void {
    const addStart = this.scheduler.now();
    const obs: Observations = { eventTime: undefined, eventTimeStep: -1, maxEventTime: this.plan.watermarks.map(() => undefined), dropped: new Map(), late: [], input };
    const stores: (StateStore<unknown> | undefined)[] = this.stepStore.map((p) => p?.load(batchId));
    let out: Batch<unknown>;
    try {
      out = input.rows;
      for (let i = 0; i < this.steps.length; i++) {
        const step = this.steps[i] as StepInstance;
        const lateSlot = { rows: [] as LateRow[], droppedByWatermark: 0 };
        obs.late[i] = lateSlot;
        out = step.process(out, this.context(i, batchId, watermarkMs, isData, stores[i], obs, lateSlot));
      }
    } catch (err) {
      for (const p of this.stateStores) p.abort();
      this.fail(err);
      return;
    }
    let rows: readonly unknown[];
    let numInputRows: number;
    let numMalformedRows: number;
    try {
      // The output is read to its end here (lazy steps run now), then the source's counts are final.
      rows = out.rows;
      numInputRows = input.rows.drain();
      numMalformedRows = input.malformedRows();
    } catch (err) {
      for (const p of this.stateStores) p.abort();
      this.fail(err);
      return;
    }
    const counts = { numInputRows, numMalformedRows };
    const finish = (): void => {
      const addBatchMs = this.scheduler.now() - addStart;
      this.commit(batchId, triggerStart, latestMs, getBatchMs, addBatchMs, start, end, watermarkMs, input, counts, isData, rows, stores, obs);
    };
    if (this.sink === undefined) {
      finish();
      return;
    }
    let written: ReturnType<SinkWriter['addBatch']>;
    try {
      written = this.sink.addBatch(batchId, rows);
    } catch (err) {
      for (const p of this.stateStores) p.abort();
      this.fail(err);
      return;
    }
    if (written === undefined || written === null) {
      finish();
      return;
    }
    const wait: Observable<unknown> = isObservable(written) ? written : from(written as PromiseLike<unknown>);
    this.subscribeOnce(wait, () => undefined, finish, () => {
      for (const p of this.stateStores) p.abort();
    });
  }

  private context(
    stepIndex: number,
    batchId: number,
    watermarkMs: number,
    isData: boolean,
    store: StateStore<unknown> | undefined,
    obs: Observations,
    lateSlot: { rows: LateRow[]; droppedByWatermark: number },
  ): StepContext {
    return {
      batchId,
      watermarkMs,
      lateWatermarkMs: this.lastBatchWatermark ?? watermarkMs,
      hasWatermark: this.plan.watermarks.length > 0,
      outputMode: this.outputMode,
      isDataBatch: isData,
      store,
      reportEventTime: (stats) => {
        if (obs.eventTimeStep === -1) {
          obs.eventTimeStep = stepIndex;
          obs.eventTime = new EventTimeStatsBuilder();
        }
        if (obs.eventTimeStep === stepIndex) obs.eventTime?.merge(stats);
      },
      observeEventTime: (index, maxMs) => {
        const prev = obs.maxEventTime[index];
        obs.maxEventTime[index] = prev === undefined ? maxMs : Math.max(prev, maxMs);
      },
      reportDropped: (reason, count) => {
        if (count > 0) obs.dropped.set(reason, (obs.dropped.get(reason) ?? 0) + count);
        if (count > 0) obs.input.rowsDropped?.(reason, count);
      },
      reportLate: (rows, droppedByWatermark) => {
        for (const r of rows) lateSlot.rows.push(r);
        lateSlot.droppedByWatermark += droppedByWatermark;
      },
    };
  }

  private commit(
    batchId: number,
    triggerStart: number,
    latestMs: number,
    getBatchMs: number,
    addBatchMs: number,
    start: Offset | null,
    end: Offset | null,
    watermarkMs: number,
    input: SourceBatch<unknown>,
    counts: { readonly numInputRows: number; readonly numMalformedRows: number },
    isData: boolean,
    rows: readonly unknown[],
    stores: (StateStore<unknown> | undefined)[],
    obs: Observations,
  ): void {
    if (this.stopped) return;
    const commitStart = this.scheduler.now();
    const stateProgress: StateOperatorProgress[] = [];
    stores.forEach((store, i) => {
      const provider = this.stepStore[i];
      if (store === undefined || provider === undefined) return;
      const late = obs.late[i];
      const numKeys = store.numKeys;
      stateProgress.push({
        operatorName: provider.operatorName,
        operatorId: provider.operatorId,
        numRowsTotal: numKeys,
        numRowsUpdated: store.numUpdated,
        numRowsRemoved: store.numRemoved,
        numRowsDroppedByWatermark: late?.droppedByWatermark ?? 0,
        numLateInputRows: late?.rows.length ?? 0,
        memoryUsedBytes: numKeys * 160,
        stateVersion: provider.commit(store),
      });
    });
    if (isData && end !== null) this.source.commit(end);
    this.committed = end ?? this.committed;
    const lateWatermarkMs = this.lastBatchWatermark ?? watermarkMs;
    this.lastBatchWatermark = watermarkMs;
    this.advanceWatermark(obs);
    this.commitLog.set(batchId, { batchId, nextWatermarkMs: this.watermark });
    this.writeCommit(batchId);
    // Spark's minBatchesToRetain: the logs keep the last batches only.
    this.offsetLog.delete(batchId - BATCHES_TO_RETAIN);
    this.commitLog.delete(batchId - BATCHES_TO_RETAIN);
    this.nextBatchId = batchId + 1;
    const now = this.scheduler.now();
    const commitMs = now - commitStart;

    const numInputRows = counts.numInputRows;
    const inputSec = this.lastTriggerStart === undefined ? Infinity : (triggerStart - this.lastTriggerStart) / 1000;
    this.lastTriggerStart = triggerStart;
    const processedSec = Math.max(1, now - triggerStart) / 1000;
    const inputRate = inputSec > 0 && Number.isFinite(inputSec) ? numInputRows / inputSec : 0;
    const et = obs.eventTime?.build();
    const files = input.files?.();
    const dropped: Record<string, number> = {};
    for (const [k, v] of obs.dropped) dropped[k] = v;
    const eventTime: { min?: string; max?: string; avg?: string; watermark?: string } = {};
    if (et !== undefined) {
      eventTime.min = isoTime(et.min);
      eventTime.max = isoTime(et.max);
      eventTime.avg = isoTime(Math.trunc(et.avg)); // Spark's ProgressReporter: stats.avg.toLong
    }
    if (this.plan.watermarks.length > 0) eventTime.watermark = isoTime(watermarkMs);
    const progress: StreamingQueryProgress = {
      id: this.queryId,
      runId: this.options.runId,
      name: this.options.name,
      batchId,
      timestamp: isoTime(triggerStart),
      numInputRows,
      inputRowsPerSecond: inputRate,
      processedRowsPerSecond: numInputRows / processedSec,
      durationMs: { latestOffset: latestMs, getBatch: getBatchMs, addBatch: addBatchMs, commit: commitMs, triggerExecution: now - triggerStart },
      eventTime,
      stateOperators: stateProgress,
      sources: [
        {
          description: this.source.description,
          startOffset: start,
          endOffset: end ?? start,
          pending: this.source.pending(this.committed),
          numInputRows,
          inputRowsPerSecond: inputRate,
          processedRowsPerSecond: numInputRows / processedSec,
          inputs: input.inputs,
          ...(files === undefined ? {} : { files }),
          ...(input.changedFiles === undefined ? {} : { changedFiles: input.changedFiles }),
        },
      ],
      sink: { description: this.plan.sink?.description ?? 'subscriber', numOutputRows: rows.length },
      numMalformedRows: counts.numMalformedRows,
      droppedRows: dropped,
    };
    const output: MicroBatch<unknown> = {
      batchId,
      rows,
      numInputRows,
      numMalformedRows: counts.numMalformedRows,
      isDataBatch: isData,
      watermarkMs,
      timestampMs: triggerStart,
      inputs: input.inputs,
      ...(files === undefined ? {} : { fileProgress: files }),
      ...(et === undefined ? {} : { eventTime: et }),
      droppedRows: dropped,
    };
    this.triggerActive = false;
    obs.late.forEach((late, i) => {
      const provider = this.stepStore[i];
      if (late === undefined || late.rows.length === 0) return;
      const event: LateRowsEvent = {
        batchId,
        watermarkMs: lateWatermarkMs,
        operatorId: provider?.operatorId ?? String(i),
        operatorName: provider?.operatorName ?? this.plan.steps[i]?.operator ?? 'step',
        rows: late.rows,
      };
      for (const w of this.plan.watermarks) w.onLateRows?.(event);
      this.listener.lateRows?.(event);
    });
    this.listener.batch?.(output, progress);
    if (this.stopped) return;
    this.scheduleNextTrigger(triggerStart, true);
  }

  /** Spark's `WatermarkTracker`: per watermark `max(previous, max event time - delay)`, the query's the minimum of them, never decreasing. */
  private advanceWatermark(obs: Observations): void {
    this.plan.watermarks.forEach((w, i) => {
      const max = obs.maxEventTime[i];
      if (max === undefined) return;
      const candidate = max - w.delayMs;
      const prev = this.operatorWatermarks[i];
      this.operatorWatermarks[i] = prev === undefined ? candidate : Math.max(prev, candidate);
    });
    const known = this.operatorWatermarks.filter((x): x is number => x !== undefined);
    if (known.length === 0) return;
    const min = Math.min(...known);
    if (min > this.watermark) this.watermark = min;
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private complete(): void {
    if (this.stopped) return;
    this.stop();
    this.listener.terminated(undefined);
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    this.stop();
    this.listener.terminated(err ?? new Error('query failed'));
  }

  private resolveWaiters(seq: number): void {
    for (let i = this.idleWaiters.length - 1; i >= 0; i--) {
      const w = this.idleWaiters[i] as { after: number; resolve: () => void };
      if (w.after < seq) {
        this.idleWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private setTimer(delayMs: number): void {
    this.clearTimer();
    this.idle = true;
    this.timerDelay = delayMs;
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      this.idle = false;
      this.enqueue(() => this.runTrigger());
    }, delayMs);
  }

  private clearTimer(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.idle = false;
  }

  private track(s: Subscription): void {
    if (!s.closed) this.subscriptions.add(s);
  }

  /** Subscribes to a cold observable; `done` runs (trampolined) once it completes. */
  private subscribeOnce<T>(source: Observable<T>, next: (v: T) => void, done: () => void, onError?: () => void): void {
    let finished = false;
    const sub = source.subscribe({
      next: (v) => next(v),
      error: (e: unknown) => {
        finished = true;
        onError?.();
        this.enqueue(() => this.fail(e));
      },
      complete: () => {
        finished = true;
        this.enqueue(done);
      },
    });
    if (!finished) {
      this.track(sub);
      sub.add(() => this.subscriptions.delete(sub));
    }
  }

  /** Runs continuations one after another instead of nesting them (synchronous sources would otherwise recurse per batch). */
  private enqueue(fn: () => void): void {
    this.queue.push(fn);
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const next = this.queue.shift() as () => void;
        try {
          next();
        } catch (err) {
          // A step, a sink or a listener threw where no narrower handler caught it: the query fails with it.
          for (const p of this.stateStores) p.abort();
          this.fail(err);
        }
      }
      this.queue.length = 0;
    } finally {
      this.pumping = false;
    }
  }
}

/**
 * Spark's rules for what a restart from a checkpoint may change (the programming guide's
 * "Recovery Semantics after Changes in a Streaming Query"): not the stateful operators, and not
 * the schema of their state (`StateSchemaCompatibilityChecker`: the key and value types, names
 * free to change). Beyond Spark: a window's definition (its size, slide or gap) and an aggregate's
 * function are part of the check, since Spark's would let the same types with other meanings
 * through; and a stateful query's output mode may not change, since the sink already holds rows
 * of the first mode's kind.
 */
function checkRestart(
  cp: CheckpointDir,
  wasOperators: readonly unknown[],
  operators: readonly string[],
  wasSchemas: unknown,
  schemas: readonly (StateSchema | null)[],
  wasMode: unknown,
  mode: OutputMode,
): void {
  if (JSON.stringify(wasOperators) !== JSON.stringify(operators)) {
    throw new CheckpointError(cp.dir, `was written by a query with the stateful operators [${wasOperators.join(', ')}], this one has [${operators.join(', ')}]`);
  }
  if (Array.isArray(wasSchemas)) {
    schemas.forEach((schema, i) => {
      const was = wasSchemas[i] as StateSchema | null | undefined;
      if (schema === null || was === null || was === undefined) return;
      for (const part of ['keys', 'values'] as const) {
        const types = (fields: readonly StateField[]): string => fields.map((f) => f.type).join(', ');
        if (types(was[part]) === types(schema[part])) continue;
        const show = (fields: readonly StateField[]): string => fields.map((f) => `${f.name} ${f.type}`).join(', ');
        throw new CheckpointError(
          cp.dir,
          `the state of ${operators[i] ?? 'operator'} (operator ${i}) has other ${part === 'keys' ? 'grouping keys' : 'values (aggregates)'} than the checkpoint's: ` +
            `provided [${show(schema[part])}], existing [${show(was[part])}]. Spark refuses this too (Provided schema doesn't match to the schema for existing state); ` +
            'start the changed query with a new checkpoint location',
        );
      }
    });
  }
  if (operators.length > 0 && typeof wasMode === 'string' && wasMode !== mode) {
    throw new CheckpointError(cp.dir, `was written in ${wasMode} output mode, this query runs in ${mode} mode; a stateful query keeps its output mode (start the changed query with a new checkpoint location)`);
  }
}

/**
 * Restores the source's log as of batch `lastPlanned`: the latest compact file at or before it and
 * the increments after it, or a whole log written for that batch (a source without increments).
 */
function restoreSourceLog(cp: CheckpointDir, source: Source<unknown>, lastPlanned: number): void {
  const dir = 'sources/0';
  if (source.restore === undefined) throw new CheckpointError(cp.dir, `the source ${source.description} cannot be restored from a checkpoint (it cannot replay its input)`);
  const base = cp.numbers(dir, '.compact').filter((id) => id <= lastPlanned).at(-1);
  const last = base === lastPlanned ? undefined : cp.readJson(`${dir}/${lastPlanned}`);
  if (base !== lastPlanned && last === undefined) throw new CheckpointError(cp.dir, `lacks the source log of batch ${lastPlanned}`);
  if (last !== undefined && !isIncrement(last)) {
    source.restore(last);
    return;
  }
  if (base !== undefined) source.restore(cp.readJson(`${dir}/${base}.compact`) as JsonValue);
  for (let id = (base ?? -1) + 1; id <= lastPlanned; id++) {
    const file = cp.readJson(`${dir}/${id}`);
    if (file === undefined || !isIncrement(file)) throw new CheckpointError(cp.path(dir), `lacks the source log increment of batch ${id} (a gap in the source log)`);
    if (source.restoreIncrement === undefined) throw new CheckpointError(cp.path(dir), `holds increments, which the source ${source.description} cannot read`);
    source.restoreIncrement(file.increment);
  }
}

function isIncrement(value: JsonValue): value is { increment: JsonValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'increment' in value;
}

/**
 * After batch `batchId` committed: the source log files before its latest compact file are no
 * longer needed (all increments are, before the first compact file); a source that writes its
 * whole log each batch needs only the last two.
 */
function dropOldSourceLogs(cp: CheckpointDir, batchId: number, incremental: boolean): void {
  const dir = 'sources/0';
  const [plain = [], compact = []] = cp.numbersBySuffix(dir, ['', '.compact']); // one listing
  const base = compact.filter((id) => id <= batchId).at(-1);
  const keepFrom = incremental ? (base ?? 0) : batchId - 1;
  for (const id of plain) if (id < keepFrom) cp.remove(`${dir}/${id}`);
  for (const id of compact) if (id < keepFrom) cp.remove(`${dir}/${id}.compact`);
}

/** Writes a provider's latest version: a delta, and a full snapshot every SNAPSHOT_INTERVAL versions; drops files no restore needs. */
function writeStateVersion(cp: CheckpointDir, provider: StateStoreProvider<unknown>): void {
  const v = provider.version;
  const dir = `state/${provider.operatorId}`;
  const delta = provider.deltaOf(v);
  cp.writeJson(`${dir}/${v}.delta`, (delta === undefined ? { puts: [], removes: [] } : { puts: delta.puts, removes: delta.removes }) as unknown as JsonValue);
  if (v % SNAPSHOT_INTERVAL === 0) {
    cp.writeJson(`${dir}/${v}.snapshot`, [...provider.snapshot()] as unknown as JsonValue);
    // Keep the previous snapshot and what follows it; older versions are not needed to restore.
    const keepFrom = v - SNAPSHOT_INTERVAL;
    for (const old of cp.numbers(dir, '.delta')) if (old <= keepFrom) cp.remove(`${dir}/${old}.delta`);
    for (const old of cp.numbers(dir, '.snapshot')) if (old < keepFrom) cp.remove(`${dir}/${old}.snapshot`);
  }
}

/** Restores a provider to `version`: the latest snapshot at or before it, then the deltas after it. */
function restoreStateStore(cp: CheckpointDir, provider: StateStoreProvider<unknown>, version: number): void {
  const dir = `state/${provider.operatorId}`;
  if (version === 0) return;
  const snapshots = cp.numbers(dir, '.snapshot').filter((v) => v <= version);
  const base = snapshots[snapshots.length - 1] ?? 0;
  const entries = new Map<string, unknown>();
  if (base > 0) {
    const snap = cp.readJson(`${dir}/${base}.snapshot`);
    if (!Array.isArray(snap)) throw new CheckpointError(cp.path(`${dir}/${base}.snapshot`), 'is not a state snapshot');
    for (const e of snap as [string, unknown][]) entries.set(e[0], e[1]);
  }
  for (let v = base + 1; v <= version; v++) {
    const delta = cp.readJson(`${dir}/${v}.delta`) as { puts?: [string, unknown][]; removes?: string[] } | undefined;
    if (delta === undefined) throw new CheckpointError(cp.path(dir), `lacks version ${v} of the state of ${provider.operatorName} (a gap in its deltas)`);
    for (const k of delta.removes ?? []) entries.delete(k);
    for (const [k, val] of delta.puts ?? []) entries.set(k, val);
  }
  provider.restore(version, entries);
}
