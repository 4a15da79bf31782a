// Spark's event-time model on the query's driver, frame by frame in virtual time, written with
// the kit (structured-rx/testing): the watermark's one-batch lag, no-data batches and when they
// run, append emission, eviction, late rows on the side channel, once vs availableNow at the
// end, and progress. One frame is one millisecond; the source lists again every second while
// idle. Event times are minutes of 1970-01-01 (`Open@00:10`); windows are 5 minutes and the
// watermark 10 minutes behind the latest event.
import { map } from 'rxjs';
import { groupCount, readJsonFiles, throttleFiles, tumblingWindow, withWatermark, type OutputMode, type StreamingQueryProgress, type TriggerSpec } from '../src/index.js';
import { createTestScheduler, notation, playFiles, put, testQuery, virtualDirectory, type VirtualFileSystem } from '../src/testing/index.js';

const schema = 'time TIMESTAMP, action STRING';
const ev = notation(schema, 'action@time');
type Scheduler = ReturnType<typeof createTestScheduler>;

/** A file's content: Open events at these times (or `Action@time` rows). */
const opens = (...times: string[]) => ev.lines(...times.map((t) => (t.includes('@') ? t : `Open@${t}`)));

/** The watermark a batch ran with, as progress reports it (Spark's `eventTime.watermark`), in the notation. */
const ranWith = (p: StreamingQueryProgress) => ev.time(Date.parse(p.eventTime.watermark ?? ''));

/** What a batch was: `d` data or `-` no-data, and the watermark it ran with. */
const kind = (p: StreamingQueryProgress) => `${p.sources[0]?.startOffset === null || JSON.stringify(p.sources[0]?.startOffset) !== JSON.stringify(p.sources[0]?.endOffset) ? 'd' : '-'} ${ranWith(p)}`;

function windowCounts(fs: VirtualFileSystem, scheduler: Scheduler, opts: { n?: number; trigger?: TriggerSpec; watch?: boolean } = {}) {
  return readJsonFiles('/in', { schema, fileSystem: fs, scheduler, ...(opts.watch === undefined ? {} : { watch: opts.watch }) }).pipe(
    throttleFiles(opts.n ?? 1, { trigger: opts.trigger ?? 'default' }),
    withWatermark('time', '10 minutes'),
    tumblingWindow('time', '5 minutes'),
    groupCount('window'),
  );
}

/** The query in append mode (a window once, when final), run from 0 to `stop`. */
function appendRun(scheduler: Scheduler, fs: VirtualFileSystem, stop = '2500ms', opts: { noDataMicroBatches?: boolean } = {}) {
  return testQuery(scheduler, windowCounts(fs, scheduler), { run: `^ ${stop} !`, input: ev, output: 'window count', outputMode: 'append', ...opts });
}

