import type { Observable } from 'rxjs';
import { dropDuplicates } from '../../operators/dropDuplicates.js';
import { groupByAgg } from '../../operators/groupByAgg.js';
import { filterRows } from '../../operators/mapBatch.js';
import { toMemoryTable } from '../../operators/toMemoryTable.js';
import { readJsonFileSink, toJsonFiles } from '../../operators/toJsonFiles.js';
import { readJsonFiles } from '../../operators/readJsonFiles.js';
import { sessionWindow } from '../../operators/sessionWindow.js';
import { slidingWindow } from '../../operators/slidingWindow.js';
import { throttleFiles, type TriggerSpec } from '../../operators/throttleFiles.js';
import { tumblingWindow } from '../../operators/tumblingWindow.js';
import { withWatermark } from '../../operators/withWatermark.js';
import { Catalog } from '../catalog.js';
import { inNameOrder } from '../fs/name-order.js';
import { AnalysisError, InvalidArgumentError, StructuredRxError } from '../errors.js';
import type { BatchProgress } from '../progress.js';
import { startQuery, type StreamingQuery } from '../query.js';
import { planOf } from '../engine/plan.js';
import type { ColumnType } from '../schema.js';
import { CliUsageError, flagValueError, sqlFlagError } from './errors.js';
import type { PreparedSql, SqlResult } from '../sql/index.js';
import { FLAG_OF_LIBRARY_OPTION, type CliOptions } from './options.js';
import { checkOutputAgainstCheckpoint, committedBatchIds, committedBatchRows, fromJsonRow } from './output-files.js';
import { ResultTable, type ResultRow } from './result.js';

/** How often a `--watch` source lists its directory. */
export const WATCH_POLL_INTERVAL = '500 milliseconds';
/** The pacing of the bundled dataset in a terminal, so that a person can watch the table build. */
export const PACED_TRIGGER = '200 milliseconds';

/** One `--sql` statement's result after a trigger, or the reason it failed (the query goes on). */
export type SqlOutcome =
  | { readonly statement: string; readonly result: SqlResult }
  | { readonly statement: string; readonly error: string };

/** One finished trigger: its progress, exactly the rows the sink received, and the `--sql` results over the table it left. */
export interface TriggerResult {
  readonly progress: BatchProgress;
  readonly rows: readonly ResultRow[];
  readonly sql: readonly SqlOutcome[];
}

/** Input rows the query's stateful operator dropped as late in one trigger (their window had already closed). */
export function lateInputRows(progress: BatchProgress): number {
  return progress.stateOperators.reduce((n, s) => n + s.numLateInputRows, 0);
}

/** Rows (groups and windows) the query keeps in its state store after one trigger. */
export function stateRows(progress: BatchProgress): number {
  return progress.stateOperators.reduce((n, s) => n + s.numRowsTotal, 0);
}

/** Runs the `--sql` statements over the catalog's current snapshot; a failing one is reported, never thrown. */
export function runStatements(statements: readonly PreparedSql[], catalog: Catalog): SqlOutcome[] {
  return statements.map((s) => {
    try {
      return { statement: s.text, result: s.execute(catalog) };
    } catch (e) {
      return { statement: s.text, error: e instanceof Error ? e.message : String(e) };
    }
  });
}

export interface RunningQuery {
  readonly query: StreamingQuery;
  /** Holds the memory table `--query-name`, as Spark's memory sink fills it. */
  readonly catalog: Catalog;
  /** The current result table, one row per group and window, in either output mode. */
  readonly result: ResultTable;
  /** Column types of the result table. */
  readonly resultSchema: Readonly<Record<string, ColumnType>>;
  /** The id of this run's first batch: 0, or with `--checkpoint` the batch after the checkpoint's last commit. */
  readonly firstBatchId: number;
  /** With `--output`: the last batch id the file sink had committed before this run (its rows are in the tables from the start); -1 for none. */
  readonly outputBatchesBefore: number;
}

/**
 * Starts the notebook's query as the options describe:
 * `readJsonFiles → throttleFiles → [withWatermark →] [filterRows →] [dropDuplicates →]
 * tumblingWindow | slidingWindow | sessionWindow → groupByAgg → toMemoryTable` (or, with
 * `--output`, `→ toJsonFiles`, whose committed batches the command then copies into the memory
 * table), under `--checkpoint` as its checkpointLocation.
 * The memory table `--query-name` lives in a {@link Catalog} (replaced in complete mode; the
 * changed rows, or in append mode the closed windows, appended otherwise, as Spark's memory
 * sink); after each trigger the command's {@link ResultTable} is updated and `onTrigger` gets
 * the trigger's progress and rows.
 *
 * Throws `CliUsageError` naming the flag when the library refuses a value, or the flags when it
 * refuses their combination (append without a watermark, count(distinct) where no watermark
 * closes the windows); any other refusal of the library is a one-line usage error too.
 */
