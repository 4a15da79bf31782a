import { Catalog } from '../../src/catalog.js';
import { executeSql } from '../../src/sql/index.js';

// The notebook's %sql cells, verbatim, over a small hand-made set of windowed counts.
const TOTALS = 'select action, sum(count) as total_count from static_counts group by action';
const TIMELINE =
  'select action, date_format(window.end, "MMM-dd HH:mm") as time, count from static_counts order by time, action';
const LIVE_TOTALS = 'select action, sum(count) as total_count from counts group by action order by action';
const LIVE_TIMELINE = 'select action, date_format(window.end, "MMM-dd HH:mm") as time, count from counts order by time, action';

const HOUR = 3_600_000;
const T0 = Date.UTC(2016, 6, 26, 2); // 2016-07-26T02:00Z = 1469498400000
const w = (h: number): { start: number; end: number } => ({ start: T0 + h * HOUR, end: T0 + (h + 1) * HOUR });

// Deliberately out of order, so ORDER BY has work to do.
const COUNTS = [
  { action: 'Open', window: w(1), count: 1001 },
  { action: 'Close', window: w(0), count: 11 },
  { action: 'Close', window: w(2), count: 176 },
  { action: 'Open', window: w(0), count: 179 },
  { action: 'Close', window: w(1), count: 344 },
  { action: 'Open', window: w(2), count: 289 },
];
const SCHEMA = { action: 'string', window: 'window', count: 'long' } as const;

describe('the notebook statements', () => {
  test('window starts at the hour the notebook shows', () => {
    expect(T0).toBe(1469498400000);
  });

  test('cell 3: totals per action over static_counts', () => {
    const catalog = new Catalog();
    catalog.createOrReplaceTempView('static_counts', COUNTS, SCHEMA);
    const result = executeSql(TOTALS, catalog);
    expect(result.columns).toEqual(['action', 'total_count']);
    // No ORDER BY: compare as a set.
    const sorted = [...result.rows].sort((a, b) => String(a['action']).localeCompare(String(b['action'])));
    expect(sorted).toEqual([
      { action: 'Close', total_count: 11 + 344 + 176 },
      { action: 'Open', total_count: 179 + 1001 + 289 },
    ]);
  });

  test('cell 4: the timeline, ordered by the output alias then action', () => {
    const catalog = new Catalog();
    catalog.createOrReplaceTempView('static_counts', COUNTS, SCHEMA);
    const result = executeSql(TIMELINE, catalog);
    expect(result.columns).toEqual(['action', 'time', 'count']);
    expect(result.rows).toEqual([
      { action: 'Close', time: 'Jul-26 03:00', count: 11 },
      { action: 'Open', time: 'Jul-26 03:00', count: 179 },
      { action: 'Close', time: 'Jul-26 04:00', count: 344 },
      { action: 'Open', time: 'Jul-26 04:00', count: 1001 },
      { action: 'Close', time: 'Jul-26 05:00', count: 176 },
      { action: 'Open', time: 'Jul-26 05:00', count: 289 },
    ]);
    expect(result.schema).toEqual({ action: 'string', time: 'string', count: 'long' });
  });

  test('the same statements without a schema infer the window column from its values', () => {
    const catalog = new Catalog();
    catalog.createOrReplaceTempView('static_counts', COUNTS);
    expect(executeSql(TIMELINE, catalog).rows[0]).toEqual({ action: 'Close', time: 'Jul-26 03:00', count: 11 });
  });

  test('cell 7: the live table read trigger by trigger', () => {
    const catalog = new Catalog();
    // After the first trigger: only the first two hours.
    catalog.replace('counts', COUNTS.slice(0, 2), { batchId: 0, isStreaming: true, schema: SCHEMA });
    expect(executeSql(LIVE_TOTALS, catalog).rows).toEqual([
      { action: 'Close', total_count: 11 },
      { action: 'Open', total_count: 1001 },
    ]);
    expect(executeSql(LIVE_TIMELINE, catalog).rows).toEqual([
      { action: 'Close', time: 'Jul-26 03:00', count: 11 },
      { action: 'Open', time: 'Jul-26 04:00', count: 1001 },
    ]);
    // After the second trigger: the whole set.
    catalog.replace('counts', COUNTS, { batchId: 1, isStreaming: true, schema: SCHEMA });
    expect(executeSql(LIVE_TOTALS, catalog).rows).toEqual([
      { action: 'Close', total_count: 531 },
      { action: 'Open', total_count: 1469 },
    ]);
    expect(executeSql(LIVE_TIMELINE, catalog).rows.map((r) => `${r['time']} ${r['action']} ${r['count']}`)).toEqual([
      'Jul-26 03:00 Close 11',
      'Jul-26 03:00 Open 179',
      'Jul-26 04:00 Close 344',
      'Jul-26 04:00 Open 1001',
      'Jul-26 05:00 Close 176',
      'Jul-26 05:00 Open 289',
    ]);
  });

  test('a statement reads its table once, and a replacement in the middle of it is not seen', () => {
    let reads = 0;
    class CountingCatalog extends Catalog {
      override table<R extends Record<string, unknown>>(name: string) {
        reads += 1;
        return super.table<R>(name);
      }
    }
    const catalog = new CountingCatalog();
    let replacedMidway = false;
    const rows = COUNTS.map((row, i) => {
      if (i !== 2) return row;
      // Reading this row's count replaces the whole table, as a sink finishing a trigger would.
      return {
        action: row.action,
        window: row.window,
        get count(): number {
          if (!replacedMidway) {
            replacedMidway = true;
            catalog.replace('counts', [{ action: 'Open', window: w(9), count: 1 }], { batchId: 2, isStreaming: true, schema: SCHEMA });
          }
          return row.count;
        },
      };
    });
    catalog.replace('counts', rows, { batchId: 1, isStreaming: true, schema: SCHEMA });
    reads = 0;
    const result = executeSql(LIVE_TOTALS, catalog);
    expect(replacedMidway).toBe(true);
    expect(reads).toBe(1);
    expect(result.rows).toEqual([
      { action: 'Close', total_count: 531 },
      { action: 'Open', total_count: 1469 },
    ]);
    // The next statement sees the replacement.
    expect(executeSql(LIVE_TOTALS, catalog).rows).toEqual([{ action: 'Open', total_count: 1 }]);
  });

  test('the timeline text follows options.timeZone and never the machine zone', () => {
    const catalog = new Catalog();
    catalog.createOrReplaceTempView('static_counts', COUNTS, SCHEMA);
    const ist = executeSql(TIMELINE, catalog, { timeZone: 'Asia/Kolkata' });
    expect(ist.rows[0]).toEqual({ action: 'Close', time: 'Jul-26 08:30', count: 11 });
    const utc = executeSql(TIMELINE, catalog);
    expect(utc.rows[0]).toEqual({ action: 'Close', time: 'Jul-26 03:00', count: 11 });
  });
});
