/**
 * The notebook, end to end, over the bundled dataset: the static query, then the same query as
 * a stream with one file per trigger. After each trigger k the memory table must equal the
 * static query over files 0..k (computed here by an independent plain loop), and the handle's
 * progress must count 2,000 rows per trigger.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import {
  Catalog,
  groupCount,
  isStreaming,
  readJsonFiles,
  startQuery,
  throttleFiles,
  toMemoryTable,
  tumblingWindow,
  type TableSnapshot,
} from '../../src/index.js';

const DIR = join(__dirname, '..', '..', 'datasets', 'events');
const SCHEMA = 'time TIMESTAMP, action STRING';
const HOUR = 3_600_000;

/** The static answer over files 0..k-1 for every k, by a plain loop: action|windowStart -> count. */
function prefixAnswers(): Map<string, number>[] {
  const names = readdirSync(DIR).filter((n) => /^file-\d+\.json$/.test(n));
  names.sort((a, b) => Number(a.slice(5, -5)) - Number(b.slice(5, -5)));
  const answers: Map<string, number>[] = [];
  const acc = new Map<string, number>();
  for (const name of names) {
    for (const line of readFileSync(join(DIR, name), 'utf8').split('\n')) {
      if (line === '') continue;
      const e = JSON.parse(line) as { time: number; action: string };
      const ms = e.time * 1000;
      const key = `${e.action}|${ms - (ms % HOUR)}`;
      acc.set(key, (acc.get(key) ?? 0) + 1);
    }
    answers.push(new Map(acc));
  }
  return answers;
}

function tableAsMap(rows: readonly { action: unknown; window: unknown; count: unknown }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) {
    const w = r.window as { start: number; end: number };
    expect(w.end - w.start).toBe(HOUR);
    m.set(`${String(r.action)}|${w.start}`, r.count as number);
  }
  return m;
}

function totals(rows: readonly { action: unknown; count: unknown }[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of rows) t[String(r.action)] = (t[String(r.action)] ?? 0) + (r.count as number);
  return t;
}

const answers = prefixAnswers();

describe('the notebook over datasets/events', () => {
  it('has 50 files to stream', () => {
    expect(answers).toHaveLength(50);
  });

  it('answers the static query on a finite source', async () => {
    const catalog = new Catalog();
    const static$ = readJsonFiles(DIR, { schema: SCHEMA, watch: false }).pipe(
      tumblingWindow('time', '1 hour'),
      groupCount('action', 'window'),
      toMemoryTable('static_counts', { catalog, outputMode: 'complete' }),
    );
    expect(isStreaming(static$)).toBe(false);
    await lastValueFrom(static$);
    const rows = catalog.table<{ action: string; window: { start: number; end: number }; count: number }>('static_counts')?.rows ?? [];
    expect(tableAsMap(rows)).toEqual(answers[49]);
    expect(totals(rows)).toEqual({ Close: 50_000, Open: 50_000 });
  });

  it('streams one file per trigger, and after trigger k the table equals the static query over files 0..k', async () => {
    const catalog = new Catalog();
    const snapshots: TableSnapshot[] = [];
    const seen = catalog.changes('counts').subscribe((s) => snapshots.push(s));
    const counts$ = readJsonFiles(DIR, { schema: SCHEMA, pollInterval: '50 ms' }).pipe(
      throttleFiles(1),
      tumblingWindow('time', '1 hour'),
      groupCount('action', 'window'),
      toMemoryTable('counts', { catalog, outputMode: 'complete' }),
    );
    expect(isStreaming(counts$)).toBe(true);
    const query = startQuery(counts$);
    await query.processAllAvailable();
    expect(query.isActive).toBe(true);
    await query.stop();
    seen.unsubscribe();

    expect(query.isActive).toBe(false);
    // First the empty table the memory sink registers when the run starts (as Spark's), then one snapshot per trigger.
    expect(snapshots).toHaveLength(51);
    expect(snapshots[0]).toMatchObject({ batchId: -1, rows: [] });
    snapshots.slice(1).forEach((s, k) => {
      expect(s.batchId).toBe(k);
      const rows = s.rows as readonly { action: unknown; window: unknown; count: unknown }[];
      expect(tableAsMap(rows)).toEqual(answers[k]);
      const t = totals(rows);
      expect(t['Open'] ?? 0).toBeGreaterThanOrEqual(t['Close'] ?? 0); // every Close follows its Open
      expect((t['Open'] ?? 0) + (t['Close'] ?? 0)).toBe(2000 * (k + 1)); // whole files only
    });
    expect(totals(catalog.table('counts')?.rows as readonly { action: unknown; count: unknown }[])).toEqual({ Close: 50_000, Open: 50_000 });

    const progress = query.recentProgress;
    expect(progress).toHaveLength(50);
    expect(progress.map((p) => p.batchId)).toEqual([...Array(50).keys()]);
    expect(progress.every((p) => p.numInputRows === 2000)).toBe(true);
    expect(progress.map((p) => p.sources[0]?.inputs)).toEqual([...Array(50).keys()].map((i) => [`file-${i}.json`]));
    expect(query.lastProgress?.sink.numOutputRows).toBe(answers[49]?.size);
  });
});
