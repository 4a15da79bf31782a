// Spark's event-time model on the query's driver, frame by frame in virtual time: the
// watermark's one-batch lag, no-data batches and when they run, append emission, eviction,
// late rows on the side channel, once vs availableNow at the end, and progress.
// One frame is one millisecond; the source lists again every second while idle.
import { map } from 'rxjs';
import {
  Catalog,
  foreachBatch,
  groupCount,
  readJsonFiles,
  startQuery,
  throttleFiles,
  toMemoryTable,
  tumblingWindow,
  withWatermark,
  type LateRowsEvent,
  type MicroBatch,
  type OutputMode,
  type StreamingQueryProgress,
  type TriggerSpec,
} from '../src/index.js';
import { arriveAt, createTestScheduler, virtualDirectory, type VirtualFileSystem } from '../src/testing/index.js';

const schema = 'time TIMESTAMP, action STRING';
/** An event at `s` seconds after the epoch. */
const at = (s: number, action = 'Open') => ({ time: s, action });
const sec = (s: number) => s * 1000;

type CountRow = { readonly window: { readonly start: number; readonly end: number }; readonly count: number };

/** `[10,15) 5`: a window in seconds and its count. */
const show = (r: CountRow) => `[${r.window.start / 1000},${r.window.end / 1000}) ${r.count}`;

/** What a marble value says of a batch: its id, data or no-data, the watermark it ran with (s), and its rows. */
function summary(b: MicroBatch<CountRow>) {
  return { id: b.batchId, data: b.isDataBatch, wm: b.watermarkMs / 1000, rows: b.rows.map(show).sort() };
}

function windowCounts(fs: VirtualFileSystem, scheduler: ReturnType<typeof createTestScheduler>, opts: { n?: number; trigger?: TriggerSpec; delay?: string } = {}) {
  return readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(
    throttleFiles(opts.n ?? 1, { trigger: opts.trigger ?? 'default' }),
    withWatermark('time', opts.delay ?? '10 seconds'),
    tumblingWindow('time', '5 seconds'),
    groupCount('window'),
  );
}

describe('the watermark on the driver (append mode: a sink-less pipeline with a watermarked window key)', () => {
  it('lags one batch: a batch runs with the watermark of the batches before it, and a no-data batch follows when it moved', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(10), at(11), at(12), at(13), at(14), at(15)]]);
      arriveAt(fs, scheduler, 1500, '/in/b.json', [at(25)]); // listed at 2000
      const out$ = windowCounts(fs, scheduler).pipe(map(summary));
      // frame 0: data batch 0 runs with watermark 0; its max 15 - 10 makes 5, so no-data batch 1 runs at once.
      // frame 2000: data batch 2 runs with 5 (not 15); then no-data batch 3 with 15 emits [10,15).
      expectObservable(out$, '^ 2500ms !').toBe('(ab) 1996ms (cd)', {
        a: { id: 0, data: true, wm: 0, rows: [] },
        b: { id: 1, data: false, wm: 5, rows: [] },
        c: { id: 2, data: true, wm: 5, rows: [] },
        d: { id: 3, data: false, wm: 15, rows: ['[10,15) 5'] },
      });
    });
  });

  it('emits a window exactly once, in the first batch whose watermark reached its end, and drops later rows of it as late', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(10), at(16)]]);
      arriveAt(fs, scheduler, 500, '/in/b.json', [at(30)]); // watermark 20 after it: [10,15) and [15,20) close
      arriveAt(fs, scheduler, 1500, '/in/c.json', [at(11), at(31)]); // 11 is late; 31 keeps the watermark at 21
      const out$ = windowCounts(fs, scheduler).pipe(map(summary));
      expectObservable(out$, '^ 2500ms !').toBe('(ab) 996ms (cd) 996ms (ef)', {
        a: { id: 0, data: true, wm: 0, rows: [] },
        b: { id: 1, data: false, wm: 6, rows: [] },
        c: { id: 2, data: true, wm: 6, rows: [] },
        d: { id: 3, data: false, wm: 20, rows: ['[10,15) 1', '[15,20) 1'] },
        e: { id: 4, data: true, wm: 20, rows: [] }, // 11 is dropped: [10,15) was emitted already
        f: { id: 5, data: false, wm: 21, rows: [] }, // 31 moved the watermark to 21: nothing closes
      });
    });
  });

  it('never goes back: a batch of older events leaves the watermark where it was', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(40)], [at(12)], [at(13)]]);
      const out$ = windowCounts(fs, scheduler).pipe(map((b) => `${b.batchId}:${b.watermarkMs / 1000}`));
      // Batch 0 (40) moves the watermark to 30, used from batch 1 on; batches 1 and 2 are older and
      // change nothing. New data comes before a no-data batch, and none is due after batch 2 (the
      // watermark did not move past the one it ran with).
      expectObservable(out$, '^ 100ms !').toBe('(abc)', { a: '0:0', b: '1:30', c: '2:30' });
    });
  });
});

