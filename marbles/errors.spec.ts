// Failures: typed errors on the error channel while the query runs, AnalysisError when it is composed.
import { Observable, catchError, throwError } from 'rxjs';
import {
  AnalysisError,
  Catalog,
  FileReadError,
  MalformedRecordError,
  groupCount,
  readJsonFiles,
  throttleFiles,
  toMemoryTable,
  type RowBatch,
} from '../src/index.js';
import { VirtualFileSystem, arriveAt, createTestScheduler, recordCalls, summarizeBatches, virtualDirectory, type BatchSummary } from '../src/testing/index.js';

const schema = 'action STRING';
const open = { action: 'Open' };

function summary(batchId: number, files: readonly string[], numInputRows = files.length): BatchSummary {
  return { batchId, files, numInputRows };
}

/** Replaces an error by the fields a test checks: its class and data, not the wording of its cause. */
function errorFields<T>(source: Observable<T>): Observable<T> {
  return source.pipe(
    catchError((e: unknown) =>
      throwError(() => {
        if (e instanceof MalformedRecordError) return { error: 'MalformedRecordError', path: e.path, line: e.line, record: e.record };
        return e;
      }),
    ),
  );
}

describe('errors while the query runs', () => {
  it('ends with a FileReadError naming the file when a file cannot be read, after the batches before it', () => {
    const scheduler = createTestScheduler();
    const eio = new Error('EIO: i/o error, read');
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open]]).failRead('/in/file-1.json', eio);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches).toBe('(a#)', { a: summary(0, ['file-0.json']) }, new FileReadError('/in/file-1.json', eio));
    });
  });

  it('drops the files of an unfinished batch when a later file of it cannot be read', () => {
    const scheduler = createTestScheduler();
    const eio = new Error('EIO: i/o error, read');
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], [open]]).failRead('/in/file-1.json', eio);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(2), summarizeBatches());
      expectObservable(batches).toBe('#', undefined, new FileReadError('/in/file-1.json', eio));
    });
  });

  it('fails at the poll that finds an unreadable new file in a streaming query', () => {
    const scheduler = createTestScheduler();
    const eacces = new Error('EACCES: permission denied');
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open]]);
      arriveAt(fs, scheduler, 1500, '/in/file-1.json', [open]);
      scheduler.schedule(() => fs.failRead('/in/file-1.json', eacces), 1500);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 2500ms !').toBe('a 1999ms #', { a: summary(0, ['file-0.json']) }, new FileReadError('/in/file-1.json', eacces));
    });
  });

  it('ends with a FileReadError naming the directory when it cannot be listed', () => {
    const scheduler = createTestScheduler();
    const eacces = new Error('EACCES: permission denied, scandir');
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open]]).failList('/in', eacces);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 1500ms !').toBe('#', undefined, new FileReadError('/in', eacces));
    });
  });

  it('ends with a FileReadError naming a directory that does not exist', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const batches = readJsonFiles('/missing', { schema, fileSystem: new VirtualFileSystem(), watch: false }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches).toBe('#', undefined, new FileReadError('/missing', new Error("ENOENT: no such file or directory, scandir '/missing'")));
    });
  });

  it('ends with a MalformedRecordError naming the file and line of a malformed line in FAILFAST mode', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[open], ['{"action":"Close"}', '{"action": "Open"', '{"action":"Open"}']]);
      const batches = readJsonFiles('/in', { schema, fileSystem: fs, watch: false, mode: 'FAILFAST' }).pipe(throttleFiles(1), summarizeBatches(), errorFields);
      expectObservable(batches).toBe('(a#)', { a: summary(0, ['file-0.json']) }, {
        error: 'MalformedRecordError',
        path: '/in/file-1.json',
        line: 2,
        record: '{"action": "Open"',
      });
    });
  });
});

describe('output modes checked when the query is composed', () => {
  it("throws AnalysisError from pipe() for 'append' over an aggregation without watermark, before any I/O", () => {
    const scheduler = createTestScheduler();
    const { fileSystem, calls } = recordCalls(virtualDirectory('/in', [[open]]), scheduler);
    const counts = readJsonFiles('/in', { schema, fileSystem, scheduler }).pipe(throttleFiles(1), groupCount('action'));
    expect(() => counts.pipe(toMemoryTable('counts', { outputMode: 'append', catalog: new Catalog() }))).toThrow(AnalysisError);
    expect(calls).toEqual([]);
  });

  it("throws AnalysisError from pipe() for the default output mode (append) over an aggregation", () => {
    const counts = readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in') }).pipe(throttleFiles(1), groupCount('action'));
    expect(() => counts.pipe(toMemoryTable('counts', { catalog: new Catalog() }))).toThrow(AnalysisError);
  });

  it("throws AnalysisError from pipe() for 'complete' without an aggregation", () => {
    const batches = readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in') }).pipe(throttleFiles(1));
    expect(() => batches.pipe(toMemoryTable('rows', { outputMode: 'complete', catalog: new Catalog() }))).toThrow(AnalysisError);
  });

  it("accepts 'complete' and 'update' over an aggregation", () => {
    const counts = readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in') }).pipe(throttleFiles(1), groupCount('action'));
    expect(() => counts.pipe(toMemoryTable('a', { outputMode: 'complete', catalog: new Catalog() }))).not.toThrow();
    expect(() => counts.pipe(toMemoryTable('b', { outputMode: 'update', catalog: new Catalog() }))).not.toThrow();
  });

  // Changed deliberately: a hand-made source used to have no plan, so this error came down the
  // error channel at the first batch. It now becomes an observable source with a plan, and the
  // output mode is checked when the sink is composed, before anything subscribes to the source.
  it("throws AnalysisError from pipe() for 'append' over an aggregation of a hand-made source too, without subscribing to it", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectSubscriptions }) => {
      const batches = cold<RowBatch<{ action: string }>>('-a-b|', { a: { rows: [open] }, b: { rows: [open] } });
      const counts = batches.pipe(groupCount('action'));
      expect(() => counts.pipe(toMemoryTable('counts', { outputMode: 'append', catalog: new Catalog(), scheduler }))).toThrow(AnalysisError);
      expect(() => counts.pipe(toMemoryTable('counts', { outputMode: 'update', catalog: new Catalog(), scheduler }))).not.toThrow();
      expectSubscriptions(batches.subscriptions).toBe([]);
    });
  });
});
