import type { Observable, SchedulerLike } from 'rxjs';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { RowBatch } from '../batch.js';
import { Catalog } from '../catalog.js';
import { pipeline } from '../engine/compose.js';
import { resolveOutputMode } from '../engine/output-mode.js';
import { planOf, type LateRowsEvent, type LogicalPlan, type OutputMode, type SinkSpec, type SinkWriter } from '../engine/plan.js';
import type { Source, SourceBatch, SourceSpec } from '../engine/source.js';
import { InvalidArgumentError } from '../errors.js';
import type { StreamingQueryProgress } from '../progress.js';
import { startQuery, type StreamingQuery } from '../query.js';
import type { ColumnType } from '../schema.js';
import { toMemoryTable } from '../../operators/toMemoryTable.js';
import { FrameLog, multiset } from './frames.js';
import { checkedNotation, type CheckPattern, type RowFormat, type RowInput, type RowNotation } from './notation.js';

const OP = 'testQuery';

/** A row as the kit shows it: in a notation's words, or the row object itself when there is no notation. */
export type Shown<R> = string | R;

/** One micro-batch as `testQuery` shows it: its id, the files it read and the rows it read from them (a multiset). */
export interface BatchFrame<I = Shown<Readonly<Record<string, unknown>>>> {
  readonly batchId: number;
  /** The batch's files (relative to the source directory), in batch order; `[]` in a no-data batch. */
  readonly files: readonly string[];
  /** The rows the source read in this batch, in the input notation (any order). */
  readonly rows: readonly I[];
}

export interface TestQueryOptions<R, P extends string> {
  /**
   * When the query runs, as a subscription marble: `^` starts it (at once when left out), `!`
   * stops it, so `'^ 2500ms !'` runs it from frame 0 to frame 2501. A streaming query never ends
   * by itself and needs the `!`; a finite one (`watch: false`, trigger `once` or `availableNow`)
   * may end by itself, and the kit's Observables then complete (or fail, with the query's error).
   * Stopped by `!`, they end without a notification, as an unsubscribed marble does.
   */
  readonly run?: string;
  /** How batches and late rows show the rows read: a {@link notation} of the source's schema. Default: the row objects. */
  readonly input?: RowFormat;
  /** How the output and the table show result rows: a pattern of the result's columns (`'window action count'`, checked when compiled), or a notation. Default: the row objects. */
  readonly output?: CheckPattern<P, R> | RowNotation<R>;
  /** The notation's day (`YYYY-MM-DD`) for an output pattern and for the watermark. Default: the input notation's, else 1970-01-01. */
  readonly day?: string;
  /** The output mode of the memory table the kit adds to a pipeline without a sink. Default: the pipeline's own (append, or complete for an aggregation without an event-time key). */
  readonly outputMode?: OutputMode;
  /** The catalog of the memory table: the one the kit adds (default a new catalog), or the one a pipeline's own `toMemoryTable` writes to (to see its table). */
  readonly catalog?: Catalog;
  /** The name of the memory table the kit adds. Default `'result'`. */
  readonly table?: string;
  /** Spark's `noDataMicroBatches.enabled`. Default true. */
  readonly noDataMicroBatches?: boolean;
}

/**
 * A query running in virtual time, seen frame by frame. Each Observable is hot: a marble
 * expectation sees what happens from the frame it subscribes at (frame 0 included, even when the
 * query started first). Rows in a frame (the batch's input, the sink's output, the table, late
 * rows) are multisets: expected rows match in any order.
 */
