/**
 * Every flag of the command, in one place: declared with commander, checked with the library's
 * own parsers (so the command accepts exactly what the operators accept), and turned into one
 * typed {@link CliOptions}. A new feature adds its flag to `declareFlags`, its field to
 * `CliOptions`, and its conversion to `toOptions`; nothing else parses argv.
 */
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { readJsonFiles } from '../../operators/readJsonFiles.js';
import { parseTrigger, throttleFiles, type TriggerSpec } from '../../operators/throttleFiles.js';
import { withWatermark } from '../../operators/withWatermark.js';
import { durationMs, parseDurationMs } from '../duration.js';
import type { ParseMode } from '../json-lines.js';
import { parseSchema, type Schema } from '../schema.js';
import { prepareSql, type PreparedSql } from '../sql/index.js';
import { StructuredRxError } from '../errors.js';
import type { Aggregate } from '../agg/functions.js';
import { DEFAULT_AGG, parseAggregates } from './aggregates.js';
import { CliUsageError, checkFlag, flagValueError, sqlFlagError } from './errors.js';
import { filterPredicate, parseFilter, type FilterSpec } from './filter.js';

export type CliOutputMode = 'append' | 'complete' | 'update';

/** A duration as typed (for titles and the library) and in ms. */
export interface TypedDuration {
  readonly text: string;
  readonly ms: number;
}

/** The parsed command line. Durations are in milliseconds; `dir` is absolute. */
export interface CliOptions {
  /** The directory read, absolute. */
  readonly dir: string;
  /** True when DIR was not given: the bundled `datasets/events`. */
  readonly bundledDataset: boolean;
  /** The declared schema, as typed and parsed. */
  readonly schemaText: string;
  readonly schema: Schema;
  readonly timeColumn: string;
  /** The window size as typed (for titles) and in ms. */
  readonly windowText: string;
  readonly windowMs: number;
  readonly startTimeMs: number;
  /** Grouping columns, in the order given; the window is always grouped on too. */
  readonly groupBy: readonly string[];
  /** `--agg`: the aggregates of each group and window, in the order given (default `count(*) as count`). */
  readonly aggregates: readonly Aggregate[];
  /** `--agg` as typed. */
  readonly aggText: string;
  /** `--slide`: sliding windows of `--window` starting every slide; undefined for tumbling windows. */
  readonly slide: TypedDuration | undefined;
  /** `--session-gap`: session windows with this gap instead of fixed windows; undefined otherwise. */
  readonly sessionGap: TypedDuration | undefined;
  /** The window column of the result: `session_window` with `--session-gap`, else `window`. */
  readonly windowColumn: 'window' | 'session_window';
  /** `--drop-duplicates`: the columns rows are deduplicated on (after the watermark); undefined for none. */
  readonly dropDuplicates: readonly string[] | undefined;
  /** `--filter`: the predicate as typed and as a row test; undefined for none. */
  readonly filter: { readonly text: string; readonly test: (row: Readonly<Record<string, unknown>>) => boolean } | undefined;
  readonly maxFilesPerTrigger: number;
  readonly latestFirst: boolean;
  readonly outputMode: CliOutputMode;
  /** `--watermark`: the delay of a watermark on the time column; undefined without one. */
  readonly watermark: TypedDuration | undefined;
  /** `--no-data-batches`: run a batch without new files when the watermark moved (Spark's noDataMicroBatches). */
  readonly noDataBatches: boolean;
  /** The trigger asked for; undefined when `--trigger` was not given (the command then chooses). */
  readonly trigger: TriggerSpec | undefined;
  readonly watch: boolean;
  readonly queryName: string;
  readonly json: boolean;
  /** `--all-rows`: in a terminal, print every row of the final timeline, not only the first and last rows that fit the screen. */
  readonly allRows: boolean;
  /** `--ui [port]`: serve the monitor page and /metrics on this port while the query runs (0: any free port); undefined without `--ui`. */
  readonly ui: number | undefined;
  /** `--sql` statements, in the order given, parsed once. */
  readonly sql: readonly PreparedSql[];
  /** `--checkpoint`: the query's checkpoint directory (Spark's checkpointLocation), absolute; undefined for none. */
  readonly checkpoint: string | undefined;
  /** `--output`: the directory the file sink writes the output to (JSON lines, append mode), absolute; undefined for none. */
  readonly output: string | undefined;
  /** `--mode`: Spark's parse mode for malformed lines. */
  readonly mode: ParseMode;
  /** `--corrupt-record-column`: Spark's columnNameOfCorruptRecord (a STRING column of the schema when given). */
  readonly corruptRecordColumn: string;
  /** `--file-pattern`: Spark's pathGlobFilter, a glob the file names must match; undefined for every file. */
  readonly filePattern: string | undefined;
  /** `--ignore-corrupt-files`, `--ignore-missing-files`: Spark's options of those names. */
  readonly ignoreCorruptFiles: boolean;
  readonly ignoreMissingFiles: boolean;
  /** `--allow-empty`: a run whose lines were all dropped or rejected ends with exit status 0, not 1. */
  readonly allowEmpty: boolean;
}

