// The RxJS contributor checklist (never, empty, values, error, never-ending, early unsubscribe)
// for throttleFiles, tumblingWindow and groupCount over hand-made hot and cold observables.
// One frame is one millisecond.
//
// A hand-made observable given to a structured-rx operator is the query's source (an observable
// source): each emission is one item, here `{ file: { name }, rows }` (the name is what the batch
// reports in `inputs`); maxFilesPerTrigger counts items. It is a push source: under the default
// trigger the driver runs a trigger when an item arrives (no polling), and the query completes
// when the observable completes. There are no listings any more, so nothing waits for items that
// have not arrived: a trigger takes min(n, items available).
import { map } from 'rxjs';
import { foreachBatch, groupCount, throttleFiles, tumblingWindow, type MicroBatch, type RowBatch } from '../src/index.js';
import { createTestScheduler, summarizeBatches, type BatchSummary } from '../src/testing/index.js';

type Event = { readonly time: number | null; readonly action: string };

/** One item of a hand-made source: the rows of one named input. */
type Item = RowBatch<Event> & { readonly file: { readonly name: string } };

const HOUR = 3_600_000;
const open1 = { time: 1 * HOUR + 5, action: 'Open' };
const close1 = { time: 1 * HOUR + 10, action: 'Close' };
const open2 = { time: 2 * HOUR, action: 'Open' };
const noTime = { time: null, action: 'Open' };

function file(name: string, rows: readonly Event[]): Item {
  return { file: { name }, rows };
}

const a = file('a.json', [open1]);
const b = file('b.json', [open1, close1]);
const c = file('c.json', [open2]);
const files = { a, b, c };

function summary(batchId: number, names: readonly string[], numInputRows: number): BatchSummary {
  return { batchId, files: names, numInputRows };
}

/** A data batch of a query without watermark, as the driver emits it to a sink-less subscriber. */
function dataBatch<R>(batchId: number, timestampMs: number, rows: readonly R[], numInputRows: number, extra: Partial<MicroBatch<R>> = {}): MicroBatch<R> {
  return { batchId, rows, numInputRows, numMalformedRows: 0, isDataBatch: true, watermarkMs: 0, timestampMs, inputs: [], droppedRows: {}, ...extra };
}

describe('throttleFiles (default trigger) on hand-made sources', () => {
  it('emits nothing and stays subscribed when the source never emits', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Item>('-');
      expectObservable(source.pipe(throttleFiles(2))).toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('completes without a batch when the source is empty', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Item>('|');
      expectObservable(source.pipe(throttleFiles(2))).toBe('|');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  // Changed deliberately: batches used to be cut by listing (the first trigger waited for the
  // second file its listing announced). A push source has no listings: each arrival starts a
  // trigger, which takes min(n, items available) and waits for nothing.
  it('starts a trigger when an item arrives and takes the items available, without waiting for more', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms c|', files);
      const expected =    'x 9ms y 9ms z|';
      expectObservable(source.pipe(throttleFiles(2), summarizeBatches())).toBe(expected, {
        x: summary(0, ['a.json'], 1),
        y: summary(1, ['b.json'], 2),
        z: summary(2, ['c.json'], 1),
      });
    });
  });

  it("emits a MicroBatch with its inputs, their rows in order, and its trigger's timestamp", () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('5ms (bc)', files);
      const expected: Record<string, MicroBatch<Event>> = {
        x: { batchId: 0, rows: [open1, close1], numInputRows: 2, numMalformedRows: 0, isDataBatch: true, watermarkMs: 0, timestampMs: 5, inputs: ['b.json'], droppedRows: {} },
        y: { batchId: 1, rows: [open2], numInputRows: 1, numMalformedRows: 0, isDataBatch: true, watermarkMs: 0, timestampMs: 5, inputs: ['c.json'], droppedRows: {} },
      };
      expectObservable(source.pipe(throttleFiles(1))).toBe('5ms (xy)', expected);
    });
  });

  it('batches the items it holds when the source completes, then completes', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('b|', files);
      expectObservable(source.pipe(throttleFiles(2), summarizeBatches())).toBe('x|', { x: summary(0, ['b.json'], 2) });
    });
  });

  it('passes an error through at once', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms #', files, new Error('disk gone'));
      const expected =    'x 9ms y 9ms #';
      expectObservable(source.pipe(throttleFiles(2), summarizeBatches())).toBe(expected, { x: summary(0, ['a.json'], 1), y: summary(1, ['b.json'], 2) }, new Error('disk gone'));
    });
  });

  it('unsubscribes from the source when the output is unsubscribed early', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a--b--c-|', files);
      const unsub =      '^--!';
      const expected =   '-x';
      expectObservable(source.pipe(throttleFiles(1), summarizeBatches()), unsub).toBe(expected, { x: summary(0, ['a.json'], 1) });
      expectSubscriptions(source.subscriptions).toBe(unsub);
    });
  });
});

