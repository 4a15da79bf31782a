// The engine's own properties: one driver per run, state stores per stateful operator
// versioned by batch id, the write-ahead offset log and the commit log, the output mode known
// before the first batch, plain RxJS operators refused at composition, and every progress field.
import { delay, lastValueFrom, map, of, tap, toArray, type Observable } from 'rxjs';
import {
  AnalysisError,
  Batch,
  InvalidArgumentError,
  Catalog,
  foreachBatch,
  groupCount,
  isStreaming,
  mapBatch,
  withColumn,
  readJsonFiles,
  startQuery,
  throttleFiles,
  toMemoryTable,
  tumblingWindow,
  withWatermark,
  StateStoreProvider,
  pipeline,
  sourcePlan,
  type MicroBatch,
  type Source,
  type CheckpointState,
  type OutputMode,
} from '../../src/index.js';
import { createTestScheduler, virtualDirectory, VirtualFileSystem } from '../../src/testing/index.js';
import type { FileStat, StreamFileSystem } from '../../src/index.js';

const schema = 'time TIMESTAMP, action STRING';
const ev = (s: number, action: string) => ({ time: s, action });

/** Three files of two rows each. */
function threeFiles() {
  return virtualDirectory('/in', [
    [ev(10, 'Open'), ev(20, 'Close')],
    [ev(3700, 'Open'), ev(3800, 'Open')],
    [ev(7300, 'Close'), ev(7400, 'Open')],
  ]);
}

