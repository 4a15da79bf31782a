import type { Catalog } from '../catalog.js';
import { isWindow, type ColumnType } from '../schema.js';
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
}

/** What a report can look at once the query has ended. */
export interface ReportContext {
  readonly options: CliOptions;
  readonly result: ResultTable;
  /** The catalog with the memory table `--query-name`. */
  readonly catalog: Catalog;
  readonly resultSchema: Readonly<Record<string, ColumnType>>;
}

/** A cell as text: timestamps as ISO-8601 UTC, a window as an ISO interval `start/end`, null as `null`. */
export function formatCell(value: unknown, type: ColumnType | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (type === 'timestamp' && typeof value === 'number') return isoTime(value);
  if (type === 'window' && isWindow(value)) return `${isoTime(value.start)}/${isoTime(value.end)}`;
  return String(value);
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
 * final table when there are any (they replace the default tables), else the notebook's two tables.
 */
export function finalReports(ctx: ReportContext): Report[] {
  if (ctx.options.sql.length > 0) return runStatements(ctx.options.sql, ctx.catalog).map(sqlReport);
  const totalsTable = totalsReport(ctx);
  return totalsTable === undefined ? [timelineReport(ctx)] : [totalsTable, timelineReport(ctx)];
}

/** A report as plain text: title, header, rule, rows; columns padded with spaces, no escape codes. */
export function renderReport(report: Report): string {
  const widths = report.headers.map((h, i) => Math.max(h.length, ...report.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (report.rightAligned.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [report.title, line(report.headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of report.rows) out.push(line(r));
  if (report.rows.length === 0) out.push('(no rows)');
  return out.join('\n') + '\n';
}
