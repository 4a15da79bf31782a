import asciichart from 'asciichart';
import { compareValues, formatWindowTime, groupLabel, type ResultTable } from './result.js';

export interface ChartOptions {
  /** Terminal columns; every line fits in `columns - 1`. */
  readonly columns: number;
  /** Plot rows (the chart has `height + 1` plot lines). */
  readonly height: number;
  /** The spacing of window starts on the x axis: the window size (tumbling), the slide (sliding), the gap (sessions, placed by start). */
  readonly windowMs: number;
  /** The length of a window, for the window ends under the axis; default `windowMs`. */
  readonly spanMs?: number;
  /** Label for the y axis unit, e.g. "1 hour". */
  readonly windowText: string;
  /** What a column holds, in the legend: one window ("1 hour window"), or `n` of them ("3 windows of 1 hour"). Default from `windowText`. */
  readonly windowNoun?: { readonly one: string; readonly many: (n: number) => string };
  /**
   * The plotted value: a numeric aggregate column, its legend label, and whether values add up
   * (adjacent windows in one column are then summed, else their largest is shown). Default the
   * notebook's `count`.
   */
  readonly measure?: ChartMeasure;
  /** Color the series (and legend) with terminal escape codes. */
  readonly color: boolean;
}

/** The value the chart plots per group and window. */
export interface ChartMeasure {
  readonly column: string;
  /** As the legend says it: "counts", "avg_latency". */
  readonly label: string;
  readonly additive: boolean;
}

const COUNT_MEASURE: ChartMeasure = { column: 'count', label: 'counts', additive: true };

const SERIES_COLORS = [asciichart.lightcyan, asciichart.lightmagenta, asciichart.lightgreen, asciichart.lightyellow, asciichart.lightblue, asciichart.lightred];
const MAX_SERIES = SERIES_COLORS.length;

/** Visible length of a string with escape codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length;
}

/** Number of lines {@link renderTimelineChart} returns for a given height: plot, x labels, legend. */
export function chartLineCount(height: number): number {
  return height + 3;
}

/**
 * The result table's timeline as a terminal chart: x is the window (oldest left), one series per
 * group value, y the measure (the count, or the first numeric aggregate). When there are more
 * windows than columns, adjacent windows are summed into one column (the legend says how many;
 * for a measure that does not add up, such as an average, the column shows the largest). Always returns
 * {@link chartLineCount}`(height)` lines, so the chart can be redrawn in place.
 */
