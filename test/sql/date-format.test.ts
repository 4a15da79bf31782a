import { Catalog } from '../../src/catalog.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { SqlAnalysisError, executeSql } from '../../src/sql/index.js';

// 2016-07-26T02:45:07.123Z, a Tuesday; 08:15:07.123 in Asia/Kolkata (UTC+05:30).
const TS = 1469501107123;
// 2016-01-03T17:05:09Z, a Sunday afternoon.
const AFTERNOON = Date.UTC(2016, 0, 3, 17, 5, 9);

function catalog(): Catalog {
  const c = new Catalog();
  c.createOrReplaceTempView('t', [{ ts: TS, pm: AFTERNOON, nothing: null }], { ts: 'timestamp', pm: 'timestamp', nothing: 'timestamp' });
  return c;
}

const format = (pattern: string, column = 'ts', timeZone?: string): unknown => {
  const sql = `select date_format(${column}, "${pattern}") as f from t`;
  return executeSql(sql, catalog(), timeZone === undefined ? {} : { timeZone }).rows[0]?.['f'];
};

describe('date_format with Spark pattern letters', () => {
  test.each([
    ['yyyy-MM-dd HH:mm:ss.SSS', '2016-07-26 02:45:07.123'],
    ['yy', '16'],
    ['M/d/y', '7/26/2016'],
    ['MMM', 'Jul'],
    ['MMMM', 'July'],
    ['EEE', 'Tue'],
    ['EEEE', 'Tuesday'],
    ['D', '208'],
    ['S', '1'],
    ['SSSSSS', '123000'],
    ['h:mm a', '2:45 AM'],
    ['kk', '02'],
    ['QQQ', 'Q3'],
    ["yyyy-MM-dd'T'HH:mm", '2016-07-26T02:45'],
    ["'at' HH 'o''clock'", "at 02 o'clock"],
    ["''HH''", "'02'"],
    ['XXX', 'Z'],
    ['xxx', '+00:00'],
    ['Z', '+0000'],
    ['VV', 'UTC'],
  ])('%s', (pattern, expected) => {
    expect(format(pattern)).toBe(expected);
  });

  test('afternoon, 12-hour clock and weekday', () => {
    expect(format('EEE MMM dd hh:mm:ss a', 'pm')).toBe('Sun Jan 03 05:05:09 PM');
    expect(format('K', 'pm')).toBe('5');
  });

  test('evaluated in UTC by default and in options.timeZone when set', () => {
    expect(format('MMM-dd HH:mm', 'ts', 'Asia/Kolkata')).toBe('Jul-26 08:15');
    expect(format('XXX', 'ts', 'Asia/Kolkata')).toBe('+05:30');
    expect(format('Z', 'ts', 'Asia/Kolkata')).toBe('+0530');
    expect(format('VV', 'ts', 'Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(format('HH:mm', 'ts', 'America/New_York')).toBe('22:45');
    expect(format('dd', 'ts', 'America/New_York')).toBe('25');
    expect(format('HH:mm')).toBe('02:45');
  });

  test('a null timestamp or a null pattern gives null', () => {
    expect(format('HH', 'nothing')).toBeNull();
    expect(executeSql('select date_format(ts, null) as f from t', catalog()).rows).toEqual([{ f: null }]);
  });

  test('a timestamp given as text is read first', () => {
    expect(executeSql('select date_format("2016-07-26 02:45:07", "HH:mm") as f', new Catalog()).rows).toEqual([{ f: '02:45' }]);
  });

  test('a pattern from a column', () => {
    const c = new Catalog();
    c.createOrReplaceTempView('p', [{ ts: TS, p: 'yyyy' }, { ts: TS, p: 'MMM' }], { ts: 'timestamp', p: 'string' });
    expect(executeSql('select date_format(ts, p) as f from p', c).rows).toEqual([{ f: '2016' }, { f: 'Jul' }]);
  });

  test('hour(), year() ... read the same zone', () => {
    expect(executeSql('select hour(ts) as h, minute(ts) as m, year(ts) as y, month(ts) as mo, dayofmonth(ts) as d from t', catalog(), { timeZone: 'Asia/Kolkata' }).rows).toEqual([
      { h: 8, m: 15, y: 2016, mo: 7, d: 26 },
    ]);
  });

  test.each([
    ['YYYY', /week-based/],
    ['ww', /week-based/],
    ['yyyy-MM-dd ii', /unknown pattern letter i/],
    ["'unterminated", /unterminated/],
    ['MMMMMM', /too many/],
    ['dd{', /reserved/],
  ])('pattern %s is refused', (pattern, reason) => {
    let caught: unknown;
    try {
      format(pattern);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SqlAnalysisError);
    expect((caught as SqlAnalysisError).reason).toMatch(reason);
    expect((caught as SqlAnalysisError).expression).toContain('date_format');
  });

  test('an unknown time zone is refused', () => {
    let caught: unknown;
    try {
      executeSql('select 1', new Catalog(), { timeZone: 'Mars/Olympus' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).option).toBe('timeZone');
    expect((caught as InvalidArgumentError).value).toBe('Mars/Olympus');
  });
});
