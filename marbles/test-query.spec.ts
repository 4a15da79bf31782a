// The kit's whole-query marble tests on their own: testQuery (batches, output, table,
// watermark, late rows, progress), playFiles, the event-time notation, and the comparison
// (multisets, side-by-side failures).
import { promises as fsp } from 'node:fs';
import { catchError, ignoreElements, map, of, type Observable } from 'rxjs';
import {
  Catalog,
  AnalysisError,
  InvalidArgumentError,
  StreamingQueryException,
  FileReadError,
  foreachBatch,
  groupCount,
  readJsonFiles,
  throttleFiles,
  toMemoryTable,
  tumblingWindow,
  withWatermark,
} from '../src/index.js';
import {
  append,
  createTestScheduler,
  formatTime,
  MarbleAssertionError,
  notation,
  parseTime,
  playFiles,
  put,
  remove,
  testQuery,
  virtualDirectory,
  windowOf,
  type VirtualFileSystem,
} from '../src/testing/index.js';

const schema = 'time TIMESTAMP, action STRING, user STRING';
const ev = notation(schema, 'user action@time');
type Scheduler = ReturnType<typeof createTestScheduler>;
const jestEqual = (a: unknown, e: unknown) => expect(a).toEqual(e);

/** Opens and closes per hour, final once the watermark (10 minutes behind) passes the hour. */
function hourly(fs: VirtualFileSystem, scheduler: Scheduler) {
  return readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1), withWatermark('time', '10 minutes'), tumblingWindow('time', '1 hour'), groupCount('action', 'window'));
}

/** Three files, one a second: the second closes the 02:00 hour, the third is late for it. */
function threeFiles(fs: VirtualFileSystem, scheduler: Scheduler): void {
  playFiles(fs, scheduler, 'a 999ms b 999ms c', {
    a: put('/in/0.json', ev.lines('ann Open@02:10', 'bob Open@02:20', 'ann Close@02:55')), // watermark 02:45
    b: put('/in/1.json', ev.lines('cid Open@03:15')), // watermark 03:05: [02:00,03:00) is final
    c: put('/in/2.json', ev.lines('dan Open@02:40')), // behind 03:05: late
  });
}

/** The hourly query over the three files, run from 0 to `stop`, rows in the notation. */
function hourlyOverThreeFiles(scheduler: Scheduler, stop: string) {
  const fs = virtualDirectory('/in');
  threeFiles(fs, scheduler);
  return testQuery(scheduler, hourly(fs, scheduler), { run: `^ ${stop} !`, input: ev, output: 'window action count', outputMode: 'append' });
}

