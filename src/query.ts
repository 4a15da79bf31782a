import { randomUUID } from 'node:crypto';
import { Observable, ReplaySubject, Subject, type Subscription } from 'rxjs';
import { MicroBatchExecution, type CheckpointState, type StreamingQueryStatus } from './engine/driver.js';
import { isDerivedFromPipeline, planOf, type LateRowsEvent } from './engine/plan.js';
import type { BadRecord } from './engine/source.js';
import { AnalysisError, StructuredRxError } from './errors.js';
import { deregisterQuery, registerQuery, reportProgress } from './monitor/registry.js';
import type { StreamingQueryProgress } from './progress.js';

export type { StreamingQueryStatus } from './engine/driver.js';

export interface StartQueryOptions {
  /** The query name; default: the sink's (a memory table's name). */
  readonly name?: string;
  /** A stable id (Spark keeps it in the checkpoint); default a new UUID. */
  readonly id?: string;
  /**
   * Spark's `checkpointLocation`: a directory where the query keeps, per batch, the write-ahead
   * record of its planned input, its commit, the source's log and the state stores' versions. A
   * query started on an existing checkpoint resumes it: the same `id`, a new `runId`, a batch
   * planned but not committed re-run with exactly its input, watermark and timestamp, and every
   * state store at the last committed batch. The memory sink keeps its table; a replayed batch
   * id is skipped.
   */
  readonly checkpointLocation?: string;
  /**
   * Spark's `spark.sql.streaming.noDataMicroBatches.enabled`: run a batch without new data when
   * the watermark moved so that state can be emitted or evicted. Default true.
   */
  readonly noDataMicroBatches?: boolean;
}

