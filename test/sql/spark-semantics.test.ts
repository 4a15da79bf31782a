// Value tests for Spark's grammar, coercions, casts, functions and ordering (decision 0017), one
// group per cause of the issue, with the values Spark 3.x gives (non-ANSI mode).
import { Catalog } from '../../src/catalog.js';
import { StructuredRxError } from '../../src/errors.js';
import {
  SqlExecutionError,
  SqlLimitError,
  SqlSyntaxError,
  SqlUnsupportedError,
  executeSql,
} from '../../src/sql/index.js';

function catalog(): Catalog {
  const c = new Catalog();
  c.createOrReplaceTempView('t', [{ a: true, b: false, c: false, n: 1, s: '1.5', l: 3000000000, d: 2.675 }], {
    a: 'boolean',
    b: 'boolean',
    c: 'boolean',
    n: 'int',
    s: 'string',
    l: 'long',
    d: 'double',
  });
  return c;
}

const value = (sql: string): unknown => {
  const r = executeSql(sql, catalog());
  expect(r.rows).toHaveLength(1);
  return r.rows[0]?.[r.columns[0] ?? ''];
};
const thrown = (sql: string): unknown => {
  try {
    executeSql(sql, catalog());
  } catch (e) {
    return e;
  }
  throw new Error(`no error for ${sql}`);
};

describe('grammar and precedence (SqlBaseParser)', () => {
  test('AND binds tighter than OR, with bare boolean columns and literals', () => {
    // a OR (b AND c) = true OR false = true; (a OR b) AND c would be false.
    expect(value('select a or b and c as x from t')).toBe(true);
    expect(value('select true or false and false as x')).toBe(true);
    expect(value('select not false and false as x')).toBe(false);
  });

  test('NOT (x) IS TRUE is NOT applied to the predicate, not a function call', () => {
    expect(value('select not (b) is true as x from t')).toBe(true);
    expect(value('select not b = true as x from t')).toBe(true);
  });

  test('|| binds as + and -, left to right', () => {
    // (1 + 2) || 'a' = '3a'; with || tighter it would be 1 + '2a' = null.
    expect(value("select 1 + 2 || 'a' as x")).toBe('3a');
    expect(value("select 'a' || 1 + 2 as x")).toBeNull(); // ('a' || 1) + 2: 'a1' is not a number
  });

  test('boolean expressions in ORDER BY, GROUP BY, CAST, CASE THEN and function arguments', () => {
    const c = new Catalog();
    c.createOrReplaceTempView('p', [{ v: 1 }, { v: 5 }, { v: 3 }], { v: 'int' });
    expect(executeSql('select v from p order by v > 2, v', c).rows.map((r) => r['v'])).toEqual([1, 3, 5]);
    expect(executeSql('select v > 2 as big, count(*) as n from p group by v > 2 order by big', c).rows).toEqual([
      { big: false, n: 1 },
      { big: true, n: 2 },
    ]);
    expect(executeSql('select cast(v > 2 as int) as x, case when v = 1 then v > 0 else false end as y, coalesce(v < 2, true) as z from p order by v', c).rows[0]).toEqual({
      x: 0,
      y: true,
      z: true,
    });
  });

  test('a simple CASE with an operand', () => {
    expect(value("select case n when 1 then 'one' when 2 then 'two' else 'many' end as x from t")).toBe('one');
    expect(value("select case n + 1 when 1 then 'one' else 'other' end as x from t")).toBe('other');
  });

  test('syntax errors name the position and what was expected', () => {
    const e = thrown('select a or from t') as SqlSyntaxError;
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e.column).toBe(13);
    expect(e.expected.length).toBeGreaterThan(0);
  });
});