describe('the watermark on the driver (append mode: a window key with a watermark)', () => {
  it('lags one batch: a batch runs with the watermark of the batches before it, and a no-data batch follows when it moved', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [opens('00:10', '00:11', '00:12', '00:13', '00:14', '00:15')]);
      playFiles(fs, scheduler, '1500ms a', { a: put('/in/b.json', opens('00:25')) }); // listed at 2000
      const q = appendRun(scheduler, fs);
      // frame 0: data batch 0 runs with 00:00; its max 00:15 - 10 min makes 00:05, so no-data batch 1 runs at once.
      // frame 2000: data batch 2 runs with 00:05 (not 00:15); then no-data batch 3 with 00:15 emits [00:10,00:15).
      expectObservable(q.progress.pipe(map(kind))).toBe('(ab) 1996ms (cd)', { a: 'd 00:00', b: '- 00:05', c: 'd 00:05', d: '- 00:15' });
      expectObservable(q.watermark).toBe('a 1999ms b', { a: '00:05', b: '00:15' });
      expectObservable(q.output).toBe('(ab) 1996ms (cd)', { a: [], b: [], c: [], d: ['[00:10,00:15) 5'] });
    });
  });

  it('emits a window exactly once, in the first batch whose watermark reached its end, and drops later rows of it as late', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [opens('00:10', '00:16')]);
      playFiles(fs, scheduler, '500ms a 999ms b', {
        a: put('/in/b.json', opens('00:30')), // watermark 00:20 after it: [00:10,00:15) and [00:15,00:20) close
        b: put('/in/c.json', opens('00:11', '00:31')), // 00:11 is late; 00:31 moves the watermark to 00:21
      });
      const q = appendRun(scheduler, fs);
      expectObservable(q.output).toBe('(ab) 996ms (cd) 996ms (ef)', { a: [], b: [], c: [], d: ['[00:10,00:15) 1', '[00:15,00:20) 1'], e: [], f: [] });
      expectObservable(q.lateRows).toBe('2000ms a', { a: ['Open@00:11'] }); // [00:10,00:15) was emitted already
      expectObservable(q.watermark).toBe('a 999ms b 999ms c', { a: '00:06', b: '00:20', c: '00:21' }); // 00:31 moved it; nothing closes
    });
  });

  it('never goes back: a batch of older events leaves the watermark where it was', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const q = appendRun(scheduler, virtualDirectory('/in', [opens('00:40'), opens('00:12'), opens('00:13')]), '100ms');
      // Batch 0 (00:40) moves the watermark to 00:30, used from batch 1 on; batches 1 and 2 are older
      // and change nothing. New data comes before a no-data batch, and none is due after batch 2.
      expectObservable(q.progress.pipe(map(kind))).toBe('(abc)', { a: 'd 00:00', b: 'd 00:30', c: 'd 00:30' });
      expectObservable(q.watermark).toBe('a', { a: '00:30' });
    });
  });
});

describe('lateness is judged by the previous batch’s watermark (Spark 3.4+, SPARK-40925)', () => {
  it('counts a row behind the new watermark when its batch directly follows the one that moved it, then emits and evicts its window', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // Both files are there at start: batch 1 is a data batch right after batch 0 moved the watermark to 00:20.
      const q = appendRun(scheduler, virtualDirectory('/in', [opens('00:30'), opens('00:12')]), '100ms');
      expectObservable(q.progress.pipe(map(kind))).toBe('(ab)', { a: 'd 00:00', b: 'd 00:20' });
      // 00:12 is behind 00:20 but not behind 00:00, the watermark batch 0 ran with: it counts, and [00:10,00:15) closes at once.
      expectObservable(q.output).toBe('(ab)', { a: [], b: ['[00:10,00:15) 1'] });
      expectObservable(q.lateRows).toBe('');
    });
  });
});

