import type { Catalog } from '../catalog.js';
import { isWindow, type ColumnType } from '../schema.js';
import type { CliOptions } from './options.js';
import { runStatements, type SqlOutcome } from './pipeline.js';
import { isoTime } from '../progress.js';
import { formatWindowTime, timeline, totals, type ResultTable } from './result.js';

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
  const numeric = columns.flatMap((c, i) => (['long', 'int', 'double'].includes(schema[c] ?? '') ? [i] : []));
  return { title: outcome.statement, headers: columns, rows: rows.map((r) => columns.map((c) => formatCell(r[c], schema[c]))), rightAligned: numeric };
}

/** The notebook's `select action, sum(count) as total_count from counts group by action`. */
export function totalsReport(ctx: ReportContext): Report {
  const { groupBy } = ctx.options;
  return {
    title: `Totals per ${groupBy.join(', ')}`,
    headers: [...groupBy, 'total_count'],
    rows: totals(ctx.result).map((t) => [...t.values.map((v, i) => formatCell(v, ctx.resultSchema[groupBy[i] ?? ''])), String(t.total)]),
    rightAligned: [groupBy.length],
  };
}

/** The notebook's `select action, date_format(window.end, "MMM-dd HH:mm") as time, count from counts order by time, action`. */
export function timelineReport(ctx: ReportContext): Report {
  const { groupBy } = ctx.options;
  return {
    title: `Timeline (window end, UTC; ${ctx.options.windowText} windows)`,
    headers: [...groupBy, 'time', 'count'],
    rows: timeline(ctx.result).map((r) => [
      ...r.values.map((v, i) => formatCell(v, ctx.resultSchema[groupBy[i] ?? ''])),
      formatWindowTime(r.window.end),
      String(r.count),
    ]),
    rightAligned: [groupBy.length + 1],
  };
}

/**
 * Every table the command prints at the end, in order: the `--sql` statements' results over the
 * final table when there are any (they replace the default tables), else the notebook's two tables.
 */
export function finalReports(ctx: ReportContext): Report[] {
  if (ctx.options.sql.length > 0) return runStatements(ctx.options.sql, ctx.catalog).map(sqlReport);
  return [totalsReport(ctx), timelineReport(ctx)];
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
