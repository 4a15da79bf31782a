import { Catalog } from '../../src/catalog.js';
import { SqlAnalysisError, executeSql } from '../../src/sql/index.js';

const PEOPLE = [
  { name: 'ann', dept: 'eng', age: 31, salary: 100, active: true },
  { name: 'bob', dept: 'eng', age: 45, salary: null, active: false },
  { name: 'cid', dept: 'ops', age: 28, salary: 70, active: true },
  { name: 'dee', dept: null, age: null, salary: 50, active: null },
  { name: 'eve', dept: 'ops', age: 39, salary: 90, active: true },
];
const SCHEMA = { name: 'string', dept: 'string', age: 'int', salary: 'long', active: 'boolean' } as const;

function catalog(): Catalog {
  const c = new Catalog();
  c.createOrReplaceTempView('people', PEOPLE, SCHEMA);
  c.createOrReplaceTempView('empty', [], SCHEMA);
  c.createOrReplaceTempView('nums', [{ x: 7, y: 2, z: 0, d: 2.5 }]);
  return c;
}

const rows = (sql: string) => executeSql(sql, catalog()).rows;
const col = (sql: string, name: string) => rows(sql).map((r) => r[name]);
const one = (sql: string): unknown => {
  const result = executeSql(sql, catalog());
  expect(result.rows).toHaveLength(1);
  return result.rows[0]?.[result.columns[0] ?? ''];
};

describe('SELECT, WHERE and ORDER BY', () => {
  test('SELECT * keeps schema order and every row', () => {
    const result = executeSql('select * from people', catalog());
    expect(result.columns).toEqual(['name', 'dept', 'age', 'salary', 'active']);
    expect(result.rows).toEqual(PEOPLE);
  });

  test('WHERE keeps only rows where the condition is true (null drops the row)', () => {
    expect(col('select name from people where age > 30 order by name', 'name')).toEqual(['ann', 'bob', 'eve']);
    expect(col('select name from people where active order by name', 'name')).toEqual(['ann', 'cid', 'eve']);
    expect(col('select name from people where not active order by name', 'name')).toEqual(['bob']);
  });

  test('column and table names are case-insensitive; the output keeps the spelling of the query', () => {
    const result = executeSql('SELECT NAME, People.Age FROM PEOPLE WHERE Name = "ann"', catalog());
    expect(result.columns).toEqual(['NAME', 'Age']);
    expect(result.rows).toEqual([{ NAME: 'ann', Age: 31 }]);
  });

  test('a table alias qualifies columns', () => {
    expect(rows('select p.name from people p where p.age = 28')).toEqual([{ name: 'cid' }]);
  });

  test('ORDER BY ascending puts nulls first, descending puts them last', () => {
    expect(col('select name, age from people order by age', 'name')).toEqual(['dee', 'cid', 'ann', 'eve', 'bob']);
    expect(col('select name, age from people order by age desc', 'name')).toEqual(['bob', 'eve', 'ann', 'cid', 'dee']);
    expect(col('select name from people order by dept asc, name desc', 'name')).toEqual(['dee', 'bob', 'ann', 'eve', 'cid']);
  });

  test('ORDER BY an alias, an ordinal, or an expression not selected', () => {
    expect(col('select name as who from people order by who desc', 'who')).toEqual(['eve', 'dee', 'cid', 'bob', 'ann']);
    expect(col('select age, name from people where age is not null order by 1', 'name')).toEqual(['cid', 'ann', 'eve', 'bob']);
    expect(col('select name from people where salary is not null order by salary * -1', 'name')).toEqual(['ann', 'eve', 'cid', 'dee']);
  });

  test('LIMIT, and LIMIT with OFFSET', () => {
    expect(col('select name from people order by name limit 2', 'name')).toEqual(['ann', 'bob']);
    expect(col('select name from people order by name limit 2 offset 1', 'name')).toEqual(['bob', 'cid']);
    expect(col('select name from people order by name limit 0', 'name')).toEqual([]);
  });

  test('SELECT DISTINCT', () => {
    expect(col('select distinct dept from people order by dept', 'dept')).toEqual([null, 'eng', 'ops']);
    expect(rows('select distinct active, dept from people where dept = "ops"')).toEqual([{ active: true, dept: 'ops' }]);
  });

  test('SELECT without FROM', () => {
    expect(executeSql('select 1 + 2 as three, "x" as s', new Catalog()).rows).toEqual([{ three: 3, s: 'x' }]);
  });

  test('unaliased expressions are named as Spark names them', () => {
    const result = executeSql('select count(*), sum(salary), age + 1, upper(name), cast(age as string) from people group by age, name', catalog());
    expect(result.columns).toEqual(['count(1)', 'sum(salary)', '(age + 1)', 'upper(name)', 'CAST(age AS STRING)']);
  });
});

