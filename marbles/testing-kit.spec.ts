// The published marble-testing kit (structured-rx/testing) tested on its own.
import { map } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { Catalog, readJsonFiles, startQuery, throttleFiles, toMemoryTable, type FileStat, type MicroBatch, type StreamFileSystem } from '../src/index.js';
import { arriveAt, createTestScheduler, fileName, recordCalls, summarizeBatch, summarizeBatches, virtualDirectory, type VirtualFileSystem } from '../src/testing/index.js';

/** Lists synchronously: the virtual file system answers at once without readDelayMs. */
function listNow(fs: StreamFileSystem, dir: string): readonly FileStat[] {
  let out: readonly FileStat[] | undefined;
  fs.list(dir).subscribe((s) => (out = s));
  if (out === undefined) throw new Error('list did not answer synchronously');
  return out;
}

describe('createTestScheduler', () => {
  it('fails a marble expectation that does not hold, with node assert by default', () => {
    const scheduler = createTestScheduler();
    expect(() =>
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('-a|')).toBe('-b|');
      }),
    ).toThrow();
  });

  it('passes a marble expectation that holds', () => {
    const scheduler = createTestScheduler();
    expect(() =>
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('-a|', { a: { n: 1 } }).pipe(map((v) => ({ n: v.n + 1 })))).toBe('-b|', { b: { n: 2 } });
      }),
    ).not.toThrow();
  });

  it('hands actual and expected frames to a given assertion', () => {
    const seen: unknown[][] = [];
    const scheduler = createTestScheduler((actual, expected) => {
      seen.push([actual, expected]);
    });
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|')).toBe('-b|');
    });
    expect(seen).toEqual([
      [
        [
          { frame: 1, notification: { kind: 'N', value: 'a', error: undefined } },
          { frame: 2, notification: { kind: 'C', value: undefined, error: undefined } },
        ],
        [
          { frame: 1, notification: { kind: 'N', value: 'b', error: undefined } },
          { frame: 2, notification: { kind: 'C', value: undefined, error: undefined } },
        ],
      ],
    ]);
  });
});

describe('virtualDirectory', () => {
  it('writes file-0.json, file-1.json, ... with modification times 0, 1, ...', () => {
    const fs = virtualDirectory('/in', [[{ a: 1 }], '', ['{"a": 2}', { a: 3 }]]);
    expect(listNow(fs, '/in').map((s) => [s.name, s.mtimeMs])).toEqual([
      ['file-0.json', 0],
      ['file-1.json', 1],
      ['file-2.json', 2],
    ]);
    expect(fileName(2)).toBe('file-2.json');
  });

  it('writes rows as JSON lines and strings as they are', () => {
    const fs = virtualDirectory('/in', [[{ a: 1 }, '{"a": 2}'], 'raw']);
    const texts: string[] = [];
    fs.readText('/in/file-0.json').subscribe((t) => texts.push(t));
    fs.readText('/in/file-1.json').subscribe((t) => texts.push(t));
    expect(texts).toEqual(['{"a":1}\n{"a": 2}\n', 'raw']);
  });

  it('creates an empty directory that lists without error', () => {
    expect(listNow(virtualDirectory('/in'), '/in')).toEqual([]);
  });
});

describe('arriveAt', () => {
  it('makes a file appear at the given frame, with that frame as its modification time', () => {
    const scheduler = createTestScheduler();
    const fs = virtualDirectory('/in');
    const names: Record<number, string[]> = {};
    scheduler.run(() => {
      arriveAt(fs, scheduler, 1500, '/in/new.json', [{ a: 1 }]);
      for (const t of [1499, 1500]) scheduler.schedule(() => (names[t] = listNow(fs, '/in').map((s) => `${s.name}@${s.mtimeMs}`)), t);
    });
    expect(names).toEqual({ 1499: [], 1500: ['new.json@1500'] });
  });

  it('lets a poll at the very frame of the arrival see the file, when called before the expectations', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in');
      arriveAt(fs, scheduler, 2000, '/in/file-0.json', [{ action: 'Open' }]);
      const batches = readJsonFiles('/in', { schema: 'action STRING', fileSystem: fs, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 2500ms !').toBe('2000ms a', { a: { batchId: 0, files: ['file-0.json'], numInputRows: 1 } });
    });
  });

  it('takes an explicit modification time, and is cancelled by unsubscribing', () => {
    const scheduler = createTestScheduler();
    const fs = virtualDirectory('/in');
    scheduler.run(() => {
      arriveAt(fs, scheduler, 10, '/in/a.json', [], 3);
      arriveAt(fs, scheduler, 10, '/in/b.json', []).unsubscribe();
    });
    expect(listNow(fs, '/in').map((s) => `${s.name}@${s.mtimeMs}`)).toEqual(['a.json@3']);
  });
});

