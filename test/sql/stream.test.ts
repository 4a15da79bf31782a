import { config } from 'rxjs';
import { Catalog } from '../../src/catalog.js';
import { SqlSyntaxError, SqlUnknownColumnError, type SqlResult, prepareSql, sqlStream } from '../../src/sql/index.js';

const TOTALS = 'select action, sum(count) as total_count from counts group by action order by action';
const info = { batchId: 0, isStreaming: true, schema: { action: 'string', count: 'long' } } as const;

function record(results: SqlResult[]): (r: SqlResult) => void {
  return (r) => results.push(r);
}

describe('sqlStream', () => {
  test('emits at once when the table exists, then once per replacement of that table only', () => {
    const catalog = new Catalog();
    catalog.replace('counts', [{ action: 'Open', count: 1 }], info);
    catalog.createOrReplaceTempView('other', [{ x: 1 }]);
    const results: SqlResult[] = [];
    const sub = sqlStream(catalog, TOTALS).subscribe(record(results));
    expect(results.map((r) => r.rows)).toEqual([[{ action: 'Open', total_count: 1 }]]);

    catalog.replace('counts', [{ action: 'Open', count: 1 }, { action: 'Close', count: 2 }], { ...info, batchId: 1 });
    catalog.createOrReplaceTempView('other', [{ x: 2 }]);
    catalog.replace('counts', [{ action: 'Open', count: 5 }], { ...info, batchId: 2 });
    expect(results.map((r) => r.rows)).toEqual([
      [{ action: 'Open', total_count: 1 }],
      [
        { action: 'Close', total_count: 2 },
        { action: 'Open', total_count: 1 },
      ],
      [{ action: 'Open', total_count: 5 }],
    ]);
    sub.unsubscribe();
    catalog.replace('counts', [], { ...info, batchId: 3 });
    expect(results).toHaveLength(3);
  });

  test('waits for a table that does not exist yet, without an error', () => {
    const catalog = new Catalog();
    const results: SqlResult[] = [];
    const errors: unknown[] = [];
    sqlStream(catalog, TOTALS).subscribe({ next: record(results), error: (e) => errors.push(e) });
    expect(results).toEqual([]);
    catalog.replace('counts', [{ action: 'Close', count: 4 }], info);
    expect(results.map((r) => r.rows)).toEqual([[{ action: 'Close', total_count: 4 }]]);
    expect(errors).toEqual([]);
  });

  test('each subscriber gets its own run; a prepared statement can be shared', () => {
    const catalog = new Catalog();
    catalog.replace('counts', [{ action: 'Open', count: 1 }], info);
    const prepared = prepareSql(TOTALS);
    expect(prepared.tables).toEqual(['counts']);
    const stream = sqlStream(catalog, prepared);
    const a: SqlResult[] = [];
    const b: SqlResult[] = [];
    stream.subscribe(record(a));
    catalog.replace('counts', [{ action: 'Open', count: 2 }], info);
    stream.subscribe(record(b));
    expect(a.map((r) => r.rows[0]?.['total_count'])).toEqual([1, 2]);
    expect(b.map((r) => r.rows[0]?.['total_count'])).toEqual([2]);
  });

  test('a statement that fails on a new snapshot errors its own subscriber only, never the sink', () => {
    const catalog = new Catalog();
    catalog.replace('counts', [{ action: 'Open', count: 1 }], info);
    const failing: { results: SqlResult[]; errors: unknown[] } = { results: [], errors: [] };
    sqlStream(catalog, 'select action, count from counts').subscribe({
      next: record(failing.results),
      error: (e) => failing.errors.push(e),
    });
    const healthy: SqlResult[] = [];
    sqlStream(catalog, 'select count(*) as n from counts').subscribe(record(healthy));
    const seenBySink: string[] = [];
    catalog.changes('counts').subscribe((s) => seenBySink.push(`v${s.version}`));

    // The next trigger's table has no `count` column: the first statement cannot run on it.
    const next = () => catalog.replace('counts', [{ action: 'Open', total: 1 }], { batchId: 1, isStreaming: true, schema: { action: 'string', total: 'long' } });
    expect(next).not.toThrow();
    expect(failing.results).toHaveLength(1);
    expect(failing.errors).toHaveLength(1);
    expect(failing.errors[0]).toBeInstanceOf(SqlUnknownColumnError);
    expect((failing.errors[0] as SqlUnknownColumnError).column).toBe('count');
    expect(healthy.map((r) => r.rows)).toEqual([[{ n: 1 }], [{ n: 1 }]]);
    expect(seenBySink).toEqual(['v1']);

    // The failed stream is closed: later replacements neither run it nor throw.
    expect(() => catalog.replace('counts', [], { ...info, batchId: 2 })).not.toThrow();
    expect(failing.errors).toHaveLength(1);
    expect(healthy).toHaveLength(3);
    expect(catalog.table('counts')?.version).toBe(2);
  });

  test('a syntax error reaches the error channel on subscribe', () => {
    const catalog = new Catalog();
    const errors: unknown[] = [];
    const stream = sqlStream(catalog, 'select from from counts');
    stream.subscribe({ error: (e) => errors.push(e) });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SqlSyntaxError);
    expect(() => catalog.replace('counts', [], info)).not.toThrow();
  });

  test('an observer whose next throws does not break the replacement', async () => {
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (e) => reported.push(e);
    try {
      const catalog = new Catalog();
      catalog.replace('counts', [], info);
      let calls = 0;
      sqlStream(catalog, TOTALS).subscribe(() => {
        calls += 1;
        if (calls === 2) throw new Error('observer bug');
      });
      expect(() => catalog.replace('counts', [{ action: 'Open', count: 1 }], info)).not.toThrow();
      expect(calls).toBe(2);
      expect(catalog.table('counts')?.rows).toEqual([{ action: 'Open', count: 1 }]);
      // rxjs reports an observer's own exception on a later task, not to the caller of next().
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(reported).toHaveLength(1);
      expect((reported[0] as Error).message).toBe('observer bug');
    } finally {
      config.onUnhandledError = previous;
    }
  });
});