/** What the command line asks for: a run, or text to print (help, version). */
export type ParsedCommandLine = { readonly kind: 'run'; readonly options: CliOptions } | { readonly kind: 'print'; readonly text: string };

export interface CommandContext {
  /** The bundled dataset directory, absolute. */
  readonly bundledDir: string;
  readonly version: string;
  /** Resolves a relative DIR; default the process's working directory. */
  readonly cwd?: string;
}

export const DEFAULTS = {
  schema: 'time TIMESTAMP, action STRING',
  timeColumn: 'time',
  window: '1 hour',
  startTime: '0 seconds',
  groupBy: 'action',
  agg: DEFAULT_AGG,
  maxFilesPerTrigger: '1',
  outputMode: 'complete',
  noDataBatches: 'true',
  queryName: 'counts',
  mode: 'PERMISSIVE',
  corruptRecordColumn: '_corrupt_record',
} as const;

/** Raw values as commander hands them over (after the per-flag parsers below). */
interface RawFlags {
  schema: Schema & { text: string };
  timeColumn: string;
  window: { text: string; ms: number };
  startTime: { text: string; ms: number };
  groupBy: string[];
  agg: { text: string; aggregates: Aggregate[] };
  slide?: TypedDuration;
  sessionGap?: TypedDuration;
  dropDuplicates?: string[];
  filter?: FilterSpec;
  maxFilesPerTrigger: number;
  latestFirst?: boolean;
  outputMode: CliOutputMode;
  watermark?: TypedDuration;
  /** `--no-data-batches`: commander names a `--no-` flag's value without the `no-`. */
  dataBatches: boolean;
  trigger?: TriggerSpec;
  watch?: boolean;
  queryName: string;
  json?: boolean;
  allRows?: boolean;
  ui?: number;
  sql: PreparedSql[];
  checkpoint?: string;
  output?: string;
  mode: ParseMode;
  corruptRecordColumn: string;
  filePattern?: string;
  ignoreCorruptFiles?: boolean;
  ignoreMissingFiles?: boolean;
  allowEmpty?: boolean;
}

/**
 * A commander argument parser for one flag: `check` may throw the library's
 * `InvalidArgumentError` (reported in the library's words) or a {@link CliUsageError}; both leave
 * `parse()` as a {@link CliUsageError} naming the flag and the value as typed.
 */
function flagParser<T>(flag: string, check: (raw: string) => T): (raw: string) => T {
  return (raw: string) => checkFlag(flag, raw, () => check(raw));
}

const parseSchemaFlag = flagParser('--schema', (raw) => ({ ...parseSchema(raw, 'readJsonFiles'), text: raw }));
const parseWindowFlag = flagParser('--window', (raw) => ({ text: raw, ms: durationMs('tumblingWindow', 'size', raw) }));
const parseStartTimeFlag = flagParser('--start-time', (raw) => ({ text: raw, ms: durationMs('tumblingWindow', 'startTime', raw, 'any') }));
const parseTriggerFlag = flagParser('--trigger', (raw): TriggerSpec => {
  const spec = raw.trim();
  parseTrigger(spec, 'throttleFiles'); // throws InvalidArgumentError for anything the operator would refuse
  return spec === 'available-now' ? 'availableNow' : spec;
});
const parseMaxFiles = flagParser('--max-files-per-trigger', (raw) => {
  const text = raw.trim().toLowerCase();
  const n = text === 'infinity' || text === 'all' ? Infinity : /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  throttleFiles(n); // the operator is the judge of what it accepts
  return n;
});
const parseOutputMode = flagParser('--output-mode', (raw): CliOutputMode => {
  if (raw !== 'append' && raw !== 'complete' && raw !== 'update') throw flagValueError('--output-mode', raw, 'append, update or complete');
  return raw;
});
const parseWatermarkFlag = flagParser('--watermark', (raw): TypedDuration => {
  withWatermark(DEFAULTS.timeColumn, raw); // the operator is the judge of the delays it accepts
  return { text: raw, ms: parseDurationMs(raw) ?? 0 };
});
const parseBooleanFlag = (flag: string): ((raw: string) => boolean) =>
  flagParser(flag, (raw) => {
    const text = raw.trim().toLowerCase();
    if (text !== 'true' && text !== 'false') throw flagValueError(flag, raw, 'true or false');
    return text === 'true';
  });