describe('summarizeBatch', () => {
  it('keeps the batch id, the input (file) names and the input row count of a micro-batch', () => {
    const batch: MicroBatch<{ a: number }> = {
      batchId: 3,
      rows: [{ a: 1 }],
      numInputRows: 1,
      numMalformedRows: 0,
      isDataBatch: true,
      watermarkMs: 0,
      timestampMs: 0,
      inputs: ['file-0.json'],
      droppedRows: {},
    };
    expect(summarizeBatch(batch)).toEqual({ batchId: 3, files: ['file-0.json'], numInputRows: 1 });
  });

  it("accepts a progress report, whose sources name what the batch read", () => {
    expect(summarizeBatch({ batchId: 0, numInputRows: 7, sources: [{ inputs: ['file-1.json', 'file-2.json'] }] })).toEqual({
      batchId: 0,
      files: ['file-1.json', 'file-2.json'],
      numInputRows: 7,
    });
  });
});

describe('recordCalls', () => {
  it('logs each list and read with the frame it started at, and passes the answers through', () => {
    const scheduler = createTestScheduler();
    const { fileSystem, calls } = recordCalls(virtualDirectory('/in', ['x']), scheduler);
    const texts: string[] = [];
    scheduler.run(() => {
      scheduler.schedule(() => fileSystem.list('/in').subscribe(), 5);
      scheduler.schedule(() => fileSystem.readText('/in/file-0.json').subscribe((t) => texts.push(t)), 7);
    });
    expect(calls).toEqual([
      { op: 'list', path: '/in', frame: 5 },
      { op: 'read', path: '/in/file-0.json', frame: 7 },
    ]);
    expect(texts).toEqual(['x']);
  });
});

describe('awaitTermination in virtual time', () => {
  const query = (fs: VirtualFileSystem, scheduler: TestScheduler, watch: boolean) =>
    startQuery(readJsonFiles('/in', { schema: 'action STRING', fileSystem: fs, scheduler, watch }).pipe(toMemoryTable('t', { catalog: new Catalog() })));

  /** awaitTermination(1500) on a streaming query stopped at `stopAt`, as settled once the run is over and one microtask later. */
  async function waitWithTimeout(stopAt: number): Promise<boolean | undefined> {
    const scheduler = createTestScheduler();
    let ended: boolean | undefined;
    scheduler.run(() => {
      const q = query(virtualDirectory('/in', [[{ action: 'Open' }]]), scheduler, true);
      void q.awaitTermination(1500).then((e) => (ended = e));
      scheduler.schedule(() => void q.stop(), stopAt);
    });
    await Promise.resolve();
    return ended;
  }

  it('times out on the query’s clock: the timeout is frame 1500, and no real time passes', async () => {
    expect(await waitWithTimeout(1499)).toBe(true); // stopped before the timeout
    expect(await waitWithTimeout(1501)).toBe(false); // the virtual timeout came first (a real 1.5 s timer would not have fired yet)
  });

  it('resolves true when a finite query ends before the timeout', async () => {
    const scheduler = createTestScheduler();
    let result: Promise<boolean> | undefined;
    scheduler.run(() => {
      result = query(virtualDirectory('/in', [[{ action: 'Open' }]]), scheduler, false).awaitTermination(60_000);
    });
    await expect(result).resolves.toBe(true);
  });
});
