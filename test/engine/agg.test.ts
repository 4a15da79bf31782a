// groupByAgg in queries: complete, update and append (with a watermark) modes, avg across
// batches from sums and counts, nulls, late rows, eviction, the state store's encoded
// accumulators, typed result rows, and groupCount as its shorthand.
import { lastValueFrom, toArray } from 'rxjs';
import {
  AnalysisError,
  ArithmeticOverflowError,
  InvalidArgumentError,
  agg,
  foreachBatch,
  groupByAgg,
  groupCount,
  readJsonFiles,
  startQuery,
  throttleFiles,
  tumblingWindow,
  withWatermark,
  Catalog,
  toMemoryTable,
  type LateRowsEvent,
  type OutputMode,
  type StateStoreProvider,
} from '../../src/index.js';
import { virtualDirectory } from '../../src/testing/index.js';

const S = 1000;
const schema = 'time TIMESTAMP, action STRING, latency DOUBLE, bytes LONG, user STRING';
interface Event {
  readonly time: number | null;
  readonly action: string | null;
  readonly latency: number | null;
  readonly bytes: number | null;
  readonly user: string | null;
}
const ev = (time: number | null, action: string | null, latency: number | null, bytes: number | null = 1, user: string | null = 'u'): Event => ({ time, action, latency, bytes, user });

/** Three files, one per batch. */
const files: Event[][] = [
  [ev(1, 'Open', 10, 100, 'ann'), ev(2, 'Open', 20, 200, 'bob'), ev(3, 'Close', 5, null, 'ann')],
  [ev(4, 'Open', 30, 300, 'ann'), ev(5, 'Close', null, 50, null)],
  [ev(6, 'Open', null, null, 'cy')],
];

const source = (fs = virtualDirectory('/in', files)) => readJsonFiles('/in', { schema, fileSystem: fs, watch: false }).pipe(throttleFiles(1));

/** What the sink receives per batch in `outputMode`. */
async function written<T>(pipe: (s: ReturnType<typeof source>) => import('rxjs').Observable<import('../../src/index.js').MicroBatch<T>>, outputMode: OutputMode): Promise<T[][]> {
  const out: T[][] = [];
  await lastValueFrom(pipe(source()).pipe(foreachBatch((rows) => void out.push([...rows]), { outputMode }), toArray()));
  return out;
}

const byAction = (s: ReturnType<typeof source>) =>
  s.pipe(groupByAgg(['action'], agg.count('*'), agg.avg('latency'), agg.sum('bytes'), agg.min('latency').as('fastest'), agg.max('user'), agg.count('latency'), agg.countDistinct('user'), agg.approxCountDistinct('user')));

