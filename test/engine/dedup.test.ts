// Streaming deduplication on the engine, as Spark's StreamingDeduplicationSuite and
// StreamingDeduplicationWithinWatermarkSuite: the first row per key across batches, keys by
// value, eviction by the watermark, late rows, expiry within the watermark delay, progress, and
// the composition errors.
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import {
  AnalysisError,
  InvalidArgumentError,
  dropDuplicates,
  dropDuplicatesWithinWatermark,
  foreachBatch,
  groupCount,
  mapBatch,
  readJsonFiles,
  selectColumns,
  startQuery,
  throttleFiles,
  tumblingWindow,
  withWatermark,
  type LateRowsEvent,
  type MicroBatch,
  type OutputMode,
  type Pipeline,
  type RowBatch,
  type StreamingQueryProgress,
} from '../../src/index.js';
import { arriveAt, createTestScheduler, fileName, virtualDirectory } from '../../src/testing/index.js';
import { thrown } from '../support/thrown.js';

/** Rows as the tests read them: any columns, the ones the tests deduplicate on among them. */
type Row = Readonly<Record<string, unknown>> & { readonly id: unknown; readonly time: number | null; readonly str: unknown };
type Query = (source: Observable<RowBatch<Row>>) => Observable<RowBatch<unknown>>;

/** What one batch did: its id, data or no-data, the watermark it ran with (s), the rows it wrote, and its first state operator's progress. */
interface Step {
  readonly id: number;
  readonly data: boolean;
  readonly wm: number;
  readonly rows: readonly Row[];
  readonly state: readonly (readonly [total: number, updated: number, removed: number, late: number])[];
  readonly duplicates: number;
}

/**
 * Runs `query` over `files` in virtual time, one Step per batch. File i arrives at 1000·i − 500
 * and is listed at 1000·i, so each file is one data batch followed by its no-data batch (as
 * Spark's AddData then CheckAnswer); with `together`, all files are there at the start.
 */
function run(schema: string, files: readonly (readonly object[])[], query: Query, outputMode: OutputMode = 'append', together = false): Step[] {
  const scheduler = createTestScheduler();
  const steps: Step[] = [];
  scheduler.run(() => {
    const fs = virtualDirectory('/in', together ? files : files.slice(0, 1));
    if (!together) files.forEach((rows, i) => i > 0 && arriveAt(fs, scheduler, 1000 * i - 500, `/in/${fileName(i)}`, rows));
    const written = new Map<number, readonly Row[]>();
    const source = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(throttleFiles(1)) as unknown as Observable<RowBatch<Row>>;
    const sub = (query(source) as Observable<RowBatch<Row>>)
      .pipe(foreachBatch<Row>((rows, batchId) => void written.set(batchId, rows), { outputMode }))
      .subscribe((p: StreamingQueryProgress) =>
        steps.push({
          id: p.batchId,
          data: p.numInputRows > 0 || p.sources[0]?.startOffset !== p.sources[0]?.endOffset,
          wm: Date.parse(p.eventTime.watermark ?? '1970-01-01T00:00:00Z') / 1000,
          rows: written.get(p.batchId) ?? [],
          state: p.stateOperators.map((s) => [s.numRowsTotal, s.numRowsUpdated, s.numRowsRemoved, s.numRowsDroppedByWatermark] as const),
          duplicates: p.droppedRows['duplicate'] ?? 0,
        }),
      );
    scheduler.schedule(() => sub.unsubscribe(), 1000 * files.length + 100);
  });
  return steps;
}

/** Event-time rows: the time in seconds (as the inputs write it), read back as seconds. */
const t = (s: number) => ({ time: s });
const secs = (rows: readonly Row[]) => rows.map((r) => (r['time'] as number) / 1000);