describe('testQuery: a whole event-time query, frame by frame', () => {
  it('shows the batches, the sink’s output, the table, the watermark, late rows and progress at the frames they happen', () => {
    const scheduler = createTestScheduler(jestEqual);
    scheduler.run(({ expectObservable }) => {
      const q = hourlyOverThreeFiles(scheduler, '2500ms');
      // Each data batch is followed by a no-data batch when it moved the watermark: (ab) at 0, (cd) at 1000.
      expectObservable(q.batches).toBe('(ab) 996ms (cd) 996ms e', {
        a: { batchId: 0, files: ['0.json'], rows: ['bob Open@02:20', 'ann Open@02:10', 'ann Close@02:55'] }, // any order
        b: { batchId: 1, files: [], rows: [] },
        c: { batchId: 2, files: ['1.json'], rows: ['cid Open@03:15'] },
        d: { batchId: 3, files: [], rows: [] },
        e: { batchId: 4, files: ['2.json'], rows: ['dan Open@02:40'] },
      });
      const hour2 = ['[02:00,03:00) Open 2', '[02:00,03:00) Close 1'];
      expectObservable(q.output).toBe('(ab) 996ms (cd) 996ms e', { a: [], b: [], c: [], d: hour2, e: [] });
      expectObservable(q.table).toBe('(ab) 996ms (cd) 996ms e', { a: [], b: [], c: [], d: hour2, e: hour2 });
      expectObservable(q.watermark).toBe('a 999ms b', { a: '02:45', b: '03:05' });
      expectObservable(q.lateRows).toBe('2000ms a', { a: ['dan Open@02:40'] });
      expectObservable(q.progress.pipe(map((p) => [p.numInputRows, p.stateOperators[0]?.numRowsTotal, p.stateOperators[0]?.numLateInputRows]))).toBe('(ab) 996ms (cd) 996ms e', {
        a: [3, 2, 0],
        b: [0, 2, 0],
        c: [1, 3, 0],
        d: [0, 1, 0], // the closed hour left the state
        e: [1, 1, 1],
      });
    });
  });

  it('writes expected rows from objects checked against the result’s columns, the same as the notation', () => {
    const scheduler = createTestScheduler(jestEqual);
    scheduler.run(({ expectObservable }) => {
      const q = hourlyOverThreeFiles(scheduler, '1500ms');
      const w = ev.window('02:00', '03:00');
      const hour2 = q.rows({ window: w, action: 'Open', count: 2 }, { window: w, action: 'Close', count: 1 });
      expect(hour2).toEqual(['[02:00,03:00) Open 2', '[02:00,03:00) Close 1']);
      expectObservable(q.output).toBe('(ab) 996ms (cd)', { a: [], b: [], c: [], d: hour2 });
    });
  });

  it('shows row objects when no notation is given', () => {
    const scheduler = createTestScheduler(jestEqual);
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [ev.lines('ann Open@02:10')]);
      const q = testQuery(scheduler, hourly(fs, scheduler), { run: '^ 100ms !', outputMode: 'update' });
      expectObservable(q.batches.pipe(map((b) => b.rows))).toBe('(ab)', { a: [{ time: ev.at('02:10'), action: 'Open', user: 'ann' }], b: [] });
      expectObservable(q.output).toBe('(ab)', { a: [{ action: 'Open', window: ev.window('02:00', '03:00'), count: 1 }], b: [] });
      expectObservable(q.watermark).toBe('a', { a: ev.at('02:00') });
    });
  });

  it('completes every Observable when a finite query ends by itself, at the frame it ends', () => {
    const scheduler = createTestScheduler(jestEqual);
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [ev.lines('ann Open@02:10'), ev.lines('bob Open@03:30')]);
      const finite = readJsonFiles('/in', { schema, fileSystem: fs, scheduler, watch: false }).pipe(throttleFiles(1), withWatermark('time', '10 minutes'), tumblingWindow('time', '1 hour'), groupCount('window'));
      const q = testQuery(scheduler, finite, { input: ev, output: 'window count' });
      // The end of the input moves the watermark to the end of time: the last batch emits every open window.
      expectObservable(q.output).toBe('(abcd|)', { a: [], b: [], c: ['[02:00,03:00) 1'], d: ['[03:00,04:00) 1'] });
      expectObservable(q.watermark).toBe('(abc|)', { a: '02:00', b: '03:20', c: 'end' });
    });
  });

  it('fails every Observable with the query’s error', () => {
    const scheduler = createTestScheduler();
    const cause = new Error('EIO: i/o error, read');
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [ev.lines('ann Open@02:10')]);
      playFiles(fs, scheduler, '1500ms a', { a: put('/in/bad.json', ev.lines('bob Open@02:20')) });
      scheduler.schedule(() => fs.failRead('/in/bad.json', cause), 1600);
      const q = testQuery(scheduler, hourly(fs, scheduler), { run: '^ 5s !', input: ev, outputMode: 'update' });
      const failure = (e: unknown) => e instanceof StreamingQueryException && e.cause instanceof FileReadError && e.cause.path === '/in/bad.json';
      expectObservable(q.batches.pipe(map((b) => b.batchId), catchError(() => of('#')))).toBe('(ab) 1996ms (c|)', { a: 0, b: 1, c: '#' });
      for (const o of [q.batches, q.output, q.table, q.watermark, q.lateRows, q.progress]) {
        expectObservable((o as Observable<unknown>).pipe(ignoreElements(), catchError((e: unknown) => of(failure(e))))).toBe('2000ms (a|)', { a: true });
      }
    });
  });

  it('runs a pipeline that has its own sink: the output is what the sink got, the table its catalog’s', () => {
    const scheduler = createTestScheduler(jestEqual);
    const catalog = new Catalog();
    const got: string[][] = [];
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [ev.lines('ann Open@02:10', 'bob Close@02:20')]);
      const memory = testQuery(scheduler, hourly(fs, scheduler).pipe(toMemoryTable('counts', { catalog, outputMode: 'complete' })), { run: '^ 100ms !', output: 'window action count', catalog });
      const counts = ['[02:00,03:00) Open 1', '[02:00,03:00) Close 1'];
      expectObservable(memory.table).toBe('a', { a: counts });
      expectObservable(memory.output).toBe('a', { a: counts });
      const each = testQuery(scheduler, hourly(fs, scheduler).pipe(foreachBatch((rows) => void got.push(rows.map((r) => r.action ?? 'null')), { outputMode: 'update' })), { run: '^ 100ms !', input: ev });
      expectObservable(each.output.pipe(map((rows) => rows.length))).toBe('(ab)', { a: 2, b: 0 });
      expect(() => each.table).toThrow(InvalidArgumentError);
    });
    expect(got).toEqual([['Open', 'Close'], []]);
  });

  it('reads a file that grew before it was listed whole, never one removed before, and not again when it grows after', () => {
    const scheduler = createTestScheduler(jestEqual);
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in');
      playFiles(fs, scheduler, '500ms (ab) 199ms c 99ms d 999ms e', {
        a: put('/in/grows.json', ev.lines('ann Open@02:10')),
        b: put('/in/gone.json', ev.lines('bob Open@02:11')),
        c: append('/in/grows.json', ev.lines('cid Open@02:12')), // before the poll at 1000: read with it
        d: remove('/in/gone.json'), // before the poll: never read
        e: append('/in/grows.json', ev.lines('dan Open@02:13')), // after it was read: a path is read once
      });
      const q = testQuery(scheduler, hourly(fs, scheduler), { run: '^ 3s !', input: ev, outputMode: 'update' });
      expectObservable(q.batches).toBe('1000ms (ab)', { a: { batchId: 0, files: ['grows.json'], rows: ['ann Open@02:10', 'cid Open@02:12'] }, b: { batchId: 1, files: [], rows: [] } });
    });
  });

  it('runs a processing-time trigger on the virtual clock: a trigger each second, files arriving between them waiting for the next', () => {
    const scheduler = createTestScheduler(jestEqual);
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [ev.lines('ann Open@02:10')]);
      playFiles(fs, scheduler, '1200ms a 1299ms b', { a: put('/in/1.json', ev.lines('bob Open@02:20')), b: put('/in/2.json', ev.lines('cid Open@02:30')) });
      const steps = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(5, { trigger: '1 second' }), tumblingWindow('time', '1 hour'), groupCount('action'));
      const q = testQuery(scheduler, steps, { run: '^ 3500ms !', input: ev });
      expectObservable(q.batches.pipe(map((b) => b.files))).toBe('a 1999ms b 999ms c', { a: ['file-0.json'], b: ['1.json'], c: ['2.json'] });
      expectObservable(q.table).toBe('a 1999ms b 999ms c', { a: [{ action: 'Open', count: 1 }], b: [{ action: 'Open', count: 2 }], c: [{ action: 'Open', count: 3 }] });
    });
  });

  it('runs a hand-made source too: one batch per frame’s burst of items', () => {
    const scheduler = createTestScheduler(jestEqual);
    scheduler.run(({ cold, expectObservable }) => {
      const rows = (...texts: string[]) => ({ rows: texts.map((t) => ev.parse(t) as { time: number | null; action: string | null; user: string | null }) });
      const source = cold('a 9ms b 9ms |', { a: rows('ann Open@02:10', 'bob Open@02:20'), b: rows('cid Close@02:30') });
      const q = testQuery(scheduler, source.pipe(tumblingWindow('time', '1 hour'), groupCount('action', 'window')), { run: '^ 100ms !', input: ev, output: 'window action count' });
      // The source completes at 20: the query ends by itself, and so do the Observables.
      expectObservable(q.batches.pipe(map((b) => b.rows))).toBe('a 9ms b 9ms |', { a: ['ann Open@02:10', 'bob Open@02:20'], b: ['cid Close@02:30'] });
      expectObservable(q.table).toBe('a 9ms b 9ms |', { a: ['[02:00,03:00) Open 2'], b: ['[02:00,03:00) Open 2', '[02:00,03:00) Close 1'] });
    });
  });

  it('gives the query handle at once, and awaitTermination’s timeout follows the virtual clock', async () => {
    const scheduler = createTestScheduler(jestEqual);
    let ended: Promise<boolean> | undefined;
    scheduler.run(({ expectObservable }) => {
      const q = testQuery(scheduler, hourly(virtualDirectory('/in'), scheduler), { run: '^ 3s !', outputMode: 'update' });
      ended = q.query.awaitTermination(2000);
      expectObservable(q.progress.pipe(map((p) => p.batchId))).toBe(''); // nothing to read: no batch
    });
    await expect(ended).resolves.toBe(false);
  });

  it('starts the query at the run marble’s ^', () => {
    const scheduler = createTestScheduler(jestEqual);
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [ev.lines('ann Open@02:10')]);
      const q = testQuery(scheduler, hourly(fs, scheduler), { run: '500ms ^ 1s !', outputMode: 'update' });
      expect(() => q.query).toThrow(InvalidArgumentError);
      expectObservable(q.progress.pipe(map((p) => p.batchId))).toBe('500ms (ab)', { a: 0, b: 1 });
    });
  });

  it('does no real I/O, sets no real timer and waits on no Promise while the query runs', () => {
    const scheduler = createTestScheduler(jestEqual);
    const real = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval, setImmediate: globalThis.setImmediate, readdir: fsp.readdir, readFile: fsp.readFile, then: Promise.prototype.then };
    const used: string[] = [];
    const refuse = (name: string) => () => {
      used.push(name);
      throw new Error(`${name} called`);
    };
    Object.assign(globalThis, { setTimeout: refuse('setTimeout'), setInterval: refuse('setInterval'), setImmediate: refuse('setImmediate') });
    Object.assign(fsp, { readdir: refuse('readdir'), readFile: refuse('readFile') });
    Object.assign(Promise.prototype, { then: refuse('Promise.then') });
    try {
      scheduler.run(({ expectObservable }) => {
        const q = hourlyOverThreeFiles(scheduler, '10s');
        expectObservable(q.watermark).toBe('a 999ms b', { a: '02:45', b: '03:05' });
      });
    } finally {
      Object.assign(globalThis, { setTimeout: real.setTimeout, setInterval: real.setInterval, setImmediate: real.setImmediate });
      Object.assign(fsp, { readdir: real.readdir, readFile: real.readFile });
      Object.assign(Promise.prototype, { then: real.then });
    }
    expect(used).toEqual([]);
  });

  it('refuses what cannot run: no stop for a streaming query, a column the result lacks, an output mode beside a sink, an output mode the query cannot have', () => {
    const scheduler = createTestScheduler();
    const fs = virtualDirectory('/in');
    expect(() => testQuery(scheduler, hourly(fs, scheduler), { outputMode: 'update' })).toThrow(new InvalidArgumentError('testQuery', 'run', '^', "a marble that stops the streaming query ('^ 3s !'): it never ends by itself"));
    expect(() => testQuery(scheduler, hourly(fs, scheduler), { run: 'a', outputMode: 'update' })).toThrow(InvalidArgumentError);
    expect(() => testQuery(scheduler, hourly(fs, scheduler), { run: '^ 1s !', output: 'window action cnt' as 'window action count' })).toThrow(/unknown: cnt/);
    const sunk = hourly(fs, scheduler).pipe(toMemoryTable('t', { catalog: new Catalog(), outputMode: 'update' }));
    expect(() => testQuery(scheduler, sunk, { run: '^ 1s !', outputMode: 'update' })).toThrow(InvalidArgumentError);
    const unwatermarked = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(tumblingWindow('time', '1 hour'), groupCount('window'));
    expect(() => testQuery(scheduler, unwatermarked, { run: '^ 1s !', outputMode: 'append' })).toThrow(AnalysisError);
  });
});

