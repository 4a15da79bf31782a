import asciichart from 'asciichart';
import { compareValues, formatWindowTime, groupLabel, type ResultTable } from './result.js';

export interface ChartOptions {
  /** Terminal columns; every line fits in `columns - 1`. */
  readonly columns: number;
  /** Plot rows (the chart has `height + 1` plot lines). */
  readonly height: number;
  readonly windowMs: number;
  /** Label for the y axis unit, e.g. "1 hour". */
  readonly windowText: string;
  /** Color the series (and legend) with terminal escape codes. */
  readonly color: boolean;
}

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
 * group value, y the count. When there are more windows than columns, adjacent windows are
 * summed into one column (the legend says how many). Always returns
 * {@link chartLineCount}`(height)` lines, so the chart can be redrawn in place.
 */
export function renderTimelineChart(table: ResultTable, options: ChartOptions): string[] {
  const { columns, height, windowMs } = options;
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
    g.total += row.count;
    groups.set(label, g);
    grandTotal += row.count;
    minStart = Math.min(minStart, row.window.start);
    maxStart = Math.max(maxStart, row.window.start);
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
  // At least 2: asciichart draws the axis over a 1-character label (its default offset is 3).
  const labelWidth = Math.max(2, String(grandTotal).length);
  const maxPoints = Math.max(2, columns - labelWidth - 4);
  const windows = Math.round((maxStart - minStart) / windowMs) + 1;
  const perPoint = Math.ceil(windows / maxPoints);
  const points = Math.ceil(windows / perPoint);
  const series = shown.map(() => new Array<number>(points).fill(0));
  for (const row of rows) {
    const s = seriesIndex.get(groupLabel(table.groupValues(row)));
    if (s === undefined) continue;
    const x = Math.floor(Math.round((row.window.start - minStart) / windowMs) / perPoint);
    const line = series[s];
    if (line !== undefined) line[x] = (line[x] ?? 0) + row.count;
  }
  let max = 1;
  for (const line of series) for (const v of line) max = Math.max(max, v);

  const plot = asciichart.plot(series, {
    min: 0,
    max,
    height,
    offset: 3,
    format: (v: number) => String(Math.round(v)).padStart(labelWidth),
    ...(options.color ? { colors: shown.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]) } : {}),
  });
  lines.push(...plot.split('\n'));
  while (lines.length < height + 1) lines.push('');

  // x axis: the first and last window ends under the first and last point.
  const first = formatWindowTime(minStart + windowMs * perPoint);
  const last = formatWindowTime(minStart + windowMs * windows);
  const left = ' '.repeat(labelWidth + 1) + first;
  const lastEnd = labelWidth + 1 + points; // the column after the last point
  const axis = points > first.length + last.length + 2 ? left + ' '.repeat(Math.max(1, lastEnd - left.length - last.length)) + last : left;
  lines.push(axis);

  // Legend: one entry per series, and what a column holds.
  const unit = perPoint === 1 ? `counts per ${options.windowText} window` : `counts per ${perPoint} windows of ${options.windowText}`;
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