export interface QueryTest<R> {
  /** The query's handle (progress, status, `awaitTermination`, `stop`), once the run marble's `^` has started it. */
  readonly query: StreamingQuery;
  /** Each micro-batch, at the frame it committed: its id, files and the rows read (data and no-data batches). */
  readonly batches: Observable<BatchFrame>;
  /** What the sink received in each batch (what the output mode selects), at the frame of the batch. */
  readonly output: Observable<readonly Shown<R>[]>;
  /** The memory table after each batch. */
  readonly table: Observable<readonly Shown<R>[]>;
  /** The watermark each time it moves: at the frame of the batch that moved it, the value the next batch runs with (in the notation's time, or epoch ms). */
  readonly watermark: Observable<string | number>;
  /** The rows dropped as late in a batch (the side channel), at the frame of that batch; batches without late rows show nothing. */
  readonly lateRows: Observable<readonly Shown<Readonly<Record<string, unknown>>>[]>;
  /** Each batch's progress (Spark's StreamingQueryProgress), at the frame of the batch. */
  readonly progress: Observable<StreamingQueryProgress>;
  /** Result rows (in the output notation, or as objects checked against the result's columns) as the output and the table show them: expected marble values. */
  rows(...rows: readonly (string | RowInput<R>)[]): string[];
}