describe('each assertion fails on a wrong frame, a wrong row and a wrong watermark, with expected and actual side by side', () => {
  /** Runs the three-file query and one expectation on it; returns the error the run threw. */
  function failure(expectation: (q: ReturnType<typeof testQuery<unknown>>, expectObservable: Parameters<Parameters<Scheduler['run']>[0]>[0]['expectObservable']) => void): MarbleAssertionError {
    const scheduler = createTestScheduler(jestEqual);
    let thrown: unknown;
    try {
      scheduler.run(({ expectObservable }) => {
        const q = hourlyOverThreeFiles(scheduler, '2500ms');
        expectation(q as ReturnType<typeof testQuery<unknown>>, expectObservable);
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MarbleAssertionError);
    return thrown as MarbleAssertionError;
  }
  const empty = { a: [], b: [], c: [], e: [] };
  const hour2 = ['[02:00,03:00) Open 2', '[02:00,03:00) Close 1'];

  it('output: the right rows a frame late', () => {
    const e = failure((q, expectObservable) => expectObservable(q.output).toBe('(ab) 997ms (cd) 995ms e', { ...empty, d: hour2 }));
    expect(e.frame).toBe(1000);
    expect(e.message).toMatch(/first at frame 1000/);
    expect(e.message).toMatch(/1001 ✗/);
  });

  it('output: a wrong row, shown beside the actual one', () => {
    const e = failure((q, expectObservable) => expectObservable(q.output).toBe('(ab) 996ms (cd) 996ms e', { ...empty, d: ['[02:00,03:00) Open 2', '[02:00,03:00) Close 2'] }));
    expect(e.frame).toBe(1000);
    const line = e.message.split('\n').find((l) => l.includes('Close 2'));
    expect(line).toContain('│');
    expect(line?.split('│')[1]).toContain('Close 1');
  });

  it('output and table are multisets: a row twice is not the same as once', () => {
    const e = failure((q, expectObservable) => expectObservable(q.table).toBe('(ab) 996ms (cd) 996ms e', { ...empty, d: hour2, e: [...hour2, hour2[0]] }));
    expect(e.frame).toBe(2000);
  });

  it('batches: a file in the wrong batch', () => {
    const e = failure((q, expectObservable) => expectObservable(q.batches.pipe(map((b) => b.files))).toBe('(ab) 996ms (cd) 996ms e', { a: ['0.json'], b: [], c: [], d: ['1.json'], e: ['2.json'] }));
    expect(e.frame).toBe(1000);
  });

  it('watermark: a wrong value', () => {
    const e = failure((q, expectObservable) => expectObservable(q.watermark).toBe('a 999ms b', { a: '02:45', b: '03:15' }));
    expect(e.frame).toBe(1000);
    expect(e.message).toMatch(/'03:15' +│ '03:05'/);
  });

  it('watermark: the right value at the wrong frame', () => {
    const e = failure((q, expectObservable) => expectObservable(q.watermark).toBe('a 1999ms b', { a: '02:45', b: '03:05' }));
    expect(e.frame).toBe(1000);
  });

  it('late rows: a row that was not late', () => {
    const e = failure((q, expectObservable) => expectObservable(q.lateRows).toBe('2000ms a', { a: ['dan Open@02:40', 'cid Open@03:15'] }));
    expect(e.frame).toBe(2000);
  });

  it('progress: a wrong field', () => {
    const e = failure((q, expectObservable) => expectObservable(q.progress.pipe(map((p) => p.numInputRows))).toBe('(ab) 996ms (cd) 996ms e', { a: 3, b: 0, c: 1, d: 0, e: 2 }));
    expect(e.frame).toBe(2000);
  });
});

describe('the comparison', () => {
  it('matches expected rows in any order with node’s assert too, and keeps the order of other arrays', () => {
    const scheduler = createTestScheduler(); // node's assert.deepStrictEqual
    scheduler.run(({ expectObservable }) => {
      const q = hourlyOverThreeFiles(scheduler, '1500ms');
      expectObservable(q.table).toBe('(ab) 996ms (cd)', { a: [], b: [], c: [], d: ['[02:00,03:00) Close 1', '[02:00,03:00) Open 2'] });
    });
    expect(() =>
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('a', { a: ['x', 'y'] })).toBe('a', { a: ['y', 'x'] }); // a plain array is a sequence
      }),
    ).toThrow(MarbleAssertionError);
  });
});