describe('late rows as data', () => {
  it('sends each batch’s late rows on the query’s lateRows, with the watermark and the window they missed, and counts them in progress', () => {
    const scheduler = createTestScheduler();
    const missed: unknown[] = [];
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [opens('00:30')]);
      playFiles(fs, scheduler, '1500ms a', { a: put('/in/late.json', opens('00:10', '00:11', 'Close@00:22')) }); // watermark 00:20: 00:10 and 00:11 late, 00:22 not
      const q = appendRun(scheduler, fs, '3s');
      q.query.lateRows.subscribe((e) => missed.push([scheduler.now(), e.batchId, e.operatorName, ev.time(e.watermarkMs), e.rows.map((r) => r.windows.map((w) => `[${ev.time(w.start)},${ev.time(w.end)})`).join())]));
      expectObservable(q.lateRows).toBe('2000ms a', { a: ['Open@00:10', 'Open@00:11'] });
      // Spark's numRowsDroppedByWatermark counts late groups after the batch's own aggregation (one window here); the input rows are 2.
      const late = (p: StreamingQueryProgress) => [p.stateOperators[0]?.numLateInputRows, p.stateOperators[0]?.numRowsDroppedByWatermark];
      expectObservable(q.progress.pipe(map(late))).toBe('(ab) 1996ms c', { a: [0, 0], b: [0, 0], c: [2, 1] });
    });
    expect(missed).toEqual([[2000, 2, 'groupCount', '00:20', ['[00:10,00:15)', '[00:10,00:15)']]]);
  });

  it('calls withWatermark’s onLateRows once per batch with the same rows', () => {
    const scheduler = createTestScheduler();
    const seen: number[] = [];
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [opens('00:30')]);
      playFiles(fs, scheduler, '500ms a', { a: put('/in/late.json', opens('00:01', '00:02', '00:03')) }); // after the no-data batch moved the watermark to 00:20
      const steps = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(
        throttleFiles(1),
        withWatermark('time', '10 minutes', { onLateRows: (e) => seen.push(e.rows.length) }),
        tumblingWindow('time', '5 minutes'),
        groupCount('window'),
      );
      const q = testQuery(scheduler, steps, { run: '^ 2s !', input: ev, outputMode: 'append' });
      expectObservable(q.lateRows.pipe(map((rows) => rows.length))).toBe('1000ms a', { a: 3 });
    });
    expect(seen).toEqual([3]);
  });
});

describe('eviction bounds the state', () => {
  /** Per batch: rows in the state store after it, and rows it removed. */
  function stateRows(mode: OutputMode): [number, number][] {
    const scheduler = createTestScheduler();
    const totals: [number, number][] = [];
    scheduler.run(() => {
      // Windows of 5 minutes over 100 minutes of events, 2 per file, always in order.
      const files = Array.from({ length: 10 }, (_, i) => ev.lines({ time: (i * 10 * 60) * 1000, action: 'Open' }, { time: ((i * 10 + 6) * 60) * 1000, action: 'Open' }));
      const q = testQuery(scheduler, windowCounts(virtualDirectory('/in', files), scheduler), { run: '^ 100ms !', outputMode: mode });
      q.progress.subscribe((p) => totals.push([p.stateOperators[0]?.numRowsTotal ?? -1, p.stateOperators[0]?.numRowsRemoved ?? -1]));
    });
    return totals;
  }

  it('append and update remove every group whose window ended at or before the watermark: the state stays at the open windows', () => {
    for (const mode of ['append', 'update'] as const) {
      const totals = stateRows(mode);
      // At most: the batch's two new windows, the previous batch's two, and one more whose end is
      // still inside the 10-minute delay; everything older has been removed.
      expect(Math.max(...totals.map(([n]) => n))).toBeLessThanOrEqual(5);
      expect(totals.reduce((s, [, removed]) => s + removed, 0)).toBeGreaterThanOrEqual(16);
    }
  });

  it('complete never evicts: the state holds every window seen', () => {
    const totals = stateRows('complete');
    expect(totals[totals.length - 1]?.[0]).toBe(20);
    expect(totals.every(([, removed]) => removed === 0)).toBe(true);
  });
});

describe('no-data batches', () => {
  it('runs none when turned off (Spark’s noDataMicroBatches.enabled=false): the window waits for the next data batch', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [opens('00:10', '00:15'), opens('00:25')]);
      playFiles(fs, scheduler, '1500ms a', { a: put('/in/z.json', opens('00:26')) });
      const q = appendRun(scheduler, fs, '3s', { noDataMicroBatches: false });
      expectObservable(q.progress.pipe(map((p) => `${p.batchId}:${p.numInputRows}`))).toBe('(ab) 1996ms c', { a: '0:2', b: '1:1', c: '2:1' });
      // [00:10,00:15) closes with watermark 00:15 (after batch 1) but is emitted only by data batch 2.
      expectObservable(q.output).toBe('(ab) 1996ms c', { a: [], b: [], c: ['[00:10,00:15) 1'] });
    });
  });

  it('runs none in complete mode (nothing to emit or evict), however far the watermark moves', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const q = testQuery(scheduler, windowCounts(virtualDirectory('/in', [opens('00:10'), opens('01:40')]), scheduler), { run: '^ 100ms !', outputMode: 'complete' });
      expectObservable(q.progress.pipe(map((p) => p.numInputRows))).toBe('(ab)', { a: 1, b: 1 });
      expectObservable(q.watermark).toBe('a', { a: ev.at('01:30') }); // batch 0 left it at 0; no notation: epoch ms
    });
  });
});

