// The RxJS contributor checklist (never, empty, values, error, never-ending, early unsubscribe)
// for throttleFiles, tumblingWindow and groupCount over hand-made hot and cold observables.
// One frame is one millisecond. A source file says which listing found it: `listing.count` is
// how many new files that listing found, so throttleFiles knows whether more are coming.
import { groupCount, throttleFiles, tumblingWindow, type ListingPosition, type MicroBatch, type RowBatch, type SourceFile } from '../src/index.js';
import { createTestScheduler, summarizeBatches, type BatchSummary } from '../src/testing/index.js';

type Event = { readonly time: number | null; readonly action: string };

const HOUR = 3_600_000;
const open1 = { time: 1 * HOUR + 5, action: 'Open' };
const close1 = { time: 1 * HOUR + 10, action: 'Close' };
const open2 = { time: 2 * HOUR, action: 'Open' };
const noTime = { time: null, action: 'Open' };

function file(name: string, rows: readonly Event[], listing: ListingPosition): SourceFile<Event> {
  return { file: { path: `/in/${name}`, name, size: 10 * rows.length, mtimeMs: 0 }, rows, listing, numMalformedRows: 0 };
}

/** a: alone in listing 0; b, c: the two files of listing 1. */
const a = file('a.json', [open1], { id: 0, index: 0, count: 1 });
const b = file('b.json', [open1, close1], { id: 1, index: 0, count: 2 });
const c = file('c.json', [open2], { id: 1, index: 1, count: 2 });
const files = { a, b, c };

function summary(batchId: number, names: readonly string[], numInputRows: number): BatchSummary {
  return { batchId, files: names, numInputRows };
}