describe('playFiles', () => {
  it('puts, grows and removes files at the marble’s frames, with those frames as modification times', () => {
    const scheduler = createTestScheduler(jestEqual);
    const seen: Record<number, string[]> = {};
    scheduler.run(() => {
      const fs = virtualDirectory('/in');
      playFiles(fs, scheduler, 'a 9ms b 9ms (cd)', {
        a: put('/in/x.json', ['{"n":1}']),
        b: [append('/in/x.json', ['{"n":2}']), put('/in/y.json', '', 3)],
        c: remove('/in/x.json'),
        d: put('/in/z.json', 'raw text'),
      });
      for (const t of [0, 10, 20]) {
        scheduler.schedule(() => {
          fs.list('/in').subscribe((stats) => (seen[t] = stats.map((s) => `${s.name}:${s.size}@${s.mtimeMs}`).sort()));
        }, t);
      }
    });
    expect(seen).toEqual({ 0: ['x.json:8@0'], 10: ['x.json:16@10', 'y.json:0@3'], 20: ['y.json:0@3', 'z.json:8@20'] });
  });

  it('refuses a marble with an error, a subscription mark or a letter without an event', () => {
    const scheduler = createTestScheduler();
    const fs = virtualDirectory('/in');
    expect(() => playFiles(fs, scheduler, 'a#', { a: remove('/in/x') })).toThrow(InvalidArgumentError);
    expect(() => playFiles(fs, scheduler, 'ab', { a: remove('/in/x') })).toThrow(InvalidArgumentError);
  });
});

