import asciichart from 'asciichart';
import stringWidth from 'string-width';
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
  /** What an empty chart says: default "(waiting for the first trigger)"; after a trigger, that no row came. */
  readonly emptyText?: string;
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

/** Columns a string takes in a terminal: escape codes take none, wide characters (CJK, emoji) two. */
export function visibleLength(s: string): number {
  return stringWidth(s);
}

/** Number of lines {@link renderTimelineChart} returns for a given height: plot, x labels, legend. */
export function chartLineCount(height: number): number {
  return height + 3;
}

/** The smallest chart height: below it the plot says little. */
export const MIN_CHART_HEIGHT = 4;

/**
 * The chart height that fills a terminal of `terminalRows` rows: the chart's lines
 * ({@link chartLineCount}), the view's `otherLines` (header, progress bar, ...) and one spare row
 * for the cursor. At least {@link MIN_CHART_HEIGHT}.
 */
export function chartHeightFor(terminalRows: number, otherLines: number): number {
  return Math.max(MIN_CHART_HEIGHT, terminalRows - otherLines - 1 - chartLineCount(0));
}

/**
 * The chart's y axis: the values of the bottom and top rows, and the rows that carry a label.
 * Labels are round numbers, a `step` apart and each different from the others: whole numbers for
 * a measure whose values are all whole (counts), so that counts of 0 to 3 over 14 rows are
 * labelled 0, 1, 2, 3 on the rows the points are drawn at, rather than 0, 0, 1, 1, 1, 2, ...
 */
export interface ChartScale {
  /** The value of the bottom row: 0, or below when values are negative (a multiple of `step`). */
  readonly min: number;
  /** The value of the top row, at or above the largest value: `min + height * step / rowsPerLabel`. */
  readonly max: number;
  /** The difference between two labels: 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8 or 9 times a power of ten (whole for whole values). */
  readonly step: number;
  /** Rows from one label to the next: more than 1 only when whole values span fewer units than the chart has rows. */
  readonly rowsPerLabel: number;
  /** Decimals of the labels. */
  readonly digits: number;
}

const STEP_MANTISSAS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9];

/** The smallest step at or above `x` (> 0) of the form mantissa x 10^e; whole when `whole`. */
function roundStep(x: number, whole: boolean): { step: number; digits: number } {
  for (let e = Math.floor(Math.log10(x)) - 1; ; e++) {
    for (const m of STEP_MANTISSAS) {
      const step = e < 0 ? m / 10 ** -e : m * 10 ** e;
      if (step < x * (1 - 1e-12)) continue;
      const digits = Math.max(0, -e + (Number.isInteger(m) ? 0 : 1));
      if (whole && digits > 0) continue;
      return { step, digits };
    }
  }
}

/**
 * The y axis for values from `dataMin` to `dataMax` over a plot of `height` rows (`height + 1`
 * lines): the range starts at 0 (or the multiple of the step at or below a negative minimum).
 * Whole values spanning at most `height` units get one label per unit, `floor(height / span)` rows
 * apart; otherwise each row is one step, the smallest round step that fits the values.
 */
export function chartScale(dataMin: number, dataMax: number, height: number, whole: boolean): ChartScale {
  const rowsAvailable = Math.max(1, Math.floor(height));
  const lo = Math.min(0, dataMin);
  if (whole) {
    const bottom = Math.floor(lo);
    const span = Math.max(1, Math.ceil(dataMax) - bottom);
    if (span <= rowsAvailable) {
      const rowsPerLabel = Math.floor(rowsAvailable / span);
      return { min: bottom, max: bottom + rowsAvailable / rowsPerLabel, step: 1, rowsPerLabel, digits: 0 };
    }
  }
  const span = dataMax - lo > 0 ? dataMax - lo : 1;
  let { step, digits } = roundStep(span / rowsAvailable, whole);
  let min = Math.floor(lo / step + 1e-9) * step;
  // Aligning a negative minimum down to the step can push the top below the maximum: next step.
  while (min + rowsAvailable * step < dataMax) {
    ({ step, digits } = roundStep(step * (1 + 1e-9), whole));
    min = Math.floor(lo / step + 1e-9) * step;
  }
  return { min, max: min + rowsAvailable * step, step, rowsPerLabel: 1, digits };
}

