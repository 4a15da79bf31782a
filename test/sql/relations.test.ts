// Joins, subqueries, set operations, CTEs and window functions, with values worked out by hand.
import { Catalog } from '../../src/catalog.js';
import { SqlAnalysisError, SqlExecutionError, executeSql, prepareSql } from '../../src/sql/index.js';

function catalog(): Catalog {
  const c = new Catalog();
  c.createOrReplaceTempView('l', [{ k: 1, v: 'a' }, { k: 2, v: 'b' }, { k: null, v: 'n' }], { k: 'int', v: 'string' });
  c.createOrReplaceTempView('r', [{ k: 2, w: 20 }, { k: 3, w: 30 }, { k: 2, w: 21 }], { k: 'int', w: 'int' });
  c.createOrReplaceTempView('s', [
    { g: 'x', t: 1, n: 10 },
    { g: 'x', t: 2, n: 20 },
    { g: 'x', t: 2, n: 30 },
    { g: 'x', t: 4, n: null },
    { g: 'y', t: 1, n: 5 },
  ], { g: 'string', t: 'int', n: 'int' });
  return c;
}
const rows = (sql: string, c = catalog()): unknown[][] => {
  const r = executeSql(sql, c);
  return r.rows.map((row) => r.columns.map((name) => row[name]));
};

describe('joins', () => {
  test('inner', () => {
    expect(rows('select l.v, r.w from l join r on l.k = r.k order by 2')).toEqual([['b', 20], ['b', 21]]);
  });
  test('left outer keeps unmatched left rows with nulls', () => {
    expect(rows('select l.v, r.w from l left join r on l.k = r.k order by 1, 2')).toEqual([['a', null], ['b', 20], ['b', 21], ['n', null]]);
  });
  test('right outer keeps unmatched right rows', () => {
    expect(rows('select l.v, r.w from l right outer join r on l.k = r.k order by 2')).toEqual([['b', 20], ['b', 21], [null, 30]]);
  });
  test('full outer keeps both sides', () => {
    expect(rows('select l.v, r.w from l full join r on l.k = r.k order by 1, 2')).toEqual([[null, 30], ['a', null], ['b', 20], ['b', 21], ['n', null]]);
  });
  test('cross join and comma', () => {
    expect(rows('select count(*) as n from l cross join r')).toEqual([[9]]);
    expect(rows('select count(*) as n from l, r where l.k = r.k')).toEqual([[2]]);
  });
  test('USING keeps one key column first, coalesced in a full join', () => {
    const r = executeSql('select * from l full join r using (k) order by k, w', catalog());
    expect(r.columns).toEqual(['k', 'v', 'w']);
    expect(r.rows.map((x) => [x['k'], x['v'], x['w']])).toEqual([[null, 'n', null], [1, 'a', null], [2, 'b', 20], [2, 'b', 21], [3, null, 30]]);
  });
  test('semi and anti joins keep left rows only', () => {
    expect(rows('select v from l left semi join r on l.k = r.k')).toEqual([['b']]);
    expect(rows('select v from l left anti join r on l.k = r.k order by v')).toEqual([['a'], ['n']]);
  });
  test('a non-equi condition', () => {
    expect(rows('select l.v, r.w from l join r on l.k < r.k and r.w > 20 order by 1, 2')).toEqual([['a', 21], ['a', 30], ['b', 30]]);
  });
  test('an ambiguous column is an analysis error', () => {
    expect(() => executeSql('select k from l join r on l.k = r.k', catalog())).toThrow(SqlAnalysisError);
  });
  test('a live table joined with a static one reads one snapshot of each', () => {
    const c = catalog();
    c.replace('live', [{ k: 2, x: 'first' }], { batchId: 0, isStreaming: true, schema: { k: 'int', x: 'string' } });
    const stmt = prepareSql('select live.x, r.w from live join r on live.k = r.k order by 2');
    expect(stmt.tables).toEqual(['live', 'r']);
    expect(stmt.execute(c).rows).toEqual([{ x: 'first', w: 20 }, { x: 'first', w: 21 }]);
    c.replace('live', [{ k: 3, x: 'second' }], { batchId: 1, isStreaming: true, schema: { k: 'int', x: 'string' } });
    expect(stmt.execute(c).rows).toEqual([{ x: 'second', w: 30 }]);
  });
});

describe('subqueries, set operations and CTEs', () => {
  test('a subquery in FROM', () => {
    expect(rows('select q.k, q.total from (select k, sum(w) as total from r group by k) q order by 1')).toEqual([[2, 41], [3, 30]]);
  });
  test('IN (SELECT ...) with three-valued NOT IN', () => {
    expect(rows('select v from l where k in (select k from r) order by v')).toEqual([['b']]);
    expect(rows('select v from l where k not in (select k from r) order by v')).toEqual([['a']]);
    expect(rows('select v from l where k not in (select null) order by v')).toEqual([]);
  });
  test('EXISTS and a scalar subquery', () => {
    expect(rows('select v from l where exists (select 1 from r where w > 25) order by v')).toEqual([['a'], ['b'], ['n']]);
    expect(rows('select v, (select max(w) from r) as m from l where k = 1')).toEqual([['a', 30]]);
    expect(() => executeSql('select (select w from r) as x', catalog())).toThrow(SqlExecutionError);
  });
  test('UNION, UNION ALL, EXCEPT, INTERSECT (and ALL)', () => {
    expect(rows('select k from l union select k from r order by 1')).toEqual([[null], [1], [2], [3]]);
    expect(rows('select k from l union all select k from r order by 1')).toEqual([[null], [1], [2], [2], [2], [3]]);
    expect(rows('select k from r except select k from l order by 1')).toEqual([[3]]);
    expect(rows('select k from r intersect select k from l')).toEqual([[2]]);
    expect(rows('select k from r intersect all select 2')).toEqual([[2]]);
    expect(rows('select k from r except all select 2 order by 1')).toEqual([[2], [3]]);
  });
  test('UNION widens types: an int and a string column become strings', () => {
    expect(rows("select k from r where w = 30 union all select 'x' order by 1")).toEqual([['3'], ['x']]);
  });
  test('WITH, one CTE reading another', () => {
    expect(rows('with a as (select k, w from r), b as (select k, count(*) as n from a group by k) select k, n from b order by k')).toEqual([[2, 2], [3, 1]]);
  });
});

