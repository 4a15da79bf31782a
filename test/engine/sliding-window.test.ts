// slidingWindow in a query: one row per (row, window), counted per window as Spark's
// window(time, size, slide, startTime) groups them; its watermark in append mode; its checks.
import { lastValueFrom, toArray } from 'rxjs';
import {
  AnalysisError,
  Catalog,
  InvalidArgumentError,
  groupCount,
  readJsonFiles,
  slidingWindow,
  throttleFiles,
  toMemoryTable,
  tumblingWindow,
  withWatermark,
  type LateRowsEvent,
  type MicroBatch,
} from '../../src/index.js';
import { virtualDirectory } from '../../src/testing/index.js';

const S = 1000;
const schema = 'time TIMESTAMP, action STRING';
type Event = { time: number | null; action: string };
const ev = (seconds: number | null, action = 'Open'): Event => ({ time: seconds, action });
type WindowCountRow = { window: { start: number; end: number }; count: number };

/** Reproducible times (epoch seconds, some before 1970, some null), in `files` files. */
function randomFiles(files: number, rowsPerFile: number, seed: number): Event[][] {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const out: Event[][] = [];
  for (let f = 0; f < files; f++) {
    const rows: Event[] = [];
    for (let r = 0; r < rowsPerFile; r++) rows.push(next() < 0.05 ? ev(null) : ev(Math.floor(next() * 120) - 40, next() < 0.5 ? 'Open' : 'Close'));
    out.push(rows);
  }
  return out;
}

/** count(*) per window by brute force: every grid start startTime + k * slide around the data, each time checked against [start, start + size). */
function bruteForceCounts(files: Event[][], sizeMs: number, slideMs: number, startMs: number): WindowCountRow[] {
  const times = files.flat().flatMap((e) => (e.time === null ? [] : [e.time * S]));
  const lo = Math.min(...times) - sizeMs - slideMs;
  const hi = Math.max(...times) + slideMs;
  const out: WindowCountRow[] = [];
  for (let k = Math.floor((lo - startMs) / slideMs); startMs + k * slideMs <= hi; k++) {
    const start = startMs + k * slideMs;
    const count = times.filter((t) => start <= t && t < start + sizeMs).length;
    if (count > 0) out.push({ window: { start, end: start + sizeMs }, count });
  }
  return out;
}

const byStart = (a: WindowCountRow, b: WindowCountRow) => a.window.start - b.window.start;

describe('slidingWindow counted per window', () => {
  it.each([
    ['10 seconds', '3 seconds', undefined, 10 * S, 3 * S, 0],
    ['10 seconds', '3 seconds', '-1 second', 10 * S, 3 * S, -1 * S],
    ['12 seconds', '5 seconds', '2 seconds', 12 * S, 5 * S, 2 * S],
    ['10 seconds', '5 seconds', '-4 seconds', 10 * S, 5 * S, -4 * S],
    ['7 seconds', '7 seconds', '3 seconds', 7 * S, 7 * S, 3 * S],
  ])('window %s sliding by %s (startTime %s), complete mode: the counts a brute force over the grid gives', async (size, slide, startTime, sizeMs, slideMs, startMs) => {
    const files = randomFiles(3, 60, sizeMs + slideMs + startMs);
    const catalog = new Catalog();
    const batches = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', files), watch: false }).pipe(
        throttleFiles(1),
        slidingWindow('time', size, slide, startTime === undefined ? {} : { startTime }),
        groupCount('window'),
        toMemoryTable('t', { catalog, outputMode: 'complete' }),
        toArray(),
      ),
    );
    expect(batches.length).toBe(3);
    const rows = [...((catalog.table('t')?.rows ?? []) as WindowCountRow[])].sort(byStart);
    expect(rows).toEqual(bruteForceCounts(files, sizeMs, slideMs, startMs));
    const nulls = files.flat().filter((e) => e.time === null).length;
    expect(batches.reduce((n, p) => n + (p.droppedRows['nullEventTime'] ?? 0), 0)).toBe(nulls);
  });

  it('is tumblingWindow when the slide equals the size: the same rows, dropped rows and event time per batch', async () => {
    const files = randomFiles(3, 50, 7);
    const run = (op: ReturnType<typeof tumblingWindow<'time'>>) =>
      lastValueFrom(readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', files), watch: false }).pipe(throttleFiles(1), op, toArray()));
    const strip = (bs: MicroBatch<unknown>[]) => bs.map((b) => ({ rows: b.rows, droppedRows: b.droppedRows, eventTime: b.eventTime, numInputRows: b.numInputRows }));
    for (const startTime of [undefined, '-3 seconds', '4 seconds']) {
      const options = startTime === undefined ? {} : { startTime };
      const sliding = await run(slidingWindow('time', '10 seconds', '10 seconds', options));
      const tumbling = await run(tumblingWindow('time', '10 seconds', options));
      expect(sliding.length).toBe(3);
      expect(strip(sliding)).toEqual(strip(tumbling));
    }
  });
});

