import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { StructuredRxError } from '../errors.js';
import { StreamingQueryException } from '../query.js';
import { CliInputError, CliUsageError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './errors.js';
import { jsonLine } from './json-output.js';
import { parseCommandLine, type CliOptions, type CommandContext } from './options.js';
import { PACED_TRIGGER, lateInputRows, startCliQuery, type RunningQuery, type TriggerResult } from './pipeline.js';
import { InputTally, countedRows, summaryPhrases } from './input-quality.js';
import { finalReports, renderReport } from './report.js';
import { TerminalView, type RunState } from './terminal-view.js';
import type { MonitorServer } from '../monitor/server.js';

const PROGRAM = 'structured-rx';

export interface CliEnvironment extends CommandContext {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** How the command shows its results: JSON lines, the interactive terminal view, or plain tables. */
export type OutputStyle = 'json' | 'terminal' | 'plain';

/**
 * Runs the command: parses `argv`, runs the query, prints what the output style asks for, and
 * resolves with the exit code. User mistakes and query failures are one line on stderr.
 */
export async function runCli(argv: readonly string[], env: CliEnvironment): Promise<number> {
  const fail = (message: string, code: number): number => {
    env.stderr.write(`${PROGRAM}: ${message}\n`);
    return code;
  };
  try {
    const parsed = parseCommandLine(argv, env);
    if (parsed.kind === 'print') {
      env.stdout.write(parsed.text);
      return EXIT_OK;
    }
    await checkDirectory(parsed.options.dir);
    return await runQuery(parsed.options, env);
  } catch (e) {
    if (e instanceof CliUsageError) return fail(e.message, EXIT_USAGE);
    if (e instanceof CliInputError) return fail(e.message, EXIT_FAILURE);
    if (e instanceof StructuredRxError) return fail(e.message, EXIT_FAILURE);
    const message = e instanceof Error ? e.message : String(e);
    if (env.env['STRUCTURED_RX_DEBUG'] !== undefined && e instanceof Error && e.stack !== undefined) env.stderr.write(e.stack + '\n');
    return fail(`internal error: ${message}`, EXIT_FAILURE);
  }
}

/** DIR must exist, be a directory, and be listable. */
async function checkDirectory(dir: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await fsp.stat(dir)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliInputError(dir, code === 'ENOENT' ? 'directory not found' : `cannot read directory (${code ?? String(e)})`);
  }
  if (!isDirectory) throw new CliInputError(dir, 'not a directory');
  try {
    await fsp.readdir(dir);
  } catch (e) {
    throw new CliInputError(dir, `cannot read directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

async function runQuery(options: CliOptions, env: CliEnvironment): Promise<number> {
  const { stdout } = env;
  const style: OutputStyle = options.json ? 'json' : stdout.isTTY === true ? 'terminal' : 'plain';
  // Paced only where a person watches the bundled dataset (in a terminal or on the --ui page); --trigger always wins.
  const trigger = options.trigger ?? ((style === 'terminal' || options.ui !== undefined) && options.bundledDataset ? PACED_TRIGGER : 'default');
  // --ui: the monitor (and prom-client) are loaded only when asked for.
  const monitorModule = options.ui === undefined ? undefined : await import('../monitor/index.js');

  let outputClosed = false;
  let view: TerminalView | undefined;
  let running: RunningQuery | undefined;
  let triggers = 0;
  let files = 0;
  let rows = 0;
  let lateRows = 0;
  let lastBatchId: number | undefined;
  const tally = new InputTally(options.mode);

  const write = (s: string): void => {
    if (!outputClosed) stdout.write(s);
  };
  const onTrigger = (t: TriggerResult): void => {
    triggers++;
    files += (t.progress.sources[0]?.inputs.length ?? 0);
    rows += t.progress.numInputRows;
    lateRows += lateInputRows(t.progress);
    tally.addTrigger(t.progress);
    lastBatchId = t.progress.batchId;
    if (style === 'json') write(jsonLine(t, running?.resultSchema ?? {}, options.sql.length > 0) + '\n');
    else if (view !== undefined && running !== undefined) view.onTrigger(t, running.query);
  };

  running = startCliQuery(options, trigger, onTrigger);
  const { query } = running;
  query.badRecords.subscribe((r) => tally.addBadRecord(r));
  const monitor = monitorModule === undefined || options.ui === undefined ? undefined : await startUi(monitorModule, options.ui, running, env);

  // A reader that went away (`| head`): stop quietly. Stays installed: the last writes fail late.
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    outputClosed = true;
    void query.stop();
  });

  // Ctrl-C (and SIGTERM): stop the query gracefully and print what was processed. A second one exits at once.
  let stoppedBySignal = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBySignal) {
      view?.finish('stopped', query);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stoppedBySignal = true;
    void query.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (style === 'terminal') {
    view = new TerminalView(
      { out: stdout, cli: options, dirLabel: dirLabel(options.dir, env.cwd ?? process.cwd()), color: env.env['NO_COLOR'] === undefined || env.env['NO_COLOR'] === '' },
      running.result,
    );
    view.start(query);
  }

  if (options.checkpoint !== undefined && !options.watch) {
    // --checkpoint reads a streaming source (see startCliQuery); without --watch the run ends, as
    // any run without --watch, once the files there (and any batch the watermark makes due) are done.
    query.processAllAvailable().then(
      () => query.stop(),
      () => undefined, // a failure is reported below
    );
  }

  if (style === 'plain' && options.watch) {
    // Piped and watching: say on stderr when the files present at start are done, so a person
    // (or a script) knows the command is now waiting.
    query.processAllAvailable().then(
      () => {
        if (query.isActive) env.stderr.write(`${PROGRAM}: processed ${files} file${files === 1 ? '' : 's'}; watching ${options.dir} for new files (Ctrl-C stops)\n`);
      },
      () => undefined, // a failure is reported below
    );
  }

  let failure: unknown;
  try {
    await query.awaitTermination();
  } catch (e) {
    failure = e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await monitor?.close();
  }

  const state: RunState = failure !== undefined ? 'failed' : stoppedBySignal ? 'stopped' : 'done';
  view?.finish(state, query);
  const cwd = env.cwd ?? process.cwd();
  for (const line of tally.warnings((p) => dirLabel(p, cwd))) env.stderr.write(`${PROGRAM}: ${line}\n`);
  if (failure !== undefined) {
    const cause = failure instanceof StreamingQueryException && failure.cause instanceof Error ? failure.cause.message : failure instanceof Error ? failure.message : String(failure);
    env.stderr.write(`${PROGRAM}: query ${options.queryName} failed: ${cause}\n`);
    return EXIT_FAILURE;
  }
  if (style !== 'json' && !outputClosed) {
    const how = stoppedBySignal ? 'stopped' : 'finished';
    const late = lateRows > 0 ? `, ${lateRows} late row${lateRows === 1 ? '' : 's'} dropped` : '';
    const bad = summaryPhrases(tally.total, options.mode);
    write(
      `\nQuery ${options.queryName} ${how}: ${triggers} trigger${triggers === 1 ? '' : 's'}, ${files} file${files === 1 ? '' : 's'}, ${rows} rows${late}${bad.length > 0 ? `; ${bad.join(', ')}` : ''}.\n\n`,
    );
    const checkpoint = checkpointLines(options, running, lastBatchId, (d) => dirLabel(d, cwd));
    for (const line of checkpoint) write(line + '\n');
    if (options.checkpoint !== undefined) write('\n');
    // In a terminal the tables fit the screen below the summary (blank, summary, blank, the
    // checkpoint lines) with a row left for the prompt, unless --all-rows.
    const screenRows = stdout.rows > 0 ? stdout.rows : 24;
    const maxLines = style === 'terminal' && !options.allRows ? screenRows - 4 - (checkpoint.length > 0 ? checkpoint.length + 1 : 0) : undefined;
    const reports = finalReports({ options, result: running.result, catalog: running.catalog, resultSchema: running.resultSchema, maxLines });
    write(reports.map(renderReport).join('\n'));
  }
  if (tally.total.linesRead > 0 && countedRows(tally.total) <= 0 && !options.allowEmpty) {
    // Every line was dropped or rejected: an empty result that says nothing about the data.
    env.stderr.write(`${PROGRAM}: no row was counted: all ${tally.total.linesRead} lines read were dropped or rejected (see the warnings above); --allow-empty accepts this\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

/**
 * `--ui`: serves the monitor page for the query and its catalog and prints where on stderr. A
 * port that cannot be had stops the query and is one line, exit 1.
 */
async function startUi(monitorModule: typeof import('../monitor/index.js'), port: number, running: RunningQuery, env: CliEnvironment): Promise<MonitorServer> {
  try {
    const monitor = await monitorModule.serveMonitor({ port, catalog: running.catalog });
    env.stderr.write(`${PROGRAM}: monitor at ${monitor.url} (Prometheus metrics at ${monitor.url}metrics); it closes when the query ends\n`);
    return monitor;
  } catch (e) {
    await running.query.stop();
    if (e instanceof monitorModule.MonitorServerError) {
      const why = e.code === 'EADDRINUSE' ? 'the port is in use; give another, or --ui 0 for any free one' : (e.code ?? e.message);
      throw new CliInputError(`${e.host}:${e.port}`, `--ui cannot serve the monitor (${why})`);
    }
    throw e;
  }
}

/** `batches 3–5`, or `batch 3`. */
function batchRange(first: number, last: number): string {
  return first === last ? `batch ${first}` : `batches ${first}–${last}`;
}

/**
 * With `--checkpoint`, what the summary adds: where the run started and which batches it
 * committed, then what the tables show. A new process's memory table starts empty, so in append
 * and update mode a resumed run's tables hold its own output only; complete mode outputs the
 * whole table with every batch; with `--output` the tables hold everything committed there.
 */
export function checkpointLines(options: CliOptions, running: RunningQuery, lastBatchId: number | undefined, label: (dir: string) => string): string[] {
  if (options.checkpoint === undefined) return [];
  const first = running.firstBatchId;
  const resumed = first > 0;
  const ran = lastBatchId !== undefined && lastBatchId >= first ? `this run committed ${batchRange(first, lastBatchId)}` : 'no new batch ran';
  const lines = [`Checkpoint ${label(options.checkpoint)}: ${resumed ? `resumed after batch ${first - 1}` : 'new'}; ${ran}.`];
  const output = options.output;
  if (output !== undefined) {
    const last = Math.max(lastBatchId ?? -1, running.outputBatchesBefore);
    lines.push(
      last < 0
        ? `Output ${label(output)}: no batch committed yet.`
        : `Output ${label(output)}: ${batchRange(0, last)} committed; the tables show all of it, earlier runs' rows included.`,
    );
  } else if (resumed && options.outputMode !== 'complete') {
    lines.push(
      lastBatchId === undefined
        ? `Tables: this run's output only, and it output nothing; batches 0–${first - 1} were output by earlier runs (add --output to keep all output).`
        : `Tables: this run's output only (${batchRange(first, lastBatchId)}); batches 0–${first - 1} were output by earlier runs (add --output to keep all output).`,
    );
  } else if (resumed && lastBatchId === undefined) {
    lines.push('Tables: empty, as no batch ran (complete mode outputs the whole table with each batch).');
  }
  return lines;
}

/** DIR as the header shows it: relative to the working directory when inside it. */
function dirLabel(dir: string, cwd: string): string {
  const rel = path.relative(cwd, dir);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? dir : rel;
}

