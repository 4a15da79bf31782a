import fc from 'fast-check';
import { parseDurationMs, slidingWindowStarts, tumblingWindowStart } from '../../src/index.js';
import { slidingWindowCount } from '../../src/window.js';
import { instant, loadCase, type ConformanceCase, type WindowSpec } from './conformance.js';

const S = 1000;
const HOUR = 3600 * S;

describe('tumblingWindowStart', () => {
  it('aligns windows to the epoch', () => {
    expect(tumblingWindowStart(0, 10 * S)).toBe(0);
    expect(tumblingWindowStart(3 * S, 10 * S)).toBe(0);
    expect(tumblingWindowStart(27 * S, 10 * S)).toBe(20 * S);
    // 1469501107 s (the events dataset's first time) = 2016-07-26T02:45:07Z
    expect(tumblingWindowStart(Date.UTC(2016, 6, 26, 2, 45, 7), HOUR)).toBe(Date.UTC(2016, 6, 26, 2));
  });

  it('puts a time exactly on a boundary in the window that starts there: [start, end)', () => {
    expect(tumblingWindowStart(10 * S, 10 * S)).toBe(10 * S);
    expect(tumblingWindowStart(10 * S - 1, 10 * S)).toBe(0);
    expect(tumblingWindowStart(Date.UTC(2016, 6, 26, 3), HOUR)).toBe(Date.UTC(2016, 6, 26, 3));
    expect(tumblingWindowStart(Date.UTC(2016, 6, 26, 3) - 1, HOUR)).toBe(Date.UTC(2016, 6, 26, 2));
  });

  it('uses a floor modulo before 1970 (SPARK-39347)', () => {
    expect(tumblingWindowStart(-1, 10 * S)).toBe(-10 * S);
    expect(tumblingWindowStart(-10 * S, 10 * S)).toBe(-10 * S);
    expect(tumblingWindowStart(-10 * S - 1, 10 * S)).toBe(-20 * S);
    expect(tumblingWindowStart(-3 * S, 10 * S)).toBe(-10 * S);
    expect(tumblingWindowStart(Date.UTC(1969, 11, 31, 23, 30), HOUR)).toBe(Date.UTC(1969, 11, 31, 23));
  });

  it('shifts windows by a positive startTime', () => {
    expect(tumblingWindowStart(0, 10 * S, 5 * S)).toBe(-5 * S);
    expect(tumblingWindowStart(5 * S - 1, 10 * S, 5 * S)).toBe(-5 * S);
    expect(tumblingWindowStart(5 * S, 10 * S, 5 * S)).toBe(5 * S);
    expect(tumblingWindowStart(14 * S, 10 * S, 5 * S)).toBe(5 * S);
    expect(tumblingWindowStart(15 * S, 10 * S, 5 * S)).toBe(15 * S);
  });

  it('shifts windows by a negative startTime', () => {
    expect(tumblingWindowStart(0, 10 * S, -2 * S)).toBe(-2 * S);
    expect(tumblingWindowStart(8 * S - 1, 10 * S, -2 * S)).toBe(-2 * S);
    expect(tumblingWindowStart(8 * S, 10 * S, -2 * S)).toBe(8 * S);
    expect(tumblingWindowStart(-2 * S - 1, 10 * S, -2 * S)).toBe(-12 * S);
  });

  it('holds every time in its window, on the startTime grid (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -4e12, max: 4e12 }),
        fc.integer({ min: 1, max: 7 * 24 * 3600 * S }),
        fc.double({ min: -1, max: 1, noNaN: true, maxExcluded: true, minExcluded: true }),
        (t, size, fraction) => {
          const startTime = Math.trunc(fraction * size);
          const start = tumblingWindowStart(t, size, startTime);
          expect(Number.isInteger(start)).toBe(true);
          expect(start).toBeLessThanOrEqual(t);
          expect(t).toBeLessThan(start + size);
          expect(Math.abs((start - startTime) % size)).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('slidingWindowStarts', () => {
  it('lists the windows holding t, earliest first', () => {
    // 10 s windows sliding by 3 s: 19:39:27 (mod 10 s: 7 s) is in the windows starting 18, 21, 24 and 27 s
    const t = Date.UTC(2016, 2, 27, 19, 39, 27);
    expect(slidingWindowStarts(t, 10 * S, 3 * S)).toEqual([18, 21, 24, 27].map((s) => Date.UTC(2016, 2, 27, 19, 39, s)));
  });

  it('excludes the window that ends exactly at t and includes the one that starts at t', () => {
    expect(slidingWindowStarts(10 * S, 10 * S, 5 * S)).toEqual([5 * S, 10 * S]);
    expect(slidingWindowStarts(10 * S - 1, 10 * S, 5 * S)).toEqual([0, 5 * S]);
  });

  it('handles a size that is not a multiple of the slide', () => {
    expect(slidingWindowStarts(0, 10 * S, 4 * S)).toEqual([-8 * S, -4 * S, 0]);
    expect(slidingWindowStarts(1 * S, 10 * S, 4 * S)).toEqual([-8 * S, -4 * S, 0]);
    expect(slidingWindowStarts(3 * S, 10 * S, 4 * S)).toEqual([-4 * S, 0]);
  });

  it('works before 1970 and with a startTime', () => {
    expect(slidingWindowStarts(-1, 10 * S, 5 * S)).toEqual([-10 * S, -5 * S]);
    expect(slidingWindowStarts(0, 10 * S, 5 * S, 2 * S)).toEqual([-8 * S, -3 * S]);
  });

  it('is the one tumbling window when the slide equals the size', () => {
    expect(slidingWindowStarts(27 * S, 10 * S, 10 * S)).toEqual([20 * S]);
    expect(slidingWindowStarts(-1, 10 * S, 10 * S, 5 * S)).toEqual([tumblingWindowStart(-1, 10 * S, 5 * S)]);
  });

  it("follows Spark's TimeWindowing example (12:05; 12 min windows sliding by 5 min, startTime 0 and 2 min)", () => {
    const MIN = 60 * S;
    const at = (h: number, m: number) => Date.UTC(2024, 0, 1, h, m);
    expect(slidingWindowStarts(at(12, 5), 12 * MIN, 5 * MIN)).toEqual([at(11, 55), at(12, 0), at(12, 5)]);
    // with startTime 2 min, 11:52-12:04 does not hold 12:05 and is filtered out
    expect(slidingWindowStarts(at(12, 5), 12 * MIN, 5 * MIN, 2 * MIN)).toEqual([at(11, 57), at(12, 2)]);
  });

  it('excludes the window ending exactly at t when the size is not a multiple of the slide', () => {
    // grid 0, 4, 8 s: [0, 10) ends at t = 10 s
    expect(slidingWindowStarts(10 * S, 10 * S, 4 * S)).toEqual([4 * S, 8 * S]);
    expect(slidingWindowStarts(10 * S - 1, 10 * S, 4 * S)).toEqual([0, 4 * S, 8 * S]);
    expect(slidingWindowStarts(8 * S, 10 * S, 4 * S)).toEqual([0, 4 * S, 8 * S]);
  });

  it('uses a floor modulo before 1970, with a size that is not a multiple of the slide', () => {
    // last start at or before -1 ms on the 4 s grid is -4 s; [-12 s, -2 s) ends before t
    expect(slidingWindowStarts(-1, 10 * S, 4 * S)).toEqual([-8 * S, -4 * S]);
    expect(slidingWindowStarts(-4 * S, 10 * S, 4 * S)).toEqual([-12 * S, -8 * S, -4 * S]);
    expect(slidingWindowStarts(-4 * S - 1, 10 * S, 4 * S)).toEqual([-12 * S, -8 * S]);
    expect(slidingWindowStarts(Date.UTC(1969, 11, 31, 23, 59, 59), 10 * S, 3 * S)).toEqual([-9 * S, -6 * S, -3 * S]);
  });

  it('shifts the grid by a negative startTime, also before 1970', () => {
    // grid -2 + 5k s: 0 is in [-7, 3) and [-2, 8)
    expect(slidingWindowStarts(0, 10 * S, 5 * S, -2 * S)).toEqual([-7 * S, -2 * S]);
    expect(slidingWindowStarts(3 * S, 10 * S, 5 * S, -2 * S)).toEqual([-2 * S, 3 * S]);
    // grid -1 + 4k s: -3 s is in [-9, 1) and [-5, 5), not in [-13, -3)
    expect(slidingWindowStarts(-3 * S, 10 * S, 4 * S, -1 * S)).toEqual([-9 * S, -5 * S]);
  });

  it('leaves a time in a gap between windows in none (slide > size, which slidingWindow refuses)', () => {
    expect(slidingWindowStarts(5 * S, 2 * S, 4 * S)).toEqual([4 * S]);
    expect(slidingWindowStarts(7 * S, 2 * S, 4 * S)).toEqual([]);
    expect(slidingWindowCount(7 * S, 4 * S, 2 * S, 4 * S)).toBe(0);
  });

  it('returns windows that hold t, one slide apart on the grid, and misses none: the grid starts just outside do not hold t (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -4e12, max: 4e12 }),
        fc.integer({ min: 1, max: 7 * 24 * 3600 * S }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: -1, max: 1, noNaN: true, maxExcluded: true, minExcluded: true }),
        (t, size, windowsPerSize, startFraction) => {
          const slide = Math.ceil(size / windowsPerSize); // up to 200 windows per time
          const startTime = Math.trunc(startFraction * slide);
          const starts = slidingWindowStarts(t, size, slide, startTime);
          // plain checks per window (one expect at the end keeps the property fast)
          const bad = starts.filter((s, i) => !(s <= t && t < s + size && (s - startTime) % slide === 0 && (i === 0 || s - (starts[i - 1] as number) === slide)));
          expect(bad).toEqual([]);
          const first = starts[0] as number;
          const last = starts[starts.length - 1] as number;
          expect(starts.length).toBeGreaterThan(0);
          expect(t < first - slide + size).toBe(false); // the grid start before the first does not hold t
          expect(last + slide).toBeGreaterThan(t); // nor does the one after the last
          // as many as the grid starts in (t - size, t]
          expect(starts.length).toBe(Math.floor((t - startTime) / slide) - Math.floor((t - size - startTime) / slide));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives exactly the grid starts s with s <= t < s + size (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: -49, max: 49 }),
        (t, size, slide, offset) => {
          const startTime = offset % slide;
          // brute force over the grid startTime + k * slide, from well before t to past it
          const expected: number[] = [];
          const k0 = Math.floor((t - startTime) / slide) - Math.ceil(size / slide) - 1;
          for (let k = k0; startTime + k * slide <= t + slide; k++) {
            const s = startTime + k * slide;
            if (s <= t && t < s + size) expected.push(s);
          }
          expect(slidingWindowStarts(t, size, slide, startTime)).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// ---- Spark's own expected values (DataFrameTimeWindowingSuite, SPARK-39347) ----------------

interface WindowCount {
  key: string;
  count: number;
  /** sum(value), where the case aggregates it. */
  sum?: number;
}

function windowSpecOf(c: ConformanceCase): { spec: WindowSpec; otherKeys: string[] } {
  const groupBy = c.options.query?.groupBy ?? [];
  let spec: WindowSpec | undefined;
  const otherKeys: string[] = [];
  for (const g of groupBy) {
    if (typeof g === 'string') otherKeys.push(g);
    else spec = g.window;
  }
  if (spec === undefined) throw new Error(`${c.id}: no window in groupBy`);
  return { spec, otherKeys };
}

function ms(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = parseDurationMs(text);
  if (v === undefined) throw new Error(`not a duration: ${text}`);
  return v;
}

/** count(*) per (window, other group columns) as our kernels assign the case's rows. */
function countsByKernel(c: ConformanceCase): WindowCount[] {
  const { spec, otherKeys } = windowSpecOf(c);
  const size = ms(spec.duration, NaN);
  const slide = ms(spec.slide, size);
  const startTime = ms(spec.startTime, 0);
  const sums = c.options.query?.aggregations?.some((a) => a.fn === 'sum' && a.column === 'value') === true;
  const counts = new Map<string, WindowCount>();
  for (const batch of c.batches) {
    for (const line of batch) {
      if (typeof line === 'string') throw new Error(`${c.id}: raw line in a window case`);
      const t = instant(line[spec.timeColumn] as string);
      const starts = slide === size ? [tumblingWindowStart(t, size, startTime)] : slidingWindowStarts(t, size, slide, startTime);
      for (const start of starts) {
        const key = JSON.stringify([start, start + size, ...otherKeys.map((k) => line[k])]);
        const entry = counts.get(key) ?? { key, count: 0, ...(sums ? { sum: 0 } : {}) };
        entry.count++;
        if (entry.sum !== undefined) entry.sum += line['value'] as number;
        counts.set(key, entry);
      }
    }
  }
  return [...counts.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** count(*) (and sum(value)) per window as the case expects. */
function countsExpected(c: ConformanceCase): WindowCount[] {
  const { otherKeys } = windowSpecOf(c);
  const countAs = c.options.query?.aggregations?.find((a) => a.fn === 'count')?.as;
  const sumAs = c.options.query?.aggregations?.find((a) => a.fn === 'sum' && a.column === 'value')?.as;
  if (countAs === undefined) throw new Error(`${c.id}: no count aggregation`);
  expect(c.expectedKind).toBe('result-table-per-batch');
  const tables = c.expected as Record<string, unknown>[][];
  const last = tables[tables.length - 1] ?? [];
  return last
    .map((row) => {
      const w = row['window'] as { start: string; end: string };
      const key = JSON.stringify([instant(w.start), instant(w.end), ...otherKeys.map((k) => row[k])]);
      return { key, count: row[countAs] as number, ...(sumAs === undefined ? {} : { sum: row[sumAs] as number }) };
    })
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

describe('Spark conformance cases', () => {
  it.each([['window-tumbling-assignment'], ['window-pre-epoch-event-time'], ['window-tumbling-start-time-offset'], ['window-sliding-10s-slide-3s']])(
    '%s: rows land in the windows Spark puts them in',
    (id) => {
      const c = loadCase(id);
      const expected = countsExpected(c);
      expect(expected.length).toBeGreaterThan(0);
      expect(countsByKernel(c)).toEqual(expected);
    },
  );

  it('window-pre-epoch-event-time: the value-1 row is not put one window late (the SPARK-39347 bug)', () => {
    const c = loadCase('window-pre-epoch-event-time');
    const row = c.batches[0]?.find((l) => typeof l !== 'string' && l['value'] === 1);
    if (row === undefined || typeof row === 'string') throw new Error('row with value 1 not found');
    const t = instant(row['time'] as string);
    const expectedRow = (c.expected as Record<string, unknown>[][])[0]?.find((r) => r['sum_value'] === 1);
    const w = expectedRow?.['window'] as { start: string; end: string };
    expect(tumblingWindowStart(t, 10 * S, 5 * S)).toBe(instant(w.start));
    expect(tumblingWindowStart(t, 10 * S, 5 * S) + 10 * S).toBe(instant(w.end));
  });
});