export function startCliQuery(options: CliOptions, trigger: TriggerSpec, onTrigger: (t: TriggerResult) => void): RunningQuery {
  const catalog = new Catalog();
  const result = new ResultTable(options.groupBy, options.windowColumn);

  try {
    const events$ = readJsonFiles(options.dir, {
      schema: options.schemaText,
      // A checkpointed query is a streaming one (a static source lists once and has nothing to
      // resume); without --watch the command stops it once the files there are processed.
      watch: options.watch || options.checkpoint !== undefined,
      pollInterval: WATCH_POLL_INTERVAL,
      latestFirst: options.latestFirst,
      mode: options.mode,
      columnNameOfCorruptRecord: options.corruptRecordColumn,
      ...(options.filePattern === undefined ? {} : { pathGlobFilter: options.filePattern }),
      ignoreCorruptFiles: options.ignoreCorruptFiles,
      ignoreMissingFiles: options.ignoreMissingFiles,
      // The bundled dataset goes by file number: an installed copy's modification times are when npm unpacked it.
      ...(options.bundledDataset ? { fileSystem: inNameOrder() } : {}),
    });
    // The schema is only known at run time, so rows are records of unknown values; the time
    // column was checked to be a TIMESTAMP column, whose values are epoch ms or null.
    type Event = Readonly<Record<string, number | null>>;
    const batches$ = events$.pipe(throttleFiles(options.maxFilesPerTrigger, { trigger }));
    const events = batches$ as unknown as Observable<{ readonly rows: readonly Event[] }>;
    // --watermark: Spark's withWatermark on the time column, before the window (which carries it on).
    const timed$ = options.watermark === undefined ? events : events.pipe(withWatermark(options.timeColumn, options.watermark.text));
    // --filter, then --drop-duplicates: after the watermark (so every row moves it), before the window.
    const filter = options.filter;
    const filtered$ = filter === undefined ? timed$ : timed$.pipe(filterRows<Event>((row) => filter.test(row)));
    const deduped$ = options.dropDuplicates === undefined ? filtered$ : filtered$.pipe(dropDuplicates(...options.dropDuplicates));
    // Each window operator adds its column (`window` or `session_window`) to the rows.
    const windowed$: Observable<{ readonly rows: readonly Readonly<Record<string, unknown>>[] }> =
      options.sessionGap !== undefined
        ? deduped$.pipe(sessionWindow(options.timeColumn, options.sessionGap.ms))
        : options.slide !== undefined
          ? deduped$.pipe(slidingWindow(options.timeColumn, options.windowMs, options.slide.ms, { startTime: options.startTimeMs }))
          : deduped$.pipe(tumblingWindow(options.timeColumn, options.windowMs, { startTime: options.startTimeMs }));
    // groupByAgg's rows are the grouping columns, the window column and one column per aggregate: a ResultRow.
    const aggregated$ = windowed$.pipe(groupByAgg([...options.groupBy, options.windowColumn], ...options.aggregates));
    const resultSchema = resultSchemaOf(options, planOf(aggregated$)?.columns.types);

    // As Spark's memory sink, the table exists (empty) from the start, so statements can be
    // checked now: an unknown table or column is a usage error before anything is read.
    catalog.replace(options.queryName, [], { batchId: -1, isStreaming: true, schema: resultSchema });
    for (const statement of options.sql) {
      try {
        statement.execute(catalog);
      } catch (e) {
        if (e instanceof StructuredRxError) throw sqlFlagError(statement.text, e);
        throw e;
      }
    }

    const rows$ = aggregated$ as unknown as Observable<{ readonly rows: readonly ResultRow[] }>;
    const output = options.output;
    // --output: the file sink is the query's one sink (exactly once with the checkpoint); the
    // memory table and the result table are filled from what it committed, starting with the
    // batches earlier runs committed, so the tables show the whole output.
    let outputBatchesBefore = -1;
    if (output !== undefined && options.checkpoint !== undefined) {
      checkOutputAgainstCheckpoint(output, options.checkpoint);
      outputBatchesBefore = committedBatchIds(output).pop() ?? -1;
      const earlier = readJsonFileSink(output).map((r) => fromJsonRow(r, resultSchema));
      catalog.replace(options.queryName, earlier, { batchId: outputBatchesBefore, isStreaming: true, schema: resultSchema });
      result.apply(earlier, options.outputMode);
    }
    const sink$ =
      output === undefined
        ? rows$.pipe(toMemoryTable(options.queryName, { catalog, outputMode: options.outputMode, schema: resultSchema }))
        : rows$.pipe(toJsonFiles(output, { name: options.queryName }));
    const query = startQuery(sink$, {
      name: options.queryName,
      noDataMicroBatches: options.noDataBatches,
      ...(options.checkpoint === undefined ? {} : { checkpointLocation: options.checkpoint }),
    });
    query.progress.subscribe((progress) => {
      let rows: readonly ResultRow[];
      if (output === undefined) {
        // What the sink received this trigger: the whole table (complete), or the rows it
        // appended at the end (the changed groups in update, the closed windows in append).
        const table = (catalog.table<ResultRow>(options.queryName)?.rows ?? []) as readonly ResultRow[];
        rows = options.outputMode === 'complete' ? table : table.slice(table.length - progress.sink.numOutputRows);
        result.apply(rows, options.outputMode);
      } else {
        // The rows the file sink committed for this batch; a batch re-run after a crash whose
        // rows were already committed (and so loaded at the start) is not added twice.
        rows = committedBatchRows(output, progress.batchId).map((r) => fromJsonRow(r, resultSchema));
        const table = catalog.table<ResultRow>(options.queryName);
        if (table === undefined || progress.batchId > table.batchId) {
          catalog.replace(options.queryName, [...(table?.rows ?? []), ...rows], { batchId: progress.batchId, isStreaming: true, schema: resultSchema });
          result.apply(rows, options.outputMode);
        }
      }
      onTrigger({ progress, rows, sql: runStatements(options.sql, catalog) });
    });
    const commits = query.checkpointState().commits;
    const firstBatchId = (commits[commits.length - 1]?.batchId ?? -1) + 1;
    return { query, catalog, result, resultSchema, firstBatchId, outputBatchesBefore };
  } catch (e) {
    throw usageErrorOf(e, options);
  }
}