describe('lateness is judged by the previous batch’s watermark (Spark 3.4+, SPARK-40925)', () => {
  it('counts a row behind the new watermark when its batch directly follows the one that moved it, then emits and evicts its window', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // Both files are there at start: batch 1 is a data batch right after batch 0 moved the watermark to 20.
      const fs = virtualDirectory('/in', [[at(30)], [at(12)]]);
      expectObservable(windowCounts(fs, scheduler).pipe(map(summary)), '^ 100ms !').toBe('(ab)', {
        a: { id: 0, data: true, wm: 0, rows: [] },
        // 12 is behind 20 but not behind 0, the watermark batch 0 ran with: it counts, and [10,15) closes at once.
        b: { id: 1, data: true, wm: 20, rows: ['[10,15) 1'] },
      });
    });
  });
});

describe('late rows as data', () => {
  it('sends each batch’s late rows on the query’s lateRows, with the watermark and the window they missed, and counts them in progress', () => {
    const scheduler = createTestScheduler();
    const late: unknown[] = [];
    const dropped: unknown[] = [];
    scheduler.run(({ flush }) => {
      const fs = virtualDirectory('/in', [[at(30)]]);
      arriveAt(fs, scheduler, 1500, '/in/late.json', [at(10), at(11), at(22, 'Close')]); // watermark 20: 10 and 11 late, 22 not
      const catalog = new Catalog();
      const query = startQuery(windowCounts(fs, scheduler).pipe(toMemoryTable('t', { catalog, outputMode: 'append' })));
      query.lateRows.subscribe((e: LateRowsEvent) =>
        late.push({
          frame: scheduler.now(),
          batchId: e.batchId,
          wm: e.watermarkMs / 1000,
          operator: e.operatorName,
          rows: e.rows.map((r) => `${String(r.row['time'])}->${r.windows.map((w) => `[${w.start / 1000},${w.end / 1000})`).join()}`),
        }),
      );
      query.progress.subscribe((p: StreamingQueryProgress) => dropped.push([scheduler.now(), p.stateOperators[0]?.numLateInputRows, p.stateOperators[0]?.numRowsDroppedByWatermark]));
      scheduler.schedule(() => void query.stop(), 3000);
      flush();
    });
    expect(late).toEqual([{ frame: 2000, batchId: 2, wm: 20, operator: 'groupCount', rows: ['10000->[10,15)', '11000->[10,15)'] }]);
    // Spark's numRowsDroppedByWatermark counts late groups after the batch's own aggregation (one window here); the input rows are 2.
    expect(dropped).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [2000, 2, 1],
    ]);
  });

  it('calls withWatermark’s onLateRows once per batch with the same rows', () => {
    const scheduler = createTestScheduler();
    const seen: number[] = [];
    scheduler.run(() => {
      const fs = virtualDirectory('/in', [[at(30)]]);
      arriveAt(fs, scheduler, 500, '/in/late.json', [at(1), at(2), at(3)]); // after the no-data batch moved the watermark to 20
      const sub = readJsonFiles('/in', { schema, fileSystem: fs, scheduler })
        .pipe(throttleFiles(1), withWatermark('time', '10 seconds', { onLateRows: (e) => seen.push(e.rows.length) }), tumblingWindow('time', '5 seconds'), groupCount('window'))
        .subscribe();
      scheduler.schedule(() => sub.unsubscribe(), 2000);
    });
    expect(seen).toEqual([3]);
  });
});

describe('eviction bounds the state', () => {
  function stateRows(mode: OutputMode) {
    const scheduler = createTestScheduler();
    const totals: [number, number, number][] = [];
    scheduler.run(() => {
      // Windows of 5 s over 100 s of events, 2 per file, always in order.
      const files = Array.from({ length: 10 }, (_, i) => [at(i * 10), at(i * 10 + 6)]);
      const fs = virtualDirectory('/in', files);
      const sub = windowCounts(fs, scheduler)
        .pipe(foreachBatch(() => undefined, { outputMode: mode }))
        .subscribe((p) => totals.push([p.batchId, p.stateOperators[0]?.numRowsTotal ?? -1, p.stateOperators[0]?.numRowsRemoved ?? -1]));
      scheduler.schedule(() => sub.unsubscribe(), 100);
    });
    return totals;
  }

  it('append and update remove every group whose window ended at or before the watermark: the state stays at the open windows', () => {
    for (const mode of ['append', 'update'] as const) {
      const totals = stateRows(mode);
      const maxState = Math.max(...totals.map(([, n]) => n));
      // At most: the batch's two new windows, the previous batch's two, and one more whose end is
      // still inside the 10 s delay; everything older has been removed.
      expect(maxState).toBeLessThanOrEqual(5);
      expect(totals.reduce((s, [, , removed]) => s + removed, 0)).toBeGreaterThanOrEqual(16);
    }
  });

  it('complete never evicts: the state holds every window seen', () => {
    const totals = stateRows('complete');
    expect(totals[totals.length - 1]?.[1]).toBe(20);
    expect(totals.every(([, , removed]) => removed === 0)).toBe(true);
  });
});