describe('dropDuplicates keeps the first row of each key', () => {
  const schema = 'id STRING, n LONG';

  it('on all columns (the plan’s, in order) and across batches; keys compare by value, null its own key', () => {
    const steps = run(
      schema,
      [
        [{ id: 'a', n: 1 }, { id: 'a', n: 1 }, { id: 'a', n: 2 }, { id: null, n: 1 }, { id: 'null', n: 1 }, { n: 1 }],
        [{ id: 'a', n: 2 }, { id: 'b', n: 1 }],
      ],
      (s) => s.pipe(dropDuplicates()),
    );
    expect(steps.map((s) => [s.id, s.rows])).toEqual([
      // {n: 1} has no id: null, the same key as {id: null, n: 1}; the string "null" is another key.
      [0, [{ id: 'a', n: 1 }, { id: 'a', n: 2 }, { id: null, n: 1 }, { id: 'null', n: 1 }]],
      [1, [{ id: 'b', n: 1 }]],
    ]);
    // Spark's assertNumStateRows: the state holds each key once, a batch updates the keys it adds.
    expect(steps.map((s) => s.state)).toEqual([[[4, 4, 0, 0]], [[5, 1, 0, 0]]]);
    expect(steps.map((s) => s.duplicates)).toEqual([2, 1]);
  });

  it('on some columns: the first row of a key wins, later rows with the key are dropped whatever their other columns', () => {
    const steps = run(schema, [[{ id: 'a', n: 1 }], [{ id: 'a', n: 2 }], [{ id: 'b', n: 1 }, { id: 'b', n: 3 }]], (s) => s.pipe(dropDuplicates('id', 'id')));
    expect(steps.map((s) => s.rows)).toEqual([[{ id: 'a', n: 1 }], [], [{ id: 'b', n: 1 }]]);
    expect(steps.map((s) => s.state[0])).toEqual([
      [1, 1, 0, 0],
      [1, 0, 0, 0],
      [2, 1, 0, 0],
    ]);
  });

  it('twice: each dedup has its own state (Spark’s "multiple deduplicates")', () => {
    const steps = run(schema, [[{ id: 'a', n: 1 }], [{ id: 'a', n: 2 }], [{ id: 'b', n: 1 }]], (s) => s.pipe(dropDuplicates(), dropDuplicates('id')));
    expect(steps.map((s) => s.rows)).toEqual([[{ id: 'a', n: 1 }], [], [{ id: 'b', n: 1 }]]);
    expect(steps.map((s) => s.state.map(([total, updated]) => [total, updated]))).toEqual([
      [
        [1, 1],
        [1, 1],
      ],
      [
        [2, 1],
        [1, 0],
      ],
      [
        [3, 1],
        [2, 1],
      ],
    ]);
  });

  it('without a watermark keeps every key: the state grows, and no no-data batch runs', () => {
    const files = Array.from({ length: 5 }, (_, i) => [{ id: `k${i}`, n: i }]);
    const steps = run(schema, files, (s) => s.pipe(dropDuplicates('id')));
    expect(steps.map((s) => [s.id, s.data, s.state[0]?.[0]])).toEqual([
      [0, true, 1],
      [1, true, 2],
      [2, true, 3],
      [3, true, 4],
      [4, true, 5],
    ]);
  });
});