describe('throttleFiles (default trigger) on hand-made sources', () => {
  it('emits nothing and stays subscribed when the source never emits', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<SourceFile<Event>>('-');
      expectObservable(source.pipe(throttleFiles(2))).toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('completes without a batch when the source is empty', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<SourceFile<Event>>('|');
      expectObservable(source.pipe(throttleFiles(2))).toBe('|');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('cuts batches by listing, not by arrival: it waits for the second file its listing announced', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms c|', files);
      const expected =    'x 19ms      y|';
      expectObservable(source.pipe(throttleFiles(2), summarizeBatches())).toBe(expected, {
        x: summary(0, ['a.json'], 1),
        y: summary(1, ['b.json', 'c.json'], 3),
      });
    });
  });

  it('emits a MicroBatch with its files, their rows in order, the trigger start and the files still pending', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('5ms (bc)', files);
      const expected: Record<string, MicroBatch<Event>> = {
        x: { batchId: 0, files: [b.file], rows: [open1, close1], numInputRows: 2, numMalformedRows: 0, triggerStartMs: 5, filesPending: 1 },
        y: { batchId: 1, files: [c.file], rows: [open2], numInputRows: 1, numMalformedRows: 0, triggerStartMs: 5, filesPending: 0 },
      };
      expectObservable(source.pipe(throttleFiles(1))).toBe('5ms (xy)', expected);
    });
  });

  it('batches the files it holds when the source completes before its listing is done', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('b|', files); // b announced c, which never comes
      expectObservable(source.pipe(throttleFiles(2), summarizeBatches())).toBe('-(x|)', { x: summary(0, ['b.json'], 2) });
    });
  });

  it('passes an error through at once and drops files not yet batched', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms #', files, new Error('disk gone'));
      const expected =    'x 19ms      #';
      expectObservable(source.pipe(throttleFiles(2), summarizeBatches())).toBe(expected, { x: summary(0, ['a.json'], 1) }, new Error('disk gone'));
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
  it('keeps its clock running over a never-ending source until unsubscribed, one file per trigger', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const listing = (index: number): ListingPosition => ({ id: 0, index, count: 3 });
      const source = cold('500ms (abc)', { a: file('a.json', [open1], listing(0)), b: file('b.json', [], listing(1)), c: file('c.json', [open2], listing(2)) });
      const unsub = '^ 3500ms !';
      const expected = '1000ms x 999ms y 999ms z'; // the files came after the trigger at 0: the first batch waits for the one at 1000
      expectObservable(source.pipe(throttleFiles(1, { trigger: '1 second', scheduler }), summarizeBatches()), unsub).toBe(expected, {
        x: summary(0, ['a.json'], 1),
        y: summary(1, ['b.json'], 0),
        z: summary(2, ['c.json'], 1),
      });
      expectSubscriptions(source.subscriptions).toBe(unsub);
    });
  });

  it('batches the files left when the source completes at the next triggers, then completes', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('(bc|)', files);
      expectObservable(source.pipe(throttleFiles(1, { trigger: '1 second', scheduler }), summarizeBatches())).toBe('1000ms x 999ms (y|)', {
        x: summary(0, ['b.json'], 2),
        y: summary(1, ['c.json'], 1),
      });
    });
  });

  it('completes without a batch as soon as an empty source completes', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold<SourceFile<Event>>('|');
      expectObservable(source.pipe(throttleFiles(1, { trigger: '1 second', scheduler }))).toBe('|');
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
        x: {
          rows: [{ ...open1, window: w1 }, { ...open2, window: w2 }],
          eventTime: { min: open1.time, max: open2.time, avg: (open1.time + open2.time) / 2 },
          droppedRows: { nullEventTime: 1 },
        },
        y: { rows: [{ ...close1, window: w1 }], eventTime: { min: close1.time, max: close1.time, avg: close1.time } },
      });
    });
  });

  it('passes an error through', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-p-#', { p: batchOf() }, new Error('boom'));
      expectObservable(source.pipe(tumblingWindow('time', '1 hour'))).toBe('-x-#', { x: { rows: [] } }, new Error('boom'));
    });
  });

  it('unsubscribes from the source when the output is unsubscribed early', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-p--p--|', { p: batchOf(open1) });
      const unsub =      '^--!';
      const x = { rows: [{ ...open1, window: { start: HOUR, end: 2 * HOUR } }], eventTime: { min: open1.time, max: open1.time, avg: open1.time } };
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

  it('emits the running count after every batch: the whole result and the groups that changed', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-p-q-r|', { p: batchOf(open1, open2, close1), q: batchOf(open1), r: batchOf() });
      expectObservable(source.pipe(groupCount('action'))).toBe('-x-y-z|', {
        x: {
          rows: [{ action: 'Open', count: 2 }, { action: 'Close', count: 1 }],
          aggregated: true,
          updatedRows: [{ action: 'Open', count: 2 }, { action: 'Close', count: 1 }],
          numStateRows: 2,
          numInputRows: 3,
        },
        y: {
          rows: [{ action: 'Open', count: 3 }, { action: 'Close', count: 1 }],
          aggregated: true,
          updatedRows: [{ action: 'Open', count: 3 }],
          numStateRows: 2,
          numInputRows: 1,
        },
        z: {
          rows: [{ action: 'Open', count: 3 }, { action: 'Close', count: 1 }],
          aggregated: true,
          updatedRows: [],
          numStateRows: 2,
          numInputRows: 0,
        },
      });
    });
  });

  it('starts every subscription from an empty state store', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const counts = cold('-p|', { p: batchOf(open1) }).pipe(groupCount('action'));
      const x = { rows: [{ action: 'Open', count: 1 }], aggregated: true, updatedRows: [{ action: 'Open', count: 1 }], numStateRows: 1, numInputRows: 1 };
      expectObservable(counts).toBe('-x|', { x });
      expectObservable(counts, '---^').toBe('----x|', { x });
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
      const x = { rows: [{ action: 'Open', count: 1 }], aggregated: true, updatedRows: [{ action: 'Open', count: 1 }], numStateRows: 1, numInputRows: 1 };
      expectObservable(source.pipe(groupCount('action')), unsub).toBe('-x', { x }); // the second p, at frame 4, comes after the unsubscription
      expectSubscriptions(source.subscriptions).toBe(unsub);
    });
  });
});
