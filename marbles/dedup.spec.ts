// Streaming deduplication on the driver, frame by frame in virtual time: when a key leaves the
// state (in the no-data batch that runs once the watermark moved, or, with no-data batches
// off, in the next data batch), late rows, and the expiry of dropDuplicatesWithinWatermark.
// One frame is one millisecond; the source lists again every second while idle.
import { map } from 'rxjs';
import {
  dropDuplicates,
  dropDuplicatesWithinWatermark,
  foreachBatch,
  readJsonFiles,
  startQuery,
  throttleFiles,
  withWatermark,
  type StreamingQueryProgress,
} from '../src/index.js';
import { arriveAt, createTestScheduler, virtualDirectory, type VirtualFileSystem } from '../src/testing/index.js';

type Row = { readonly id: string | null; readonly time: number | null };
const schema = 'id STRING, time TIMESTAMP';
/** An event at `s` seconds after the epoch. */
const at = (s: number, id = 'a') => ({ id, time: s });

/** What a marble value says of a batch: id, data or no-data, the watermark it ran with (s), the rows it wrote (`id@s`), and the dedup state: keys held, removed, late rows dropped. */
function summary(p: StreamingQueryProgress, written: ReadonlyMap<number, readonly Row[]>) {
  const op = p.stateOperators[0];
  return {
    id: p.batchId,
    data: p.numInputRows > 0,
    wm: Date.parse(p.eventTime.watermark ?? '') / 1000,
    rows: (written.get(p.batchId) ?? []).map((r) => `${String(r.id)}@${(r.time ?? NaN) / 1000}`),
    state: op === undefined ? [] : [op.numRowsTotal, op.numRowsRemoved, op.numRowsDroppedByWatermark],
  };
}

function dedupQuery(fs: VirtualFileSystem, scheduler: ReturnType<typeof createTestScheduler>, within: boolean, delay = '10 seconds') {
  const written = new Map<number, readonly Row[]>();
  const progress$ = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(
    throttleFiles(1),
    withWatermark('time', delay),
    within ? dropDuplicatesWithinWatermark('id') : dropDuplicates('time'),
    foreachBatch<Row>((rows, batchId) => void written.set(batchId, rows)),
  );
  return { progress$, written };
}

describe('dropDuplicates on an event-time key', () => {
  it('keeps the first row per key; the no-data batch that follows a watermark move removes the keys it passed', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(10), at(11), at(10), at(15)]]);
      arriveAt(fs, scheduler, 1500, '/in/b.json', [at(25), at(11)]); // listed at 2000
      arriveAt(fs, scheduler, 2500, '/in/c.json', [at(10), at(26)]); // listed at 3000
      const { progress$, written } = dedupQuery(fs, scheduler, false);
      // frame 0: batch 0 runs with watermark 0 and keeps 10 11 15; its max 15 - 10 makes 5, so
      // no-data batch 1 runs at once (nothing is at or behind 5).
      // frame 2000: batch 2 keeps 25 (11 is a duplicate) and moves the watermark to 15; no-data
      // batch 3 removes 10, 11 and 15. frame 3000: 10 is late (10 <= 15), 26 is new.
      expectObservable(progress$.pipe(map((p) => summary(p, written))), '^ 3500ms !').toBe('(ab) 1996ms (cd) 996ms (ef)', {
        a: { id: 0, data: true, wm: 0, rows: ['a@10', 'a@11', 'a@15'], state: [3, 0, 0] },
        b: { id: 1, data: false, wm: 5, rows: [], state: [3, 0, 0] },
        c: { id: 2, data: true, wm: 5, rows: ['a@25'], state: [4, 0, 0] },
        d: { id: 3, data: false, wm: 15, rows: [], state: [1, 3, 0] },
        e: { id: 4, data: true, wm: 15, rows: ['a@26'], state: [2, 0, 1] },
        f: { id: 5, data: false, wm: 16, rows: [], state: [2, 0, 0] },
      });
    });
  });

  it('with no-data batches off, keeps the passed keys until the next data batch removes them', () => {
    const scheduler = createTestScheduler();
    const seen: unknown[] = [];
    scheduler.run(({ flush }) => {
      const fs = virtualDirectory('/in', [[at(10), at(11)], [at(25)]]);
      arriveAt(fs, scheduler, 1500, '/in/c.json', [at(30)]); // listed at 2000
      const written = new Map<number, readonly Row[]>();
      const query = startQuery(
        readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(
          throttleFiles(1),
          withWatermark('time', '10 seconds'),
          dropDuplicates('time'),
          foreachBatch<Row>((rows, batchId) => void written.set(batchId, rows)),
        ),
        { noDataMicroBatches: false },
      );
      query.progress.subscribe((p) => seen.push([scheduler.now(), summary(p, written)]));
      scheduler.schedule(() => void query.stop(), 3000);
      flush();
    });
    expect(seen).toEqual([
      [0, { id: 0, data: true, wm: 0, rows: ['a@10', 'a@11'], state: [2, 0, 0] }],
      // The watermark is 15 after batch 1, but no batch runs to use it until new data comes.
      [0, { id: 1, data: true, wm: 1, rows: ['a@25'], state: [3, 0, 0] }],
      [2000, { id: 2, data: true, wm: 15, rows: ['a@30'], state: [2, 2, 0] }],
    ]);
  });
});

describe('dropDuplicatesWithinWatermark', () => {
  it('drops a duplicate until the watermark reaches the key’s expiry (event time + delay); the no-data batch then removes the key', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(17)]]);
      arriveAt(fs, scheduler, 500, '/in/b.json', [at(16)]); // listed at 1000
      arriveAt(fs, scheduler, 1500, '/in/c.json', [at(22, 'b')]); // listed at 2000
      arriveAt(fs, scheduler, 2500, '/in/d.json', [at(21)]); // listed at 3000
      const { progress$, written } = dedupQuery(fs, scheduler, true, '2 seconds');
      // a@17 expires at 19. frame 1000: a@16 is a duplicate (the watermark is 15). frame 2000:
      // b@22 moves the watermark to 20 >= 19: no-data batch 4 removes a. frame 3000: a is new.
      expectObservable(progress$.pipe(map((p) => summary(p, written))), '^ 3500ms !').toBe('(ab) 996ms c 999ms (de) 996ms f', {
        a: { id: 0, data: true, wm: 0, rows: ['a@17'], state: [1, 0, 0] },
        b: { id: 1, data: false, wm: 15, rows: [], state: [1, 0, 0] },
        c: { id: 2, data: true, wm: 15, rows: [], state: [1, 0, 0] },
        d: { id: 3, data: true, wm: 15, rows: ['b@22'], state: [2, 0, 0] },
        e: { id: 4, data: false, wm: 20, rows: [], state: [1, 1, 0] },
        f: { id: 5, data: true, wm: 20, rows: ['a@21'], state: [2, 0, 0] },
      });
    });
  });
});
