// When a processing-time trigger (Spark's Trigger.ProcessingTime) starts its micro-batches.
// Virtual time: one frame is one millisecond. Each trigger lists the directory itself (there is
// no separate poll between triggers under a processing-time trigger).
import { map } from 'rxjs';
import { readJsonFiles, throttleFiles, type MicroBatch } from '../src/index.js';
import { arriveAt, createTestScheduler, summarizeBatches, virtualDirectory, type BatchSummary, type VirtualFileSystem } from '../src/testing/index.js';

const schema = 'action STRING';
const open = { action: 'Open' };

function batches(fs: VirtualFileSystem, scheduler: ReturnType<typeof createTestScheduler>, n: number, trigger: string) {
  return readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(n, { trigger, scheduler }));
}

function summary(batchId: number, files: readonly string[], numInputRows = files.length): BatchSummary {
  return { batchId, files, numInputRows };
}

describe('throttleFiles with a processing-time trigger', () => {
  it('starts the first batch at subscription', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open]]);
      const unsub = '^ 1500ms !';
      const expected = 'a';
      expectObservable(batches(fs, scheduler, 1, '1 second').pipe(summarizeBatches()), unsub).toBe(expected, {
        a: summary(0, ['file-0.json']),
      });
    });
  });

  it('starts one batch per trigger, at multiples of the interval, even when several files wait', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open], [open]]);
      const unsub = '^ 2500ms !';
      const expected = 'a 999ms b 999ms c';
      expectObservable(batches(fs, scheduler, 1, '1 second').pipe(summarizeBatches()), unsub).toBe(expected, {
        a: summary(0, ['file-0.json']),
        b: summary(1, ['file-1.json']),
        c: summary(2, ['file-2.json']),
      });
    });
  });

  it('aligns later triggers to multiples of the interval on the clock, not to the subscription', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open]]);
      const sub = '300ms ^ 1500ms !';
      const expected = '300ms a 699ms b';
      expectObservable(batches(fs, scheduler, 1, '1 second').pipe(summarizeBatches()), sub).toBe(expected, {
        a: summary(0, ['file-0.json']),
        b: summary(1, ['file-1.json']),
      });
    });
  });

  // Changed deliberately: the file used to be found by a separate poll at 1000 and batched at the
  // next trigger; now the trigger lists the directory itself, so the trigger at 2000 finds it.
  it('starts a batch for a file that arrived between triggers at the next trigger, which lists the directory', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', []);
      arriveAt(fs, scheduler, 500, '/in/new.json', [open, open]); // after the trigger at 0 listed an empty directory
      const unsub = '^ 4500ms !';
      const expected = '2000ms a'; // the next 2-second trigger
      expectObservable(batches(fs, scheduler, 1, '2 seconds').pipe(summarizeBatches()), unsub).toBe(expected, {
        a: summary(0, ['new.json'], 2),
      });
    });
  });

  it('starts no batch in an interval without new data', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open]]);
      arriveAt(fs, scheduler, 2500, '/in/file-1.json', [open]);
      const unsub = '^ 4500ms !';
      const expected = 'a 2999ms b'; // nothing at 1000 and 2000
      expectObservable(batches(fs, scheduler, 1, '1 second').pipe(summarizeBatches()), unsub).toBe(expected, {
        a: summary(0, ['file-0.json']),
        b: summary(1, ['file-1.json']),
      });
    });
  });

  it('starts the batch of a trigger whose reads are slow when the reads finish', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open]], { readDelayMs: 300, scheduler });
      arriveAt(fs, scheduler, 1500, '/in/file-2.json', [open]); // listed at 2000, read by 2300
      const unsub = '^ 2500ms !';
      const expected = '600ms a 1699ms b';
      expectObservable(batches(fs, scheduler, 2, '1 second').pipe(summarizeBatches()), unsub).toBe(expected, {
        a: summary(0, ['file-0.json', 'file-1.json']),
        b: summary(1, ['file-2.json']),
      });
    });
  });

  it('reports the start of a slow trigger as the time it fired, not the time its reads finished', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open]], { readDelayMs: 300, scheduler });
      const unsub = '^ 1500ms !';
      const expected = '600ms a';
      const start = map((b: MicroBatch<unknown>) => ({ batchId: b.batchId, timestampMs: b.timestampMs }));
      expectObservable(batches(fs, scheduler, 2, '1 second').pipe(start), unsub).toBe(expected, {
        a: { batchId: 0, timestampMs: 0 },
      });
    });
  });

  it('keeps the start of a trigger whose reads run past the next interval', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open]], { readDelayMs: 1500, scheduler });
      const unsub = '^ 2500ms !';
      const expected = '1500ms a';
      const start = map((b: MicroBatch<unknown>) => ({ batchId: b.batchId, timestampMs: b.timestampMs }));
      expectObservable(batches(fs, scheduler, 1, '1 second').pipe(start), unsub).toBe(expected, {
        a: { batchId: 0, timestampMs: 0 },
      });
    });
  });
});