describe('state stores', () => {
  it('give each stateful operator its own store, with a stable id, versioned by batch id (version v+1 after batch v)', async () => {
    const fs = threeFiles();
    const versions: [number, string, number][] = [];
    const catalog = new Catalog();
    const query = startQuery(
      readJsonFiles('/in', { schema, fileSystem: fs }).pipe(throttleFiles(1), tumblingWindow('time', '1 hour'), groupCount('action', 'window'), toMemoryTable('t', { catalog, outputMode: 'complete' })),
    );
    query.progress.subscribe((p) => {
      for (const s of p.stateOperators) versions.push([p.batchId, s.operatorId, s.stateVersion]);
    });
    await query.processAllAvailable();
    await query.stop();
    expect(versions).toEqual([
      [0, '0', 1],
      [1, '0', 2],
      [2, '0', 3],
    ]);
    const provider = query.execution.stateStores[0] as StateStoreProvider<unknown>;
    expect(provider.operatorId).toBe('0');
    expect(provider.operatorName).toBe('groupCount');
    expect(provider.retainedVersions()).toEqual([1, 2, 3]);
    // The delta of version 3 (batch 2) holds exactly the groups that batch changed.
    expect(provider.deltaOf(3)?.puts.length).toBe(2);
    expect(provider.snapshot().size).toBe(5);
  });

  it('keep a batch’s changes apart until commit, and drop them on abort so a retry starts from the same version', () => {
    const provider = new StateStoreProvider<number>('0', 'test');
    const s0 = provider.load(0);
    s0.put('a', 1);
    s0.put('b', 2);
    expect(s0.numKeys).toBe(2);
    expect(provider.snapshot().size).toBe(0);
    expect(provider.commit(s0)).toBe(1);
    const s1 = provider.load(1);
    s1.put('a', 10);
    s1.remove('b');
    expect([...s1.entries()]).toEqual([['a', 10]]);
    provider.abort();
    const retry = provider.load(1);
    expect([...retry.entries()]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    retry.remove('a');
    expect(retry.numRemoved).toBe(1);
    provider.commit(retry);
    expect(provider.version).toBe(2);
    expect([...provider.snapshot()]).toEqual([['b', 2]]);
    expect(() => provider.load(0)).toThrow(/version 0 requested, latest committed is 2/);
  });

  it('hold a key whose value is null or undefined as present', () => {
    const provider = new StateStoreProvider<null | undefined>('0', 'test');
    const s = provider.load(0);
    s.put('a', null);
    s.put('b', undefined);
    expect([s.has('a'), s.has('b'), s.has('c'), s.numKeys]).toEqual([true, true, false, 2]);
    provider.commit(s);
    const next = provider.load(1);
    expect([next.has('b'), [...next.entries()].length]).toEqual([true, 2]);
    next.remove('b');
    expect([next.has('b'), next.numRemoved]).toEqual([false, 1]);
  });

  it('hold user keys in a Map: a group named __proto__ is an ordinary group', () => {
    const provider = new StateStoreProvider<number>('0', 'test');
    const s = provider.load(0);
    s.put('__proto__', 1);
    s.put('constructor', 2);
    provider.commit(s);
    expect([...provider.snapshot().keys()]).toEqual(['__proto__', 'constructor']);
  });
});

describe('the offset log and the commit log', () => {
  it('write each batch’s planned input before it runs, and its commit only after the sink took it', async () => {
    const fs = threeFiles();
    const seenDuringSink: { batchId: number; planned: boolean; committed: boolean }[] = [];
    let state: () => CheckpointState = () => {
      throw new Error('not started');
    };
    const query = startQuery(
      readJsonFiles('/in', { schema, fileSystem: fs }).pipe(
        throttleFiles(2),
        foreachBatch((_rows, batchId) => {
          const cp = state();
          seenDuringSink.push({ batchId, planned: cp.offsets.some((o) => o.batchId === batchId), committed: cp.commits.some((c) => c.batchId === batchId) });
        }),
      ),
    );
    state = () => query.checkpointState();
    await query.processAllAvailable();
    const cp = query.checkpointState();
    await query.stop();
    expect(seenDuringSink).toEqual([
      { batchId: 0, planned: true, committed: false },
      { batchId: 1, planned: true, committed: false },
    ]);
    expect(cp.offsets.map((o) => [o.batchId, o.startOffset, o.endOffset, o.isDataBatch])).toEqual([
      [0, null, { files: 2 }, true],
      [1, { files: 2 }, { files: 3 }, true],
    ]);
    expect(cp.commits.map((c) => c.batchId)).toEqual([0, 1]);
    expect(cp.id).toBe(query.id);
    expect(JSON.parse(JSON.stringify(cp))).toEqual(cp); // plain, serialisable data
  });
});

describe('one driver per run', () => {
  it('gives two runs of one pipeline their own batch ids, source log and state', async () => {
    const fs = threeFiles();
    const pipeline$ = readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(1), groupCount('action'));
    const first = await lastValueFrom(pipeline$.pipe(toArray()));
    const second = await lastValueFrom(pipeline$.pipe(toArray()));
    expect(second.map((b) => b.batchId)).toEqual([0, 1, 2]);
    expect(second.map((b) => b.rows)).toEqual(first.map((b) => b.rows));
    expect(second[2]?.rows).toEqual([
      { action: 'Open', count: 4 },
      { action: 'Close', count: 2 },
    ]);
  });

  it('lets a second started query process all available data while the first still runs', async () => {
    const fs = threeFiles();
    const catalog = new Catalog();
    const make = (name: string) => readJsonFiles('/in', { schema, fileSystem: fs }).pipe(groupCount('action'), toMemoryTable(name, { catalog, outputMode: 'complete' }));
    const a = startQuery(make('a'));
    await a.processAllAvailable();
    const b = startQuery(make('b'));
    await b.processAllAvailable();
    expect(b.lastProgress?.batchId).toBe(0);
    expect(catalog.table('b')?.rows).toEqual(catalog.table('a')?.rows);
    await a.stop();
    await b.stop();
  });

  it('reports numInputRows as the rows the source read in the batch, whatever the steps did with them', async () => {
    const fs = threeFiles();
    const catalog = new Catalog();
    const query = startQuery(readJsonFiles('/in', { schema, fileSystem: fs }).pipe(groupCount('action'), toMemoryTable('t', { catalog, outputMode: 'complete' })));
    await query.processAllAvailable();
    await query.stop();
    expect(query.lastProgress?.numInputRows).toBe(6); // one batch of three files, two rows each; two groups out
    expect(query.lastProgress?.sink.numOutputRows).toBe(2);
  });
});

describe('withWatermark checks its arguments when composed, with Spark’s words', () => {
  const events$ = () => readJsonFiles('/in', { schema, fileSystem: threeFiles() });
  it('refuses an unparsable or negative delay where the operator is created', () => {
    expect(() => withWatermark('time', 'ten minutes')).toThrow(InvalidArgumentError);
    expect(() => withWatermark('time', 'ten minutes')).toThrow(/Unable to parse time delay 'ten minutes'/);
    expect(() => withWatermark('time', '-1 minute')).toThrow(/delay threshold \(-1 minute\) should not be negative/);
    expect(() => withWatermark('', '1 minute')).toThrow(InvalidArgumentError);
  });

  it('refuses an unknown column and a column that is not a timestamp', () => {
    expect(() => events$().pipe(withWatermark('tme', '1 minute'))).toThrow(AnalysisError);
    expect(() => events$().pipe(withWatermark('tme', '1 minute'))).toThrow(/`tme` cannot be resolved; the columns are time, action/);
    expect(() => events$().pipe(withWatermark('action', '1 minute'))).toThrow(/Event time must be defined on a window or a timestamp, but action is of type string/);
  });

  it('accepts a window column (Spark allows a watermark on a window)', () => {
    expect(() => events$().pipe(tumblingWindow('time', '1 hour'), withWatermark('window', '1 minute'))).not.toThrow();
  });
});

