import stringWidth from 'string-width';
import type { Catalog } from '../catalog.js';
import { isWindow, type ColumnType } from '../schema.js';
import { escapeControl } from './escape.js';
import type { CliOptions } from './options.js';
import { runStatements, type SqlOutcome } from './pipeline.js';
import { isoTime } from '../progress.js';
import { formatWindowTime, timeline, totalColumns, totals, type ResultTable } from './result.js';

/** A table to print: a title, column headers and cells as text. */
export interface Report {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns to right-align (numbers). */
  readonly rightAligned: readonly number[];
  /** Rows left out after the first `at` rows (see {@link fitReport}); a line says how many. */
  readonly omitted?: { readonly at: number; readonly count: number };
}

/** What a report can look at once the query has ended. */
export interface ReportContext {
  readonly options: CliOptions;
  readonly result: ResultTable;
  /** The catalog with the memory table `--query-name`. */
  readonly catalog: Catalog;
  readonly resultSchema: Readonly<Record<string, ColumnType>>;
  /**
   * The lines the tables may take (a terminal's height less the lines printed around them): the
   * timeline is cut to its first and last rows to fit. Undefined: every row (`--all-rows`, piped).
   */
  readonly maxLines?: number;
}

/** A cell as text: timestamps as ISO-8601 UTC, a window as an ISO interval `start/end`, null as `null`. */
export function formatCell(value: unknown, type: ColumnType | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (type === 'timestamp' && typeof value === 'number') return isoTime(value);
  if (type === 'window' && isWindow(value)) return `${isoTime(value.start)}/${isoTime(value.end)}`;
  return escapeControl(String(value)); // a value from a file may hold control characters: never sent to the terminal as they are
}

/** One `--sql` statement's outcome as a table: its result, or its error as a one-line report. */
export function sqlReport(outcome: SqlOutcome): Report {
  if ('error' in outcome) return { title: outcome.statement, headers: ['error'], rows: [[outcome.error]], rightAligned: [] };
  const { columns, rows, schema } = outcome.result;
  const numeric = columns.flatMap((c, i) => (NUMERIC_TYPES.includes(schema[c] ?? '') ? [i] : []));
  return { title: outcome.statement, headers: columns, rows: rows.map((r) => columns.map((c) => formatCell(r[c], schema[c]))), rightAligned: numeric };
}

/** The numeric column types: right-aligned in tables. */
const NUMERIC_TYPES: readonly string[] = ['long', 'int', 'double'];

/**
 * The notebook's `select action, sum(count) as total_count from counts group by action`: per
 * group, each count and sum added up over the windows (`total_<name>`), and min and max over
 * them. Undefined when no aggregate combines across windows (only averages, distinct counts).
 */
export function totalsReport(ctx: ReportContext): Report | undefined {
  const { groupBy, aggregates } = ctx.options;
  const columns = totalColumns(aggregates);
  if (columns.length === 0) return undefined;
  return {
    title: `Totals per ${groupBy.join(', ')}`,
    headers: [...groupBy, ...columns.map((c) => c.header)],
    rows: totals(ctx.result, columns).map((t) => [
      ...t.values.map((v, i) => formatCell(v, ctx.resultSchema[groupBy[i] ?? ''])),
      ...t.totals.map((v, i) => formatCell(v, ctx.resultSchema[columns[i]?.column ?? ''])),
    ]),
    rightAligned: columns.flatMap((c, i) => (NUMERIC_TYPES.includes(ctx.resultSchema[c.column] ?? '') ? [groupBy.length + i] : [])),
  };
}

/** How the timeline's title describes the windows: "1 hour windows", "1 hour windows every 15 minutes", "sessions with a 5 minutes gap". */
export function windowsText(options: CliOptions): string {
  if (options.sessionGap !== undefined) return `sessions with a ${options.sessionGap.text} gap`;
  if (options.slide !== undefined) return `${options.windowText} windows every ${options.slide.text}`;
  return `${options.windowText} windows`;
}

/**
 * The notebook's `select action, date_format(window.end, "MMM-dd HH:mm") as time, count from counts order by time, action`,
 * with every aggregate; sessions show their start and end.
 */