describe('groupByAgg, complete mode', () => {
  it('emits the whole table every batch, each aggregate merged across batches under Spark’s column name', async () => {
    const out = await written(byAction, 'complete');
    expect(out).toEqual([
      [
        { action: 'Open', 'count(1)': 2, 'avg(latency)': 15, 'sum(bytes)': 300, fastest: 10, 'max(user)': 'bob', 'count(latency)': 2, 'count(DISTINCT user)': 2, 'approx_count_distinct(user)': 2 },
        { action: 'Close', 'count(1)': 1, 'avg(latency)': 5, 'sum(bytes)': null, fastest: 5, 'max(user)': 'ann', 'count(latency)': 1, 'count(DISTINCT user)': 1, 'approx_count_distinct(user)': 1 },
      ],
      [
        // avg(Open) is (10 + 20 + 30) / 3 = 20, not the average of the batches' averages (15, 30).
        { action: 'Open', 'count(1)': 3, 'avg(latency)': 20, 'sum(bytes)': 600, fastest: 10, 'max(user)': 'bob', 'count(latency)': 3, 'count(DISTINCT user)': 2, 'approx_count_distinct(user)': 2 },
        { action: 'Close', 'count(1)': 2, 'avg(latency)': 5, 'sum(bytes)': 50, fastest: 5, 'max(user)': 'ann', 'count(latency)': 1, 'count(DISTINCT user)': 1, 'approx_count_distinct(user)': 1 },
      ],
      [
        { action: 'Open', 'count(1)': 4, 'avg(latency)': 20, 'sum(bytes)': 600, fastest: 10, 'max(user)': 'cy', 'count(latency)': 3, 'count(DISTINCT user)': 3, 'approx_count_distinct(user)': 3 },
        { action: 'Close', 'count(1)': 2, 'avg(latency)': 5, 'sum(bytes)': 50, fastest: 5, 'max(user)': 'ann', 'count(latency)': 1, 'count(DISTINCT user)': 1, 'approx_count_distinct(user)': 1 },
      ],
    ]);
  });

  it('gives null for sum, avg, min and max of a group whose values are all null, and 0 for count(col)', async () => {
    const nulls = [[ev(1, 'X', null, null, null), ev(2, 'X', null, null, null)]];
    const out = await lastValueFrom(
      source(virtualDirectory('/in', nulls)).pipe(groupByAgg(['action'], agg.sum('bytes'), agg.avg('latency'), agg.min('latency'), agg.max('user'), agg.count('user'), agg.count('*').as('n'))),
    );
    expect(out.rows).toEqual([{ action: 'X', 'sum(bytes)': null, 'avg(latency)': null, 'min(latency)': null, 'max(user)': null, 'count(user)': 0, n: 2 }]);
  });

  it('with no grouping columns is the global aggregate: one row', async () => {
    const out = await written((s) => s.pipe(groupByAgg([], agg.count('*'), agg.avg('latency').as('avgLatency'))), 'complete');
    expect(out.map((rows) => rows)).toEqual([[{ 'count(1)': 3, avgLatency: 35 / 3 }], [{ 'count(1)': 5, avgLatency: 65 / 4 }], [{ 'count(1)': 6, avgLatency: 65 / 4 }]]);
  });

  it('groups a null key as a group of its own', async () => {
    const out = await lastValueFrom(source(virtualDirectory('/in', [[ev(1, null, 1), ev(2, null, 3), ev(3, 'A', 5)]])).pipe(groupByAgg(['action'], agg.avg('latency'))));
    expect(out.rows).toEqual([
      { action: null, 'avg(latency)': 2 },
      { action: 'A', 'avg(latency)': 5 },
    ]);
  });
});

describe('groupByAgg, update mode', () => {
  it('emits only the groups the batch changed, with their running aggregates', async () => {
    const out = await written((s) => s.pipe(groupByAgg(['action'], agg.count('*'), agg.avg('latency'))), 'update');
    expect(out).toEqual([
      [
        { action: 'Open', 'count(1)': 2, 'avg(latency)': 15 },
        { action: 'Close', 'count(1)': 1, 'avg(latency)': 5 },
      ],
      [
        { action: 'Open', 'count(1)': 3, 'avg(latency)': 20 },
        { action: 'Close', 'count(1)': 2, 'avg(latency)': 5 },
      ],
      [{ action: 'Open', 'count(1)': 4, 'avg(latency)': 20 }],
    ]);
  });
});