describe('groupCount groups by value', () => {
  it('keeps null, the string "null" and a string with the key separator apart, in first-seen order', async () => {
    const rows = [{ action: 'Open' }, { action: null }, { action: 'null' }, { action: 'Open' }, { action: 'a\u0001b' }, { action: null }];
    const out = await lastValueFrom(of({ rows }).pipe(groupCount('action')));
    expect(out.rows).toEqual([
      { action: 'Open', count: 2 },
      { action: null, count: 2 },
      { action: 'null', count: 1 },
      { action: 'a\u0001b', count: 1 },
    ]);
  });

  it('names a group column __proto__ as an own field, never the prototype', async () => {
    const row0 = JSON.parse('{"__proto__": "x"}') as { readonly __proto__: unknown };
    const out = await lastValueFrom(of({ rows: [row0] }).pipe(groupCount('__proto__')));
    const row = out.rows[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(row, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('x');
  });
});

describe('groupCount with no columns', () => {
  it('is the global count, one row per batch in complete mode', async () => {
    const out = await lastValueFrom(readJsonFiles('/in', { schema, fileSystem: threeFiles(), watch: false }).pipe(throttleFiles(2), groupCount(), toArray()));
    expect(out.map((b) => b.rows)).toEqual([[{ count: 4 }], [{ count: 6 }]]);
  });
});

describe('the output mode', () => {
  it('is known to every step before the first batch, whichever operator declares it', async () => {
    for (const mode of ['update', 'complete'] as OutputMode[]) {
      const fs = threeFiles();
      const seen: OutputMode[] = [];
      const out = await lastValueFrom(
        readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(
          mapBatch((rows: readonly { action: string | null }[], info) => {
            seen.push(info.outputMode);
            return rows;
          }),
          groupCount('action'),
          foreachBatch(() => undefined, { outputMode: mode }),
          toArray(),
        ),
      );
      expect(seen[0]).toBe(mode);
      expect(out.length).toBe(1);
    }
  });

  it('is checked before the first trigger: append over an aggregation needs a watermark on a grouping key', () => {
    const catalog = new Catalog();
    const counts$ = readJsonFiles('/in', { schema, fileSystem: threeFiles() }).pipe(withWatermark('time', '10 minutes'), groupCount('action'));
    expect(() => counts$.pipe(toMemoryTable('t', { catalog, outputMode: 'append' }))).toThrow(AnalysisError);
    const windowed$ = readJsonFiles('/in', { schema, fileSystem: threeFiles() }).pipe(withWatermark('time', '10 minutes'), tumblingWindow('time', '1 hour'), groupCount('action', 'window'));
    expect(() => windowed$.pipe(toMemoryTable('t', { catalog, outputMode: 'append' }))).not.toThrow();
  });
});

describe('a plain RxJS operator inside a query', () => {
  it('is refused at composition by the structured-rx operator after it, naming mapBatch', () => {
    const events$ = readJsonFiles('/in', { schema, fileSystem: threeFiles() });
    const foreign$ = events$.pipe(map((b) => b));
    expect(() => foreign$.pipe(groupCount('action'))).toThrow(AnalysisError);
    expect(() => foreign$.pipe(groupCount('action'))).toThrow(/mapBatch/);
    expect(() => events$.pipe(tap(() => undefined), map((b) => b), tumblingWindow('time', '1 hour'))).toThrow(/mapBatch/);
    expect(() => isStreaming(foreign$)).toThrow(AnalysisError);
  });

  it('is refused by startQuery when applied after the sink', () => {
    const catalog = new Catalog();
    const sink$ = readJsonFiles('/in', { schema, fileSystem: threeFiles() }).pipe(groupCount('action'), toMemoryTable('t', { catalog, outputMode: 'complete' }));
    expect(() => startQuery(sink$.pipe(tap(() => undefined)))).toThrow(/after the sink/);
  });

  it('keeps the query whole when written with mapBatch', async () => {
    const pipeline$ = readJsonFiles('/in', { schema, fileSystem: threeFiles(), watch: false }).pipe(
      mapBatch((rows: readonly { action: string | null }[]) => rows.filter((r) => r.action === 'Open')),
      groupCount('action'),
    );
    expect(isStreaming(pipeline$)).toBe(false);
    const out = await lastValueFrom(pipeline$);
    expect(out.rows).toEqual([{ action: 'Open', count: 4 }]);
  });

  it('may come after the pipeline is subscribed to as an ordinary Observable, once the query is whole', async () => {
    const counts = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: threeFiles(), watch: false }).pipe(
        groupCount('action'),
        map((b) => b.rows.length),
      ),
    );
    expect(counts).toBe(2);
  });

  it('a hand-made Observable of batches is a source of its own (one item per emission)', async () => {
    const out = await lastValueFrom(of({ rows: [{ action: 'Open' }] }, { rows: [{ action: 'Open' }, { action: 'Close' }] }).pipe(throttleFiles(1), groupCount('action'), toArray()));
    expect(out.map((b) => [b.batchId, b.numInputRows, b.rows])).toEqual([
      [0, 1, [{ action: 'Open', count: 1 }]],
      [1, 2, [{ action: 'Open', count: 2 }, { action: 'Close', count: 1 }]],
    ]);
  });
});