export function timelineReport(ctx: ReportContext): Report {
  const { groupBy, aggregates, sessionGap } = ctx.options;
  const names = aggregates.map((a) => a.name);
  const times = sessionGap === undefined ? ['time'] : ['start', 'end'];
  return {
    title: `Timeline (${sessionGap === undefined ? 'window' : 'session'} end, UTC; ${windowsText(ctx.options)})`,
    headers: [...groupBy, ...times, ...names],
    rows: timeline(ctx.result, names).map((r) => [
      ...r.values.map((v, i) => formatCell(v, ctx.resultSchema[groupBy[i] ?? ''])),
      ...(sessionGap === undefined ? [] : [formatWindowTime(r.window.start)]),
      formatWindowTime(r.window.end),
      ...r.aggregates.map((v, i) => formatCell(v, ctx.resultSchema[names[i] ?? ''])),
    ]),
    rightAligned: names.flatMap((n, i) => (NUMERIC_TYPES.includes(ctx.resultSchema[n] ?? '') ? [groupBy.length + times.length + i] : [])),
  };
}

/**
 * Every table the command prints at the end, in order: the `--sql` statements' results over the
 * final table when there are any (they replace the default tables), else the notebook's two tables,
 * the timeline cut to fit `maxLines` when given.
 */
export function finalReports(ctx: ReportContext): Report[] {
  if (ctx.options.sql.length > 0) return runStatements(ctx.options.sql, ctx.catalog).map(sqlReport);
  const totalsTable = totalsReport(ctx);
  const timelineTable = timelineReport(ctx);
  if (totalsTable === undefined) return [ctx.maxLines === undefined ? timelineTable : fitReport(timelineTable, ctx.maxLines)];
  // The totals come first, then a blank line.
  const left = ctx.maxLines === undefined ? undefined : ctx.maxLines - reportLineCount(totalsTable) - 1;
  return [totalsTable, left === undefined ? timelineTable : fitReport(timelineTable, left)];
}

/** The least number of rows {@link fitReport} shows: the first two and the last two. */
const MIN_SHOWN_ROWS = 4;

/**
 * A report that {@link renderReport} prints in at most `maxLines` lines (at least title, header,
 * rule, {@link MIN_SHOWN_ROWS} rows and the marker): the first rows and the last rows, with a line
 * saying how many rows are left out between them. The report itself when it fits.
 */
export function fitReport(report: Report, maxLines: number): Report {
  if (reportLineCount(report) <= maxLines || report.omitted !== undefined) return report;
  const shown = Math.max(MIN_SHOWN_ROWS, maxLines - 4); // title, header, rule, marker
  // A marker in place of a single row would save nothing.
  if (shown >= report.rows.length - 1) return report;
  const head = Math.ceil(shown / 2);
  const tail = shown - head;
  return {
    ...report,
    rows: [...report.rows.slice(0, head), ...report.rows.slice(report.rows.length - tail)],
    omitted: { at: head, count: report.rows.length - shown },
  };
}

/** The lines {@link renderReport} prints for a report. */
export function reportLineCount(report: Report): number {
  return 3 + Math.max(1, report.rows.length) + (report.omitted === undefined ? 0 : 1);
}

/**
 * A report as plain text: title, header, rule, rows; columns padded with spaces to the width a
 * terminal gives them (wide characters such as CJK and emoji take two columns), no escape codes.
 */
export function renderReport(report: Report): string {
  const widths = report.headers.map((h, i) => Math.max(stringWidth(h), ...report.rows.map((r) => stringWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - stringWidth(c)));
        return report.rightAligned.includes(i) ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  const out = [report.title, line(report.headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  report.rows.forEach((r, i) => {
    if (report.omitted !== undefined && i === report.omitted.at) out.push(omittedLine(report.omitted.count));
    out.push(line(r));
  });
  if (report.rows.length === 0) out.push('(no rows)');
  return out.join('\n') + '\n';
}

/** The line in place of the rows {@link fitReport} left out (always two or more). */
function omittedLine(count: number): string {
  return `… ${count} more rows (--all-rows prints every row) …`;
}
