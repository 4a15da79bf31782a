// The SQL engine's aggregates are the combiners' (one aggregation engine): the same values,
// null rules and overflow error as groupByAgg.
import { lastValueFrom } from 'rxjs';
import { ArithmeticOverflowError, Catalog, agg, groupByAgg, readJsonFiles } from '../../src/index.js';
import { virtualDirectory } from '../../src/testing/index.js';

const rows = [
  { action: 'Open', latency: 10, bytes: 100, user: 'ann' },
  { action: 'Open', latency: 20, bytes: null, user: 'bob' },
  { action: 'Open', latency: null, bytes: 300, user: 'ann' },
  { action: 'Close', latency: null, bytes: null, user: null },
];

describe('SQL and groupByAgg agree', () => {
  it('on count, count(col), sum, avg, min, max and count(DISTINCT) per group, nulls included', async () => {
    const catalog = new Catalog();
    catalog.createOrReplaceTempView('events', rows, { action: 'string', latency: 'double', bytes: 'long', user: 'string' });
    const sql = catalog.sql(
      'select action, count(*), count(latency), sum(bytes), avg(latency), min(user), max(latency), count(distinct user) from events group by action',
    );
    const stream = await lastValueFrom(
      // A static query (count(DISTINCT) on a stream needs a watermark that evicts its groups).
      readJsonFiles('/in', { schema: 'action STRING, latency DOUBLE, bytes LONG, user STRING', fileSystem: virtualDirectory('/in', [rows]), watch: false }).pipe(
        groupByAgg(['action'], agg.count('*'), agg.count('latency'), agg.sum('bytes'), agg.avg('latency'), agg.min('user'), agg.max('latency'), agg.countDistinct('user')),
      ),
    );
    expect(sql.columns).toEqual(['action', 'count(1)', 'count(latency)', 'sum(bytes)', 'avg(latency)', 'min(user)', 'max(latency)', 'count(DISTINCT user)']);
    expect(sql.rows).toEqual(stream.rows);
    expect(sql.rows).toEqual([
      { action: 'Open', 'count(1)': 3, 'count(latency)': 2, 'sum(bytes)': 400, 'avg(latency)': 15, 'min(user)': 'ann', 'max(latency)': 20, 'count(DISTINCT user)': 2 },
      { action: 'Close', 'count(1)': 1, 'count(latency)': 0, 'sum(bytes)': null, 'avg(latency)': null, 'min(user)': null, 'max(latency)': null, 'count(DISTINCT user)': 0 },
    ]);
  });

  it('on a long sum beyond 2^53 - 1: an ArithmeticOverflowError, not a rounded number', () => {
    const catalog = new Catalog();
    catalog.createOrReplaceTempView('big', [{ n: Number.MAX_SAFE_INTEGER }, { n: 2 }], { n: 'long' });
    expect(() => catalog.sql('select sum(n) from big')).toThrow(ArithmeticOverflowError);
    expect(catalog.sql('select sum(cast(n as double)) as s from big').rows).toEqual([{ s: Number.MAX_SAFE_INTEGER + 2 }]);
  });
});