describe('progress', () => {
  it('has every field of Spark’s StreamingQueryProgress that the engine fills', () => {
    const scheduler = createTestScheduler();
    const all: unknown[] = [];
    scheduler.run(({ flush }) => {
      const fs = virtualDirectory('/in', [[ev(10, 'Open'), ev(20, 'Close')], [ev(4000, 'Open')]], { readDelayMs: 50, scheduler });
      const catalog = new Catalog();
      const query = startQuery(
        readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(
          throttleFiles(1),
          withWatermark('time', '5 minutes'),
          tumblingWindow('time', '1 hour'),
          groupCount('action', 'window'),
          toMemoryTable('t', { catalog, outputMode: 'update' }),
        ),
        { id: 'q-1', name: 'counts' },
      );
      query.progress.subscribe((p) => all.push(p));
      scheduler.schedule(() => void query.stop(), 500);
      flush();
    });
    expect(all).toHaveLength(3);
    const [p0, p1, p2] = all as Record<string, unknown>[];
    expect(p0).toEqual({
      id: 'q-1',
      runId: expect.any(String),
      name: 'counts',
      batchId: 0,
      timestamp: '1970-01-01T00:00:00.000Z',
      numInputRows: 2,
      inputRowsPerSecond: 0,
      processedRowsPerSecond: 40, // 2 rows in 50 ms
      durationMs: { latestOffset: 0, getBatch: 50, addBatch: 0, commit: 0, triggerExecution: 50 },
      eventTime: { min: '1970-01-01T00:00:10.000Z', max: '1970-01-01T00:00:20.000Z', avg: '1970-01-01T00:00:15.000Z', watermark: '1970-01-01T00:00:00.000Z' },
      stateOperators: [
        { operatorName: 'groupCount', operatorId: '0', numRowsTotal: 2, numRowsUpdated: 2, numRowsRemoved: 0, numRowsDroppedByWatermark: 0, numLateInputRows: 0, memoryUsedBytes: expect.any(Number), stateVersion: 1 },
      ],
      sources: [
        {
          description: 'FileStreamSource[/in]',
          startOffset: null,
          endOffset: { files: 1 },
          pending: 1,
          numInputRows: 2,
          inputRowsPerSecond: 0,
          processedRowsPerSecond: 40,
          inputs: ['file-0.json'],
          // Beyond Spark: every line of each file accounted for.
          files: [{ path: '/in/file-0.json', status: 'read', bytesRead: Buffer.byteLength(`${JSON.stringify(ev(10, 'Open'))}\n${JSON.stringify(ev(20, 'Close'))}\n`), linesRead: 2, rowsKept: 2, rowsDropped: 0, linesRejected: 0, malformedLines: 0 }],
        },
      ],
      sink: { description: 'MemorySink[t]', numOutputRows: 2 },
      numMalformedRows: 0,
      droppedRows: {},
    });
    expect(p1).toMatchObject({ batchId: 1, timestamp: '1970-01-01T00:00:00.050Z', numInputRows: 1, inputRowsPerSecond: 20, eventTime: { watermark: '1970-01-01T00:00:00.000Z' } });
    // The watermark moved to 4000 s - 5 min = 3700 s: the no-data batch evicts the first hour's two groups.
    expect(p2).toMatchObject({
      batchId: 2,
      numInputRows: 0,
      eventTime: { watermark: '1970-01-01T01:01:40.000Z' },
      stateOperators: [{ numRowsTotal: 1, numRowsRemoved: 2 }],
      sources: [{ startOffset: { files: 2 }, endOffset: { files: 2 }, inputs: [] }],
      sink: { numOutputRows: 0 },
    });
  });
});

