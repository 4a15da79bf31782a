// When a memory sink's table snapshot appears, and what it holds.
// Files: one per trigger (throttleFiles(1), trigger '1 second'), so snapshots at 0, 1000, 2000, ...
// As Spark's memory sink, the table exists (empty, batchId -1) as soon as the run starts, so
// `changes()` first sees that empty snapshot `e` at frame 0, just before batch 0's.
import { map } from 'rxjs';
import { Catalog, groupCount, readJsonFiles, throttleFiles, toMemoryTable, type OutputMode, type Row, type TableSnapshot } from '../src/index.js';
import { createTestScheduler, virtualDirectory, type FileContent } from '../src/testing/index.js';

const schema = 'action STRING';
const open = { action: 'Open' };
const close = { action: 'Close' };

type Action = { readonly action: string };

/** The running count Spark's complete mode shows after the given files, groups in first-seen order; computed here independently of groupCount. */
function countOf(files: readonly (readonly Action[])[]): Row[] {
  const counts = new Map<string, number>();
  for (const row of files.flat()) counts.set(row.action, (counts.get(row.action) ?? 0) + 1);
  return [...counts].map(([action, count]) => ({ action, count }));
}

function countsQuery(files: readonly FileContent[], outputMode: OutputMode, scheduler: ReturnType<typeof createTestScheduler>, catalog: Catalog) {
  const fs = virtualDirectory('/in', files);
  return readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(
    throttleFiles(1, { trigger: '1 second', scheduler }),
    groupCount('action'),
    toMemoryTable('counts', { outputMode, catalog, scheduler }),
  );
}

const content = (s: TableSnapshot) => ({ batchId: s.batchId, rows: s.rows });

/** The table as the run starts: registered, empty, before any batch. */
const empty = { batchId: -1, rows: [] };

describe('toMemoryTable: when the table snapshot appears', () => {
  it('replaces the table once per trigger, at the frame the trigger runs', () => {
    const scheduler = createTestScheduler();
    const catalog = new Catalog();
    const files = [[open, open], [close], [open]];
    scheduler.run(({ expectObservable }) => {
      const unsub = '^ 2500ms !';
      expectObservable(catalog.changes('counts').pipe(map(content)), unsub).toBe('(ea) 996ms b 999ms c', {
        e: empty,
        a: { batchId: 0, rows: [{ action: 'Open', count: 2 }] },
        b: { batchId: 1, rows: [{ action: 'Open', count: 2 }, { action: 'Close', count: 1 }] },
        c: { batchId: 2, rows: [{ action: 'Open', count: 3 }, { action: 'Close', count: 1 }] },
      });
      expectObservable(countsQuery(files, 'complete', scheduler, catalog).pipe(map((p) => p.batchId)), unsub).toBe('a 999ms b 999ms c', { a: 0, b: 1, c: 2 });
    });
  });

  it('shows in every complete-mode snapshot the whole count over the files so far (prefix integrity)', () => {
    const scheduler = createTestScheduler();
    const catalog = new Catalog();
    const files: Action[][] = [[open, close, open], [], [close, close], [open], [close, open, close, close]];
    const seen: TableSnapshot[] = [];
    scheduler.run(({ expectObservable }) => {
      const unsub = '^ 4500ms !';
      const snapshots = catalog.changes('counts').pipe(map((s) => (seen.push(s), content(s))));
      expectObservable(snapshots, unsub).toBe('(ea) 996ms b 999ms c 999ms d 999ms f', {
        e: empty,
        a: { batchId: 0, rows: countOf(files.slice(0, 1)) },
        b: { batchId: 1, rows: countOf(files.slice(0, 2)) },
        c: { batchId: 2, rows: countOf(files.slice(0, 3)) },
        d: { batchId: 3, rows: countOf(files.slice(0, 4)) },
        f: { batchId: 4, rows: countOf(files.slice(0, 5)) },
      });
      const inputRows = countsQuery(files, 'complete', scheduler, catalog).pipe(map((p) => p.numInputRows));
      expectObservable(inputRows, unsub).toBe('a 999ms b 999ms c 999ms d 999ms e', { a: 3, b: 0, c: 2, d: 1, e: 4 });
    });
    // A reader that kept an old snapshot still sees that whole trigger, not a later one.
    expect(seen.map((s) => s.rows)).toEqual([[], ...files.map((_, i) => countOf(files.slice(0, i + 1)))]);
    expect(catalog.table('counts')?.rows).toEqual(countOf(files));
  });

  it("writes only the groups a trigger changed in update mode, and appends them to the table as Spark's MemorySink", () => {
    const scheduler = createTestScheduler();
    const catalog = new Catalog();
    const files = [[open, open], [close], [open, close]];
    scheduler.run(({ expectObservable }) => {
      const unsub = '^ 2500ms !';
      expectObservable(catalog.changes('counts').pipe(map(content)), unsub).toBe('(ea) 996ms b 999ms c', {
        e: empty,
        a: { batchId: 0, rows: [{ action: 'Open', count: 2 }] },
        b: { batchId: 1, rows: [{ action: 'Open', count: 2 }, { action: 'Close', count: 1 }] },
        c: {
          batchId: 2,
          rows: [{ action: 'Open', count: 2 }, { action: 'Close', count: 1 }, { action: 'Open', count: 3 }, { action: 'Close', count: 2 }],
        },
      });
      const written = countsQuery(files, 'update', scheduler, catalog).pipe(map((p) => p.sink.numOutputRows));
      expectObservable(written, unsub).toBe('a 999ms b 999ms c', { a: 1, b: 1, c: 2 });
    });
  });

  it('replaces nothing in an interval without new files (after the empty table of the start and batch 0)', () => {
    const scheduler = createTestScheduler();
    const catalog = new Catalog();
    scheduler.run(({ expectObservable }) => {
      const unsub = '^ 3500ms !';
      expectObservable(catalog.changes('counts').pipe(map((s) => s.version)), unsub).toBe('(ea)', { e: 0, a: 1 });
      const batchIds = countsQuery([[open]], 'complete', scheduler, catalog).pipe(map((p) => p.batchId));
      expectObservable(batchIds, unsub).toBe('a', { a: 0 });
    });
  });
});
