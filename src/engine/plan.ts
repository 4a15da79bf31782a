import { Observable, type Operator, type SchedulerLike } from 'rxjs';
import { AnalysisError } from '../errors.js';
import type { ColumnType, Window } from '../schema.js';
import type { Batch, EventTimeStats } from './batch.js';
import type { ReadLimit, SourceSpec } from './source.js';
import type { StateStore } from './state-store.js';
import type { Trigger } from './trigger.js';

export type OutputMode = 'append' | 'update' | 'complete';

/** How a column carries event time: a timestamp itself, or a window whose `end` is compared with the watermark. */
export type EventTimeKind = 'timestamp' | 'window';

/** What the plan knows of the rows' columns at one point of the pipeline. */
export interface ColumnsInfo {
  /** Column types, or undefined where a user's step made them unknown. */
  readonly types: ReadonlyMap<string, ColumnType> | undefined;
  /** Columns that carry the watermark (Spark's watermark metadata on an attribute), by kind. */
  readonly eventTime: ReadonlyMap<string, EventTimeKind>;
  /** The session-window column `sessionWindow` added (Spark's `SessionWindow.marker`), with its gap: an aggregation grouping by it merges sessions. */
  readonly session?: { readonly column: string; readonly gapMs: number };
}

/** A row dropped because its event time was already behind the watermark. */
export interface LateRow {
  readonly row: Readonly<Record<string, unknown>>;
  /** The window(s) the row would have joined, when the operator groups by a window. */
  readonly windows: readonly Window[];
}

/** The late rows of one batch at one stateful operator: one emission per batch, never one per row. */
export interface LateRowsEvent {
  readonly batchId: number;
  /** The watermark the rows were judged late by (`StepContext.lateWatermarkMs`), epoch ms. */
  readonly watermarkMs: number;
  readonly operatorId: string;
  readonly operatorName: string;
  readonly rows: readonly LateRow[];
}

/** What a step is told about the batch it processes, and where it reports what it saw. */
export interface StepContext {
  readonly batchId: number;
  /** The watermark in effect for this batch (epoch ms; 0 until event time has been seen): what state is emitted and evicted by. */
  readonly watermarkMs: number;
  /**
   * The watermark rows are judged late by: the one the previous batch ran with (the batch's own
   * for the first batch), as Spark 3.4+ (`eventTimeWatermarkForLateEvents`, SPARK-40925), so that
   * a stateful step after another does not take the rows the first one emits in this batch as late.
   */
  readonly lateWatermarkMs: number;
  /** Does the query define a watermark? */
  readonly hasWatermark: boolean;
  /** The query's output mode, known before the first batch. */
  readonly outputMode: OutputMode;
  /** False for a no-data batch (run only to emit or evict state as the watermark moved). */
  readonly isDataBatch: boolean;
  /** The step's own state store (stateful steps only). */
  readonly store: StateStore<unknown> | undefined;
  /** Event-time statistics of (a chunk of) the batch's rows, for progress: the first step to report is the one progress shows, its reports merged. */
  reportEventTime(stats: EventTimeStats): void;
  /** The maximum event time seen by watermark `index` in (a chunk of) this batch. */
  observeEventTime(watermarkIndex: number, maxMs: number): void;
  /** Rows a step removed from its output, by reason (a null event time, a duplicate); shown in progress `droppedRows`. */
  reportDropped(reason: string, count: number): void;
  /** Rows a stateful step dropped as late, and how many state rows that is (Spark's numRowsDroppedByWatermark). */
  reportLate(rows: readonly LateRow[], numRowsDroppedByWatermark: number): void;
}

/** One run's instance of a step. */
export interface StepInstance {
  process(input: Batch<unknown>, ctx: StepContext): Batch<unknown>;
  /** Stateful steps: would a batch with this new watermark emit or evict anything? (Spark's `shouldRunAnotherBatch`) */
  shouldRunAnotherBatch?(newWatermarkMs: number, lastWatermarkMs: number | undefined, outputMode: OutputMode): boolean;
}

/** One column of a stateful step's state: its name (free to change on restart, as Spark's) and its type. */
export interface StateField {
  readonly name: string;
  /** The type, with what defines its values where that matters: a window column's `window(tumbling 3600000 ms)`, an aggregate's `count(*) bigint`. */
  readonly type: string;
}

/**
 * What a stateful step keeps per key (Spark's key and value schemas of a state store, checked on
 * restart by its `StateSchemaCompatibilityChecker`): a restart whose types differ is refused.
 */
export interface StateSchema {
  readonly keys: readonly StateField[];
  readonly values: readonly StateField[];
}

