// The timeline chart's y axis: round labels, each different, on the rows the points are drawn
// at; the chart's height from the terminal's.
import { chartHeightFor, chartLineCount, chartScale, renderTimelineChart, scaleLabel, visibleLength, type ChartScale } from '../../src/cli/chart.js';
import { ResultTable } from '../../src/cli/result.js';

const HOUR = 3_600_000;

/** The labels of a scale over `height` rows, bottom first, rows without a label left out. */
function labels(scale: ChartScale, height: number): string[] {
  const out: string[] = [];
  for (let r = 0; r <= height; r++) {
    const l = scaleLabel(scale, r);
    if (l !== undefined) out.push(l);
  }
  return out;
}

/** A result table of counts per kind and hourly window: `counts[kind][i]` is window i's count. */
function table(counts: Readonly<Record<string, readonly number[]>>): ResultTable {
  const t = new ResultTable(['kind']);
  const rows: Record<string, unknown>[] = [];
  for (const [kind, values] of Object.entries(counts)) {
    values.forEach((count, i) => rows.push({ kind, window: { start: i * HOUR, end: (i + 1) * HOUR }, count }));
  }
  t.apply(rows, 'complete');
  return t;
}

/** The plot lines' labels, top first ('' for a row without one). */
function plotLabels(lines: readonly string[], height: number): string[] {
  return lines.slice(0, height + 1).map((l) => /^\s*(-?[\d.]+)? [┤┼]/.exec(l)?.[1] ?? '');
}

describe('chartScale', () => {
  it('labels small whole counts once each, a whole number of rows apart', () => {
    const scale = chartScale(0, 3, 14, true);
    expect(scale).toMatchObject({ min: 0, step: 1, rowsPerLabel: 4, digits: 0 });
    expect(labels(scale, 14)).toEqual(['0', '1', '2', '3']);
    expect(scale.max).toBeGreaterThanOrEqual(3);
    // The label of count n is on the row asciichart draws n at: round(n * height / (max - min)).
    const ratio = 14 / (scale.max - scale.min);
    for (let n = 0; n <= 3; n++) expect(scaleLabel(scale, Math.round(n * ratio))).toBe(String(n));
  });

  it('gives every row a label when whole counts span as many units as rows', () => {
    expect(labels(chartScale(0, 14, 14, true), 14)).toEqual([...Array(15).keys()].map(String));
  });

  it('labels a chart of zeros 0 and 1', () => {
    expect(labels(chartScale(0, 0, 10, true), 10)).toEqual(['0', '1']);
  });

  it('steps large counts by a round number, every row labelled, the largest count inside', () => {
    const scale = chartScale(0, 1086, 17, true);
    expect(scale.step).toBe(70);
    expect(scale.max).toBe(1190);
    const l = labels(scale, 17);
    expect(l).toHaveLength(18);
    expect(new Set(l).size).toBe(18);
    expect(chartScale(0, 1086, 23, true)).toMatchObject({ step: 50, max: 1150 });
  });

  it('never steps whole counts by a fraction', () => {
    const scale = chartScale(0, 15, 14, true);
    expect(Number.isInteger(scale.step)).toBe(true);
    expect(scale.max).toBeGreaterThanOrEqual(15);
    expect(labels(scale, 14).every((l) => /^\d+$/.test(l))).toBe(true);
  });

  it('labels averages with as many decimals as the step needs, all different', () => {
    const scale = chartScale(0, 0.05, 14, false);
    const l = labels(scale, 14);
    expect(new Set(l).size).toBe(l.length);
    expect(scale.max).toBeGreaterThanOrEqual(0.05);
    expect(l[0]).toBe('0.000');
    expect(l[1]).toBe('0.004');
    const wide = chartScale(0, 2.7, 14, false);
    expect(wide.step).toBe(0.2);
    expect(labels(wide, 14).slice(0, 3)).toEqual(['0.0', '0.2', '0.4']);
  });

  it('starts a negative range at a multiple of the step, 0 among the labels', () => {
    const scale = chartScale(-7, 30, 10, true);
    expect(scale.min % scale.step).toBe(-0);
    expect(scale.min).toBeLessThanOrEqual(-7);
    expect(scale.max).toBeGreaterThanOrEqual(30);
    expect(labels(scale, 10)).toContain('0');
    const small = chartScale(-2, 3, 10, true);
    expect(labels(small, 10)).toEqual(['-2', '-1', '0', '1', '2', '3']);
  });
});

describe('the timeline chart', () => {
  it('labels counts of 1 to 3 once each, on the rows their points are on', () => {
    const height = 14;
    const lines = renderTimelineChart(table({ a: [1, 3, 2], b: [2, 1, 1] }), { columns: 80, height, windowMs: HOUR, windowText: '1 hour', color: false });
    expect(lines).toHaveLength(chartLineCount(height));
    const shown = plotLabels(lines, height).filter((l) => l !== '');
    expect(shown).toEqual(['3', '2', '1', '0']);
    // Series a starts at 1: its first point is on the row labelled 1.
    const one = lines.find((l) => /^\s*1 /.test(l));
    expect(one).toMatch(/^\s*1 ┼/);
  });

  it('marks the zero row on the axis, not the top row', () => {
    const height = 10;
    const lines = renderTimelineChart(table({ a: [5, 9, 7] }), { columns: 80, height, windowMs: HOUR, windowText: '1 hour', color: false });
    expect(lines[height]).toMatch(/^\s*0 ┼/);
    expect(lines[0]).toMatch(/^\s*\d+ ┤/);
  });

  it('keeps every line inside the columns, with wide group values in the legend', () => {
    const lines = renderTimelineChart(table({ 東京: [10, 20, 30], '😀': [3, 2, 1] }), { columns: 40, height: 6, windowMs: HOUR, windowText: '1 hour', color: true });
    for (const l of lines) expect(visibleLength(l)).toBeLessThanOrEqual(39);
    expect(lines[lines.length - 1]).toContain('東京');
  });
});

describe('an empty timeline chart', () => {
  it('waits for the first trigger, then says that no row came, at the same height', () => {
    const options = { columns: 80, height: 6, windowMs: HOUR, windowText: '1 hour', color: false };
    const waiting = renderTimelineChart(table({}), options);
    const none = renderTimelineChart(table({}), { ...options, emptyText: '(no rows after 2 triggers)' });
    expect(waiting.join('\n')).toContain('(waiting for the first trigger)');
    expect(none.join('\n')).toContain('(no rows after 2 triggers)');
    expect(none.join('\n')).not.toContain('waiting');
    expect(none).toHaveLength(waiting.length);
    expect(none).toHaveLength(chartLineCount(6));
  });
});

describe('chartHeightFor', () => {
  it('fills the terminal: the chart, the other lines and a spare row', () => {
    for (const rows of [24, 30, 50]) {
      const height = chartHeightFor(rows, 3);
      expect(chartLineCount(height) + 3 + 1).toBe(rows);
    }
  });

  it('keeps a small chart in a tiny terminal', () => {
    expect(chartHeightFor(5, 3)).toBe(4);
  });
});