describe('throttleFiles (processing-time trigger) on hand-made sources', () => {
  it('keeps its clock running over a never-ending source until unsubscribed, one item per trigger', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('500ms (abc)', { a: file('a.json', [open1]), b: file('b.json', []), c: file('c.json', [open2]) });
      const unsub = '^ 3500ms !';
      const expected = '1000ms x 999ms y 999ms z'; // the items came after the trigger at 0: the first batch waits for the one at 1000
      expectObservable(source.pipe(throttleFiles(1, { trigger: '1 second', scheduler }), summarizeBatches()), unsub).toBe(expected, {
        x: summary(0, ['a.json'], 1),
        y: summary(1, ['b.json'], 0),
        z: summary(2, ['c.json'], 1),
      });
      expectSubscriptions(source.subscriptions).toBe(unsub);
    });
  });

  it('takes at most maxFilesPerTrigger items per trigger, in arrival order', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('500ms (abc)', files);
      const unsub = '^ 2500ms !';
      expectObservable(source.pipe(throttleFiles(2, { trigger: '1 second', scheduler }), summarizeBatches()), unsub).toBe('1000ms x 999ms y', {
        x: summary(0, ['a.json', 'b.json'], 3),
        y: summary(1, ['c.json'], 1),
      });
    });
  });

  it('does not wake on arrivals: an item that comes between triggers waits for the next multiple of the interval', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('1200ms a', files);
      const unsub = '^ 2500ms !';
      expectObservable(source.pipe(throttleFiles(1, { trigger: '1 second', scheduler }), summarizeBatches()), unsub).toBe('2000ms x', {
        x: summary(0, ['a.json'], 1),
      });
    });
  });

  it('drops the items not yet batched when the source errors, and errors at once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('500ms a 99ms #', files, new Error('disk gone'));
      expectObservable(source.pipe(throttleFiles(1, { trigger: '1 second', scheduler }), summarizeBatches())).toBe('600ms #', undefined, new Error('disk gone'));
    });
  });

  // Changed deliberately: the query used to complete together with the last batch. The driver now
  // learns that the source has ended at a trigger (a processing-time trigger does not wake on
  // pushes), so it completes at the first trigger that finds the source exhausted.
  it('batches the items left when the source completes at the next triggers, and completes at the trigger that finds nothing left', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('(bc|)', files);
      expectObservable(source.pipe(throttleFiles(1, { trigger: '1 second', scheduler }), summarizeBatches())).toBe('1000ms x 999ms y 999ms |', {
        x: summary(0, ['b.json'], 2),
        y: summary(1, ['c.json'], 1),
      });
    });
  });

  // Changed deliberately, as above: an empty source's completion is seen by the next trigger.
  it('completes without a batch at the first trigger after an empty source completed', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold<Item>('|');
      expectObservable(source.pipe(throttleFiles(1, { trigger: '1 second', scheduler }))).toBe('1000ms |');
    });
  });
});

const batchOf = (...rows: Event[]): RowBatch<Event> => ({ rows });

describe('tumblingWindow on hand-made batches', () => {
  it('emits nothing when the source never emits', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<RowBatch<Event>>('-').pipe(tumblingWindow('time', '1 hour'))).toBe('-');
    });
  });

  it('completes when the source is empty', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<RowBatch<Event>>('|').pipe(tumblingWindow('time', '1 hour'))).toBe('|');
    });
  });

  it('adds the event-time window to each row, batch by batch, dropping rows without time', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-p-q|', { p: batchOf(open1, noTime, open2), q: batchOf(close1) });
      const w1 = { start: 1 * HOUR, end: 2 * HOUR };
      const w2 = { start: 2 * HOUR, end: 3 * HOUR };
      expectObservable(source.pipe(tumblingWindow('time', '1 hour'))).toBe('-x-y|', {
        x: dataBatch(0, 1, [{ ...open1, window: w1 }, { ...open2, window: w2 }], 3, {
          eventTime: { min: open1.time, max: open2.time, avg: (open1.time + open2.time) / 2, count: 2 },
          droppedRows: { nullEventTime: 1 },
        }),
        y: dataBatch(1, 3, [{ ...close1, window: w1 }], 1, { eventTime: { min: close1.time, max: close1.time, avg: close1.time, count: 1 } }),
      });
    });
  });

  it('passes an error through', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-p-#', { p: batchOf() }, new Error('boom'));
      expectObservable(source.pipe(tumblingWindow('time', '1 hour'))).toBe('-x-#', { x: dataBatch(0, 1, [], 0) }, new Error('boom'));
    });
  });

  it('unsubscribes from the source when the output is unsubscribed early', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-p--p--|', { p: batchOf(open1) });
      const unsub =      '^--!';
      const x = dataBatch(0, 1, [{ ...open1, window: { start: HOUR, end: 2 * HOUR } }], 1, { eventTime: { min: open1.time, max: open1.time, avg: open1.time, count: 1 } });
      expectObservable(source.pipe(tumblingWindow('time', '1 hour')), unsub).toBe('-x', { x }); // the second p, at frame 4, comes after the unsubscription
      expectSubscriptions(source.subscriptions).toBe(unsub);
    });
  });
});