describe('processAllAvailable', () => {
  it('sees data written while a trigger was already looking (it looks again at once, not at the next poll)', async () => {
    const vfs = new VirtualFileSystem().mkdir('/in');
    // Listings take 30 ms of real time; the directory is listed when the listing starts.
    const slow: StreamFileSystem = {
      list: (dir: string): Observable<readonly FileStat[]> => vfs.list(dir).pipe(delay(30)),
      readText: (path: string) => vfs.readText(path),
    };
    const catalog = new Catalog();
    const query = startQuery(
      readJsonFiles('/in', { schema, fileSystem: slow, pollInterval: '1 hour' }).pipe(groupCount('action'), toMemoryTable('t', { catalog, outputMode: 'complete' })),
    );
    await query.processAllAvailable(); // the empty directory: now idle until the hourly poll
    const first = query.processAllAvailable(); // starts a trigger whose listing is under way ...
    vfs.write('/in/a.json', [ev(1, 'Open')]); // ... when the file appears
    const second = query.processAllAvailable();
    await first;
    await second;
    expect(catalog.table('t')?.rows).toEqual([{ action: 'Open', count: 1 }]);
    await query.stop();
  });
});

describe('a push source', () => {
  it('batches the items it pushes together (one trigger per burst, at most n items per batch)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot<{ rows: { action: string }[] }>('--(abc)-- 5ms d', { a: { rows: [{ action: 'a' }] }, b: { rows: [{ action: 'b' }] }, c: { rows: [{ action: 'c' }] }, d: { rows: [{ action: 'd' }] } });
      const sizes$ = source.pipe(throttleFiles(2, { scheduler }), map((b) => `${b.batchId}:${b.rows.map((r) => r.action).join('')}`));
      expectObservable(sizes$, '^ 20ms !').toBe('--(xy) 8ms z', { x: '0:ab', y: '1:c', z: '2:d' });
    });
  });
});

describe('a source that breaks its contract', () => {
  it('fails the query with its error instead of hanging it', async () => {
    const broken: Source<{ n: number }> = {
      description: 'BrokenSource',
      latestOffset: () => {
        throw new TypeError('latestOffset exploded');
      },
      getBatch: () => of({ rows: Batch.empty<{ n: number }>(), malformedRows: () => 0, inputs: [] as string[] }),
      commit: () => undefined,
      pending: () => 0,
      known: () => 0,
      discovered: true,
      isExhausted: () => false,
      pollIntervalMs: 1000,
      checkpoint: () => null,
      stop: () => undefined,
    };
    const p$ = pipeline<MicroBatch<{ n: number }>>(sourcePlan({ description: 'BrokenSource', isStreaming: true, create: () => broken as Source<unknown> }));
    await expect(lastValueFrom(p$)).rejects.toThrow('latestOffset exploded');
  });
});

describe('withColumn', () => {
  it('computes a column per row, keeps the plan whole, and types it when told', async () => {
    const out = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: threeFiles(), watch: false }).pipe(
        withColumn('hour', (r: { time: number | null }) => Math.floor((r.time ?? 0) / 3_600_000), 'long'),
        groupCount('hour'),
      ),
    );
    expect(out.rows).toEqual([
      { hour: 0, count: 2 },
      { hour: 1, count: 2 },
      { hour: 2, count: 2 },
    ]);
    const typed = withColumn('x', () => 1, 'long')(readJsonFiles('/in', { schema, fileSystem: threeFiles() }));
    expect(typed.plan.columns.types?.get('x')).toBe('long');
    const untyped = withColumn('x', () => 1)(readJsonFiles('/in', { schema, fileSystem: threeFiles() }));
    expect(untyped.plan.columns.types).toBeUndefined();
    expect(() => withColumn('', () => 1)).toThrow(InvalidArgumentError);
  });
});