/** A source whose batches also tell `onRows` each chunk of rows as the query reads it. */
function tappedSource(spec: SourceSpec<unknown>, onRows: (rows: readonly unknown[]) => void): SourceSpec<unknown> {
  const tap = (b: SourceBatch<unknown>): SourceBatch<unknown> =>
    Object.assign(Object.create(Object.getPrototypeOf(b) as object) as SourceBatch<unknown>, b, {
      rows: b.rows.mapChunks((chunk) => {
        onRows(chunk);
        return chunk;
      }),
    });
  const create = (): Source<unknown> => {
    const source = spec.create();
    return new Proxy(source, {
      get(target, prop) {
        if (prop === 'getBatch') return (start: Parameters<Source<unknown>['getBatch']>[0], end: Parameters<Source<unknown>['getBatch']>[1]) => target.getBatch(start, end).pipe(map(tap));
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  return Object.assign(Object.create(Object.getPrototypeOf(spec) as object) as SourceSpec<unknown>, spec, { create });
}

/** A sink whose writer also tells `onBatch` what each batch gave it. */
function tappedSink(spec: SinkSpec, onBatch: (batchId: number, rows: readonly unknown[]) => void): SinkSpec {
  const create = (run?: { readonly resumed: boolean }): SinkWriter => {
    const writer = spec.create(run);
    return new Proxy(writer, {
      get(target, prop) {
        if (prop === 'addBatch') {
          return (batchId: number, rows: readonly unknown[]) => {
            onBatch(batchId, rows);
            return target.addBatch(batchId, rows);
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  return Object.assign(Object.create(Object.getPrototypeOf(spec) as object) as SinkSpec, spec, { create });
}

/**
 * Runs a whole query in virtual time, inside `TestScheduler.run`, and shows what it does frame
 * by frame: its micro-batches, what its sink received, its memory table, its watermark, its late
 * rows and its progress, each an Observable for `expectObservable`.
 *
 * `query$` is a structured-rx pipeline: without a sink (the kit adds a memory table in the
 * pipeline's output mode, or `outputMode`), or ending in its own sink (`toMemoryTable`,
 * `foreachBatch`, ...). The kit runs it on `scheduler` whatever scheduler its operators were
 * given, with `startQuery`; with a {@link VirtualFileSystem} there is no real I/O, timer or
 * Promise: the driver, the watermark, no-data batches and progress follow the virtual clock.
 *
 * Throws `InvalidArgumentError` (`testQuery`, the option, the value) for a pipeline that is not
 * a structured-rx query, a streaming query without a `!` in `run`, an output pattern that names a
 * column the result does not have, and an `outputMode` for a pipeline that has its own sink; an
 * `AnalysisError` for an output mode the query cannot run in.
 *
 * @example
 * scheduler.run(({ expectObservable }) => {
 *   const q = testQuery(scheduler, events$.pipe(withWatermark('time', '10 minutes'), tumblingWindow('time', '1 hour'), groupCount('action', 'window')), {
 *     run: '^ 2500ms !', input: ev, output: 'window action count', outputMode: 'append',
 *   });
 *   expectObservable(q.watermark).toBe('a 999ms b', { a: '02:00', b: '03:05' });
 *   expectObservable(q.output).toBe('a 999ms b', { a: [], b: ['[02:00,03:00) Open 2'] });
 * });
 */
export function testQuery<R, P extends string = string>(scheduler: TestScheduler | SchedulerLike, query$: Observable<RowBatch<R>>, options?: TestQueryOptions<R, P>): QueryTest<R>;
export function testQuery(scheduler: TestScheduler | SchedulerLike, query$: Observable<StreamingQueryProgress>, options?: TestQueryOptions<Readonly<Record<string, unknown>>, string>): QueryTest<Readonly<Record<string, unknown>>>;
export function testQuery<R, P extends string>(
  scheduler: TestScheduler | SchedulerLike,
  query$: Observable<RowBatch<R>> | Observable<StreamingQueryProgress>,
  options: TestQueryOptions<R, P> = {},
): QueryTest<R> {
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.schedule !== 'function') throw new InvalidArgumentError(OP, 'scheduler', scheduler, 'the TestScheduler the test runs on');
  const given = planOf(query$);
  if (given === undefined) throw new InvalidArgumentError(OP, 'query', query$, 'a pipeline built with structured-rx operators (readJsonFiles(...).pipe(...)), with or without a sink');
  if (given.sink !== undefined && options.outputMode !== undefined) {
    throw new InvalidArgumentError(OP, 'outputMode', options.outputMode, `nothing: the pipeline's sink (${given.sink.operator}) has its own output mode`);
  }
  const run = parseRun(options.run ?? '^');
  const ends = !given.source.isStreaming || given.trigger.kind === 'once' || given.trigger.kind === 'availableNow';
  if (run.stop === undefined && !ends) throw new InvalidArgumentError(OP, 'run', options.run ?? '^', "a marble that stops the streaming query ('^ 3s !'): it never ends by itself");

  // The pipeline the kit runs: the given one on the test's clock, with a memory table when it has no sink.
  let table: { readonly catalog: Catalog; readonly name: string } | undefined;
  let withSink: LogicalPlan = { ...given, scheduler };
  if (given.sink === undefined) {
    const catalog = options.catalog ?? new Catalog();
    const name = options.table ?? 'result';
    const outputMode = options.outputMode ?? resolveOutputMode(given);
    withSink = planOf(toMemoryTable(name, { catalog, outputMode })(pipeline<RowBatch<Readonly<Record<string, unknown>>>>(withSink))) as LogicalPlan;
    table = { catalog, name };
  } else if (given.sink.operator === 'toMemoryTable' && options.catalog !== undefined && given.sink.name !== null) {
    table = { catalog: options.catalog, name: given.sink.name };
  }

  const input = options.input;
  const day = options.day ?? input?.options.day;
  const notationOptions = day === undefined ? {} : { day };
  const output = outputNotation<R>(options.output, withSink.columns.types, notationOptions);
  type Row = Readonly<Record<string, unknown>>;
  const showIn = (rows: readonly unknown[]): readonly Shown<Row>[] => multiset<Shown<Row>>(input === undefined ? (rows as readonly Row[]) : rows.map((r) => input.format(r)));
  const showOut = (rows: readonly unknown[]): readonly Shown<R>[] => multiset<Shown<R>>(output === undefined ? (rows as readonly R[]) : rows.map((r) => output.format(r)));
  const showTime = (ms: number) => (output ?? input)?.time(ms) ?? ms;

  const logs = {
    batches: new FrameLog<BatchFrame>(scheduler),
    output: new FrameLog<readonly Shown<R>[]>(scheduler),
    table: new FrameLog<readonly Shown<R>[]>(scheduler),
    watermark: new FrameLog<string | number>(scheduler),
    lateRows: new FrameLog<readonly Shown<Readonly<Record<string, unknown>>>[]>(scheduler),
    progress: new FrameLog<StreamingQueryProgress>(scheduler),
  };
  const all = Object.values(logs) as FrameLog<unknown>[];

  let read: unknown[] = [];
  let sunk: readonly unknown[] = [];
  let late: unknown[] = [];
  const plan: LogicalPlan = {
    ...withSink,
    source: tappedSource(withSink.source, (rows) => {
      for (const r of rows) read.push(r);
    }),
    sink: tappedSink(withSink.sink as SinkSpec, (_batchId, rows) => (sunk = rows)),
  };

  let query: StreamingQuery | undefined;
  let stopping = false;
  const start = (): void => {
    const q = startQuery(pipeline<StreamingQueryProgress>(plan), options.noDataMicroBatches === undefined ? {} : { noDataMicroBatches: options.noDataMicroBatches });
    query = q;
    let watermark = q.watermarkMs;
    q.lateRows.subscribe((e: LateRowsEvent) => {
      for (const r of e.rows) late.push(r.row);
    });
    q.progress.subscribe({
      next: (p) => {
        logs.batches.next({ batchId: p.batchId, files: p.sources.flatMap((s) => s.inputs), rows: showIn(read) });
        logs.output.next(showOut(sunk));
        const t = table === undefined ? undefined : table.catalog.table(table.name);
        if (t !== undefined) logs.table.next(showOut(t.rows));
        if (late.length > 0) logs.lateRows.next(showIn(late));
        // The watermark in effect after the batch: the next batch's, or the one this batch ran with when that is later (the end of a finite input).
        const ranWith = p.eventTime.watermark === undefined ? 0 : Date.parse(p.eventTime.watermark);
        const after = Math.max(q.watermarkMs, ranWith);
        if (after !== watermark) {
          watermark = after;
          logs.watermark.next(showTime(watermark));
        }
        logs.progress.next(p);
        read = [];
        sunk = [];
        late = [];
      },
      complete: () => {
        if (stopping) return;
        const error = q.exception;
        for (const log of all) {
          if (error === null) log.complete();
          else log.error(error);
        }
      },
    });
  };
  // Started now when the run starts now, so `query` is there at once (its first trigger still waits for the scheduler).
  if (run.start === 0) start();
  else scheduler.schedule(start, run.start);
  if (run.stop !== undefined) {
    scheduler.schedule(() => {
      stopping = true;
      for (const log of all) log.cut();
      void query?.stop();
    }, run.stop);
  }

  return {
    get query(): StreamingQuery {
      if (query === undefined) throw new InvalidArgumentError(OP, 'query', undefined, `a query started by the run marble ${JSON.stringify(options.run ?? '^')}: it has not started yet`);
      return query;
    },
    batches: logs.batches.observable,
    output: logs.output.observable,
    get table(): Observable<readonly Shown<R>[]> {
      if (table === undefined) {
        throw new InvalidArgumentError(OP, 'catalog', options.catalog, "the catalog of the pipeline's toMemoryTable (or a pipeline without a sink), to see its table");
      }
      return logs.table.observable;
    },
    watermark: logs.watermark.observable,
    lateRows: logs.lateRows.observable,
    progress: logs.progress.observable,
    rows: (...rows) => {
      if (output === undefined) throw new InvalidArgumentError(OP, 'output', undefined, "an output pattern ('window action count') to write rows in");
      return output.rows(...rows);
    },
  };
}

function outputNotation<R>(output: unknown, types: ReadonlyMap<string, ColumnType> | undefined, options: { readonly day?: string }): RowNotation<R> | undefined {
  if (output === undefined) return undefined;
  if (typeof output === 'string') return checkedNotation<R>(output, types, options);
  if (typeof output === 'object' && output !== null && typeof (output as RowNotation<R>).format === 'function') return output as RowNotation<R>;
  throw new InvalidArgumentError(OP, 'output', output, "a pattern of the result's columns ('window action count') or a notation");
}

/** The frames (from now) where the run marble starts and stops the query. */
function parseRun(marbles: string): { readonly start: number; readonly stop: number | undefined } {
  if (typeof marbles !== 'string' || !marbles.includes('^') || /[a-zA-Z0-9]/.test(marbles.replace(/\d+(\.\d+)?(ms|s|m)\b/g, ''))) {
    throw new InvalidArgumentError(OP, 'run', marbles, "a subscription marble: '^' to start, optionally time and '!' to stop ('^ 2500ms !')");
  }
  const parsed = TestScheduler.parseMarblesAsSubscriptions(marbles, true);
  const start = parsed.subscribedFrame === Infinity ? 0 : parsed.subscribedFrame;
  return { start, stop: parsed.unsubscribedFrame === Infinity ? undefined : parsed.unsubscribedFrame };
}