describe('comparison and IN coercions (TypeCoercion)', () => {
  test('a string against an INT is cast to INT (truncating the fraction)', () => {
    expect(value("select '1.5' = 1 as x")).toBe(true);
    expect(value('select s = 1 as x from t')).toBe(true);
    expect(value("select ' 7 ' = 7 as x")).toBe(true);
    expect(value("select '1e0' = 1 as x")).toBeNull(); // not an integer text: null
  });

  test('a string against a DOUBLE is cast to DOUBLE', () => {
    expect(value("select '1.5' = 1.5D as x")).toBe(true);
    expect(value("select '1e0' = 1D as x")).toBe(true);
  });

  test('IN widens every side to STRING when a string meets numbers (unlike =)', () => {
    expect(value("select 1 in ('1.0') as x")).toBe(false);
    expect(value("select 1 in ('1') as x")).toBe(true);
    expect(value("select 1 = '1.0' as x")).toBe(true);
  });

  test('a boolean equals a number as 1 or 0', () => {
    expect(value('select true = 1 as x')).toBe(true);
    expect(value('select false = 0 as x')).toBe(true);
  });
});

describe('casts (Cast, UTF8String)', () => {
  test('string to integral: trimmed, sign, fraction dropped; exponents, inner blanks and overflow are null', () => {
    expect(value("select cast(' 12 ' as int) as x")).toBe(12);
    expect(value("select cast('-12.9' as int) as x")).toBe(-12);
    expect(value("select cast('1e3' as int) as x")).toBeNull();
    expect(value("select cast('1 2' as int) as x")).toBeNull();
    expect(value("select cast('2147483648' as int) as x")).toBeNull();
    expect(value("select cast('0x10' as int) as x")).toBeNull();
    expect(value("select cast('128' as tinyint) as x")).toBeNull();
  });

  test('string to double: Java parsing (suffixes, hex, special words)', () => {
    expect(value("select cast('1.5d' as double) as x")).toBe(1.5);
    expect(value("select cast('0x1p3' as double) as x")).toBe(8);
    expect(value("select cast('-Infinity' as double) as x")).toBe(-Infinity);
    expect(value("select cast('inf' as double) as x")).toBe(Infinity);
    expect(value("select cast('1_000' as double) as x")).toBeNull();
    expect(value("select cast(' 2.5\t' as double) as x")).toBe(2.5);
  });

  test('double to integral saturates at INT/BIGINT, then wraps to SMALLINT/TINYINT; NaN is 0', () => {
    expect(value('select cast(1e10D as int) as x')).toBe(2147483647);
    expect(value('select cast(-1e10D as int) as x')).toBe(-2147483648);
    expect(value('select cast(300.5D as tinyint) as x')).toBe(44);
    expect(value("select cast(cast('NaN' as double) as int) as x")).toBe(0);
  });

  test('REAL is FLOAT (single precision), not DOUBLE', () => {
    expect(value('select cast(0.1D as real) as x')).toBe(Math.fround(0.1));
    expect(value('select cast(cast(0.1D as float) as string) as x')).toBe('0.1');
  });

  test('CAST(NaN AS BOOLEAN) is true (x != 0)', () => {
    expect(value("select cast(cast('NaN' as double) as boolean) as x")).toBe(true);
  });
});

describe('functions and ordering', () => {
  test('round rounds the decimal text half up; bround half even', () => {
    expect(value('select round(d, 2) as x from t')).toBe(2.68);
    expect(value('select round(2.5D) as x')).toBe(3);
    expect(value('select bround(2.5D) as x')).toBe(2);
    expect(value('select round(1.005D, 2) as x')).toBe(1.01);
    expect(value('select round(15, -1) as x')).toBe(20);
  });

  test('strings sort by UTF-8 bytes (code points), not UTF-16 units', () => {
    const c = new Catalog();
    c.createOrReplaceTempView('w', [{ s: '\u{1F600}' }, { s: '\uFB00' }, { s: 'z' }], { s: 'string' });
    expect(executeSql('select s from w order by s', c).rows.map((r) => r['s'])).toEqual(['z', '\uFB00', '\u{1F600}']);
    expect(executeSql("select max(s) as m from w", c).rows).toEqual([{ m: '\u{1F600}' }]);
  });

  test('only an INT literal in ORDER BY is a position; 1L is a constant', () => {
    const c = new Catalog();
    c.createOrReplaceTempView('p', [{ v: 2, w: 'a' }, { v: 1, w: 'b' }], { v: 'int', w: 'string' });
    expect(executeSql('select w, v from p order by 2', c).rows.map((r) => r['w'])).toEqual(['b', 'a']);
    expect(executeSql('select w, v from p order by 1L, w desc', c).rows.map((r) => r['w'])).toEqual(['b', 'a']);
  });
});

