// The columnar hot path (decision 0021) against the row path, through whole queries: a schema of
// scalar columns is read into columns (window, watermark and aggregation steps then work on
// columns); the same schema with one array column more is read as rows. On random files (nulls,
// -0, equal and out-of-order times, late rows) and in every output mode, both runs must give the
// same output per batch, the same late rows, the same progress (event time, dropped rows,
// state, per-file accounting), and complete mode the same table as a static run over the files
// read so far.
import fc from 'fast-check';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import {
  agg,
  foreachBatch,
  groupByAgg,
  groupCount,
  readJsonFiles,
  throttleFiles,
  tumblingWindow,
  withWatermark,
  type LateRowsEvent,
  type MicroBatch,
  type OutputMode,
  type StreamingQueryProgress,
} from '../../src/index.js';
import { virtualDirectory } from '../../src/testing/index.js';
import { Batch } from '../../src/engine/batch.js';
import { ColumnChunk } from '../../src/engine/columns.js';

const COLUMNAR = 'time TIMESTAMP, action STRING, latency DOUBLE, bytes LONG';
const ROWS = `${COLUMNAR}, tags ARRAY<INT>`;

interface Run {
  readonly batches: unknown[][];
  readonly late: unknown[];
  readonly progress: unknown[];
}

type Query = 'window-agg' | 'window-count' | 'action-count' | 'global-agg';

async function run(files: readonly object[][], schema: string, query: Query, outputMode: OutputMode, delay: string | undefined, size: string, perTrigger: number | undefined): Promise<Run> {
  const late: unknown[] = [];
  const batches: unknown[][] = [];
  // Typed as the columnar schema: the other one only adds a column the query does not read.
  const source = readJsonFiles('/in', { schema: schema as typeof COLUMNAR, fileSystem: virtualDirectory('/in', files), watch: false });
  const throttled = perTrigger === undefined ? source : source.pipe(throttleFiles(perTrigger));
  // Without a watermark, the window step's event-time statistics are the ones progress shows.
  const watermarked =
    delay === undefined
      ? throttled
      : throttled.pipe(
          withWatermark('time', delay, {
            // A late row as it reached the aggregation, without the column only the row path has.
            onLateRows: (e: LateRowsEvent) => late.push({ ...e, rows: e.rows.map((r) => ({ ...r, row: strip(r.row) })) }),
          }),
        );
  const windowed = watermarked.pipe(tumblingWindow('time', size));
  const aggregated: Observable<MicroBatch<unknown>> =
    query === 'window-agg'
      ? windowed.pipe(groupByAgg(['action', 'window'], agg.count('*'), agg.sum('latency'), agg.avg('latency'), agg.min('latency'), agg.max('bytes'), agg.count('bytes')))
      : query === 'window-count'
        ? windowed.pipe(groupCount('window', 'action'))
        : query === 'action-count'
          ? watermarked.pipe(groupCount('action', 'time'))
          : windowed.pipe(groupByAgg([], agg.sum('bytes'), agg.min('time')));
  const progress = (await lastValueFrom(aggregated.pipe(foreachBatch((rows) => void batches.push([...rows]), { outputMode }), toArray()))) as StreamingQueryProgress[];
  return {
    batches,
    late,
    progress: progress.map((p) => ({
      batchId: p.batchId,
      numInputRows: p.numInputRows,
      eventTime: p.eventTime,
      droppedRows: p.droppedRows,
      state: p.stateOperators.map((s) => [s.numRowsTotal, s.numRowsUpdated, s.numRowsRemoved, s.numRowsDroppedByWatermark, s.numLateInputRows]),
      files: p.sources[0]?.files,
      sink: p.sink.numOutputRows,
    })),
  };
}

function strip(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k !== 'tags') out[k] = v;
  return out;
}

/** Equal, with -0 and 0 told apart (Object.is) as the row path would keep them. */
function expectSame(a: unknown, b: unknown): void {
  expect(a).toEqual(b);
  const numbers = (x: unknown, out: number[] = []): number[] => {
    if (typeof x === 'number') out.push(x);
    else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) numbers(v, out);
    return out;
  };
  const na = numbers(a);
  const nb = numbers(b);
  expect(na.map((x) => Object.is(x, -0))).toEqual(nb.map((x) => Object.is(x, -0)));
}