/** A per-batch step of the plan: stateless, or stateful with a state store the driver owns. */
export interface StepSpec {
  readonly operator: string;
  readonly stateful: boolean;
  /** Stateful steps: what their state holds, for the checkpoint's restart check. */
  readonly stateSchema?: StateSchema;
  /** A step that adds a derived column (a window): the column and how its values are defined. */
  readonly defines?: { readonly column: string; readonly definition: string };
  /** Makes this step's instance for one run. */
  create(): StepInstance;
}

/** Where a query's results go: Spark's `Sink`. */
export interface SinkSpec {
  readonly operator: string;
  readonly name: string | null;
  readonly description: string;
  readonly outputMode: OutputMode;
  /** Makes the sink's writer for one run; `resumed` when the run continues a checkpointed query (its output so far is kept). */
  create(run?: { readonly resumed: boolean }): SinkWriter;
}

export interface SinkWriter {
  /** Writes one batch's rows (what the output mode selects). May return a Promise or Observable the driver waits for before committing. */
  addBatch(batchId: number, rows: readonly unknown[]): void | PromiseLike<unknown> | Observable<unknown>;
}

export interface WatermarkSpec {
  readonly column: string;
  readonly delayMs: number;
  readonly onLateRows?: (event: LateRowsEvent) => void;
}

/**
 * The logical plan of a pipeline, known while it is composed: its source and how triggers
 * take from it, the per-batch steps, what the columns are, the watermarks, and the sink.
 * Nothing runs until a subscription or `startQuery` makes a driver for it.
 */
export interface LogicalPlan {
  readonly source: SourceSpec<unknown>;
  readonly readLimit: ReadLimit;
  readonly trigger: Trigger;
  readonly scheduler: SchedulerLike | undefined;
  readonly steps: readonly StepSpec[];
  readonly columns: ColumnsInfo;
  readonly watermarks: readonly WatermarkSpec[];
  /** Set by a streaming aggregation: whether its grouping keys include an event-time column. */
  readonly aggregation: { readonly operator: string; readonly eventTimeKey: boolean; readonly sessionWindow?: boolean; readonly distinct?: boolean } | undefined;
  readonly sink: SinkSpec | undefined;
  /** A stateful step that follows an aggregation (allowed in append mode only, as Spark 3.4+). */
  readonly statefulAfterAggregation?: string;
}

const FOREIGN = Symbol('structured-rx.foreignOperatorAfter');

/**
 * An Observable that knows its plan: what every structured-rx operator returns. Subscribing
 * runs the plan with a new driver (a new run: its own state, batch ids and source log), and
 * emits each batch's output (a sink's progress once a sink ends the pipeline).
 *
 * A plain RxJS operator applied to it gives a plain Observable marked as coming from a
 * structured-rx pipeline, so that a structured-rx operator after it can refuse it at composition.
 */
export class Pipeline<T> extends Observable<T> {
  constructor(
    readonly plan: LogicalPlan,
    run: (plan: LogicalPlan, subscriber: import('rxjs').Subscriber<T>) => import('rxjs').TeardownLogic,
  ) {
    super((subscriber) => run(plan, subscriber));
  }

  /** @internal RxJS's operators build their result with `lift`; marks it as derived from this pipeline. */
  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const lifted = super.lift(operator);
    Object.defineProperty(lifted, FOREIGN, { value: true });
    return lifted;
  }
}

/** The plan of a structured-rx pipeline, or undefined. */
export function planOf(observable: Observable<unknown>): LogicalPlan | undefined {
  return observable instanceof Pipeline ? observable.plan : undefined;
}

/** True when `observable` was made by applying a plain RxJS operator to a structured-rx pipeline (at any depth). */
export function isDerivedFromPipeline(observable: Observable<unknown>): boolean {
  let o: Observable<unknown> | undefined = observable;
  for (let depth = 0; o !== undefined && depth < 10_000; depth++) {
    if (o instanceof Pipeline) return false; // reached our own pipeline without a mark: not derived
    if (Object.prototype.hasOwnProperty.call(o, FOREIGN)) return true;
    // RxJS keeps the upstream of a lifted observable in `source`.
    o = (o as unknown as { source?: Observable<unknown> }).source;
  }
  return false;
}

/** The error for a structured-rx operator placed after a plain RxJS operator. */
export function foreignOperatorError(operator: string): AnalysisError {
  return new AnalysisError(
    `${operator}: its input comes through a plain RxJS operator applied to a structured-rx pipeline, which hides the query's plan; ` +
      `write that step with mapBatch(...) (or filterRows / selectColumns) so the query stays one plan, or apply plain RxJS operators after the sink`,
  );
}