describe('dropDuplicates with a watermark', () => {
  const schema = 'time TIMESTAMP';
  const dedupTime: Query = (s) => s.pipe(withWatermark('time', '10 seconds'), dropDuplicates('time'));

  it('evicts keys at or behind the watermark (in the no-data batch it moved), drops late rows and counts them (Spark’s "deduplicate with watermark")', () => {
    const five = [10, 11, 12, 13, 14, 15].flatMap((s) => [t(s), t(s), t(s), t(s), t(s)]);
    const steps = run(schema, [five, [t(25)], [t(10)], [t(45)]], dedupTime);
    expect(steps.map((s) => ({ id: s.id, data: s.data, wm: s.wm, rows: secs(s.rows), state: s.state[0] }))).toEqual([
      { id: 0, data: true, wm: 0, rows: [10, 11, 12, 13, 14, 15], state: [6, 6, 0, 0] },
      { id: 1, data: false, wm: 5, rows: [], state: [6, 0, 0, 0] },
      { id: 2, data: true, wm: 5, rows: [25], state: [7, 1, 0, 0] },
      { id: 3, data: false, wm: 15, rows: [], state: [1, 0, 6, 0] },
      { id: 4, data: true, wm: 15, rows: [], state: [1, 0, 0, 1] },
      { id: 5, data: true, wm: 15, rows: [45], state: [2, 1, 0, 0] },
      { id: 6, data: false, wm: 35, rows: [], state: [1, 0, 1, 0] },
    ]);
    expect(steps[0]?.duplicates).toBe(24);
  });

  it('sends late rows to the query’s lateRows, one event per batch', async () => {
    const fs = virtualDirectory('/in', [[t(30)]]);
    const events: LateRowsEvent[] = [];
    const query = startQuery(
      readJsonFiles('/in', { schema, fileSystem: fs }).pipe(
        throttleFiles(1),
        withWatermark('time', '10 seconds'),
        dropDuplicates('time'),
        foreachBatch(() => undefined),
      ),
    );
    query.lateRows.subscribe((e) => events.push(e));
    await query.processAllAvailable(); // batch 0, then the no-data batch 1 with watermark 20 s
    fs.write('/in/file-1.json', [t(1), t(2), t(25)].map((r) => JSON.stringify(r)).join('\n') + '\n', 10);
    await query.processAllAvailable();
    await query.stop();
    expect(events.map((e) => [e.batchId, e.watermarkMs, e.operatorName, e.rows.map((r) => r.row['time'])])).toEqual([[2, 20_000, 'dropDuplicates', [1000, 2000]]]);
  });

  it('judges lateness by the previous batch’s watermark, as Spark 3.4+: rows behind the new watermark in the batch right after it moved are kept, then evicted', async () => {
    const fs = virtualDirectory('/in', [[t(30)], [t(1), t(1), t(25)]]);
    const out: number[][] = [];
    const query = startQuery(
      readJsonFiles('/in', { schema, fileSystem: fs }).pipe(
        throttleFiles(1),
        withWatermark('time', '10 seconds'),
        dropDuplicates('time'),
        foreachBatch<{ readonly time: number | null }>((rows) => void out.push(rows.map((r) => (r.time ?? 0) / 1000))),
      ),
    );
    await query.processAllAvailable();
    await query.stop();
    // Batch 1 runs with watermark 20 s but judges lateness by batch 0's (0): 1 is kept once, 25 kept.
    expect(out.slice(0, 2)).toEqual([[30], [1, 25]]);
    expect(query.lastProgress?.stateOperators[0]?.numRowsTotal).toBe(2); // 1 was evicted (1 <= 20)
  });

  it('filters on the keys: the event-time key in any position (SPARK-19841)', () => {
    const steps = run(
      'time TIMESTAMP, id LONG',
      [
        [
          { time: 1, id: 1 },
          { time: 1, id: 1 },
          { time: 1, id: 2 },
        ],
        [
          { time: 1, id: 1 },
          { time: 2, id: 3 },
          { time: 2, id: 4 },
        ],
        [
          { time: 1, id: 0 },
          { time: 1, id: 1 },
          { time: 3, id: 5 },
          { time: 3, id: 6 },
        ],
        [
          { time: 1, id: 0 },
          { time: 4, id: 7 },
        ],
      ],
      (s) => s.pipe(withWatermark('time', '1 second'), dropDuplicates('id', 'time')),
    );
    expect(steps.filter((s) => s.data).map((s) => s.rows.map((r) => r['id']))).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
  });

  it('drops late rows but never evicts when the event-time column is not a key: the state grows (SPARK-21546)', () => {
    const steps = run(
      'id LONG, time TIMESTAMP',
      [
        [
          { id: 1, time: 1 },
          { id: 1, time: 2 },
          { id: 2, time: 2 },
        ],
        [{ id: 3, time: 30 }],
        [
          { id: 4, time: 5 },
          { id: 1, time: 40 },
        ],
      ],
      (s) => s.pipe(withWatermark('time', '1 second'), dropDuplicates('id')),
    );
    expect(steps.map((s) => ({ id: s.id, data: s.data, wm: s.wm, rows: s.rows.map((r) => [r['id'], (r['time'] as number) / 1000]), state: s.state[0] }))).toEqual([
      { id: 0, data: true, wm: 0, rows: [[1, 1], [2, 2]], state: [2, 2, 0, 0] },
      { id: 1, data: false, wm: 1, rows: [], state: [2, 0, 0, 0] },
      { id: 2, data: true, wm: 1, rows: [[3, 30]], state: [3, 1, 0, 0] },
      { id: 3, data: false, wm: 29, rows: [], state: [3, 0, 0, 0] },
      // id 4 at 5 s is late; id 1 at 40 s is a duplicate of the first id 1 (its key never expires).
      { id: 4, data: true, wm: 29, rows: [], state: [3, 0, 0, 1] },
      { id: 5, data: false, wm: 39, rows: [], state: [3, 0, 0, 0] },
    ]);
  });

  it('comes before an aggregation: append emits each window of deduplicated rows once (Spark’s "deduplicate with aggregate - append mode")', () => {
    const five = [10, 11, 12, 13, 14, 15].flatMap((s) => [t(s), t(s), t(s), t(s), t(s)]);
    const steps = run(schema, [five, [t(25)], [t(10)], [t(40)]], (s) =>
      s.pipe(withWatermark('time', '10 seconds'), dropDuplicates(), tumblingWindow('time', '5 seconds'), groupCount('window')),
    );
    const show = (r: Row) => `${(r['window'] as { start: number }).start / 1000}:${String(r['count'])}`;
    expect(steps.map((s) => [s.id, s.data, s.rows.map(show), s.state.map(([total]) => total)])).toEqual([
      // state operators in plan order: dropDuplicates, then groupCount
      [0, true, [], [6, 2]],
      [1, false, [], [6, 2]],
      [2, true, [], [7, 3]],
      [3, false, ['10:5'], [1, 2]],
      [4, true, [], [1, 2]],
      [5, true, [], [2, 3]],
      [6, false, ['15:1', '25:1'], [1, 1]],
    ]);
  });

  it('runs in complete mode before an aggregation, still dropping duplicates (Spark’s "deduplicate with aggregate - complete mode")', () => {
    const steps = run(
      'str STRING, num LONG',
      [[{ str: 'a', num: 1 }], [{ str: 'a', num: 1 }], [{ str: 'a', num: 2 }], [{ str: 'b', num: 1 }]],
      (s) => s.pipe(dropDuplicates(), groupCount('str')),
      'complete',
    );
    expect(steps.map((s) => s.rows)).toEqual([
      [{ str: 'a', count: 1 }],
      [{ str: 'a', count: 1 }],
      [{ str: 'a', count: 2 }],
      [
        { str: 'a', count: 2 },
        { str: 'b', count: 1 },
      ],
    ]);
  });
});

