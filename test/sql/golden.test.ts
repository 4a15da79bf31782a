// The notebook's %sql cells over the bundled dataset's windowed counts (datasets/golden), which
// were computed from the event files with plain loops, independently of this engine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog, type Row } from '../../src/catalog.js';
import { executeSql } from '../../src/sql/index.js';

const GOLDEN = join(__dirname, '..', '..', 'datasets', 'golden');
const read = (name: string): Row[] => JSON.parse(readFileSync(join(GOLDEN, name), 'utf8')) as Row[];

interface GoldenCount {
  action: string;
  window: { start: string; end: string };
  count: number;
}

function staticCounts(): Catalog {
  const counts = (read('static_counts.json') as unknown as GoldenCount[]).map((r) => ({
    action: r.action,
    window: { start: Date.parse(r.window.start), end: Date.parse(r.window.end) },
    count: r.count,
  }));
  const catalog = new Catalog();
  catalog.createOrReplaceTempView('static_counts', counts, { action: 'string', window: 'window', count: 'long' });
  return catalog;
}

test('cell 3: totals over the whole dataset', () => {
  const result = executeSql('select action, sum(count) as total_count from static_counts group by action', staticCounts());
  const byAction = [...result.rows].sort((a, b) => String(a['action']).localeCompare(String(b['action'])));
  expect(byAction).toEqual(read('totals.json'));
});

test('cell 4: the timeline over the whole dataset', () => {
  const result = executeSql(
    'select action, date_format(window.end, "MMM-dd HH:mm") as time, count from static_counts order by time, action',
    staticCounts(),
  );
  const expected = read('timeline.json');
  expect(result.rows.length).toBe(expected.length);
  expect(result.rows).toEqual(expected);
});
