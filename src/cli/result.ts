import { luxon } from '../lazy-dependencies.js';
import { groupKey } from '../group-key.js';
import type { Aggregate } from '../agg/functions.js';
import { isWindow, type Window } from '../schema.js';
import { escapeControl } from './escape.js';
import type { CliOutputMode } from './options.js';

/** A row of the command's result table: the grouping columns, the window column (`window` or `session_window`) and one column per aggregate. */
export type ResultRow = Readonly<Record<string, unknown>>;

/**
 * The query's current result table, kept by the command for its chart and final tables. In
 * `complete` mode each trigger replaces it; in `update` mode each trigger's changed rows replace
 * their groups' rows (the table Spark's update mode describes: one row per group, latest value);
 * in `append` mode each trigger's rows are added (each group and window comes once, final, when
 * the watermark has passed the window's end).
 */
export class ResultTable {
  private readonly rowsByGroup = new Map<string, ResultRow>();

  constructor(
    private readonly groupColumns: readonly string[],
    /** The window column: `window`, or `session_window` with `--session-gap`. */
    readonly windowColumn: string = 'window',
  ) {}

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

  /** A row's window (or session). */
  windowOf(row: ResultRow): Window {
    const w = row[this.windowColumn];
    return isWindow(w) ? w : { start: 0, end: 0 };
  }

  private keyOf(row: ResultRow): string {
    return groupKey([...this.groupValues(row), row[this.windowColumn]]);
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

/** A column of the totals table: how one aggregate combines across a group's windows. */
export interface TotalColumn {
  readonly header: string;
  /** The aggregate's column in the result table. */
  readonly column: string;
  /** `sum` for counts and sums (`total_<name>`), `min` and `max` for min and max (the same name). */
  readonly combine: 'sum' | 'min' | 'max';
}

/**
 * The totals table's columns: the aggregates that combine across windows. Counts and sums add
 * up (`total_count`, as the notebook's `sum(count) as total_count`); min and max are the min and
 * max over the windows; averages and distinct counts do not combine, so they have none.
 */
export function totalColumns(aggregates: readonly Aggregate[]): TotalColumn[] {
  return aggregates.flatMap((a): TotalColumn[] => {
    if (a.fn === 'count' || a.fn === 'sum') return [{ header: `total_${a.name}`, column: a.name, combine: 'sum' }];
    if (a.fn === 'min' || a.fn === 'max') return [{ header: a.name, column: a.name, combine: a.fn }];
    return [];
  });
}

/** One line of the totals table: the group's values and one total per {@link TotalColumn}. */
export interface TotalRow {
  readonly values: readonly unknown[];
  readonly totals: readonly unknown[];
}

function combine(how: TotalColumn['combine'], acc: unknown, value: unknown): unknown {
  if (value === null || value === undefined) return acc;
  if (acc === null || acc === undefined) return value;
  if (how === 'sum') return (acc as number) + (value as number);
  const c = compareValues(value, acc);
  return (how === 'min' ? c < 0 : c > 0) ? value : acc;
}

/** The notebook's `select action, sum(count) as total_count ... group by action` (and min, max), ordered by the group. */
export function totals(table: ResultTable, columns: readonly TotalColumn[]): TotalRow[] {
  const byGroup = new Map<string, { values: unknown[]; totals: unknown[] }>();
  for (const row of table.rows) {
    const values = table.groupValues(row);
    const key = groupKey(values);
    let entry = byGroup.get(key);
    if (entry === undefined) {
      entry = { values, totals: columns.map(() => null) };
      byGroup.set(key, entry);
    }
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i] as TotalColumn;
      entry.totals[i] = combine(c.combine, entry.totals[i], row[c.column]);
    }
  }
  return [...byGroup.values()].sort((a, b) => compareLists(a.values, b.values));
}

/** One line of the timeline: the group's values, the window and its aggregates. */
export interface TimelineRow {
  readonly values: readonly unknown[];
  readonly window: Window;
  readonly aggregates: readonly unknown[];
}

/** The notebook's timeline: every row, ordered by window end, then start, then the group. */
export function timeline(table: ResultTable, aggregateColumns: readonly string[]): TimelineRow[] {
  return table.rows
    .map((row) => ({ values: table.groupValues(row), window: table.windowOf(row), aggregates: aggregateColumns.map((c) => row[c]) }))
    .sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start || compareLists(a.values, b.values));
}

/** `date_format(window.end, "MMM-dd HH:mm")` in UTC, English month names whatever the locale. */
export function formatWindowTime(ms: number): string {
  return luxon().DateTime.fromMillis(ms, { zone: 'utc' }).setLocale('en-US').toFormat('LLL-dd HH:mm');
}


/** A group's values as one label ("Open", or "Open / 42" for two columns). */
export function groupLabel(values: readonly unknown[]): string {
  return values.map((v) => (v === null || v === undefined ? 'null' : escapeControl(String(v)))).join(' / ');
}
