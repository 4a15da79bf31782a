// Which files a micro-batch takes, and in which order, with the default trigger.
// Over a static source (watch: false) everything happens at subscription, frame 0.
import { readJsonFiles, throttleFiles } from '../src/index.js';
import { createTestScheduler, recordCalls, summarizeBatches, virtualDirectory, type BatchSummary, VirtualFileSystem } from '../src/testing/index.js';

const schema = 'action STRING';
const open = { action: 'Open' };
const close = { action: 'Close' };

function summary(batchId: number, files: readonly string[], numInputRows = files.length): BatchSummary {
  return { batchId, files, numInputRows };
}

describe('readJsonFiles + throttleFiles: file order and batch composition', () => {
  it('cuts five files into batches of 2, 2 and 1 with throttleFiles(2), numbered from 0', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open, close], [close], [open], [open, open, open]]);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(2), summarizeBatches());
      expectObservable(batches).toBe('(abc|)', {
        a: summary(0, ['file-0.json', 'file-1.json'], 3),
        b: summary(1, ['file-2.json', 'file-3.json'], 2),
        c: summary(2, ['file-4.json'], 3),
      });
    });
  });

  it('takes files with equal modification times in natural order: file-2 before file-10', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = new VirtualFileSystem()
        .write('/in/file-10.json', [open], 0)
        .write('/in/file-2.json', [open], 0)
        .write('/in/file-1.json', [open], 0);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(2), summarizeBatches());
      expectObservable(batches).toBe('(ab|)', {
        a: summary(0, ['file-1.json', 'file-2.json']),
        b: summary(1, ['file-10.json']),
      });
    });
  });

  it('takes the oldest modification time first, whatever the names', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = new VirtualFileSystem()
        .write('/in/file-0.json', [open], 30)
        .write('/in/file-1.json', [open], 10)
        .write('/in/file-2.json', [open], 20);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches).toBe('(abc|)', {
        a: summary(0, ['file-1.json']),
        b: summary(1, ['file-2.json']),
        c: summary(2, ['file-0.json']),
      });
    });
  });

  it('takes the newest first with latestFirst, equal times in reverse natural order', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = new VirtualFileSystem()
        .write('/in/file-0.json', [open], 30)
        .write('/in/file-1.json', [open], 10)
        .write('/in/file-2.json', [open], 10)
        .write('/in/file-10.json', [open], 10);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false, latestFirst: true }).pipe(throttleFiles(2), summarizeBatches());
      expectObservable(batches).toBe('(ab|)', {
        a: summary(0, ['file-0.json', 'file-10.json']),
        b: summary(1, ['file-2.json', 'file-1.json']),
      });
    });
  });

  it('never reads hidden or in-progress files', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open]]).write('/in/_SUCCESS', '', 1).write('/in/.file-1.json.crc', '', 2).write('/in/file-2.json._COPYING_', [open], 3);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(5), summarizeBatches());
      expectObservable(batches).toBe('(a|)', { a: summary(0, ['file-0.json']) });
    });
  });

  it('runs a batch with 0 rows for an empty file, as Spark does for a new file', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', ['']);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches).toBe('(a|)', { a: summary(0, ['file-0.json'], 0) });
    });
  });

  it('gives an empty file its own trigger in a streaming query', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open, close], '']);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1, { trigger: '1 second', scheduler }), summarizeBatches());
      expectObservable(batches, '^ 1500ms !').toBe('a 999ms b', {
        a: summary(0, ['file-0.json'], 2),
        b: summary(1, ['file-1.json'], 0),
      });
    });
  });

  it('completes without a batch over an empty directory when the source is static', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in');
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches).toBe('|');
    });
  });

  it('emits nothing over an empty directory when the source streams, and keeps polling', () => {
    const scheduler = createTestScheduler();
    const { fileSystem, calls } = recordCalls(virtualDirectory('/in'), scheduler);
    scheduler.run(({ expectObservable }) => {
      const batches = readJsonFiles('/in', { schema, fileSystem, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 2500ms !').toBe('-');
    });
    expect(calls).toEqual([
      { op: 'list', path: '/in', frame: 0 },
      { op: 'list', path: '/in', frame: 1000 },
      { op: 'list', path: '/in', frame: 2000 },
    ]);
  });
});
