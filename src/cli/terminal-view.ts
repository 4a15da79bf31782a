import cliProgress from 'cli-progress';
import { END_OF_TIME_MS } from '../engine/driver.js';
import type { StreamingQuery } from '../query.js';
import { chartHeightFor, chartLineCount, renderTimelineChart, visibleLength, type ChartMeasure, type ChartOptions } from './chart.js';
import type { ParseMode } from '../json-lines.js';
import type { CliOptions } from './options.js';
import { lateInputRows, stateRows, type SqlOutcome, type TriggerResult } from './pipeline.js';
import { escapeControl } from './escape.js';
import { countPhrases, triggerCounts } from './input-quality.js';
import { renderReport, sqlReport, windowsText } from './report.js';
import { formatWindowTime, type ResultTable } from './result.js';

/** How the run ended, as the progress bar says it. */
export type RunState = 'active' | 'done' | 'stopped' | 'failed';

export interface TerminalViewOptions {
  readonly out: NodeJS.WriteStream;
  readonly cli: CliOptions;
  /** How DIR is shown in the header (relative to the working directory when shorter). */
  readonly dirLabel: string;
  readonly color: boolean;
}

const CSI = '\x1b[';

/**
 * The interactive view, drawn on stdout when it is a terminal: a header, with `--watermark` a
 * line with the watermark, the rows dropped as late so far and the rows in state, the timeline
 * chart of the result table (redrawn in place after each trigger), and a cli-progress bar with
 * the query's state, files done / files known, rows per second, the batch id and the elapsed time.
 */
export class TerminalView {
  private readonly bar: cliProgress.SingleBar;
  private readonly columns: number;
  private readonly chartHeight: number;
  private frameLines = 0;
  private filesDone = 0;
  private rowsDone = 0;
  private lateRowsDone = 0;
  private lastTrigger: TriggerResult | undefined;
  private refresh: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly options: TerminalViewOptions,
    private readonly result: ResultTable,
  ) {
    const out = options.out;
    this.columns = out.columns > 0 ? out.columns : 80;
    const rows = out.rows > 0 ? out.rows : 24;
    // The chart fills the terminal: around it the header, the detail line, the watermark line and the bar.
    this.chartHeight = chartHeightFor(rows, 3 + this.watermarkLines);
    this.bar = new cliProgress.SingleBar({
      stream: out,
      format: '{state} ▕{bar}▏ {value}/{total} files │ {rate} rows/s │ batch {batch} │ {duration_formatted}',
      barsize: 20,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      linewrap: false,
      forceRedraw: true,
      gracefulExit: false,
      fps: 5,
    });
  }

  /** Draws the first frame and starts the bar. */
  start(query: StreamingQuery): void {
    this.write(this.frame('active', query).join('\n') + '\n');
    this.bar.start(Math.max(1, query.inputsKnown ?? 0), 0, this.payload('active'));
    // Files can be listed between triggers (--watch): keep "files known" current.
    this.refresh = setInterval(() => this.bar.setTotal(Math.max(1, query.inputsKnown ?? 0, this.filesDone)), 250);
    this.refresh.unref();
  }

  /** Redraws the chart and the bar after a trigger. */
  onTrigger(t: TriggerResult, query: StreamingQuery): void {
    this.lastTrigger = t;
    this.filesDone += (t.progress.sources[0]?.inputs.length ?? 0);
    this.rowsDone += t.progress.numInputRows;
    this.lateRowsDone += lateInputRows(t.progress);
    this.redraw('active', query);
  }

  /** The final frame: chart and bar as the query ended; the cursor is left below the bar. */
  finish(state: RunState, query: StreamingQuery): void {
    if (this.refresh !== undefined) clearInterval(this.refresh);
    this.redraw(state, query);
    this.bar.stop();
  }

  get filesProcessed(): number {
    return this.filesDone;
  }

  get rowsProcessed(): number {
    return this.rowsDone;
  }

  /** The watermark line is drawn only when the query has a watermark. */
  private get watermarkLines(): number {
    return this.options.cli.watermark === undefined ? 0 : 1;
  }

  private redraw(state: RunState, query: StreamingQuery): void {
    // Back to the top of the frame and overwrite it line by line (erasing each line's rest; the
    // frame always has the same number of lines), then the bar below redraws itself.
    this.write(`\r${CSI}${this.frameLines}A` + this.frame(state, query).map((l) => l + `${CSI}K`).join('\n') + '\n');
    this.bar.setTotal(Math.max(1, query.inputsKnown ?? 0, this.filesDone));
    this.bar.update(this.filesDone, this.payload(state));
    this.bar.render();
  }

  private frame(state: RunState, query: StreamingQuery): string[] {
    const { cli, dirLabel } = this.options;
    const header = `structured-rx · ${cli.queryName} [${state}] · ${cli.outputMode} · ${windowsText(cli)} by ${cli.groupBy.join(', ')}`;
    const t = this.lastTrigger;
    const detail =
      t === undefined
        ? `reading ${dirLabel}${cli.watch ? ' (watching for new files)' : ''}`
        : `batch ${t.progress.batchId}: ${describeFiles(t.progress.sources[0]?.inputs ?? [])}, ${t.progress.numInputRows} rows${badInput(t, cli.mode)} · ${dirLabel}`;
    // With --sql, the statements' results after the last trigger take the chart's place (same height).
    const chart =
      cli.sql.length > 0
        ? sqlPanel(t?.sql ?? [], chartLineCount(this.chartHeight))
        : renderTimelineChart(this.result, {
            columns: this.columns,
            height: this.chartHeight,
            color: this.options.color,
            ...chartAxes(cli),
            ...(t === undefined ? {} : { emptyText: `(no rows after ${t.progress.batchId + 1} ${t.progress.batchId === 0 ? 'trigger' : 'triggers'})` }),
          });
    const watermark = cli.watermark === undefined ? [] : [this.fit(this.watermarkLine(cli.watermark.text, query.watermarkMs))];
    const lines = [this.fit(escapeControl(header)), this.fit(escapeControl(detail)), ...watermark, ...chart.map((l) => (visibleLength(l) > this.columns - 1 ? this.fit(l) : l))];
    this.frameLines = 2 + this.watermarkLines + chartLineCount(this.chartHeight);
    return lines;
  }

  /** "watermark Jan-15 09:11 (delay 5 minutes) · 1 late row dropped · 3 state rows"; times in UTC, as the chart's. */
  private watermarkLine(delayText: string, watermarkMs: number): string {
    const at = watermarkMs >= END_OF_TIME_MS ? 'end of input' : watermarkMs > 0 ? formatWindowTime(watermarkMs) : 'none yet';
    const state = this.lastTrigger === undefined ? 0 : stateRows(this.lastTrigger.progress);
    const late = this.lateRowsDone;
    return `watermark ${at} (delay ${delayText}) · ${late} late row${late === 1 ? '' : 's'} dropped · ${state} state row${state === 1 ? '' : 's'}`;
  }

  private payload(state: RunState): Record<string, string | number> {
    const p = this.lastTrigger?.progress;
    const rate = p === undefined ? 0 : p.inputRowsPerSecond > 0 ? p.inputRowsPerSecond : p.processedRowsPerSecond;
    return { state: state.padEnd(7), rate: Math.round(rate), batch: p === undefined ? '-' : p.batchId };
  }

  /** Cuts a plain line to the terminal width. */
  private fit(line: string): string {
    // eslint-disable-next-line no-control-regex
    const plain = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    return plain.length > this.columns - 1 ? plain.slice(0, this.columns - 2) + '…' : plain;
  }

  private write(s: string): void {
    this.options.out.write(s);
  }
}