/** The query failed: `cause` is the error that ended it. */
export class StreamingQueryException extends StructuredRxError {
  constructor(
    readonly queryName: string | null,
    cause: unknown,
  ) {
    super(`query ${queryName ?? '(unnamed)'} terminated with exception: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const RECENT = 100;

/**
 * A handle to a running query, as Spark's `StreamingQuery`: ids, status, progress, late rows,
 * stop and waiting. Create it with {@link startQuery}. The handle owns the query's driver (one
 * per run): its triggers, batch ids, watermark, state stores and commits. From its start to its
 * end it is in the process's `activeQueries()`, and its start, batches and end are
 * `streamingQueryEvents()` (what the monitor of `structured-rx/monitor` shows).
 */
export class StreamingQuery {
  readonly id: string;
  readonly runId: string = randomUUID();
  private readonly nameValue: string | null;
  private readonly recent: StreamingQueryProgress[] = [];
  private readonly terminated$ = new ReplaySubject<void>(1);
  private readonly progress$ = new Subject<StreamingQueryProgress>();
  private readonly late$ = new Subject<LateRowsEvent>();
  private readonly bad$ = new Subject<BadRecord>();
  private active = true;
  private error: StreamingQueryException | null = null;
  private readonly driver: MicroBatchExecution;

  /** @internal use {@link startQuery} */
  constructor(query: Observable<StreamingQueryProgress>, options: StartQueryOptions = {}) {
    const plan = planOf(query);
    if (plan === undefined) {
      throw new AnalysisError(
        isDerivedFromPipeline(query)
          ? 'startQuery: a plain RxJS operator was applied after the sink, which hides the query; pass the pipeline that ends in the sink, and observe query.progress instead'
          : 'startQuery: the query must be a pipeline built with structured-rx operators (a source such as readJsonFiles, steps, and a sink)',
      );
    }
    if (plan.sink === undefined) throw new AnalysisError('startQuery: the pipeline has no sink; end it with toMemoryTable(...) or foreachBatch(...)');
    if (options.noDataMicroBatches !== undefined && typeof options.noDataMicroBatches !== 'boolean') {
      throw new AnalysisError(`startQuery: invalid noDataMicroBatches ${String(options.noDataMicroBatches)}: expected true or false`);
    }
    if (options.checkpointLocation !== undefined && (typeof options.checkpointLocation !== 'string' || options.checkpointLocation === '')) {
      throw new AnalysisError(`startQuery: invalid checkpointLocation ${String(options.checkpointLocation)}: expected a directory path`);
    }
    this.nameValue = options.name ?? plan.sink.name;
    this.driver = new MicroBatchExecution(
      plan,
      {
        id: options.id ?? randomUUID(),
        runId: this.runId,
        name: this.nameValue,
        noDataMicroBatches: options.noDataMicroBatches ?? true,
        ...(options.checkpointLocation === undefined ? {} : { checkpointLocation: options.checkpointLocation }),
      },
      {
        batch: (_output, progress) => this.record(progress),
        lateRows: (event) => this.late$.next(event),
        badRecord: (record) => this.bad$.next(record),
        terminated: (err) => {
          if (err !== undefined) this.error = new StreamingQueryException(this.nameValue, err);
          this.terminate();
        },
      },
    );
    this.id = this.driver.queryId;
    // Registered before it starts: a scheduler that runs the whole query at once ends it here.
    registerQuery(this);
    // As Spark's start(), the query begins on its own clock, after this call returns: a
    // subscriber to `progress` set up right after startQuery sees batch 0.
    this.driver.scheduler.schedule(() => this.driver.start());
  }

  get name(): string | null {
    return this.nameValue;
  }

  /** True until the query stops, completes or fails. */
  get isActive(): boolean {
    return this.active;
  }

  /** The error that ended the query, or null. */
  get exception(): StreamingQueryException | null {
    return this.error;
  }

  /** The last batch's progress, or null before the first batch. */
  get lastProgress(): StreamingQueryProgress | null {
    return this.recent[this.recent.length - 1] ?? null;
  }

  /** The last 100 batches' progress, oldest first (a copy). */
  get recentProgress(): StreamingQueryProgress[] {
    return this.recent.slice();
  }

  /** Each batch's progress as it completes (Spark's `StreamingQueryListener.onQueryProgress`). */
  get progress(): Observable<StreamingQueryProgress> {
    return this.progress$.asObservable();
  }

  /**
   * The rows stateful operators dropped as late, one event per batch and operator, each row
   * with the watermark of that batch and the window it would have joined. Spark only counts
   * them (`numRowsDroppedByWatermark`); here they are data.
   */
  get lateRows(): Observable<LateRowsEvent> {
    return this.late$.asObservable();
  }

  /**
   * Bad input as the source finds it, one record each: a malformed line (in every parse mode,
   * also the one that fails a FAILFAST query), a line longer than the limit, a corrupt or missing
   * file skipped, a file that changed after it was listed or read. Spark only counts or logs
   * these; here they are data (`readJsonFiles`'s `onBadRecord` gets the same records).
   */
  get badRecords(): Observable<BadRecord> {
    return this.bad$.asObservable();
  }

  /** The watermark the next batch runs with, epoch ms (0 until event time has been seen). */
  get watermarkMs(): number {
    return this.driver.watermarkMs;
  }

  /** Items (files, messages) the source has discovered so far. */
  get inputsKnown(): number {
    return this.driver.known;
  }

  /** Items the source has discovered that no batch has taken yet. */
  get inputsPending(): number {
    return this.driver.pending;
  }

  get status(): StreamingQueryStatus {
    return this.driver.status;
  }

  /** Everything a checkpoint of this run saves: offset and commit logs, watermark, source log, state store versions. */
  checkpointState(): CheckpointState {
    return this.driver.checkpointState();
  }

  /** @internal the run's driver, for tests of the engine */
  get execution(): MicroBatchExecution {
    return this.driver;
  }

  /** Stops the query: no new trigger starts and work under way is dropped uncommitted. Resolves when stopped. */
  stop(): Promise<void> {
    this.driver.stop();
    this.terminate();
    return Promise.resolve();
  }

  /**
   * Waits for the query to end. Without a timeout: resolves `true` when it stops or completes.
   * With one: resolves `false` if it is still running after `timeoutMs`. Rejects with the
   * {@link StreamingQueryException} when the query failed.
   */
  awaitTermination(timeoutMs?: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      // The timeout runs on the query's clock, as its triggers do: virtual under a TestScheduler.
      let timer: Subscription | undefined;
      const sub = this.terminated$.subscribe(() => {
        timer?.unsubscribe();
        if (this.error !== null) reject(this.error);
        else resolve(true);
      });
      if (timeoutMs !== undefined && this.active) {
        timer = this.driver.scheduler.schedule(() => {
          sub.unsubscribe();
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /**
   * Spark's `processAllAvailable()`: resolves once a trigger that started after this call found
   * no new data and no no-data batch due (every batch it ran is committed), or the query ended;
   * rejects if the query failed. Under the default trigger it starts that trigger at once.
   */
  async processAllAvailable(): Promise<void> {
    if (this.active) await this.driver.whenIdle();
    if (this.error !== null) throw this.error;
  }

  private record(p: StreamingQueryProgress): void {
    this.recent.push(p);
    if (this.recent.length > RECENT) this.recent.shift();
    this.progress$.next(p);
    reportProgress(this, p);
  }

  private terminate(): void {
    if (!this.active) return;
    this.active = false;
    deregisterQuery(this);
    this.progress$.complete();
    this.late$.complete();
    this.bad$.complete();
    this.terminated$.next();
    this.terminated$.complete();
  }
}

/**
 * Starts a query: Spark's `writeStream...start()`. Takes a pipeline that ends in a sink
 * (`toMemoryTable`, `foreachBatch`), makes its driver and returns the {@link StreamingQuery}
 * handle. The query runs until it is stopped, its source ends (a finite source, or trigger
 * `once`/`availableNow`), or it fails.
 *
 * @example
 * const query = startQuery(counts$.pipe(toMemoryTable('counts', { outputMode: 'complete', catalog })));
 * await query.processAllAvailable();
 * await query.stop();
 */
export function startQuery(query: Observable<StreamingQueryProgress>, options: StartQueryOptions = {}): StreamingQuery {
  return new StreamingQuery(query, options);
}