const parseNoDataBatches = parseBooleanFlag('--no-data-batches');
const columnsParser = (flag: string): ((raw: string) => string[]) =>
  flagParser(flag, (raw) => {
    const cols = raw.split(',').map((c) => c.trim());
    if (cols.some((c) => c === '')) throw flagValueError(flag, raw, 'comma-separated column names, none empty');
    if (new Set(cols).size !== cols.length) throw flagValueError(flag, raw, 'distinct column names');
    return cols;
  });
const parseColumns = columnsParser('--group-by');
const parseDropDuplicates = columnsParser('--drop-duplicates');
const parseAggFlag = flagParser('--agg', (raw) => ({ text: raw, aggregates: parseAggregates(raw).map((p) => p.aggregate) }));
const parseSlideFlag = flagParser('--slide', (raw): TypedDuration => ({ text: raw, ms: durationMs('slidingWindow', 'slide', raw) }));
const parseSessionGapFlag = flagParser('--session-gap', (raw): TypedDuration => ({ text: raw, ms: durationMs('sessionWindow', 'gapDuration', raw) }));
const parseFilterFlag = flagParser('--filter', parseFilter);
const parseTimeColumn = flagParser('--time-column', (raw) => {
  if (raw.trim() === '') throw flagValueError('--time-column', raw, 'a column name');
  return raw.trim();
});
const directoryParser = (flag: string): ((raw: string) => string) =>
  flagParser(flag, (raw) => {
    if (raw.trim() === '') throw flagValueError(flag, raw, 'a directory path');
    return raw;
  });
const parseCheckpoint = directoryParser('--checkpoint');
const parseOutput = directoryParser('--output');
/** The monitor's default port, the Spark UI's. */
export const UI_PORT = 4040;
const parseUiPort = flagParser('--ui', (raw) => {
  const port = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(port <= 65535)) throw flagValueError('--ui', raw, 'a port number from 0 to 65535, 0 for any free port (DIR goes before --ui, or --ui=PORT)');
  return port;
});
const parseModeFlag = flagParser('--mode', (raw): ParseMode => {
  // Spark reads the mode case-insensitively.
  const mode = raw.trim().toUpperCase();
  if (mode !== 'PERMISSIVE' && mode !== 'DROPMALFORMED' && mode !== 'FAILFAST') throw flagValueError('--mode', raw, 'PERMISSIVE, DROPMALFORMED or FAILFAST');
  return mode;
});
const parseCorruptColumn = flagParser('--corrupt-record-column', (raw) => {
  if (raw.trim() === '') throw flagValueError('--corrupt-record-column', raw, 'a column name');
  return raw.trim();
});
const parseFilePattern = flagParser('--file-pattern', (raw) => {
  readJsonFiles('.', { schema: 'a STRING', pathGlobFilter: raw }); // the operator is the judge of the patterns it accepts
  return raw;
});
const parseQueryName = flagParser('--query-name', (raw) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw)) throw flagValueError('--query-name', raw, 'a table name of letters, digits and _, not starting with a digit');
  return raw;
});

/** `--sql`, repeatable: each statement is parsed when the command line is read, so a syntax error is a usage error. */
function collectSql(raw: string, previous: PreparedSql[] | undefined): PreparedSql[] {
  try {
    return [...(previous ?? []), prepareSql(raw)];
  } catch (e) {
    if (e instanceof StructuredRxError) throw sqlFlagError(raw, e);
    throw e;
  }
}