describe('numbers: INT wraps, BIGINT is exact or refused, DECIMAL literals are refused', () => {
  test('INT arithmetic wraps at 32 bits as the JVM', () => {
    expect(value('select 2147483647 + 1 as x')).toBe(-2147483648);
    expect(value('select 65536 * 65536 as x')).toBe(0);
  });

  test('BIGINT results within 2^53 are exact; beyond, a typed error (never a rounded number)', () => {
    expect(value('select l * 1000 as x from t')).toBe(3000000000000);
    const e = thrown('select l * l as x from t') as SqlExecutionError;
    expect(e).toBeInstanceOf(SqlExecutionError);
    expect(e.errorClass).toBe('ARITHMETIC_OVERFLOW');
    // Spark's long arithmetic wraps at 64 bits: a product that wraps back into range is Spark's value.
    expect(value('select 4294967296L * 4294967296L as x')).toBe(0);
  });

  test('a decimal literal is compared exactly or turned into a double where Spark does, refused elsewhere', () => {
    expect(value('select n < 2.5 as x from t')).toBe(true);
    expect(value('select d * 2.5 as x from t')).toBeCloseTo(6.6875);
    expect(value('select cast(2.50 as string) as x')).toBe('2.50');
    expect(thrown('select n + 2.5 as x from t')).toBeInstanceOf(SqlUnsupportedError);
    expect(thrown('select 2.5 as x')).toBeInstanceOf(SqlUnsupportedError);
  });
});

describe('limits and hostile names', () => {
  test('deep nesting and huge statements are typed errors, never a RangeError', () => {
    for (const sql of [
      `select ${'('.repeat(5000)}1${')'.repeat(5000)} as x`,
      `select ${'not '.repeat(20000)}true as x`,
      `select ${'- '.repeat(20000)}1 as x`,
      `select ${Array.from({ length: 30000 }, () => '1').join(' + ')} as x`,
      `select 1 as x from ${'(select 1 as x from '.repeat(3000)}t${') q'.repeat(3000)}`,
    ]) {
      const e = thrown(sql);
      expect(e).toBeInstanceOf(StructuredRxError);
      expect(e).toBeInstanceOf(SqlLimitError);
    }
    expect(thrown(`select '${'x'.repeat(200_000)}' as x`)).toBeInstanceOf(SqlLimitError);
  });

  test('__proto__, constructor and toString work as column names and aliases', () => {
    const c = new Catalog();
    const row: Record<string, unknown> = {};
    for (const [k, v] of [['__proto__', 1], ['constructor', 2], ['toString', 3]] as const) Object.defineProperty(row, k, { value: v, enumerable: true });
    const schema: Record<string, 'int'> = {};
    for (const k of ['__proto__', 'constructor', 'toString']) Object.defineProperty(schema, k, { value: 'int', enumerable: true });
    c.createOrReplaceTempView('h', [row], schema);
    const r = executeSql('select `__proto__` + 1 as `__proto__`, constructor, toString as hasOwnProperty from h', c);
    expect(r.columns).toEqual(['__proto__', 'constructor', 'hasOwnProperty']);
    const out = r.rows[0] as Record<string, unknown>;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe(2);
    expect(out['constructor']).toBe(2);
    expect(out['hasOwnProperty']).toBe(3);
    // A table without the column: `constructor` of a plain row is not its prototype's function.
    const d = new Catalog();
    d.createOrReplaceTempView('e', [{ x: 1 }], { x: 'int', constructor: 'int' } as Record<string, 'int'>);
    expect(executeSql('select constructor from e', d).rows).toEqual([{ constructor: null }]);
  });
});
