// Files that appear while a streaming query runs. With the default trigger the idle query lists the
// directory every second (frames 0, 1000, 2000, ...; after a batch the next trigger lists at once).
import { readJsonFiles, throttleFiles } from '../src/index.js';
import { arriveAt, createTestScheduler, summarizeBatches, virtualDirectory, type BatchSummary } from '../src/testing/index.js';

const schema = 'action STRING';
const open = { action: 'Open' };
const close = { action: 'Close' };

function summary(batchId: number, files: readonly string[], numInputRows = files.length): BatchSummary {
  return { batchId, files, numInputRows };
}

describe('readJsonFiles: files that arrive while the query runs', () => {
  it('picks up a new file at the next poll', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open]]);
      arriveAt(fs, scheduler, 1500, '/in/file-1.json', [close, close]);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 2500ms !').toBe('a 1999ms b', {
        a: summary(0, ['file-0.json']),
        b: summary(1, ['file-1.json'], 2),
      });
    });
  });

  it('batches files that arrive together by the listing that found them', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open]]);
      arriveAt(fs, scheduler, 1200, '/in/file-1.json', [open]);
      arriveAt(fs, scheduler, 1400, '/in/file-2.json', [open]);
      arriveAt(fs, scheduler, 1600, '/in/file-3.json', [open]);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(2), summarizeBatches());
      expectObservable(batches, '^ 2500ms !').toBe('a 1999ms (bc)', {
        a: summary(0, ['file-0.json']),
        b: summary(1, ['file-1.json', 'file-2.json']),
        c: summary(2, ['file-3.json']),
      });
    });
  });

  it('reads every file once, however many polls list it', () => {
    const scheduler = createTestScheduler();
    const fs = virtualDirectory('/in', [[open]]);
    scheduler.run(({ expectObservable }) => {
      arriveAt(fs, scheduler, 1500, '/in/file-1.json', [open]);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 4500ms !').toBe('a 1999ms b', {
        a: summary(0, ['file-0.json']),
        b: summary(1, ['file-1.json']),
      });
    });
    expect(fs.reads).toEqual(['/in/file-0.json', '/in/file-1.json']);
  });

  it('does not read a file again when it changes after it was read', () => {
    const scheduler = createTestScheduler();
    const fs = virtualDirectory('/in', [[open]]);
    scheduler.run(({ expectObservable }) => {
      arriveAt(fs, scheduler, 1500, '/in/file-0.json', [open, close, close]); // rewritten in place, newer mtime
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 2500ms !').toBe('a', { a: summary(0, ['file-0.json']) });
    });
    expect(fs.reads).toEqual(['/in/file-0.json']);
  });
});