export function renderTimelineChart(table: ResultTable, options: ChartOptions): string[] {
  const { columns, height, windowMs } = options;
  const spanMs = options.spanMs ?? windowMs;
  const measure = options.measure ?? COUNT_MEASURE;
  const valueOf = (row: Readonly<Record<string, unknown>>): number | undefined => {
    const v = row[measure.column];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const rows = table.rows;
  const lines: string[] = [];
  if (rows.length === 0) {
    for (let i = 0; i < height + 1; i++) lines.push(i === Math.floor(height / 2) ? '  (waiting for the first trigger)' : '');
    lines.push('', '');
    return lines;
  }

  // Groups: the largest by total, at most MAX_SERIES, shown in group order.
  const groups = new Map<string, { label: string; values: unknown[]; total: number }>();
  let grandTotal = 0;
  let minStart = Infinity;
  let maxStart = -Infinity;
  for (const row of rows) {
    const values = table.groupValues(row);
    const label = groupLabel(values);
    const g = groups.get(label) ?? { label, values, total: 0 };
    const v = valueOf(row) ?? 0;
    g.total += Math.abs(v);
    groups.set(label, g);
    grandTotal += v;
    const start = table.windowOf(row).start;
    minStart = Math.min(minStart, start);
    maxStart = Math.max(maxStart, start);
  }
  const shown = [...groups.values()]
    .sort((a, b) => b.total - a.total)
    .slice(0, MAX_SERIES)
    .sort((a, b) => {
      for (let i = 0; i < a.values.length; i++) {
        const c = compareValues(a.values[i], b.values[i]);
        if (c !== 0) return c;
      }
      return 0;
    });
  const seriesIndex = new Map(shown.map((g, i) => [g.label, i]));

  // Columns: windows from the first to the last, adjacent ones summed when they do not fit.
  // Values that are all whole numbers are labelled as such; others (averages) with a decimal or two.
  let whole = true;
  let dataMax = 0;
  let dataMin = 0;
  for (const row of rows) {
    const v = valueOf(row);
    if (v === undefined) continue;
    if (!Number.isInteger(v)) whole = false;
    dataMax = Math.max(dataMax, v);
    dataMin = Math.min(dataMin, v);
  }
  const magnitude = Math.max(Math.abs(dataMax), Math.abs(dataMin));
  const digits = whole ? 0 : magnitude < 10 ? 2 : magnitude < 100 ? 1 : 0;
  const formatValue = (v: number): string => (digits === 0 ? String(Math.round(v)) : v.toFixed(digits));
  // At least 2: asciichart draws the axis over a 1-character label (its default offset is 3).
  const labelWidth = Math.max(2, measure.additive && whole ? String(grandTotal).length : Math.max(formatValue(dataMax).length, formatValue(dataMin).length));
  const maxPoints = Math.max(2, columns - labelWidth - 4);
  const windows = Math.round((maxStart - minStart) / windowMs) + 1;
  const perPoint = Math.ceil(windows / maxPoints);
  const points = Math.ceil(windows / perPoint);
  const series = shown.map(() => new Array<number>(points).fill(0));
  const filled = shown.map(() => new Array<boolean>(points).fill(false));
  for (const row of rows) {
    const s = seriesIndex.get(groupLabel(table.groupValues(row)));
    const v = valueOf(row);
    if (s === undefined || v === undefined) continue;
    const x = Math.floor(Math.round((table.windowOf(row).start - minStart) / windowMs) / perPoint);
    const line = series[s];
    const seen = filled[s];
    if (line === undefined || seen === undefined) continue;
    line[x] = measure.additive ? (line[x] ?? 0) + v : seen[x] === true ? Math.max(line[x] ?? v, v) : v;
    seen[x] = true;
  }
  let max = 1;
  let min = 0;
  for (const line of series) for (const v of line) (max = Math.max(max, v)), (min = Math.min(min, v));

  const plot = asciichart.plot(series, {
    min,
    max,
    height,
    offset: 3,
    format: (v: number) => formatValue(v).padStart(labelWidth),
    ...(options.color ? { colors: shown.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]) } : {}),
  });
  lines.push(...plot.split('\n'));
  while (lines.length < height + 1) lines.push('');

  // x axis: the first and last window ends under the first and last point.
  const first = formatWindowTime(minStart + windowMs * (perPoint - 1) + spanMs);
  const last = formatWindowTime(minStart + windowMs * (windows - 1) + spanMs);
  const left = ' '.repeat(labelWidth + 1) + first;
  const lastEnd = labelWidth + 1 + points; // the column after the last point
  const axis = points > first.length + last.length + 2 ? left + ' '.repeat(Math.max(1, lastEnd - left.length - last.length)) + last : left;
  lines.push(axis);

  // Legend: one entry per series, and what a column holds.
  const noun = options.windowNoun ?? { one: `${options.windowText} window`, many: (n: number) => `${n} windows of ${options.windowText}` };
  const unit =
    perPoint === 1 ? `${measure.label} per ${noun.one}` : measure.additive ? `${measure.label} per ${noun.many(perPoint)}` : `largest ${measure.label} of ${noun.many(perPoint)}`;
  const hidden = groups.size - shown.length;
  const entries = shown.map((g, i) => {
    const mark = options.color ? asciichart.colored('━━', SERIES_COLORS[i % SERIES_COLORS.length]) : '──';
    return `${mark} ${g.label}`;
  });
  let legend = ' '.repeat(labelWidth + 1) + entries.join('  ') + (hidden > 0 ? `  (+${hidden} more)` : '') + `  (${unit})`;
  if (visibleLength(legend) > columns - 1) legend = ' '.repeat(labelWidth + 1) + entries.join('  ');
  lines.push(legend);
  return lines;
}