describe('the event-time notation', () => {
  it('writes times of the day without a date, another day with its date, seconds and milliseconds only when not 0', () => {
    expect(formatTime(parseTime('02:10'))).toBe('02:10');
    expect(parseTime('02:10:05.250')).toBe(((2 * 60 + 10) * 60 + 5) * 1000 + 250);
    expect(formatTime(parseTime('02:10:05'))).toBe('02:10:05');
    expect(formatTime(Date.UTC(1970, 0, 2, 0, 30))).toBe('1970-01-02T00:30');
    expect(formatTime(Date.UTC(2016, 6, 26, 3), { day: '2016-07-26' })).toBe('03:00');
    expect(parseTime('2016-07-27T01:00', { day: '2016-07-26' })).toBe(Date.UTC(2016, 6, 27, 1));
    expect(formatTime(-1000)).toBe('1969-12-31T23:59:59');
    expect(windowOf('02:00', '03:00')).toEqual({ start: 2 * 3_600_000, end: 3 * 3_600_000 });
    expect(() => parseTime('2:10')).toThrow(InvalidArgumentError);
    expect(() => parseTime('24:00')).toThrow(InvalidArgumentError);
    expect(() => parseTime('2016-02-30T01:00')).toThrow(InvalidArgumentError);
    expect(() => formatTime(0, { day: '2016-7-1' })).toThrow(InvalidArgumentError);
  });

  it('reads and writes a row by its pattern and column types, back to the same text', () => {
    const n = notation('time TIMESTAMP, action STRING, user STRING, n LONG, ok BOOLEAN, tags ARRAY<STRING>', 'user action@time n ok tags');
    const texts = ['ann Open@02:10 3 true ["a","b c"]', '"two words" "a@b"@02:10:05 -1 false []', 'null null@null null null null', '"" "null"@00:00 0.5 true ["x"]'];
    for (const t of texts) expect(n.format(n.parse(t))).toBe(t);
    expect(n.parse('ann Open@02:10 3 true ["a"]')).toEqual({ user: 'ann', action: 'Open', time: 7_800_000, n: 3, ok: true, tags: ['a'] });
    expect(n.parse('  ann   Open@02:10 3 true [] ')).toEqual(n.parse('ann Open@02:10 3 true []'));
  });

  it('writes the rows a file source reads, timestamps as epoch seconds', () => {
    expect(ev.lines('ann Open@02:10:00.500', { user: 'bob', action: null })).toEqual(['{"user":"ann","action":"Open","time":7800.5}', '{"user":"bob","action":null}']);
  });

  it('keeps column names that are not identifiers out of the prototype', () => {
    const p = notation(JSON.parse('{"__proto__":"string"}') as { ['__proto__']: 'string' }, '__proto__');
    const row = p.parse('x');
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(row, '__proto__')).toBe(true);
  });

  it('refuses a row that does not fit the pattern, and a pattern with an unknown column, naming them', () => {
    expect(() => ev.parse('ann Open')).toThrow(/an @ before time/);
    expect(() => ev.parse('ann Open@02:10 extra')).toThrow(/the end after 3 values/);
    expect(() => ev.parse('ann Open@2pm')).toThrow(InvalidArgumentError);
    expect(() => notation(schema, 'user acton@time' as 'user action@time')).toThrow(/unknown: acton/);
    expect(() => notation(schema, 'user  @time' as 'user action@time')).toThrow(InvalidArgumentError);
  });
});
