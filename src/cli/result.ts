import { DateTime } from 'luxon';
import { groupKey } from '../group-key.js';
import type { Window } from '../schema.js';
import type { CliOutputMode } from './options.js';

/** A row of the command's result table: the grouping columns, `window` and `count`. */
export type ResultRow = Readonly<Record<string, unknown>> & { readonly window: Window; readonly count: number };

/**
 * The query's current result table, kept by the command for its chart and final tables. In
 * `complete` mode each trigger replaces it; in `update` mode each trigger's changed rows replace
 * their groups' rows (the table Spark's update mode describes: one row per group, latest value);
 * in `append` mode each trigger's rows are added (each group and window comes once, final, when
 * the watermark has passed the window's end).
 */
export class ResultTable {
  private readonly rowsByGroup = new Map<string, ResultRow>();

  constructor(private readonly groupColumns: readonly string[]) {}

  /** Applies what the sink received in one trigger. */
  apply(rows: readonly ResultRow[], mode: CliOutputMode): void {
    if (mode === 'complete') this.rowsByGroup.clear();
    for (const row of rows) this.rowsByGroup.set(this.keyOf(row), row);
  }

  get rows(): ResultRow[] {
    return [...this.rowsByGroup.values()];
  }

  /** The grouping values of a row, without the window. */
  groupValues(row: ResultRow): unknown[] {
    return this.groupColumns.map((c) => row[c]);
  }

  private keyOf(row: ResultRow): string {
    return groupKey([...this.groupValues(row), row.window]);
  }
}

/** Orders values as Spark's `order by`: nulls first, numbers numerically, strings by code point. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareLists(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** One line of the totals table: the group's values and its total count. */
export interface TotalRow {
  readonly values: readonly unknown[];
  readonly total: number;
}

/** The notebook's `select action, sum(count) as total_count ... group by action`, ordered by the group. */
export function totals(table: ResultTable): TotalRow[] {
  const byGroup = new Map<string, { values: unknown[]; total: number }>();
  for (const row of table.rows) {
    const values = table.groupValues(row);
    const key = groupKey(values);
    const entry = byGroup.get(key);
    if (entry === undefined) byGroup.set(key, { values, total: row.count });
    else entry.total += row.count;
  }
  return [...byGroup.values()].sort((a, b) => compareLists(a.values, b.values));
}

/** One line of the timeline: the group's values, the window and its count. */
export interface TimelineRow {
  readonly values: readonly unknown[];
  readonly window: Window;
  readonly count: number;
}

/** The notebook's timeline: every row, ordered by window end, then by the group. */
export function timeline(table: ResultTable): TimelineRow[] {
  return table.rows
    .map((row) => ({ values: table.groupValues(row), window: row.window, count: row.count }))
    .sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start || compareLists(a.values, b.values));
}

/** `date_format(window.end, "MMM-dd HH:mm")` in UTC, English month names whatever the locale. */
export function formatWindowTime(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).setLocale('en-US').toFormat('LLL-dd HH:mm');
}


/** A group's values as one label ("Open", or "Open / 42" for two columns). */
export function groupLabel(values: readonly unknown[]): string {
  return values.map((v) => (v === null || v === undefined ? 'null' : String(v))).join(' / ');
}