describe('slidingWindow rows and progress', () => {
  it('copies a row once per window, earliest first; drops null times; event-time statistics are of the input rows, not of their copies', async () => {
    // 10 s windows sliding by 3 s: 27 s is in 4 windows, 34 s in 3 (Spark's sliding window grouping)
    const [batch] = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', [[ev(27, 'a'), ev(null, 'n'), ev(34, 'b')]]), watch: false }).pipe(
        slidingWindow('time', '10 seconds', '3 seconds'),
        toArray(),
      ),
    );
    expect(batch?.rows.map((r) => [r.action, r.window.start / S, r.window.end / S])).toEqual([
      ['a', 18, 28],
      ['a', 21, 31],
      ['a', 24, 34],
      ['a', 27, 37],
      ['b', 27, 37],
      ['b', 30, 40],
      ['b', 33, 43],
    ]);
    expect(batch?.droppedRows).toEqual({ nullEventTime: 1 });
    // over the 7 copies the mean would be 30 s; over the 2 rows it is 30.5 s
    expect(batch?.eventTime).toEqual({ min: 27 * S, max: 34 * S, avg: 30.5 * S, count: 2 });
    expect(batch?.numInputRows).toBe(3);
  });

  it('shares one window object per window in a batch, and does not change the input rows', async () => {
    const [batch] = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', [[ev(1), ev(2)]]), watch: false }).pipe(slidingWindow('time', '10 seconds', '5 seconds'), toArray()),
    );
    const rows = batch?.rows ?? [];
    expect(rows.length).toBe(4);
    expect(rows[0]?.window).toBe(rows[2]?.window);
    expect(Object.isFrozen(rows[0]?.window)).toBe(true);
    expect(rows[0]).not.toBe(rows[1]);
  });
});

describe('slidingWindow with a watermark, append mode', () => {
  it('emits each sliding window once, in the first batch whose watermark has passed its end; copies behind the watermark are late, the others count', async () => {
    const late: LateRowsEvent[] = [];
    // 27 s moves the watermark to 22 s; 28 s runs with it; 18 s comes in the batch after, judged late by 22 s.
    const files = [[ev(1), ev(2), ev(7)], [ev(14), ev(12)], [ev(27)], [ev(28)], [ev(18)]];
    const batches = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', files), watch: false }).pipe(
        throttleFiles(1),
        withWatermark('time', '5 seconds', { onLateRows: (e) => late.push(e) }),
        slidingWindow('time', '10 seconds', '5 seconds'),
        groupCount('window'),
        toArray(),
      ),
    );
    const emitted: [number, number, number][] = [];
    for (const b of batches) {
      for (const r of b.rows) {
        // append mode: a window comes out only once the watermark the batch ran with has passed its end
        expect(r.window.end).toBeLessThanOrEqual(b.watermarkMs);
        emitted.push([r.window.start / S, r.window.end / S, r.count]);
      }
    }
    emitted.sort((a, b) => a[0] - b[0]);
    expect(emitted).toEqual([
      [-5, 5, 2],
      [0, 10, 3],
      [5, 15, 3],
      // 18 s came after the watermark reached 27 s - 5 s = 22 s: late for [10, 20), on time for [15, 25)
      [10, 20, 2],
      [15, 25, 1],
      [20, 30, 2],
      [25, 35, 2],
    ]);
    // [10, 20) was emitted before the end of input, with the watermark at 22 s
    const b1020 = batches.find((b) => b.rows.some((r) => r.window.start === 10 * S));
    expect(b1020?.watermarkMs).toBe(22 * S);
    expect(late.flatMap((e) => e.rows.map((r) => [(r.row as { time: number }).time / S, r.windows.map((w) => [w.start / S, w.end / S])]))).toEqual([[18, [[10, 20]]]]);
  });

  it('marks window as event time when the time column has a watermark, so append mode is allowed; without one it is refused', () => {
    const catalog = new Catalog();
    const events$ = () => readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', [[ev(1)]]) });
    expect(() =>
      events$().pipe(withWatermark('time', '5 seconds'), slidingWindow('time', '10 seconds', '5 seconds'), groupCount('window'), toMemoryTable('a', { catalog, outputMode: 'append' })),
    ).not.toThrow();
    expect(() => events$().pipe(slidingWindow('time', '10 seconds', '5 seconds'), groupCount('window'), toMemoryTable('b', { catalog, outputMode: 'append' }))).toThrow(AnalysisError);
  });
});