describe('groupByAgg with a watermark on a window', () => {
  const timed: Event[][] = [
    [ev(1, 'Open', 10), ev(4, 'Open', 20), ev(17, 'Open', 7)], // watermark after: 17 - 5 = 12 s
    [ev(26, 'Open', 1)], // runs with 12 s: [0 s, 10 s) is emitted and evicted
    // 3 s is in [0 s, 10 s), behind the watermark batch 1 ran with (12 s), which judges lateness here: late
    [ev(27, 'Open', 3), ev(3, 'Open', 1000)],
  ];
  const windowed = (late: LateRowsEvent[]) =>
    readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', timed), watch: false }).pipe(
      throttleFiles(1),
      withWatermark('time', '5 seconds', { onLateRows: (e) => late.push(e) }),
      tumblingWindow('time', '10 seconds'),
      groupByAgg(['window'], agg.count('*').as('n'), agg.avg('latency').as('avgLatency'), agg.max('latency')),
    );

  it('append: emits each window once the watermark passes its end; late rows are dropped and reported; state is evicted', async () => {
    const late: LateRowsEvent[] = [];
    const rows: unknown[][] = [];
    const progress = await lastValueFrom(windowed(late).pipe(foreachBatch((r) => void rows.push([...r]), { outputMode: 'append' }), toArray()));
    expect(rows.flat()).toEqual([
      { window: { start: 0, end: 10 * S }, n: 2, avgLatency: 15, 'max(latency)': 20 },
      { window: { start: 10 * S, end: 20 * S }, n: 1, avgLatency: 7, 'max(latency)': 7 },
      { window: { start: 20 * S, end: 30 * S }, n: 2, avgLatency: 2, 'max(latency)': 3 },
    ]);
    // The late row (1000 ms latency) never reached an average.
    expect(late.map((e) => e.rows.map((r) => r.row['latency']))).toEqual([[1000]]);
    expect(late[0]?.rows[0]?.windows).toEqual([{ start: 0, end: 10 * S }]);
    const dropped = progress.map((p) => p.stateOperators[0]?.numRowsDroppedByWatermark ?? 0);
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(1);
    // Bounded state: after the end-of-input batch nothing is left.
    expect(progress[progress.length - 1]?.stateOperators[0]?.numRowsTotal).toBe(0);
  });

  it('update: emits changed windows each batch and evicts those the watermark passed', async () => {
    const rows: unknown[][] = [];
    await lastValueFrom(windowed([]).pipe(foreachBatch((r) => void rows.push([...r]), { outputMode: 'update' }), toArray()));
    expect(rows[0]).toEqual([
      { window: { start: 0, end: 10 * S }, n: 2, avgLatency: 15, 'max(latency)': 20 },
      { window: { start: 10 * S, end: 20 * S }, n: 1, avgLatency: 7, 'max(latency)': 7 },
    ]);
    expect(rows[1]).toEqual([{ window: { start: 20 * S, end: 30 * S }, n: 1, avgLatency: 1, 'max(latency)': 1 }]);
    expect(rows[2]).toEqual([{ window: { start: 20 * S, end: 30 * S }, n: 2, avgLatency: 2, 'max(latency)': 3 }]);
  });

  it('complete: keeps every window and drops nothing', async () => {
    const rows: unknown[][] = [];
    await lastValueFrom(windowed([]).pipe(foreachBatch((r) => void rows.push([...r]), { outputMode: 'complete' }), toArray()));
    expect(rows[rows.length - 1]).toEqual([
      { window: { start: 0, end: 10 * S }, n: 3, avgLatency: 1030 / 3, 'max(latency)': 1000 },
      { window: { start: 10 * S, end: 20 * S }, n: 1, avgLatency: 7, 'max(latency)': 7 },
      { window: { start: 20 * S, end: 30 * S }, n: 2, avgLatency: 2, 'max(latency)': 3 },
    ]);
  });
});

describe('the state store', () => {
  it('holds each group’s grouping values and encoded (JSON) accumulators', async () => {
    const catalog = new Catalog();
    const query = startQuery(
      readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', files), watch: false }).pipe(
        groupByAgg(['action'], agg.count('*'), agg.avg('latency'), agg.countDistinct('user'), agg.approxCountDistinct('user')),
        toMemoryTable('t', { catalog, outputMode: 'complete' }),
      ),
    );
    await query.processAllAvailable();
    await query.stop();
    const provider = query.execution.stateStores[0] as StateStoreProvider<unknown>;
    expect(provider.operatorName).toBe('groupByAgg');
    const close = provider.snapshot().get('sClose') as { values: unknown[]; accs: unknown[] };
    expect(close.values).toEqual(['Close']);
    expect(close.accs.slice(0, 3)).toEqual([2, [5, 1], ['s:"ann"']]);
    expect(typeof close.accs[3]).toBe('string');
    const entries = [...provider.snapshot().values()];
    expect(JSON.parse(JSON.stringify(entries))).toEqual(entries);
  });
});

