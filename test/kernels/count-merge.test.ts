import fc from 'fast-check';
import { lastValueFrom, of, toArray } from 'rxjs';
import { groupCount } from '../../src/index.js';

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

describe('groupCount merges counts across batches associatively', () => {
  it('ends with the same table however the rows are split into batches (property)', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (split) => {
        const all = split.flat();
        const oneBatch = await lastValueFrom(of({ rows: all }).pipe(groupCount('action', 'n')));
        const many = await lastValueFrom(of(...split.map((rows) => ({ rows }))).pipe(groupCount('action', 'n')));
        expect(many.rows).toEqual(oneBatch.rows);
        expect(many.numStateRows).toBe(oneBatch.numStateRows);
        expect(oneBatch.rows).toEqual(plainCount(all));
      }),
      { numRuns: 300 },
    );
  });

  it('reports in each batch the groups the batch changed, with their running counts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (split) => {
        const outs = await lastValueFrom(of(...split.map((rows) => ({ rows }))).pipe(groupCount('action', 'n'), toArray()));
        expect(outs).toHaveLength(split.length);
        let seen: Row[] = [];
        split.forEach((rows, i) => {
          seen = [...seen, ...rows];
          const out = outs[i];
          if (out === undefined) throw new Error(`no output for batch ${i}`);
          const total = plainCount(seen);
          expect(out.rows).toEqual(total);
          const changed = plainCount(rows).map((g) => total.find((t) => t.action === g.action && t.n === g.n));
          expect(out.updatedRows).toEqual(changed);
          expect(out.numInputRows).toBe(rows.length);
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
