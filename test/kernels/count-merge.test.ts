import fc from 'fast-check';
import { lastValueFrom, of, toArray } from 'rxjs';
import { foreachBatch, groupCount, throttleFiles } from '../../src/index.js';

interface Row {
  readonly action: string | null;
  readonly n: number | null;
}

const row: fc.Arbitrary<Row> = fc.record({
  action: fc.oneof(fc.constantFrom('Open', 'Close', 'null', ''), fc.constant(null)),
  n: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant(null)),
});

/** The rows split into batches (some may be empty), at least one batch. */
const batches = fc.array(fc.array(row, { maxLength: 12 }), { minLength: 1, maxLength: 8 });

/** count(*) per (action, n) by a plain loop, in first-seen order. */
function plainCount(rows: readonly Row[]): { action: string | null; n: number | null; count: number }[] {
  const out: { action: string | null; n: number | null; count: number }[] = [];
  for (const r of rows) {
    const hit = out.find((o) => o.action === r.action && o.n === r.n);
    if (hit === undefined) out.push({ action: r.action, n: r.n, count: 1 });
    else hit.count++;
  }
  return out;
}

/** One item per batch: a hand-made source's items, taken one per trigger (maxFilesPerTrigger counts items). */
function perBatch(split: readonly (readonly Row[])[]) {
  return of(...split.map((rows) => ({ rows }))).pipe(throttleFiles(1));
}

/** What a sink in `outputMode` is given per batch, and the number of groups in the state store after each batch. */
async function written(split: readonly (readonly Row[])[], outputMode: 'update' | 'complete') {
  const rows: (readonly unknown[])[] = [];
  const progress = await lastValueFrom(
    perBatch(split).pipe(
      groupCount('action', 'n'),
      foreachBatch((r) => void rows.push(r), { outputMode }),
      toArray(),
    ),
  );
  return { rows, numRowsTotal: progress.map((p) => p.stateOperators[0]?.numRowsTotal), numInputRows: progress.map((p) => p.numInputRows) };
}

describe('groupCount merges counts across batches associatively', () => {
  it('ends with the same table however the rows are split into batches (property)', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (split) => {
        const all = split.flat();
        const oneBatch = await lastValueFrom(of({ rows: all }).pipe(groupCount('action', 'n')));
        const many = await lastValueFrom(perBatch(split).pipe(groupCount('action', 'n'), toArray()));
        expect(many).toHaveLength(split.length);
        expect(many[many.length - 1]?.rows).toEqual(oneBatch.rows);
        expect(oneBatch.rows).toEqual(plainCount(all));
        // The state store holds one entry per group, however the rows came.
        const state = await written(split, 'complete');
        expect(state.numRowsTotal[state.numRowsTotal.length - 1]).toBe(oneBatch.rows.length);
      }),
      { numRuns: 300 },
    );
  });

  // Changed deliberately: a batch used to carry the whole table and `updatedRows`. Without a sink
  // (and without a watermark) the output mode is complete, so each batch's rows are the whole
  // running table; the groups a batch changed are what a sink in update mode is given.
  it('gives the whole running table in complete mode and the groups a batch changed in update mode (property)', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (split) => {
        const outs = await lastValueFrom(perBatch(split).pipe(groupCount('action', 'n'), toArray()));
        const update = await written(split, 'update');
        expect(outs).toHaveLength(split.length);
        expect(update.rows).toHaveLength(split.length);
        let seen: Row[] = [];
        split.forEach((rows, i) => {
          seen = [...seen, ...rows];
          const out = outs[i];
          if (out === undefined) throw new Error(`no output for batch ${i}`);
          const total = plainCount(seen);
          expect(out.rows).toEqual(total);
          const changed = plainCount(rows).map((g) => total.find((t) => t.action === g.action && t.n === g.n));
          expect(update.rows[i]).toEqual(changed);
          expect(out.numInputRows).toBe(rows.length);
          expect(update.numInputRows[i]).toBe(rows.length);
          expect(update.numRowsTotal[i]).toBe(total.length);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('starts from an empty state store at every subscription', async () => {
    const counted = of({ rows: [{ action: 'Open', n: 1 }] }, { rows: [{ action: 'Open', n: 1 }] }).pipe(groupCount('action', 'n'));
    expect((await lastValueFrom(counted)).rows).toEqual([{ action: 'Open', n: 1, count: 2 }]);
    expect((await lastValueFrom(counted)).rows).toEqual([{ action: 'Open', n: 1, count: 2 }]);
  });
});