describe('dropDuplicatesWithinWatermark', () => {
  it('remembers a key until its event time + the delay; the event-time column need not be a key (Spark’s subset-of-columns test)', () => {
    const steps = run(
      'id STRING, time TIMESTAMP',
      [
        [{ id: 'a', time: 17 }],
        [{ id: 'a', time: 16 }],
        [{ id: 'a', time: 13 }],
        [
          { id: 'b', time: 22 },
          { id: 'c', time: 21 },
        ],
        [{ id: 'a', time: 21 }],
        [{ id: 'd', time: 25 }],
      ],
      (s) => s.pipe(withWatermark('time', '2 seconds'), dropDuplicatesWithinWatermark('id')),
    );
    expect(steps.map((s) => ({ id: s.id, data: s.data, wm: s.wm, rows: s.rows.map((r) => `${String(r['id'])}@${(r['time'] as number) / 1000}`), state: s.state[0] }))).toEqual([
      { id: 0, data: true, wm: 0, rows: ['a@17'], state: [1, 1, 0, 0] }, // a expires at 19
      { id: 1, data: false, wm: 15, rows: [], state: [1, 0, 0, 0] },
      { id: 2, data: true, wm: 15, rows: [], state: [1, 0, 0, 0] }, // a duplicate
      { id: 3, data: true, wm: 15, rows: [], state: [1, 0, 0, 1] }, // 13 is late
      { id: 4, data: true, wm: 15, rows: ['b@22', 'c@21'], state: [3, 2, 0, 0] },
      { id: 5, data: false, wm: 20, rows: [], state: [2, 0, 1, 0] }, // a (19) expired
      { id: 6, data: true, wm: 20, rows: ['a@21'], state: [3, 1, 0, 0] }, // a is new again, expires at 23
      { id: 7, data: true, wm: 20, rows: ['d@25'], state: [4, 1, 0, 0] },
      { id: 8, data: false, wm: 23, rows: [], state: [2, 0, 2, 0] }, // a (23) and c (23) expired
    ]);
  });

  it('on all columns with the event-time column among them (Spark’s all-columns test)', () => {
    const five = [10, 11, 12, 13, 14, 15].flatMap((s) => [t(s), t(s), t(s), t(s), t(s)]);
    const steps = run('time TIMESTAMP', [five, [13, 14, 15, 16, 17].map(t), [t(5)], [t(35)], [t(55)]], (s) =>
      s.pipe(withWatermark('time', '10 seconds'), dropDuplicatesWithinWatermark()),
    );
    const data = steps.filter((s) => s.data);
    expect(data.map((s) => secs(s.rows))).toEqual([[10, 11, 12, 13, 14, 15], [16, 17], [], [35], [55]]);
    // The state after each input batch and its no-data batch: 6, 8, 8 (5 late), 3 (expiries <= 25 gone), 1.
    const after = data.map((s) => {
      const next = steps[steps.indexOf(s) + 1];
      return (next !== undefined && !next.data ? next : s).state[0]?.[0];
    });
    expect(after).toEqual([6, 8, 8, 3, 1]);
    expect(data[2]?.state[0]?.[3]).toBe(1);
  });

  it('drops a duplicate that arrives in the batch whose watermark expires its key (eviction comes after the rows, as Spark)', () => {
    const steps = run(
      'id STRING, time TIMESTAMP',
      [[{ id: 'a', time: 10 }], [{ id: 'x', time: 30 }], [{ id: 'a', time: 29 }]],
      (s) => s.pipe(withWatermark('time', '5 seconds'), dropDuplicatesWithinWatermark('id')),
      'append',
      true,
    );
    // New data comes before a no-data batch: batch 2 runs with watermark 25, past a's expiry (15),
    // yet a is still held while the batch's rows are read; it is removed at the end of the batch.
    expect(steps.map((s) => [s.id, s.data, s.wm, s.rows.map((r) => r['id']), s.state[0]])).toEqual([
      [0, true, 0, ['a'], [1, 1, 0, 0]],
      [1, true, 5, ['x'], [2, 1, 0, 0]],
      [2, true, 25, [], [1, 0, 1, 0]],
    ]);
  });
});

