// Trigger.Once and Trigger.AvailableNow: process what the first listing found, then complete.
import { readJsonFiles, throttleFiles, type TriggerSpec } from '../src/index.js';
import { arriveAt, createTestScheduler, recordCalls, summarizeBatches, virtualDirectory, type BatchSummary, type VirtualFileSystem } from '../src/testing/index.js';

const schema = 'action STRING';
const open = { action: 'Open' };

function summary(batchId: number, files: readonly string[], numInputRows = files.length): BatchSummary {
  return { batchId, files, numInputRows };
}

function batches(fs: VirtualFileSystem, scheduler: ReturnType<typeof createTestScheduler>, n: number, trigger: TriggerSpec) {
  return readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(n, { trigger, scheduler }), summarizeBatches());
}

describe("throttleFiles with trigger 'once'", () => {
  it('runs one batch with every file of the first listing, ignoring maxFilesPerTrigger, then completes', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open], [open]]);
      expectObservable(batches(fs, scheduler, 2, 'once')).toBe('(a|)', {
        a: summary(0, ['file-0.json', 'file-1.json', 'file-2.json']),
      });
    });
  });

  it('runs its batch when the slow reads of the first listing finish, without files that arrive meanwhile', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open]], { readDelayMs: 300, scheduler });
      arriveAt(fs, scheduler, 100, '/in/late.json', [open]);
      expectObservable(batches(fs, scheduler, 1, 'once')).toBe('600ms (a|)', {
        a: summary(0, ['file-0.json', 'file-1.json']),
      });
    });
  });

  it('completes at once without a batch over an empty directory, and stops polling', () => {
    const scheduler = createTestScheduler();
    const { fileSystem, calls } = recordCalls(virtualDirectory('/in'), scheduler);
    scheduler.run(({ expectObservable }) => {
      const fs = fileSystem;
      const out = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1, { trigger: 'once', scheduler }));
      expectObservable(out).toBe('|');
    });
    expect(calls).toEqual([{ op: 'list', path: '/in', frame: 0 }]);
  });
});

describe("throttleFiles with trigger 'availableNow'", () => {
  it('runs the files of the first listing in batches of maxFilesPerTrigger, then completes', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open], [open], [open], [open]]);
      expectObservable(batches(fs, scheduler, 2, 'availableNow')).toBe('(abc|)', {
        a: summary(0, ['file-0.json', 'file-1.json']),
        b: summary(1, ['file-2.json', 'file-3.json']),
        c: summary(2, ['file-4.json']),
      });
    });
  });

  it('runs each batch as soon as its files are read, and completes with the last, without files that arrive meanwhile', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open], [open]], { readDelayMs: 300, scheduler });
      arriveAt(fs, scheduler, 100, '/in/late.json', [open]);
      expectObservable(batches(fs, scheduler, 2, 'availableNow')).toBe('600ms a 299ms (b|)', {
        a: summary(0, ['file-0.json', 'file-1.json']),
        b: summary(1, ['file-2.json']),
      });
    });
  });

  it('completes at once without a batch over an empty directory', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(batches(virtualDirectory('/in'), scheduler, 2, 'availableNow')).toBe('|');
    });
  });
});