/** An option with a value, its parser, and a default shown in --help as typed. */
function valueOption<T>(flags: string, description: string, parse: (raw: string) => T, defaultText?: string): Option {
  const option = new Option(flags, description).argParser(parse);
  return defaultText === undefined ? option : option.default(parse(defaultText), JSON.stringify(defaultText));
}

/** Declares the command and every flag. Add new flags here. */
function declareFlags(context: CommandContext): Command {
  const program = new Command('structured-rx')
    .description(
      "Runs the notebook's streaming query over a directory of JSON-lines files: reads it as a stream, " +
        'counts events per group and event-time window, trigger by trigger, into the memory table --query-name, ' +
        'and shows the running timeline and the final tables.',
    )
    .version(context.version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .argument('[dir]', 'directory of JSON-lines files to read (default: the bundled datasets/events)')
    .addOption(valueOption('--schema <ddl>', 'declared schema of each line, as Spark DDL', parseSchemaFlag, DEFAULTS.schema))
    .addOption(valueOption('--time-column <name>', 'event-time column (a TIMESTAMP column of the schema)', parseTimeColumn, DEFAULTS.timeColumn))
    .addOption(valueOption('--window <duration>', 'tumbling window size, e.g. "10 minutes"', parseWindowFlag, DEFAULTS.window))
    .addOption(valueOption('--start-time <duration>', 'window offset from the epoch, e.g. "15 minutes"', parseStartTimeFlag, DEFAULTS.startTime))
    .addOption(valueOption('--group-by <columns>', 'comma-separated grouping columns (the window is grouped on too)', parseColumns, DEFAULTS.groupBy))
    .addOption(
      valueOption(
        '--agg <aggregates>',
        'comma-separated aggregates of each group and window, each optionally "as name": count(*), count(c), count(distinct c), sum(c), avg(c) or mean(c), min(c), max(c), approx_count_distinct(c); unnamed ones are named as Spark names them (count(1), avg(c), ...)',
        parseAggFlag,
        DEFAULTS.agg,
      ),
    )
    .addOption(valueOption('--slide <duration>', 'sliding windows: a window of --window starts every slide, e.g. "15 minutes" (at most --window; default: tumbling windows)', parseSlideFlag))
    .addOption(
      valueOption(
        '--session-gap <duration>',
        'session windows instead of fixed ones: a session of a group ends after this long without events, e.g. "5 minutes"; the window column is then session_window (not with --window, --slide or --output-mode update)',
        parseSessionGapFlag,
      ),
    )
    .addOption(valueOption('--filter <predicate>', 'keep only the rows where column op literal holds, op one of = != < <= > >= contains, e.g. "action = \'Open\'"', parseFilterFlag))
    .addOption(valueOption('--drop-duplicates <columns>', 'drop rows whose values of these comma-separated columns were seen before (after the watermark), e.g. "id,time"', parseDropDuplicates))
    .addOption(valueOption('--max-files-per-trigger <n>', 'files per micro-batch: a positive whole number, or "all"', parseMaxFiles, DEFAULTS.maxFilesPerTrigger))
    .option('--latest-first', 'take the newest files first')
    .addOption(
      valueOption(
        '--output-mode <mode>',
        'complete (the whole table each trigger), update (changed rows) or append (each window once, when the watermark passes its end; needs --watermark)',
        parseOutputMode,
        DEFAULTS.outputMode,
      ),
    )
    .addOption(
      valueOption(
        '--watermark <delay>',
        'a watermark on the time column: the latest event time seen minus this delay, e.g. "10 minutes". In append and update mode, rows whose window ended at or before it are dropped as late and closed windows leave the state (default: none)',
        parseWatermarkFlag,
      ),
    )
    .addOption(
      valueOption(
        '--no-data-batches <bool>',
        'true or false: run a trigger without new files when the watermark moved, so closed windows are emitted and evicted at once rather than with the next files',
        parseNoDataBatches,
        DEFAULTS.noDataBatches,
      ),
    )
    .addOption(
      valueOption(
        '--trigger <trigger>',
        'when micro-batches start: an interval ("200 milliseconds"), "once" or "available-now" (default: as soon as files are there; paced at 200 milliseconds for the bundled dataset in a terminal)',
        parseTriggerFlag,
      ),
    )
    .option('--watch', 'keep running for files that arrive later; Ctrl-C stops the query and prints the tables')
    .addOption(valueOption('--query-name <name>', 'name of the memory table the query writes', parseQueryName, DEFAULTS.queryName))
    .option('--json', 'print one JSON object per trigger on stdout, one per line, and nothing else')
    .option('--all-rows', 'in a terminal, print every row of the final timeline (default: its first and last rows, as many as fit the screen)')
    .addOption(
      new Option(
        '--ui [port]',
        'while the query runs, serve a live monitor page (rates, batch durations, watermark, state, late and malformed rows, the result table, SQL) and Prometheus metrics at /metrics on 127.0.0.1:port (0: any free port); the address is printed on stderr',
      )
        .preset(String(UI_PORT))
        .argParser(parseUiPort),
    )
    .addOption(
      new Option(
        '--sql <statement>',
        'a SQL SELECT over the memory table (Spark SQL, e.g. \'select action, sum(count) as total_count from counts group by action\'); repeatable. Its result replaces the default tables: after every trigger in a terminal, at the end otherwise, and in each --json line',
      )
        .argParser(collectSql)
        .default([], 'none'),
    )
    .addOption(
      valueOption(
        '--checkpoint <dir>',
        "keep the query's progress in this directory (Spark's checkpointLocation, created if missing): a later run with the same directory resumes, reading only files not read before, with batch ids, windows and watermark going on (default: none, every run starts afresh)",
        parseCheckpoint,
      ),
    )
    .addOption(
      valueOption(
        '--output <dir>',
        "also write the query's output to this directory as JSON-lines files, with Spark's file sink log in <dir>/_spark_metadata; exactly once with --checkpoint, which it needs, and append mode only (--output-mode append, so --watermark too)",
        parseOutput,
      ),
    )
    .addOption(
      valueOption(
        '--mode <mode>',
        "what a line that does not match the schema becomes (Spark's mode): PERMISSIVE keeps a row with nulls where it does not match (and the line in the --corrupt-record-column, if the schema has it), DROPMALFORMED drops it, FAILFAST stops the query with its file and line",
        parseModeFlag,
        DEFAULTS.mode,
      ),
    )
    .addOption(
      valueOption(
        '--corrupt-record-column <name>',
        "the STRING column of --schema that holds a malformed line in PERMISSIVE mode (Spark's columnNameOfCorruptRecord); unused when the schema has no such column",
        parseCorruptColumn,
        DEFAULTS.corruptRecordColumn,
      ),
    )
    .addOption(valueOption('--file-pattern <glob>', "read only the files whose name matches this glob, e.g. '*.json' or '*.{json,jsonl}' (Spark's pathGlobFilter; default: every file not starting with . or _)", parseFilePattern))
    .option('--ignore-corrupt-files', 'skip (and count) a file that cannot be read or decompressed to its end, keeping the lines before the fault, instead of failing (Spark\'s ignoreCorruptFiles)')
    .option('--ignore-missing-files', 'skip (and count) a file deleted between its listing and its read instead of failing (Spark\'s ignoreMissingFiles)')
    .option('--allow-empty', 'end with exit status 0 when lines were read but every one was dropped or rejected, so no row was counted (default: exit status 1)')
    // New flags go here, with their field in CliOptions and their conversion in toOptions. Tables
    // printed at the end (such as --sql results) plug into finalReports in report.ts.
    .addHelpText(
      'after',
      '\nOutput:\n' +
        '  In a terminal: a progress bar and a chart of the timeline, redrawn after each trigger, then the\n' +
        '  totals per group and the timeline table, cut to the screen (--all-rows prints every row).\n' +
        '  Piped: the two tables as plain text, every row. With --json:\n' +
        '  {"batchId","files","numInputRows","watermark","lateRows","stateRows","malformedRows",\n' +
        '  "droppedRows","rejectedLines","corruptFiles","missingFiles","rows"} per trigger, timestamps as\n' +
        '  ISO-8601 UTC; with --sql each line also has\n' +
        '  "sql":[{"statement","rows"}]. --sql results replace the default tables. With --agg the tables\n' +
        '  and rows have a column per aggregate, and the chart plots the first numeric one.\n' +
        '  With --checkpoint, a resumed run\'s tables show only its own output in append and update mode\n' +
        '  (the whole table in complete mode); with --output they show everything committed there.\n' +
        '  Bad input (malformed lines, rows without event time or late, corrupt files) is counted per\n' +
        '  trigger and in the summary; warnings on stderr say what was dropped and name each file in\n' +
        '  which no line was read as a row.\n' +
        '\nExit status: 0 done (or stopped with Ctrl-C), 1 the query failed, DIR cannot be read, the\n' +
        '  checkpoint or --output directory cannot be used, or lines were read but every one was\n' +
        '  dropped or rejected (unless --allow-empty), 2 bad flags.\n' +
        '\nExamples:\n' +
        '  structured-rx                                   the notebook\'s query over the bundled dataset\n' +
        '  structured-rx ./logs --window "10 minutes" --output-mode update --json\n' +
        '  structured-rx ./logs --window "10 minutes" --watermark "5 minutes" --output-mode append\n' +
        '  structured-rx ./incoming --watch --trigger "5 seconds"\n' +
        '  structured-rx ./incoming --watch --ui 4040\n' +
        '  structured-rx --sql \'select action, sum(count) as total_count from counts group by action order by action\'\n' +
        '  structured-rx ./logs --agg "count(*) as n, avg(latency) as avg_latency" --filter "status >= 500"\n' +
        '  structured-rx --window "1 hour" --slide "15 minutes" --drop-duplicates time,action\n' +
        '  structured-rx ./clicks --group-by user --session-gap "5 minutes"\n' +
        '  structured-rx ./logs --checkpoint ./cp --output ./out --output-mode append --watermark "10 minutes"\n' +
        "  structured-rx ./logs --file-pattern '*.json' --mode DROPMALFORMED --ignore-corrupt-files\n",
    )
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
  return program;
}

/** `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
function quotedList(names: readonly string[]): string {
  const q = names.map((n) => JSON.stringify(n));
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1] ?? ''}`;
}

const NUMERIC_TYPES: readonly string[] = ['int', 'long', 'double'];

/** Cross-flag checks and the final typed options. `given(flag)` says whether a flag was typed (not its default). */
function toOptions(flags: RawFlags, dirArg: string | undefined, context: CommandContext, given: (flag: string) => boolean): CliOptions {
  const fields = flags.schema.fields;
  const columnList = fields.map((f) => f.name).join(', ');
  const time = fields.find((f) => f.name === flags.timeColumn);
  if (time === undefined) {
    throw flagValueError('--time-column', flags.timeColumn, `a column of the schema (${columnList})`);
  }
  if (time.type !== 'timestamp') {
    throw flagValueError('--time-column', flags.timeColumn, `a TIMESTAMP column; ${time.name} is ${time.type.toUpperCase()}`);
  }
  const session = flags.sessionGap;
  const windowColumn = session === undefined ? 'window' : 'session_window';
  const aggregates = flags.agg.aggregates;
  const aggNames = aggregates.map((a) => a.name);
  for (const c of flags.groupBy) {
    if (aggNames.includes(c) && given('agg')) {
      throw flagValueError('--agg', flags.agg.text, `aggregate names other than the grouping columns (${flags.groupBy.join(', ')}); rename with "as name"`);
    }
    if (c === windowColumn || aggNames.includes(c)) {
      throw flagValueError('--group-by', flags.groupBy.join(','), `columns other than ${quotedList([windowColumn, ...aggNames])}, which the result table adds`);
    }
    if (!fields.some((f) => f.name === c)) throw flagValueError('--group-by', flags.groupBy.join(','), `columns of the schema (${columnList}); there is no "${c}"`);
  }
  for (const a of aggregates) {
    const what = `${a.fn === 'count_distinct' ? 'count(distinct ' : `${a.fn}(`}${a.column})`;
    if (a.name === windowColumn) throw flagValueError('--agg', flags.agg.text, `aggregates not named "${windowColumn}", which the result table adds (rename with "as name")`);
    if (a.column === '*') continue;
    const field = fields.find((f) => f.name === a.column);
    if (field === undefined) throw flagValueError('--agg', flags.agg.text, `columns of the schema (${columnList}); there is no "${a.column}" in ${what}`);
    if ((a.fn === 'sum' || a.fn === 'avg') && !NUMERIC_TYPES.includes(field.type)) {
      throw flagValueError('--agg', flags.agg.text, `a numeric column (INT, BIGINT or DOUBLE) in ${what}; ${a.column} is ${field.type.toUpperCase()}`);
    }
  }
  if (session !== undefined) {
    for (const [flag, name] of [['--window', 'window'], ['--slide', 'slide'], ['--start-time', 'startTime']] as const) {
      if (given(name)) throw new CliUsageError(`${flag} cannot be used with --session-gap: a session's length is set by its events and the gap, not by a window size`, flag);
    }
    if (flags.outputMode === 'update') {
      throw new CliUsageError(
        '--output-mode update cannot be used with --session-gap: Spark refuses update mode for session windows; use --output-mode complete, or append with --watermark',
        '--output-mode',
        'update',
      );
    }
  }
  const slide = flags.slide;
  if (slide !== undefined && slide.ms > flags.window.ms) {
    throw flagValueError('--slide', slide.text, `a slide no longer than the window (${flags.window.text})`);
  }
  if (slide !== undefined && Math.abs(flags.startTime.ms) >= slide.ms) {
    throw flagValueError('--start-time', flags.startTime.text, `an offset smaller than the slide (${slide.text})`);
  }
  if (Math.abs(flags.startTime.ms) >= flags.window.ms) {
    throw flagValueError('--start-time', flags.startTime.text, `an offset smaller than the window (${flags.window.text})`);
  }
  for (const c of flags.dropDuplicates ?? []) {
    if (!fields.some((f) => f.name === c)) throw flagValueError('--drop-duplicates', (flags.dropDuplicates ?? []).join(','), `columns of the schema (${columnList}); there is no "${c}"`);
  }
  const filter = flags.filter === undefined ? undefined : { text: flags.filter.text, test: filterPredicate(flags.filter, { fields }) };
  checkCorruptRecordColumn(fields, flags.corruptRecordColumn, given('corruptRecordColumn'));
  const cwd = context.cwd ?? process.cwd();
  const dir = path.resolve(cwd, dirArg ?? context.bundledDir);
  const checkpoint = flags.checkpoint === undefined ? undefined : path.resolve(cwd, flags.checkpoint);
  const output = flags.output === undefined ? undefined : path.resolve(cwd, flags.output);
  checkDirectoryFlags(dir, checkpoint, output, flags.outputMode, given('outputMode'));
  return {
    dir,
    bundledDataset: dirArg === undefined || dir === path.resolve(context.bundledDir),
    schemaText: flags.schema.text,
    schema: { fields },
    timeColumn: flags.timeColumn,
    windowText: flags.window.text,
    windowMs: flags.window.ms,
    startTimeMs: flags.startTime.ms,
    groupBy: flags.groupBy,
    aggregates,
    aggText: flags.agg.text,
    slide,
    sessionGap: session,
    windowColumn,
    dropDuplicates: flags.dropDuplicates,
    filter,
    maxFilesPerTrigger: flags.maxFilesPerTrigger,
    latestFirst: flags.latestFirst === true,
    outputMode: flags.outputMode,
    watermark: flags.watermark,
    noDataBatches: flags.dataBatches,
    trigger: flags.trigger,
    watch: flags.watch === true,
    queryName: flags.queryName,
    json: flags.json === true,
    allRows: flags.allRows === true,
    ui: flags.ui,
    sql: flags.sql,
    checkpoint,
    output,
    mode: flags.mode,
    corruptRecordColumn: flags.corruptRecordColumn,
    filePattern: flags.filePattern,
    ignoreCorruptFiles: flags.ignoreCorruptFiles === true,
    ignoreMissingFiles: flags.ignoreMissingFiles === true,
    allowEmpty: flags.allowEmpty === true,
  };
}

/**
 * `--corrupt-record-column`: as Spark, the column must be a STRING column if the schema declares
 * it; named on the command line, it must be declared (else it would do nothing).
 */
function checkCorruptRecordColumn(fields: Schema['fields'], name: string, given: boolean): void {
  const field = fields.find((f) => f.name === name);
  if (field !== undefined && field.type !== 'string') {
    throw new CliUsageError(
      `--schema declares the corrupt-record column ${name} as ${field.type.toUpperCase()}: it must be STRING, as Spark requires (or name another column with --corrupt-record-column)`,
      '--schema',
    );
  }
  if (field === undefined && given) {
    throw flagValueError('--corrupt-record-column', name, `a STRING column of --schema, which holds a malformed line in PERMISSIVE mode (add "${name} STRING" to it)`);
  }
}

/**
 * `--checkpoint` and `--output`: neither may be DIR (the source would read their files) nor the
 * other; `--output` needs `--checkpoint` (as Spark asks a file sink for a checkpointLocation: the
 * sink writes each batch id once, so only the checkpoint's batch ids keep a second run from
 * skipping output) and append mode (Spark's file sink supports no other).
 */
function checkDirectoryFlags(dir: string, checkpoint: string | undefined, output: string | undefined, outputMode: CliOutputMode, modeGiven: boolean): void {
  if (checkpoint === dir) throw new CliUsageError(`--checkpoint cannot be DIR (${dir}): the query would read the checkpoint's files as input; use another directory`, '--checkpoint');
  if (output === undefined) return;
  if (output === dir) throw new CliUsageError(`--output cannot be DIR (${dir}): the query would read its own output as input; use another directory`, '--output');
  if (output === checkpoint) throw new CliUsageError('--output and --checkpoint cannot be the same directory: the output and the query\'s progress are kept apart', '--output');
  if (outputMode !== 'append') {
    throw new CliUsageError(
      `--output cannot be used with --output-mode ${outputMode}${modeGiven ? '' : ' (the default)'}: the file sink writes append mode only, as Spark's; use --output-mode append (with --watermark)`,
      '--output',
    );
  }
  if (checkpoint === undefined) {
    throw new CliUsageError(
      '--output needs --checkpoint: the file sink writes each batch id once, so a second run resumes its batch ids from a checkpoint (Spark asks a file sink for a checkpointLocation too); add --checkpoint DIR',
      '--output',
    );
  }
}

/**
 * Turns argv (without node and the script) into the run it asks for. Throws {@link CliUsageError}
 * with one line naming the flag and value for anything wrong; never exits the process.
 */
export function parseCommandLine(argv: readonly string[], context: CommandContext): ParsedCommandLine {
  const program = declareFlags(context);
  let printed = '';
  program.exitOverride().configureOutput({
    writeOut: (s) => {
      printed += s;
    },
    writeErr: (s) => {
      printed += s;
    },
    outputError: () => {
      // reported by the caller, from the thrown error, as one line
    },
  });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        return { kind: 'print', text: printed };
      }
      throw new CliUsageError(commanderMessage(e));
    }
    throw e;
  }
  const flags = program.opts<RawFlags>();
  const dirArg = program.args[0];
  return { kind: 'run', options: toOptions(flags, dirArg, context, (name) => program.getOptionValueSource(name) === 'cli') };
}