/** The result table's columns and types, in row order: the grouping columns, the window column, the aggregates. */
function resultSchemaOf(options: CliOptions, types: ReadonlyMap<string, ColumnType> | undefined): Record<string, ColumnType> {
  const schema: Record<string, ColumnType> = {};
  for (const c of [...options.groupBy, options.windowColumn, ...options.aggregates.map((a) => a.name)]) schema[c] = types?.get(c) ?? 'string';
  return schema;
}

/** A library error while composing the query, as the command reports it: a usage error naming the flags where it can. */
function usageErrorOf(e: unknown, options: CliOptions): unknown {
  if (e instanceof InvalidArgumentError) {
    const flag = FLAG_OF_LIBRARY_OPTION[`${e.operator}.${e.option}`];
    if (flag !== undefined) return flagValueError(flag, typeof e.value === 'string' ? e.value : String(e.value), e.expected);
    return new CliUsageError(oneLine(e.message));
  }
  if (e instanceof AnalysisError) {
    // The library refuses append over an aggregation without a watermark when the sink is composed.
    if (options.outputMode === 'append' && options.watermark === undefined) return appendWithoutWatermark();
    if (options.aggregates.some((a) => a.fn === 'count_distinct') && /Distinct aggregations/.test(e.message)) return distinctWithoutEviction(options);
    return new CliUsageError(`the flags ask for a query that cannot run: ${oneLine(e.message)}`);
  }
  return e;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** `--agg "count(distinct c)"` where no watermark evicts the groups, in the command's words. */
function distinctWithoutEviction(options: CliOptions): CliUsageError {
  return new CliUsageError(
    `invalid --agg ${JSON.stringify(options.aggText)}: count(distinct c) on a stream (${options.watch ? '--watch' : '--checkpoint'}) needs --watermark and --output-mode append or update, as only a watermark bounds its state (Spark refuses it on every stream); or use approx_count_distinct(c)`,
    '--agg',
    options.aggText,
  );
}

/** `--output-mode append` without `--watermark`, in the command's words. */
function appendWithoutWatermark(): CliUsageError {
  return new CliUsageError(
    '--output-mode append needs --watermark: append emits each window once the watermark passes its end; add one (e.g. --watermark "10 minutes") or use --output-mode complete or update',
    '--output-mode',
    'append',
  );
}