/** The label of the row `fromBottom` rows above the bottom (0 = bottom), or undefined for a row without one. */
export function scaleLabel(scale: ChartScale, fromBottom: number): string | undefined {
  if (fromBottom < 0 || fromBottom % scale.rowsPerLabel !== 0) return undefined;
  const value = scale.min + (fromBottom / scale.rowsPerLabel) * scale.step;
  const text = value.toFixed(scale.digits);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** The widest label of a scale over `height` rows. */
function labelsWidth(scale: ChartScale, height: number): number {
  let width = 0;
  for (let r = 0; r <= height; r++) width = Math.max(width, (scaleLabel(scale, r) ?? '').length);
  return width;
}

/** The scale for a chart's series (every column's plotted value). */
function scaleOf(series: readonly (readonly number[])[], height: number, whole: boolean): ChartScale {
  let max = 0;
  let min = 0;
  for (const line of series) for (const v of line) (max = Math.max(max, v)), (min = Math.min(min, v));
  return chartScale(min, max, height, whole);
}

/**
 * asciichart draws its `┼` axis mark on the row as many rows below the top as the zero row is
 * above the bottom (its zero row, upside down); this puts the mark on the zero row instead and a
 * plain axis where it was, unless a series starts there (asciichart marks a series' first value with
 * `┼` too).
 */
function markZeroRow(lines: string[], scale: ChartScale, height: number, series: readonly (readonly number[])[], axis: number): string[] {
  const ratio = height / (scale.max - scale.min);
  const min2 = Math.round(scale.min * ratio);
  const rows = Math.abs(Math.round(scale.max * ratio) - min2);
  const starts = new Set(series.map((line) => rows - (Math.round((line[0] ?? 0) * ratio) - min2)));
  const setAxis = (row: number, from: string, to: string): void => {
    const line = lines[row];
    if (line !== undefined && line[axis] === from) lines[row] = line.slice(0, axis) + to + line.slice(axis + 1);
  };
  if (!starts.has(-min2)) setAxis(-min2, '┼', '┤');
  setAxis(rows + min2, '┤', '┼');
  return lines;
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
    for (let i = 0; i < height + 1; i++) lines.push(i === Math.floor(height / 2) ? `  ${options.emptyText ?? '(waiting for the first trigger)'}` : '');
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
  // Values that are all whole numbers get whole-number labels; others (averages) decimals.
  let whole = true;
  for (const row of rows) {
    const v = valueOf(row);
    if (v !== undefined && !Number.isInteger(v)) whole = false;
  }
  const windows = Math.round((maxStart - minStart) / windowMs) + 1;
  const columnsOf = (labelWidth: number): { series: number[][]; perPoint: number; points: number } => {
    const maxPoints = Math.max(2, columns - labelWidth - 4);
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
    return { series, perPoint, points };
  };
  // The label width is kept steady while counts grow (the grand total bounds any column of an
  // additive measure), and widened when the scale's labels need more room. At least 3: with
  // asciichart's offset of 3, a label of 3 or more characters is followed by a space, then the axis.
  let labelWidth = Math.max(3, measure.additive && whole ? String(Math.round(grandTotal)).length : 2);
  let layout = columnsOf(labelWidth);
  let scale = scaleOf(layout.series, height, whole);
  for (let i = 0; i < 3 && labelsWidth(scale, height) > labelWidth; i++) {
    labelWidth = labelsWidth(scale, height);
    layout = columnsOf(labelWidth);
    scale = scaleOf(layout.series, height, whole);
  }
  const { series, perPoint, points } = layout;

  const plot = asciichart.plot(series, {
    min: scale.min,
    max: scale.max,
    height,
    offset: 3,
    format: (_v: number, fromTop: number) => (scaleLabel(scale, height - fromTop) ?? '').padStart(labelWidth),
    ...(options.color ? { colors: shown.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]) } : {}),
  });
  lines.push(...markZeroRow(plot.split('\n'), scale, height, series, labelWidth + 1));
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