describe('once and availableNow at the end', () => {
  it('once: one batch with everything, no no-data batch, then complete (the closed window is not emitted)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [opens('00:10'), opens('00:30')]);
      const q = testQuery(scheduler, windowCounts(fs, scheduler, { trigger: 'once' }), { input: ev, output: 'window count', outputMode: 'append' });
      expectObservable(q.batches).toBe('(a|)', { a: { batchId: 0, files: ['file-0.json', 'file-1.json'], rows: ['Open@00:10', 'Open@00:30'] } });
      expectObservable(q.output).toBe('(a|)', { a: [] });
    });
  });

  it('availableNow: the available files n per batch, then the closing no-data batch, then complete', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [opens('00:10'), opens('00:30')]);
      playFiles(fs, scheduler, '-a', { a: put('/in/later.json', opens('00:50')) }); // after the start: not part of this run
      const q = testQuery(scheduler, windowCounts(fs, scheduler, { trigger: 'availableNow' }), { input: ev, output: 'window count', outputMode: 'append' });
      // Batch 0 (00:10) moves the watermark to 00:00 only: no no-data batch. Batch 1 (00:30)
      // runs with 00:00 and moves it to 00:20: the closing no-data batch 2 emits [00:10,00:15). Then complete.
      expectObservable(q.progress.pipe(map(kind))).toBe('(abc|)', { a: 'd 00:00', b: 'd 00:00', c: '- 00:20' });
      expectObservable(q.output).toBe('(abc|)', { a: [], b: [], c: ['[00:10,00:15) 1'] });
    });
  });
});

describe('progress reports what the driver did', () => {
  it('gives each batch its offsets, input rows, watermark and the virtual durations of its phases', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [opens('00:10', '00:11'), opens('00:30')], { readDelayMs: 100, scheduler });
      const q = appendRun(scheduler, fs, '500ms');
      const fields = (p: StreamingQueryProgress) => ({
        batchId: p.batchId,
        offsets: [p.sources[0]?.startOffset, p.sources[0]?.endOffset],
        inputs: p.sources[0]?.inputs,
        numInputRows: p.numInputRows,
        watermark: p.eventTime.watermark,
        getBatch: p.durationMs.getBatch,
        trigger: p.durationMs.triggerExecution,
        state: p.stateOperators.map((s) => [s.operatorName, s.numRowsTotal, s.stateVersion]),
        out: p.sink.numOutputRows,
      });
      expectObservable(q.progress.pipe(map(fields))).toBe('100ms a 99ms (bc)', {
        a: { batchId: 0, offsets: [null, { files: 1 }], inputs: ['file-0.json'], numInputRows: 2, watermark: '1970-01-01T00:00:00.000Z', getBatch: 100, trigger: 100, state: [['groupCount', 1, 1]], out: 0 },
        b: { batchId: 1, offsets: [{ files: 1 }, { files: 2 }], inputs: ['file-1.json'], numInputRows: 1, watermark: '1970-01-01T00:01:00.000Z', getBatch: 100, trigger: 100, state: [['groupCount', 2, 2]], out: 0 },
        c: { batchId: 2, offsets: [{ files: 2 }, { files: 2 }], inputs: [], numInputRows: 0, watermark: '1970-01-01T00:20:00.000Z', getBatch: 0, trigger: 0, state: [['groupCount', 1, 3]], out: 1 },
      });
    });
  });
});
