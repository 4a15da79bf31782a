/**
 * The notebook's %sql cells over the bundled dataset, verbatim, from TypeScript: against the
 * static table and the live streaming table, compared with the golden tables; and reads taken
 * while the query runs, each of which must show a whole number of files (prefix integrity).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import fc from 'fast-check';
import {
  Catalog,
  groupCount,
  readJsonFiles,
  startQuery,
  throttleFiles,
  toMemoryTable,
  tumblingWindow,
  type SqlResult,
} from '../../src/index.js';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'datasets', 'events');
const SCHEMA = 'time TIMESTAMP, action STRING';
const golden = <T>(name: string): T => JSON.parse(readFileSync(join(ROOT, 'datasets', 'golden', name), 'utf8')) as T;
const TOTALS = golden<{ action: string; total_count: number }[]>('totals.json');
const TIMELINE = golden<{ action: string; time: string; count: number }[]>('timeline.json');
const PREFIX = golden<{ files: number; Close: number; Open: number }[]>('prefix_totals.json');

const CELL3 = 'select action, sum(count) as total_count from static_counts group by action';
const CELL4 = 'select action, date_format(window.end, "MMM-dd HH:mm") as time, count from static_counts order by time, action';
const CELL7_TOTALS = 'select action, sum(count) as total_count from counts group by action order by action';
const CELL7_TIMELINE = 'select action, date_format(window.end, "MMM-dd HH:mm") as time, count from counts order by time, action';

const byAction = (rows: readonly Record<string, unknown>[]) => [...rows].sort((a, b) => String(a['action']).localeCompare(String(b['action'])));

function streaming(catalog: Catalog) {
  return readJsonFiles(DIR, { schema: SCHEMA, pollInterval: '50 ms' }).pipe(
    throttleFiles(1),
    tumblingWindow('time', '1 hour'),
    groupCount('action', 'window'),
    toMemoryTable('counts', { catalog, outputMode: 'complete' }),
  );
}

describe("the notebook's SQL cells", () => {
  it('run verbatim over the static table and give the golden totals and timeline', async () => {
    const catalog = new Catalog();
    await lastValueFrom(
      readJsonFiles(DIR, { schema: SCHEMA, watch: false }).pipe(
        tumblingWindow('time', '1 hour'),
        groupCount('action', 'window'),
        toMemoryTable('static_counts', { catalog, outputMode: 'complete' }),
      ),
    );
    const totals = catalog.sql(CELL3);
    expect(totals.columns).toEqual(['action', 'total_count']);
    expect(byAction(totals.rows)).toEqual(TOTALS);
    const timeline = catalog.sql(CELL4);
    expect(timeline.columns).toEqual(['action', 'time', 'count']);
    expect(timeline.rows).toEqual(TIMELINE); // ordered by time, then action
  });

  it('run verbatim over the live table, which ends equal to the static answer', async () => {
    const catalog = new Catalog();
    const query = startQuery(streaming(catalog));
    await query.processAllAvailable();
    expect(catalog.sql(CELL7_TOTALS).rows).toEqual(TOTALS); // `order by action`
    expect(catalog.sql(CELL7_TIMELINE).rows).toEqual(TIMELINE);
    await query.stop();
  });

  it('see whole files only while the query runs: every read equals the static totals of some prefix, with Opens >= Closes', async () => {
    // Reads are taken at random points between the query's asynchronous file reads.
    const prefixesSeen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 40, maxLength: 120 }), async (pauses) => {
        const catalog = new Catalog();
        const query = startQuery(streaming(catalog));
        const reads: SqlResult[] = [];
        for (const pause of pauses) {
          for (let i = 0; i < pause; i++) await new Promise((r) => setImmediate(r));
          if (catalog.table('counts') !== undefined) reads.push(catalog.sql(CELL7_TOTALS));
        }
        await query.stop();
        for (const read of reads) {
          const t = Object.fromEntries(read.rows.map((r) => [r['action'], r['total_count']])) as Record<string, number>;
          const open = t['Open'] ?? 0;
          const close = t['Close'] ?? 0;
          const files = (open + close) / 2000;
          expect(Number.isInteger(files)).toBe(true);
          expect(files).toBeLessThanOrEqual(PREFIX.length);
          // 0 files: the empty table the memory sink registers when the run starts (as Spark's), before batch 0
          if (files === 0) {
            expect(read.rows).toEqual([]);
            continue;
          }
          prefixesSeen.add(files);
          expect({ Close: close, Open: open }).toEqual({ Close: PREFIX[files - 1]?.Close, Open: PREFIX[files - 1]?.Open });
          expect(open).toBeGreaterThanOrEqual(close);
        }
      }),
      { numRuns: 8 },
    );
    // The reads really were taken mid-stream, at many different points.
    expect(prefixesSeen.size).toBeGreaterThan(5);
  });

  it('push a new result once per trigger through catalog.sqlStream', async () => {
    const catalog = new Catalog();
    const results: SqlResult[] = [];
    const sub = catalog.sqlStream(CELL7_TOTALS).subscribe((r) => results.push(r));
    const query = startQuery(streaming(catalog));
    await query.processAllAvailable();
    await query.stop();
    sub.unsubscribe();
    // The table did not exist at subscription. It appears empty when the run starts (as Spark's
    // memory sink), which gives the first result; then one result per trigger.
    expect(results).toHaveLength(51);
    expect(results[0]?.rows).toEqual([]);
    results.slice(1).forEach((r, k) => {
      expect(r.rows).toEqual([
        { action: 'Close', total_count: PREFIX[k]?.Close },
        { action: 'Open', total_count: PREFIX[k]?.Open },
      ]);
    });
  });
});