describe('count(DISTINCT) on a stream', () => {
  const stream$ = () => readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', files) });
  it('is refused where its state would grow forever (Spark refuses it on every stream), naming approx_count_distinct', () => {
    const counts$ = stream$().pipe(groupByAgg(['action'], agg.countDistinct('user')));
    expect(() => counts$.pipe(toMemoryTable('t', { catalog: new Catalog(), outputMode: 'complete' }))).toThrow(/Distinct aggregations are not supported on streaming DataFrames\/Datasets. Consider using approx_count_distinct\(\) instead/);
    expect(() => counts$.pipe(toMemoryTable('t', { catalog: new Catalog(), outputMode: 'update' }))).toThrow(AnalysisError);
  });

  it('is allowed where a watermark on a grouping key evicts the groups (append, update)', () => {
    const windowed$ = stream$().pipe(withWatermark('time', '5 seconds'), tumblingWindow('time', '10 seconds'), groupByAgg(['action', 'window'], agg.countDistinct('user')));
    expect(() => windowed$.pipe(toMemoryTable('t', { catalog: new Catalog(), outputMode: 'update' }))).not.toThrow();
    expect(() => windowed$.pipe(toMemoryTable('t', { catalog: new Catalog(), outputMode: 'complete' }))).toThrow(AnalysisError);
  });
});

describe('groupCount is the shorthand of groupByAgg(columns, count(*) as count)', () => {
  it('gives the same rows', async () => {
    const a = await written((s) => s.pipe(groupCount('action')), 'update');
    const b = await written((s) => s.pipe(groupByAgg(['action'], agg.count('*').as('count'))), 'update');
    expect(a).toEqual(b);
  });
});

describe('errors', () => {
  it('names an unknown column in Spark’s words, at composition', () => {
    // @ts-expect-error the rows have no column `nope` (an error at compile time too)
    expect(() => source().pipe(groupByAgg(['action'], agg.avg('nope')))).toThrow(AnalysisError);
    // @ts-expect-error as above, for a grouping column
    expect(() => source().pipe(groupByAgg(['nope'], agg.count('*')))).toThrow(/cannot be resolved/);
  });

  it('refuses sum or avg of a non-numeric column, two outputs with one name, and no aggregates', () => {
    expect(() => source().pipe(groupByAgg(['action'], agg.sum('time')))).toThrow(/data type mismatch/);
    expect(() => source().pipe(groupByAgg(['action'], agg.count('*'), agg.count('*')))).toThrow(InvalidArgumentError);
    expect(() => source().pipe(groupByAgg(['action'], agg.count('*').as('action')))).toThrow(/rename one with .as/);
    expect(() => groupByAgg(['action'])).toThrow(InvalidArgumentError);
    expect(() => agg.sum('*')).toThrow(InvalidArgumentError);
    expect(() => agg.approxCountDistinct('user', 0.5)).toThrow(InvalidArgumentError);
  });

  it('fails the batch with ArithmeticOverflowError when a long sum leaves the exact range', async () => {
    const big = [[ev(1, 'A', 1, Number.MAX_SAFE_INTEGER)], [ev(2, 'A', 1, 1)]];
    const run = lastValueFrom(source(virtualDirectory('/in', big)).pipe(groupByAgg(['action'], agg.sum('bytes')), toArray()));
    await expect(run).rejects.toThrow(ArithmeticOverflowError);
  });
});

describe('typed result rows', () => {
  it('infer each column’s type from the schema and the aggregate', async () => {
    const out = await lastValueFrom(source().pipe(groupByAgg(['action'], agg.count('*'), agg.avg('latency').as('avgLatency'), agg.min('user'), agg.sum('bytes'))));
    const row = out.rows[0];
    if (row === undefined) throw new Error('no row');
    const action: string | null = row.action;
    const n: number = row['count(1)'];
    const avgLatency: number | null = row.avgLatency;
    const minUser: string | null = row['min(user)'];
    const total: number | null = row['sum(bytes)'];
    // @ts-expect-error an aggregate's value can be null
    const notNull: number = row.avgLatency;
    expect([action, n, avgLatency, minUser, total, notNull]).toEqual(['Open', 4, 20, 'ann', 600, 20]);
  });
});