describe('GROUP BY and aggregates', () => {
  test('count(*), count(col), sum, avg, min, max per group, skipping nulls', () => {
    expect(
      rows('select dept, count(*) as n, count(salary) as paid, sum(salary) as total, avg(salary) as mean, min(age) as young, max(name) as last from people group by dept order by dept'),
    ).toEqual([
      { dept: null, n: 1, paid: 1, total: 50, mean: 50, young: null, last: 'dee' },
      { dept: 'eng', n: 2, paid: 1, total: 100, mean: 100, young: 31, last: 'bob' },
      { dept: 'ops', n: 2, paid: 2, total: 160, mean: 80, young: 28, last: 'eve' },
    ]);
  });

  test('sum, avg, min and max of only nulls are null; count is 0', () => {
    expect(rows('select count(age) as c, sum(age) as s, avg(age) as a, min(age) as lo, max(age) as hi from people where dept is null')).toEqual([
      { c: 0, s: null, a: null, lo: null, hi: null },
    ]);
  });

  test('an aggregate without GROUP BY over an empty table gives one row', () => {
    expect(rows('select count(*) as n, sum(salary) as s, max(name) as m from empty')).toEqual([{ n: 0, s: null, m: null }]);
    expect(rows('select dept, count(*) from empty group by dept')).toEqual([]);
  });

  test('count(distinct x) counts distinct non-null values', () => {
    expect(one('select count(distinct dept) from people')).toBe(2);
    expect(one('select count(distinct active) from people')).toBe(2);
  });

  test('integer sums stay integers; avg is a double', () => {
    const result = executeSql('select sum(age) as s, avg(age) as a from people', catalog());
    expect(result.rows).toEqual([{ s: 143, a: 35.75 }]);
    expect(result.schema).toEqual({ s: 'long', a: 'double' });
  });

  test('HAVING filters groups, by aggregate or by a SELECT alias', () => {
    expect(col('select dept, count(*) from people group by dept having count(*) > 1 order by dept', 'dept')).toEqual(['eng', 'ops']);
    expect(col('select dept, sum(salary) as total from people group by dept having total >= 100 order by dept', 'dept')).toEqual(['eng', 'ops']);
  });

  test('GROUP BY an alias, an ordinal or an expression', () => {
    expect(rows('select age > 30 as older, count(*) as n from people group by older order by older')).toEqual([
      { older: null, n: 1 },
      { older: false, n: 1 },
      { older: true, n: 3 },
    ]);
    expect(rows('select upper(dept), count(*) from people group by 1 order by 1')).toEqual([
      { 'upper(dept)': null, 'count(1)': 1 },
      { 'upper(dept)': 'ENG', 'count(1)': 2 },
      { 'upper(dept)': 'OPS', 'count(1)': 2 },
    ]);
  });

  test('groups of several keys stay apart whatever characters the strings hold', () => {
    const c = new Catalog();
    c.createOrReplaceTempView('pairs', [
      { a: 'x\u0000s:y', b: 'z' },
      { a: 'x', b: 'y\u0000s:z' },
    ]);
    expect(executeSql('select count(*) as n from pairs group by a, b', c).rows).toEqual([{ n: 1 }, { n: 1 }]);
    expect(executeSql('select count(distinct a, b) as n from pairs', c).rows).toEqual([{ n: 2 }]);
  });

  test('ORDER BY an aggregate that is not selected', () => {
    expect(col('select dept from people group by dept order by sum(salary) desc', 'dept')).toEqual(['ops', 'eng', null]);
  });

  test('expressions over aggregates and group keys', () => {
    expect(rows('select dept, max(age) - min(age) as spread, count(*) * 10 as tens from people where dept is not null group by dept order by dept')).toEqual([
      { dept: 'eng', spread: 14, tens: 20 },
      { dept: 'ops', spread: 11, tens: 20 },
    ]);
  });
});