describe('groupCount on hand-made batches', () => {
  it('emits nothing when the source never emits', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<RowBatch<Event>>('-').pipe(groupCount('action'))).toBe('-');
    });
  });

  it('completes when the source is empty', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<RowBatch<Event>>('|').pipe(groupCount('action'))).toBe('|');
    });
  });

  // Changed deliberately: a batch used to carry both the whole result and `updatedRows`. What it
  // emits is now the query's output mode; without a sink and without a watermark that is
  // `complete`, so `rows` is the whole running table after every batch.
  it('emits the whole running count after every batch without a sink (complete mode)', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-p-q-r|', { p: batchOf(open1, open2, close1), q: batchOf(open1), r: batchOf() });
      expectObservable(source.pipe(groupCount('action'))).toBe('-x-y-z|', {
        x: dataBatch(0, 1, [{ action: 'Open', count: 2 }, { action: 'Close', count: 1 }], 3),
        y: dataBatch(1, 3, [{ action: 'Open', count: 3 }, { action: 'Close', count: 1 }], 1),
        z: dataBatch(2, 5, [{ action: 'Open', count: 3 }, { action: 'Close', count: 1 }], 0),
      });
    });
  });

  // What `updatedRows` showed before: in update mode a sink gets only the groups a batch changed,
  // and the state store's size is in the progress of the stateful operator.
  it('gives a sink in update mode only the groups each batch changed', () => {
    const written: [number, readonly unknown[]][] = [];
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-p-q-r|', { p: batchOf(open1, open2, close1), q: batchOf(open1), r: batchOf() });
      const progress = source.pipe(
        groupCount('action'),
        foreachBatch((rows, batchId) => void written.push([batchId, rows]), { outputMode: 'update' }),
        map((p) => ({ batchId: p.batchId, numInputRows: p.numInputRows, numOutputRows: p.sink.numOutputRows, numRowsTotal: p.stateOperators[0]?.numRowsTotal, numRowsUpdated: p.stateOperators[0]?.numRowsUpdated })),
      );
      expectObservable(progress).toBe('-x-y-z|', {
        x: { batchId: 0, numInputRows: 3, numOutputRows: 2, numRowsTotal: 2, numRowsUpdated: 2 },
        y: { batchId: 1, numInputRows: 1, numOutputRows: 1, numRowsTotal: 2, numRowsUpdated: 1 },
        z: { batchId: 2, numInputRows: 0, numOutputRows: 0, numRowsTotal: 2, numRowsUpdated: 0 },
      });
    });
    expect(written).toEqual([
      [0, [{ action: 'Open', count: 2 }, { action: 'Close', count: 1 }]],
      [1, [{ action: 'Open', count: 3 }]],
      [2, []],
    ]);
  });

  it('starts every subscription from an empty state store', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const counts = cold('-p|', { p: batchOf(open1) }).pipe(groupCount('action'));
      expectObservable(counts).toBe('-x|', { x: dataBatch(0, 1, [{ action: 'Open', count: 1 }], 1) });
      // The second run has its own batch ids and state: batch 0 again, count 1 again.
      expectObservable(counts, '---^').toBe('----x|', { x: dataBatch(0, 4, [{ action: 'Open', count: 1 }], 1) });
    });
  });

  it('passes an error through', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold<RowBatch<Event>>('--#', undefined, new Error('boom'));
      expectObservable(source.pipe(groupCount('action'))).toBe('--#', undefined, new Error('boom'));
    });
  });

  it('unsubscribes from the source when the output is unsubscribed early', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-p--p--|', { p: batchOf(open1) });
      const unsub =      '^--!';
      const x = dataBatch(0, 1, [{ action: 'Open', count: 1 }], 1);
      expectObservable(source.pipe(groupCount('action')), unsub).toBe('-x', { x }); // the second p, at frame 4, comes after the unsubscription
      expectSubscriptions(source.subscriptions).toBe(unsub);
    });
  });
});