const event = fc.record({
  // Now and then the epoch itself or a time before it (the window step's fast loop leaves at a zero).
  time: fc.option(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 40 }).map((m) => 1469501100 + m * 60), weight: 12 }, { arbitrary: fc.constantFrom(0, -60, 60), weight: 1 }), { nil: null, freq: 8 }),
  action: fc.option(fc.constantFrom('Open', 'Close', 'View', ''), { nil: null, freq: 6 }),
  latency: fc.option(fc.constantFrom(0.1, 0.2, 0.7, -0, 3, 1e-9, 12.5), { nil: null, freq: 4 }),
  bytes: fc.option(fc.integer({ min: -5, max: 1000 }), { nil: null, freq: 4 }),
});
/** Files of events; some in time order up to a point (as real files mostly are), then in any order. */
const fileArb = fc.tuple(fc.array(event, { maxLength: 25 }), fc.nat({ max: 25 })).map(([events, sorted]) => {
  const head = events.slice(0, sorted).sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  return [...head, ...events.slice(sorted)];
});
const filesArb = fc.array(fileArb, { minLength: 1, maxLength: 5 });

describe('the columnar path gives what the row path gives, through whole queries (property)', () => {
  it('with and without a watermark, in every output mode, one or more files per trigger', async () => {
    await fc.assert(
      fc.asyncProperty(
        filesArb,
        fc.constantFrom<Query>('window-agg', 'window-count', 'action-count', 'global-agg'),
        fc.constantFrom<OutputMode>('append', 'update', 'complete'),
        fc.constantFrom('0 seconds', '5 minutes', '20 minutes', undefined),
        fc.constantFrom('1 minute', '10 minutes', '1 hour', '2.5 milliseconds'),
        fc.constantFrom(1, 2, undefined),
        async (files, query, mode, delay, size, perTrigger) => {
          // Append mode needs a watermark, on a grouping key.
          const q = mode === 'append' && query === 'global-agg' ? 'window-agg' : query;
          const m = mode === 'append' && delay === undefined ? 'update' : mode;
          const columnar = await run(files, COLUMNAR, q, m, delay, size, perTrigger);
          const rows = await run(files, ROWS, q, m, delay, size, perTrigger);
          expectSame(columnar, rows);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('in complete mode, each trigger’s table is the table of a static run over the files read so far', async () => {
    await fc.assert(
      fc.asyncProperty(filesArb, async (files) => {
        const streamed = await run(files, COLUMNAR, 'window-count', 'complete', '0 seconds', '10 minutes', 1);
        const sorted = (rows: unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
        for (let k = 0; k < streamed.batches.length; k++) {
          const prefix = await run(files.slice(0, k + 1), COLUMNAR, 'window-count', 'complete', '0 seconds', '10 minutes', undefined);
          expect(sorted(streamed.batches[k] as unknown[])).toEqual(sorted(prefix.batches[prefix.batches.length - 1] ?? []));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reads columns where the schema allows, and rows elsewhere', () => {
    const chunk = new ColumnChunk(2, ['a', 'b'], [
      { kind: 'number', values: Float64Array.from([1, 2]), validity: Uint8Array.from([0b10]) },
      { kind: 'dict', ids: Int32Array.from([1, 0]), dict: ['x', 'y'], validity: undefined },
    ]);
    const batch = Batch.lazy(() => [chunk, [{ a: 3, b: 'z' }]]);
    expect(batch.rows).toEqual([
      { a: null, b: 'y' },
      { a: 2, b: 'x' },
      { a: 3, b: 'z' },
    ]);
    expect(chunk.with('a', { kind: 'values', values: [true, false] }).rows()).toEqual([
      { b: 'y', a: true },
      { b: 'x', a: false },
    ]);
    expect(chunk.select(Int32Array.from([1, 1, 0]), 3).rows()).toEqual([
      { a: 2, b: 'x' },
      { a: 2, b: 'x' },
      { a: null, b: 'y' },
    ]);
  });
});