describe('expressions', () => {
  test('arithmetic: / is always a double division, division by zero is null', () => {
    expect(rows('select x + y as a, x - y as b, x * y as c, x / y as d, x % y as e, x / z as f, x % z as g, d * 2 as h, -x as i from nums')).toEqual([
      { a: 9, b: 5, c: 14, d: 3.5, e: 1, f: null, g: null, h: 5, i: -7 },
    ]);
    expect(one('select 4 / 2 from nums')).toBe(2);
    expect(executeSql('select 4 / 2 as q from nums', catalog()).schema).toEqual({ q: 'double' });
    expect(one('select x div y from nums')).toBe(3);
  });

  test('null propagates through arithmetic and comparisons', () => {
    expect(rows('select age + 1 as a, age > 1 as b, age = null as c from people where name = "dee"')).toEqual([{ a: null, b: null, c: null }]);
  });

  test('comparisons', () => {
    expect(rows('select 1 < 2 as a, 2 <= 2 as b, 3 > 4 as c, "b" >= "a" as d, 1 = 1 as e, 1 != 2 as f, 1 <> 1 as g')).toEqual([
      { a: true, b: true, c: false, d: true, e: true, f: true, g: false },
    ]);
  });

  test('AND, OR and NOT with three-valued logic', () => {
    expect(
      rows('select null and false as a, null and true as b, null or true as c, null or false as d, not null as e, true and true as f, false or false as g'),
    ).toEqual([{ a: false, b: null, c: true, d: null, e: null, f: true, g: false }]);
    expect(one('select not (1 = 1)')).toBe(false);
  });

  test('IN and NOT IN, with a null in the list', () => {
    expect(col('select name from people where dept in ("ops", "hr") order by name', 'name')).toEqual(['cid', 'eve']);
    expect(col('select name from people where age not in (31, 45) order by name', 'name')).toEqual(['cid', 'eve']);
    expect(rows('select 1 in (1, null) as a, 2 in (1, null) as b, 2 not in (1, null) as c, 2 not in (1, 3) as d')).toEqual([
      { a: true, b: null, c: null, d: true },
    ]);
  });

  test('BETWEEN and NOT BETWEEN include both bounds', () => {
    expect(col('select name from people where age between 31 and 45 order by name', 'name')).toEqual(['ann', 'bob', 'eve']);
    expect(col('select name from people where age not between 31 and 45 order by name', 'name')).toEqual(['cid']);
  });

  test('LIKE with % and _, NOT LIKE, and an escaped wildcard', () => {
    expect(col('select name from people where name like "_e%" order by name', 'name')).toEqual(['dee']);
    expect(col('select name from people where name like "%e" order by name', 'name')).toEqual(['dee', 'eve']);
    expect(col('select name from people where name not like "%e%" order by name', 'name')).toEqual(['ann', 'bob', 'cid']);
    expect(rows('select "50%" like "50\\%" as a, "500" like "50\\%" as b, "a_c" like "a!_c" escape "!" as c, "abc" like "a!_c" escape "!" as d')).toEqual([
      { a: true, b: false, c: true, d: false },
    ]);
    expect(one('select "ABC" like "abc"')).toBe(false);
  });

  test('CASE WHEN, with and without a subject, and without ELSE', () => {
    expect(
      col('select case when age is null then "?" when age < 30 then "young" else "older" end as band from people order by name', 'band'),
    ).toEqual(['older', 'older', 'young', '?', 'older']);
    expect(col('select case dept when "eng" then 1 when "ops" then 2 end as code from people order by name', 'code')).toEqual([1, 1, 2, null, 2]);
  });

  test('IS NULL, IS NOT NULL, IS TRUE, IS NOT FALSE', () => {
    expect(col('select name from people where salary is null', 'name')).toEqual(['bob']);
    expect(col('select name from people where active is not false order by name', 'name')).toEqual(['ann', 'cid', 'dee', 'eve']);
    expect(col('select name from people where active is true order by name', 'name')).toEqual(['ann', 'cid', 'eve']);
  });

  test('string functions and concatenation', () => {
    expect(rows('select upper(name) as u, length(name) as n, concat(name, "-", dept) as c, name || "!" as e, coalesce(dept, "none") as d from people where name in ("ann", "dee") order by name')).toEqual([
      { u: 'ANN', n: 3, c: 'ann-eng', e: 'ann!', d: 'eng' },
      { u: 'DEE', n: 3, c: null, e: 'dee!', d: 'none' },
    ]);
  });

  test('numeric functions', () => {
    expect(rows('select abs(-3) as a, round(2.5D) as b, round(-2.5D) as c, round(3.14159D, 2) as d, floor(2.7D) as e, ceil(2.1D) as f')).toEqual([
      { a: 3, b: 3, c: -3, d: 3.14, e: 2, f: 3 },
    ]);
  });

  test('string literals: single or double quotes, backslash escapes; adjacent literals concatenate, as in Spark', () => {
    // Spark has no doubled-quote escape: 'it''s' is the two literals 'it' and 's', read as 'its'.
    expect(rows(`select 'it''s' as a, "say ""hi""" as b, 'tab\\there' as c, "\\"q\\"" as d, 'it\\'s' as e`)).toEqual([
      { a: 'its', b: 'say hi', c: 'tab\there', d: '"q"', e: "it's" },
    ]);
  });
});

