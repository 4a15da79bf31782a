import { Catalog } from '../../src/catalog.js';
import { AnalysisError, StructuredRxError } from '../../src/errors.js';
import {
  SqlAnalysisError,
  SqlNotAQueryError,
  SqlSyntaxError,
  SqlUnknownColumnError,
  SqlUnknownFunctionError,
  SqlUnknownTableError,
  SqlUnsupportedError,
  executeSql,
  prepareSql,
} from '../../src/sql/index.js';

function catalog(): Catalog {
  const c = new Catalog();
  c.createOrReplaceTempView('counts', [{ action: 'Open', window: { start: 0, end: 3600000 }, count: 3 }]);
  c.createOrReplaceTempView('static_counts', [], { action: 'string', count: 'long' });
  return c;
}

/** The error `run` throws; fails the test when it throws nothing. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}

const fail = (sql: string): unknown => thrown(() => executeSql(sql, catalog()));

describe('syntax errors', () => {
  test('name the line, the column and what was expected', () => {
    const e = fail('select action,\n  from counts');
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e).toBeInstanceOf(StructuredRxError);
    const s = e as SqlSyntaxError;
    // FROM is reserved: the select list is missing its item where FROM stands.
    expect(s.line).toBe(2);
    expect(s.column).toBe(3);
    expect(s.offset).toBe(17);
    expect(s.found).toBe('f');
    expect(s.expected.length).toBeGreaterThan(0);
    expect(s.message).toContain('line 2, column 3');
  });

  test('an unterminated string', () => {
    const e = fail('select "abc from counts') as SqlSyntaxError;
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e.line).toBe(1);
  });

  test('the position is in the text as written, also after a Spark cast type', () => {
    const e = fail('select cast(count as string), cast(count as lng) from counts') as SqlSyntaxError;
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e.column).toBe(45);
    expect(e.found).toBe('l');
    expect(e.expected).toContain('"BIGINT"');
  });

  test('an empty statement', () => {
    for (const text of ['', '  \n ', '-- only a comment', ';']) {
      const e = fail(text) as SqlSyntaxError;
      expect(e).toBeInstanceOf(SqlSyntaxError);
      expect(e.offset).toBe(text.length);
      expect(e.found).toBeNull();
      expect(e.message).toContain('end of input');
    }
  });

  test('is raised when preparing, before any table is read', () => {
    expect(thrown(() => prepareSql('select from where'))).toBeInstanceOf(SqlSyntaxError);
  });
});

describe('unknown names', () => {
  test('an unknown table names it and lists the tables that exist', () => {
    const e = fail('select * from cnts') as SqlUnknownTableError;
    expect(e).toBeInstanceOf(SqlUnknownTableError);
    expect(e).toBeInstanceOf(AnalysisError);
    expect(e.table).toBe('cnts');
    expect(e.available).toEqual(['counts', 'static_counts']);
    expect(e.message).toContain('cnts');
  });

  test('an unknown column names it and lists the columns, with window fields', () => {
    const e = fail('select acton from counts') as SqlUnknownColumnError;
    expect(e).toBeInstanceOf(SqlUnknownColumnError);
    expect(e.column).toBe('acton');
    expect(e.available).toEqual(['action', 'window', 'window.start', 'window.end', 'count']);
  });

  test('an unknown window field', () => {
    const e = fail('select window.middle from counts') as SqlUnknownColumnError;
    expect(e).toBeInstanceOf(SqlUnknownColumnError);
    expect(e.column).toBe('window.middle');
    expect(e.available).toEqual(['window.start', 'window.end']);
  });

  test('an unknown column in WHERE, GROUP BY, ORDER BY of a table known only by its schema', () => {
    for (const sql of [
      'select action from static_counts where nope = 1',
      'select count(*) from static_counts group by nope',
      'select action from static_counts order by nope',
    ]) {
      const e = fail(sql) as SqlUnknownColumnError;
      expect(e).toBeInstanceOf(SqlUnknownColumnError);
      expect(e.column).toBe('nope');
      expect(e.available).toEqual(['action', 'count']);
    }
  });
});

describe('statements that are not queries', () => {
  test.each([
    ['insert into counts values (1)', 'insert'],
    ['update counts set count = 1', 'update'],
    ['delete from counts', 'delete'],
    ['drop table counts', 'drop'],
    ['create table x (a int)', 'create'],
  ])('%s is refused', (sql, statement) => {
    const e = fail(sql) as SqlNotAQueryError;
    expect(e).toBeInstanceOf(SqlNotAQueryError);
    expect(e).toBeInstanceOf(SqlUnsupportedError);
    expect(e.statement).toBe(statement);
    expect(e.message).toContain('only SELECT');
  });

  test('and the catalog is left as it was', () => {
    const c = catalog();
    thrown(() => executeSql('drop table counts', c));
    expect(c.tableNames()).toEqual(['counts', 'static_counts']);
  });

  test('two statements at once are refused', () => {
    const e = fail('select 1; select 2') as SqlUnsupportedError;
    expect(e).toBeInstanceOf(SqlUnsupportedError);
    expect(e.feature).toBe('multiple statements');
  });
});

describe('unsupported SQL', () => {
  test('an unknown function names it and lists what is supported', () => {
    const e = fail('select soundex(action) from counts') as SqlUnknownFunctionError;
    expect(e).toBeInstanceOf(SqlUnknownFunctionError);
    expect(e).toBeInstanceOf(SqlUnsupportedError);
    expect(e.functionName).toBe('soundex');
    expect(e.supported).toContain('date_format');
    expect(e.supported).toContain('sum');
    expect(e.message).toContain('soundex');
  });

  test.each([
    ['select cast(count as decimal(10, 2)) from counts', 'CAST to DECIMAL'],
    ['select 2.5 as x', 'DECIMAL values'],
    ['select count + 0.5 from counts', 'DECIMAL values'],
    ['select action from counts c where exists (select 1 from static_counts s where s.action = c.action)', 'correlated subqueries'],
    ['select 9223372036854775807L as x', 'BIGINT literals beyond 2^53 - 1'],
  ])('%s', (sql, feature) => {
    const e = fail(sql) as SqlUnsupportedError;
    expect(e).toBeInstanceOf(SqlUnsupportedError);
    expect(e.feature).toBe(feature);
  });
});

describe('analysis errors', () => {
  test.each([
    ['select action, count from counts group by action', 'count', /GROUP BY/],
    ['select action from counts where sum(count) > 1', 'sum(...)', /not allowed in WHERE/],
    ['select action from counts where count', 'count', /boolean/],
    ['select action, action from counts', 'action', /same name/],
    ['select sum(action = "x") from counts', 'sum((action = x))', /needs numbers/],
    ['select cast(window as long) from counts', 'CAST(window AS BIGINT)', /cannot cast/],
    ['select window + 1 from counts', '(window + 1)', /needs numbers/],
    ['select action from counts order by 5', '5', /position 5/],
    ['select date_format(window, "HH") from counts', 'date_format(window)', /timestamp/],
    ['select action.x from counts', 'action.x', /not a struct/],
  ])('%s', (sql, expression, reason) => {
    const e = fail(sql) as SqlAnalysisError;
    expect(e).toBeInstanceOf(SqlAnalysisError);
    expect(e).toBeInstanceOf(AnalysisError);
    expect(e.expression).toBe(expression);
    expect(e.reason).toMatch(reason);
  });
});