describe('window functions', () => {
  const w = (fn: string): unknown[] => rows(`select ${fn} as x from s order by g, t, n`).map((r) => r[0]);
  // Partition x in (t, n) order: (1,10) (2,20) (2,30) (4,null); partition y: (1,5).
  test('row_number, rank, dense_rank', () => {
    expect(w('row_number() over (partition by g order by t, n)')).toEqual([1, 2, 3, 4, 1]);
    expect(w('rank() over (partition by g order by t)')).toEqual([1, 2, 2, 4, 1]);
    expect(w('dense_rank() over (partition by g order by t)')).toEqual([1, 2, 2, 3, 1]);
  });
  test('percent_rank, cume_dist, ntile', () => {
    expect(w('percent_rank() over (partition by g order by t)')).toEqual([0, 1 / 3, 1 / 3, 1, 0]);
    expect(w('cume_dist() over (partition by g order by t)')).toEqual([0.25, 0.75, 0.75, 1, 1]);
    expect(w('ntile(3) over (partition by g order by t, n)')).toEqual([1, 1, 2, 3, 1]);
  });
  test('lag and lead, with an offset and a default', () => {
    expect(w('lag(n) over (partition by g order by t, n)')).toEqual([null, 10, 20, 30, null]);
    expect(w('lead(n, 2, -1) over (partition by g order by t, n)')).toEqual([30, null, -1, -1, -1]);
  });
  test('an aggregate over the whole partition, and the default running frame (peers included)', () => {
    expect(w('sum(n) over (partition by g)')).toEqual([60, 60, 60, 60, 5]);
    expect(w('sum(n) over (partition by g order by t)')).toEqual([10, 60, 60, 60, 5]);
    expect(w('count(*) over (partition by g order by t)')).toEqual([1, 3, 3, 4, 1]);
  });
  test('ROWS frames', () => {
    expect(w('sum(n) over (partition by g order by t, n rows between 1 preceding and current row)')).toEqual([10, 30, 50, 30, 5]);
    expect(w('max(n) over (partition by g order by t, n rows between current row and unbounded following)')).toEqual([30, 30, 30, null, 5]);
    expect(w('min(n) over (partition by g order by t, n rows between 2 preceding and 1 preceding)')).toEqual([null, 10, 10, 20, null]);
  });
  test('RANGE frames: an offset of the order key, and CURRENT ROW as the peer group', () => {
    expect(w('sum(n) over (partition by g order by t range between 1 preceding and current row)')).toEqual([10, 60, 60, null, 5]);
    expect(w('avg(n) over (partition by g order by t range between current row and 2 following)')).toEqual([20, 25, 25, null, 5]);
  });
  test('first_value and last_value over a frame', () => {
    expect(w('first_value(n) over (partition by g order by t, n rows between 1 following and unbounded following)')).toEqual([20, 30, null, null, null]);
    expect(w('last_value(n) over (partition by g order by t, n)')).toEqual([10, 20, 30, null, 5]);
  });
  test('over aggregated rows', () => {
    expect(rows('select g, sum(n) as total, rank() over (order by sum(n) desc) as r from s group by g order by g')).toEqual([['x', 60, 1], ['y', 5, 2]]);
  });
  test('are refused in WHERE and need ORDER BY for ranking', () => {
    expect(() => executeSql('select g from s where row_number() over (order by t) = 1', catalog())).toThrow(SqlAnalysisError);
    expect(() => executeSql('select rank() over (partition by g) from s', catalog())).toThrow(SqlAnalysisError);
  });
});

test('the README example: the busiest hour per action', () => {
  const c = new Catalog();
  const h = 3_600_000;
  const win = (k: number): { start: number; end: number } => ({ start: k * h, end: (k + 1) * h });
  c.createOrReplaceTempView('static_counts', [
    { action: 'Open', window: win(0), count: 5 },
    { action: 'Open', window: win(1), count: 9 },
    { action: 'Close', window: win(0), count: 7 },
    { action: 'Close', window: win(1), count: 2 },
  ], { action: 'string', window: 'window', count: 'long' });
  const sql = `
    with ranked as (
      select action, window, count, rank() over (partition by action order by count desc) as r
      from static_counts)
    select action, date_format(window.start, "HH:mm") as hour, count from ranked where r = 1 order by action`;
  expect(executeSql(sql, c).rows).toEqual([
    { action: 'Close', hour: '00:00', count: 7 },
    { action: 'Open', hour: '01:00', count: 9 },
  ]);
});