describe('CAST', () => {
  test('to string', () => {
    expect(rows('select cast(42 as string) as a, cast(2.5 as string) as b, cast(true as string) as c, cast(null as string) as d, cast(1e7 as string) as e')).toEqual([
      { a: '42', b: '2.5', c: 'true', d: null, e: '1.0E7' },
    ]);
  });

  test('to int, bigint and long: truncate toward zero, text that is not a number is null', () => {
    expect(rows('select cast(3.9 as int) as a, cast(-3.9 as bigint) as b, cast("12" as long) as c, cast("x" as int) as d, cast(true as int) as e, cast(2147483648 as int) as f')).toEqual([
      { a: 3, b: -3, c: 12, d: null, e: 1, f: -2147483648 },
    ]);
  });

  test('to double and boolean', () => {
    expect(rows('select cast("2.5" as double) as a, cast(3 as double) as b, cast("yes" as boolean) as c, cast("0" as boolean) as d, cast("maybe" as boolean) as e, cast(0 as boolean) as f')).toEqual([
      { a: 2.5, b: 3, c: true, d: false, e: null, f: false },
    ]);
  });

  test('to and from timestamp: numbers count seconds, text is read in the session zone', () => {
    expect(one('select cast("2016-07-26 03:00:00" as timestamp)')).toBe(1469502000000);
    expect(one('select cast(1469502000 as timestamp)')).toBe(1469502000000);
    expect(executeSql('select cast("2016-07-26 08:30:00" as timestamp) as t', new Catalog(), { timeZone: 'Asia/Kolkata' }).rows).toEqual([
      { t: 1469502000000 },
    ]);
    expect(one('select cast(cast(1469502000 as timestamp) as long)')).toBe(1469502000);
    expect(one('select cast(cast(1469502000 as timestamp) as string)')).toBe('2016-07-26 03:00:00');
    expect(one('select cast("not a time" as timestamp)')).toBeNull();
  });

  test('timestamp columns compare with timestamp text', () => {
    const c = new Catalog();
    c.createOrReplaceTempView('events', [{ time: 1469501107000, action: 'Open' }, { time: 1469505600000, action: 'Close' }], { time: 'timestamp', action: 'string' });
    expect(executeSql('select action from events where time < "2016-07-26 03:00:00"', c).rows).toEqual([{ action: 'Open' }]);
  });
});