describe('slidingWindow checks its arguments when created, with Spark’s words', () => {
  it('refuses a window or slide that is not positive', () => {
    expect(() => slidingWindow('time', '0 seconds', '1 second')).toThrow(InvalidArgumentError);
    expect(() => slidingWindow('time', '0 seconds', '1 second')).toThrow(/slidingWindow: invalid size .*The window duration \(0 seconds\) must be greater than 0\./);
    expect(() => slidingWindow('time', -5, 1)).toThrow(/The window duration \(-5\) must be greater than 0\./);
    expect(() => slidingWindow('time', '10 seconds', '0 seconds')).toThrow(/slidingWindow: invalid slide .*The slide duration \(0 seconds\) must be greater than 0\./);
    expect(() => slidingWindow('time', '10 seconds', '-1 second')).toThrow(InvalidArgumentError);
  });

  it('refuses a slide longer than the window', () => {
    expect(() => slidingWindow('time', '10 seconds', '11 seconds')).toThrow(InvalidArgumentError);
    expect(() => slidingWindow('time', '10 seconds', '11 seconds')).toThrow(
      /slidingWindow: invalid slide .*The slide duration \(11 seconds\) must be less than or equal to the windowDuration \(10 seconds\)\./,
    );
    expect(() => slidingWindow('time', '10 seconds', '10 seconds')).not.toThrow();
  });

  it('refuses a startTime whose absolute value is not less than the slide', () => {
    expect(() => slidingWindow('time', '10 seconds', '3 seconds', { startTime: '3 seconds' })).toThrow(InvalidArgumentError);
    expect(() => slidingWindow('time', '10 seconds', '3 seconds', { startTime: '3 seconds' })).toThrow(
      /slidingWindow: invalid startTime .*The absolute value of start time \(3 seconds\) must be less than the slideDuration \(3 seconds\)\./,
    );
    expect(() => slidingWindow('time', '10 seconds', '3 seconds', { startTime: '-4 seconds' })).toThrow(/absolute value of start time \(-4 seconds\)/);
    expect(() => slidingWindow('time', '10 seconds', '3 seconds', { startTime: '-2999 milliseconds' })).not.toThrow();
  });

  it('refuses what is not a duration or a column name', () => {
    expect(() => slidingWindow('time', 'ten seconds', '1 second')).toThrow(InvalidArgumentError);
    expect(() => slidingWindow('time', '10 seconds', 'a while')).toThrow(/invalid slide/);
    expect(() => slidingWindow('time', '10 seconds', '1 second', { startTime: 'soon' })).toThrow(/invalid startTime/);
    expect(() => slidingWindow('', '10 seconds', '1 second')).toThrow(/invalid timeColumn/);
  });

  it('refuses an unknown column or one that is not a timestamp when composed', () => {
    const events$ = () => readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', [[ev(1)]]) });
    expect(() => events$().pipe(slidingWindow('tme' as 'time', '10 seconds', '5 seconds'))).toThrow(AnalysisError);
    expect(() => events$().pipe(slidingWindow('tme' as 'time', '10 seconds', '5 seconds'))).toThrow(/`tme` cannot be resolved; the columns are time, action/);
    expect(() => events$().pipe(slidingWindow('action' as 'time', '10 seconds', '5 seconds'))).toThrow(/must be a timestamp, not string/);
  });
});