/** Commander's message as one line, without its "error: " prefix. */
function commanderMessage(e: CommanderError): string {
  const text = e.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim();
  return e.code === 'commander.unknownOption' || e.code === 'commander.excessArguments' ? `${text} (see --help)` : text;
}

/** The help text, for docs and tests. */
export function helpText(context: CommandContext): string {
  return declareFlags(context).helpInformation();
}

/** Library option names (`operator.option`) and the flag that sets each, to name the flag when the library refuses a value late. */
export const FLAG_OF_LIBRARY_OPTION: Readonly<Record<string, string>> = {
  'readJsonFiles.schema': '--schema',
  'readJsonFiles.mode': '--mode',
  'readJsonFiles.columnNameOfCorruptRecord': '--corrupt-record-column',
  'readJsonFiles.pathGlobFilter': '--file-pattern',
  'tumblingWindow.timeColumn': '--time-column',
  'tumblingWindow.size': '--window',
  'tumblingWindow.startTime': '--start-time',
  'groupCount.columns': '--group-by',
  'groupByAgg.columns': '--group-by',
  'groupByAgg.aggregates': '--agg',
  'slidingWindow.size': '--window',
  'slidingWindow.slide': '--slide',
  'slidingWindow.startTime': '--start-time',
  'sessionWindow.gapDuration': '--session-gap',
  'dropDuplicates.columns': '--drop-duplicates',
  'throttleFiles.maxFilesPerTrigger': '--max-files-per-trigger',
  'throttleFiles.trigger': '--trigger',
  'toMemoryTable.outputMode': '--output-mode',
  'withWatermark.delayThreshold': '--watermark',
  'toJsonFiles.dir': '--output',
};