describe('the window column', () => {
  const H = 3_600_000;
  const base = 1469498400000;
  const counts = (): Catalog => {
    const c = new Catalog();
    c.createOrReplaceTempView('counts', [
      { action: 'Open', window: { start: base + H, end: base + 2 * H }, count: 5 },
      { action: 'Open', window: { start: base, end: base + H }, count: 3 },
      { action: 'Close', window: { start: base, end: base + H }, count: 1 },
    ]);
    return c;
  };

  test('selected whole it is the {start, end} object; its fields are timestamps', () => {
    const result = executeSql('select window, window.start, window.end as e from counts where action = "Open" order by window', counts());
    expect(result.columns).toEqual(['window', 'start', 'e']);
    expect(result.rows).toEqual([
      { window: { start: base, end: base + H }, start: base, e: base + H },
      { window: { start: base + H, end: base + 2 * H }, start: base + H, e: base + 2 * H },
    ]);
    expect(result.schema).toEqual({ window: 'window', start: 'timestamp', e: 'timestamp' });
  });

  test('grouping by window', () => {
    expect(executeSql('select window.start as s, sum(count) as n from counts group by window order by s', counts()).rows).toEqual([
      { s: base, n: 4 },
      { s: base + H, n: 5 },
    ]);
  });

  test('a window read as a string', () => {
    expect(executeSql('select cast(window as string) as w from counts where count = 1', counts()).rows).toEqual([
      { w: '{2016-07-26 02:00:00, 2016-07-26 03:00:00}' },
    ]);
  });
});

describe('an array column', () => {
  const ROWS = [
    { id: 1, values: [3, null, 1] },
    { id: 2, values: null },
    { id: 3, values: [] },
    { id: 4, values: [3, null] },
    { id: 5, values: [3, null, 1] },
  ];
  const arrays = (): Catalog => {
    const c = new Catalog();
    c.createOrReplaceTempView('t', ROWS, { id: 'int', values: 'array<int>' });
    return c;
  };

  // `values` is a keyword of the SQL grammar: a statement names the column in backticks.
  test('passes through SELECT * and a column reference, keeping its type', () => {
    const all = arrays().sql('select * from t');
    expect(all.columns).toEqual(['id', 'values']);
    expect(all.rows).toEqual(ROWS);
    expect(all.schema).toEqual({ id: 'int', values: 'array<int>' });
    expect(arrays().sql('select `values` as v from t where id = 1').rows).toEqual([{ v: [3, null, 1] }]);
  });

  test("reads as Spark's text in CAST AS STRING", () => {
    expect(arrays().sql('select cast(`values` as string) as s from t order by id').rows.map((r) => r['s'])).toEqual(['[3, null, 1]', null, '[]', '[3, null]', '[3, null, 1]']);
  });

  test('orders element by element (a null element first, then the shorter array first), and groups equal arrays', () => {
    expect(arrays().sql('select id from t order by `values`, id').rows.map((r) => r['id'])).toEqual([2, 3, 4, 1, 5]);
    expect(arrays().sql('select `values`, count(*) as n from t group by `values` order by `values`').rows).toEqual([
      { values: null, n: 1 },
      { values: [], n: 1 },
      { values: [3, null], n: 1 },
      { values: [3, null, 1], n: 2 },
    ]);
  });

  test('is refused by arithmetic, sum, avg and casts other than to string', () => {
    for (const sql of ['select `values` + 1 from t', 'select sum(`values`) from t', 'select avg(`values`) from t', 'select cast(`values` as int) from t', 'select hour(`values`) from t']) {
      expect(() => arrays().sql(sql)).toThrow(SqlAnalysisError);
    }
  });
});