describe('composition', () => {
  const schema = 'id STRING, time TIMESTAMP';
  type SRow = { readonly id: string | null; readonly time: number | null };
  const source = () => readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', []) });

  it('keeps the plan’s columns and event time, and is not an aggregation', () => {
    const before = withWatermark('time', '1 minute')(source());
    for (const p of [before.pipe(dropDuplicates('id')), before.pipe(dropDuplicatesWithinWatermark('id'))] as Pipeline<MicroBatch<Row>>[]) {
      expect(p.plan.aggregation).toBeUndefined();
      expect(p.plan.columns).toBe(before.plan.columns);
      expect(p.plan.steps.map((s) => [s.operator, s.stateful])).toEqual([
        ['withWatermark', false],
        [p.plan.steps[1]?.operator, true],
      ]);
    }
  });

  it('refuses dropDuplicatesWithinWatermark without a watermark, in Spark’s words', () => {
    const e = thrown(() => source().pipe(dropDuplicatesWithinWatermark('id')), AnalysisError);
    expect(e.message).toContain('dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark');
  });

  it('refuses dropDuplicatesWithinWatermark whose only event time is a window', () => {
    const windowed = source().pipe(withWatermark('time', '1 minute'), tumblingWindow('time', '1 minute'));
    const e = thrown(() => windowed.pipe(selectColumns('id', 'window'), dropDuplicatesWithinWatermark('id')), AnalysisError);
    expect(e.message).toContain('the event-time column of its input is a window (window)');
    // With the timestamp still there, it is the event time (and its watermark's delay) the expiry uses.
    expect(dropDuplicatesWithinWatermark('id')(windowed).plan.steps.length).toBe(3);
  });

  it('runs after an aggregation in append mode only, as Spark 3.4+ (other modes: the correctness check)', () => {
    for (const op of [dropDuplicates, dropDuplicatesWithinWatermark]) {
      const chained = () => source().pipe(withWatermark('time', '1 minute'), groupCount('id', 'time'), op('id'));
      expect(() => chained().pipe(foreachBatch(() => undefined, { outputMode: 'append' }))).not.toThrow();
      for (const outputMode of ['update', 'complete'] as const) {
        const e = thrown(() => chained().pipe(foreachBatch(() => undefined, { outputMode })), AnalysisError);
        expect(e.message).toContain("Detected pattern of possible 'correctness' issue due to global watermark");
      }
    }
  });

  it('after an append-mode aggregation, keeps every window the aggregation emits (none is late for it)', async () => {
    const files = [[{ id: 'a', time: 1 }, { id: 'a', time: 2 }], [{ id: 'a', time: 12 }], [{ id: 'a', time: 30 }]];
    const out = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', files), watch: false }).pipe(
        throttleFiles(1),
        withWatermark('time', '5 seconds'),
        tumblingWindow('time', '5 seconds'),
        groupCount('window'),
        dropDuplicates('window'),
        foreachBatch(() => undefined, { outputMode: 'append' }),
        toArray(),
      ),
    );
    const emitted = out.reduce((n, p) => n + p.sink.numOutputRows, 0);
    expect(emitted).toBe(3); // [0,5), [10,15), [30,35): each once, none dropped as late
    expect(out.reduce((n, p) => n + (p.stateOperators[1]?.numLateInputRows ?? 0), 0)).toBe(0);
  });

  it('refuses an unknown column, and no columns where the columns are unknown', () => {
    expect(thrown(() => source().pipe(dropDuplicates('nope' as 'id')), AnalysisError).message).toContain('`nope` cannot be resolved');
    const e = thrown(() => source().pipe(mapBatch<SRow, SRow>((rows) => rows), dropDuplicates()), AnalysisError);
    expect(e.message).toContain('name the columns');
    expect(dropDuplicates('id')(source().pipe(mapBatch<SRow, SRow>((rows) => rows))).plan.steps.length).toBe(2);
  });

  it('refuses a column name that is not a non-empty string', () => {
    expect(() => dropDuplicates('')).toThrow(InvalidArgumentError);
    expect(() => dropDuplicatesWithinWatermark(3 as unknown as string)).toThrow(InvalidArgumentError);
  });

  it('refuses complete mode when nothing aggregates (Spark’s rule for any query without aggregation)', () => {
    const e = thrown(() => source().pipe(dropDuplicates('id'), foreachBatch(() => undefined, { outputMode: 'complete' })), AnalysisError);
    expect(e.message).toContain('Complete output mode not supported when there are no streaming aggregations');
    expect(foreachBatch(() => undefined, { outputMode: 'update' })(source().pipe(dropDuplicates('id'))).plan.sink?.outputMode).toBe('update');
  });
});