describe('no-data batches', () => {
  it('runs none when turned off (Spark’s noDataMicroBatches.enabled=false): the window waits for the next data batch', () => {
    const scheduler = createTestScheduler();
    const rows: string[][] = [];
    const ids: string[] = [];
    scheduler.run(({ flush }) => {
      const fs = virtualDirectory('/in', [[at(10), at(15)], [at(25)]]);
      arriveAt(fs, scheduler, 1500, '/in/z.json', [at(26)]);
      const query = startQuery(
        windowCounts(fs, scheduler).pipe(foreachBatch<CountRow>((r) => void rows.push(r.map(show)), { outputMode: 'append' })),
        { noDataMicroBatches: false },
      );
      query.progress.subscribe((p) => ids.push(`${scheduler.now()}:${p.batchId}:${p.numInputRows}`));
      scheduler.schedule(() => void query.stop(), 3000);
      flush();
    });
    expect(ids).toEqual(['0:0:2', '0:1:1', '2000:2:1']);
    // The window [10,15) closes with watermark 15 (after batch 1) but is emitted only by data batch 2.
    expect(rows).toEqual([[], [], ['[10,15) 1']]);
  });

  it('runs none in complete mode (nothing to emit or evict), however far the watermark moves', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(10)], [at(100)]]);
      const catalog = new Catalog();
      const p$ = windowCounts(fs, scheduler).pipe(toMemoryTable('t', { catalog, outputMode: 'complete' }), map((p) => p.numInputRows));
      expectObservable(p$, '^ 100ms !').toBe('(ab)', { a: 1, b: 1 });
    });
  });
});

describe('once and availableNow at the end', () => {
  it('once: one batch with everything, no no-data batch, then complete (the closed window is not emitted)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(10)], [at(30)]]);
      expectObservable(windowCounts(fs, scheduler, { trigger: 'once' }).pipe(map(summary))).toBe('(a|)', {
        a: { id: 0, data: true, wm: 0, rows: [] },
      });
    });
  });

  it('availableNow: the available files n per batch, then the closing no-data batch, then complete', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(10)], [at(30)]]);
      arriveAt(fs, scheduler, 1, '/in/later.json', [at(50)]); // after the start: not part of this run
      // Batch 0 (10) moves the watermark to 0 only (10 - 10): no no-data batch. Batch 1 (30)
      // runs with 0 and moves it to 20: the closing no-data batch 2 emits [10,15). Then complete.
      expectObservable(windowCounts(fs, scheduler, { trigger: 'availableNow' }).pipe(map(summary))).toBe('(abc|)', {
        a: { id: 0, data: true, wm: 0, rows: [] },
        b: { id: 1, data: true, wm: 0, rows: [] },
        c: { id: 2, data: false, wm: 20, rows: ['[10,15) 1'] },
      });
    });
  });
});

describe('progress reports what the driver did', () => {
  it('gives each batch its offsets, input rows, watermark and the virtual durations of its phases', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at(10), at(11)], [at(30)]], { readDelayMs: 100, scheduler });
      const catalog = new Catalog();
      const p$ = windowCounts(fs, scheduler).pipe(
        toMemoryTable('t', { catalog, outputMode: 'append' }),
        map((p) => ({
          batchId: p.batchId,
          offsets: [p.sources[0]?.startOffset, p.sources[0]?.endOffset],
          inputs: p.sources[0]?.inputs,
          numInputRows: p.numInputRows,
          watermark: p.eventTime.watermark,
          getBatch: p.durationMs.getBatch,
          trigger: p.durationMs.triggerExecution,
          state: p.stateOperators.map((s) => [s.operatorName, s.numRowsTotal, s.stateVersion]),
          out: p.sink.numOutputRows,
        })),
      );
      expectObservable(p$, '^ 500ms !').toBe('100ms a 99ms (bc)', {
        a: { batchId: 0, offsets: [null, { files: 1 }], inputs: ['file-0.json'], numInputRows: 2, watermark: '1970-01-01T00:00:00.000Z', getBatch: 100, trigger: 100, state: [['groupCount', 1, 1]], out: 0 },
        b: { batchId: 1, offsets: [{ files: 1 }, { files: 2 }], inputs: ['file-1.json'], numInputRows: 1, watermark: '1970-01-01T00:00:01.000Z', getBatch: 100, trigger: 100, state: [['groupCount', 2, 2]], out: 0 },
        c: { batchId: 2, offsets: [{ files: 2 }, { files: 2 }], inputs: [], numInputRows: 0, watermark: '1970-01-01T00:00:20.000Z', getBatch: 0, trigger: 0, state: [['groupCount', 1, 3]], out: 1 },
      });
    });
  });
});