/** The `--sql` results as exactly `height` lines: cut with a marker when longer, padded when shorter. */
export function sqlPanel(outcomes: readonly SqlOutcome[], height: number): string[] {
  const lines = outcomes.length === 0 ? ['(waiting for the first trigger)'] : outcomes.map((o) => renderReport(sqlReport(o)).trimEnd()).join('\n\n').split('\n');
  if (lines.length > height) return [...lines.slice(0, height - 1), `… ${lines.length - height + 1} more lines at the end`];
  return [...lines, ...Array<string>(height - lines.length).fill('')];
}

/** The trigger's bad input, for the detail line: " (3 malformed, 2 without event time, 1 corrupt file)", or nothing. */
function badInput(t: TriggerResult, mode: ParseMode): string {
  const phrases = countPhrases(triggerCounts(t.progress), mode);
  return phrases.length === 0 ? '' : ` (${phrases.join(', ')})`;
}

/** "file-3.json", or "file-3.json … file-9.json (7 files)". */
export function describeFiles(files: readonly string[]): string {
  if (files.length === 0) return 'no files';
  if (files.length === 1) return files[0] ?? '';
  return `${files[0] ?? ''} … ${files[files.length - 1] ?? ''} (${files.length} files)`;
}

/**
 * The chart's measure: the first numeric aggregate of `--agg` (counts, sums, averages, distinct
 * counts, and min or max of a numeric column); undefined when none is numeric.
 */
export function chartMeasure(cli: CliOptions): ChartMeasure | undefined {
  const numeric = (column: string): boolean => ['int', 'long', 'double'].includes(cli.schema.fields.find((f) => f.name === column)?.type ?? '');
  const a = cli.aggregates.find((x) => ((x.fn === 'min' || x.fn === 'max') ? numeric(x.column) : true));
  if (a === undefined) return undefined;
  return { column: a.name, label: a.name === 'count' ? 'counts' : a.name, additive: a.fn === 'count' || a.fn === 'sum' };
}

/** The chart's x axis and legend for the window kind: tumbling, sliding (placed by slide) or sessions (placed by start, in steps of the gap). */
export function chartAxes(cli: CliOptions): Pick<ChartOptions, 'windowMs' | 'spanMs' | 'windowText' | 'windowNoun' | 'measure'> {
  const measure = chartMeasure(cli) ?? { column: '', label: '(no numeric aggregate)', additive: true };
  if (cli.sessionGap !== undefined) {
    const gap = cli.sessionGap.text;
    return {
      windowMs: cli.sessionGap.ms,
      spanMs: 0,
      windowText: gap,
      windowNoun: { one: `session, by start (gap ${gap})`, many: (n) => `sessions starting within ${n} x ${gap}` },
      measure,
    };
  }
  if (cli.slide !== undefined) {
    const slide = cli.slide.text;
    return {
      windowMs: cli.slide.ms,
      spanMs: cli.windowMs,
      windowText: cli.windowText,
      windowNoun: { one: `${cli.windowText} window every ${slide}`, many: (n) => `${n} windows of ${cli.windowText} every ${slide}` },
      measure,
    };
  }
  return { windowMs: cli.windowMs, windowText: cli.windowText, measure };
}
