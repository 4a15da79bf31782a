// The combiners: each function's values and null rules as Spark's, encode/decode round trips,
// and (property) any split of the input into batches, merged, gives the one-batch result.
import fc from 'fast-check';
import {
  ArithmeticOverflowError,
  approxCountDistinctCombiner,
  avgCombiner,
  combinerFor,
  countDistinctCombiner,
  countNonNull,
  countStar,
  maxCombiner,
  minCombiner,
  sumCombiner,
  type AnyCombiner,
  type Combiner,
} from '../../src/index.js';

/** Folds values into one accumulator. */
function fold<A, O>(c: Combiner<A, O>, values: readonly unknown[]): A {
  let acc = c.create();
  for (const v of values) acc = c.add(acc, v);
  return acc;
}
const run = <A, O>(c: Combiner<A, O>, values: readonly unknown[]): O => c.result(fold(c, values));

/** Each batch folded on its own, then encoded and decoded (the state store's trip), then merged in order. */
function runSplit<A, O>(c: Combiner<A, O>, batches: readonly (readonly unknown[])[]): O {
  let state: A | undefined;
  for (const b of batches) {
    const partial = fold(c, b);
    state = state === undefined ? partial : c.merge(c.decode(c.encode(state)), partial);
  }
  return c.result(state ?? c.create());
}

describe('count', () => {
  it('count(*) counts every row, nulls included; count(col) only non-null values', () => {
    expect(run(countStar, [1, null, undefined, 'a'])).toBe(4);
    expect(run(countNonNull, [1, null, undefined, 'a', 0, ''])).toBe(4);
    expect(run(countStar, [])).toBe(0);
    expect(run(countNonNull, [null])).toBe(0);
    expect(countStar.resultType).toBe('long');
  });
});

describe('sum', () => {
  it('of longs is a long, of doubles a double; nulls ignored; null when every input is null', () => {
    const long = sumCombiner('long');
    expect(long.resultType).toBe('long');
    expect(run(long, [1, 2, null, 3])).toBe(6);
    expect(run(long, [])).toBeNull();
    expect(run(long, [null, undefined])).toBeNull();
    const dbl = sumCombiner('double');
    expect(dbl.resultType).toBe('double');
    expect(run(dbl, [0.5, 0.25, null])).toBe(0.75);
    expect(sumCombiner('int').resultType).toBe('long');
  });

  it('reads text as a number (Spark’s implicit cast to double), skipping what is not one', () => {
    expect(run(sumCombiner('string'), ['1.5', 'x', '2'])).toBe(3.5);
    expect(sumCombiner('string').resultType).toBe('double');
  });

  it('fails with a typed error beyond Number.MAX_SAFE_INTEGER instead of a rounded long', () => {
    const long = sumCombiner('long');
    expect(run(long, [Number.MAX_SAFE_INTEGER - 1, 1])).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => run(long, [Number.MAX_SAFE_INTEGER, 1])).toThrow(ArithmeticOverflowError);
    expect(() => run(long, [-Number.MAX_SAFE_INTEGER, -1])).toThrow(/ARITHMETIC_OVERFLOW/);
    expect(() => long.merge(Number.MAX_SAFE_INTEGER, 2)).toThrow(ArithmeticOverflowError);
    // An untyped column: integer inputs are checked as longs.
    expect(() => run(sumCombiner(undefined), [2 ** 52, 2 ** 52])).toThrow(ArithmeticOverflowError);
    // Doubles round as doubles do.
    expect(run(sumCombiner('double'), [2 ** 53, 1])).toBe(2 ** 53);
  });
});

describe('avg', () => {
  it('is a double over non-null inputs; null when there is none', () => {
    expect(run(avgCombiner, [1, 2, null, 4])).toBeCloseTo(7 / 3);
    expect(run(avgCombiner, [])).toBeNull();
    expect(run(avgCombiner, [null])).toBeNull();
    expect(avgCombiner.resultType).toBe('double');
  });

  it('merges sums and counts, never averages of averages', () => {
    // avg(avg(1,2,3), avg(10)) would be 6; the average of the four is 4.
    expect(runSplit(avgCombiner, [[1, 2, 3], [10]])).toBe(4);
    expect(avgCombiner.encode(fold(avgCombiner, [1, 2, 3]))).toEqual([6, 3]);
  });
});

describe('min and max', () => {
  it('of numbers, strings (by code point), timestamps; nulls ignored; null when there is none', () => {
    expect(run(minCombiner('long'), [3, null, 1, 2])).toBe(1);
    expect(run(maxCombiner('long'), [3, null, 1, 2])).toBe(3);
    expect(run(minCombiner('string'), ['b', 'a', 'B', null])).toBe('B');
    expect(run(maxCombiner('string'), ['b', 'a', 'B'])).toBe('b');
    const t = Date.UTC(2016, 2, 27);
    expect(run(minCombiner('timestamp'), [t + 5, t, null])).toBe(t);
    expect(minCombiner('timestamp').resultType).toBe('timestamp');
    expect(run(maxCombiner('double'), [])).toBeNull();
    expect(run(minCombiner('long'), [null])).toBeNull();
  });

  it('order windows by start, and NaN above every number (Spark)', () => {
    expect(run(maxCombiner('window'), [{ start: 0, end: 10 }, { start: 10, end: 20 }])).toEqual({ start: 10, end: 20 });
    expect(run(maxCombiner('double'), [1, NaN, 2])).toBeNaN();
    expect(run(minCombiner('double'), [1, NaN, 2])).toBe(1);
  });
});

describe('count(DISTINCT col)', () => {
  it('counts distinct non-null values, grouping as Spark does (-0 is 0, NaN is NaN, 1 is not "1")', () => {
    expect(run(countDistinctCombiner, ['a', 'b', 'a', null, undefined])).toBe(2);
    expect(run(countDistinctCombiner, [0, -0, NaN, NaN, 1, '1'])).toBe(4);
    expect(run(countDistinctCombiner, [])).toBe(0);
    expect(runSplit(countDistinctCombiner, [['a', 'b'], ['b', 'c'], ['a']])).toBe(3);
  });
});

describe('approx_count_distinct', () => {
  it('has 512 registers at Spark’s default relativeSD 0.05, ignores nulls, and is exact-ish for small counts', () => {
    const c = approxCountDistinctCombiner();
    expect(fold(c, []).length).toBe(512);
    expect(run(c, [])).toBe(0);
    expect(run(c, [null, undefined])).toBe(0);
    expect(run(c, ['a', 'b', 'a', 'c', null])).toBe(3);
    expect(c.resultType).toBe('long');
    expect(approxCountDistinctCombiner(0.01).create().length).toBe(1 << 14);
  });

  it('stays within 3 relative standard deviations at 10, 1,000 and 100,000 distinct values', () => {
    const c = approxCountDistinctCombiner();
    for (const n of [10, 1000, 100_000]) {
      let acc = c.create();
      for (let i = 0; i < n; i++) acc = c.add(acc, `user-${i}`);
      for (let i = 0; i < n; i += 3) acc = c.add(acc, `user-${i}`); // repeats do not count
      const estimate = c.result(acc);
      expect(Math.abs(estimate - n) / n).toBeLessThan(0.15);
    }
  });

  it('merges by register (the union of the batches), encoded as text', () => {
    const c = approxCountDistinctCombiner();
    const a = fold(c, Array.from({ length: 500 }, (_, i) => i));
    const b = fold(c, Array.from({ length: 500 }, (_, i) => i + 250));
    expect(typeof c.encode(a)).toBe('string');
    const all = c.result(fold(c, Array.from({ length: 750 }, (_, i) => i)));
    expect(c.result(c.merge(c.decode(c.encode(a)), b))).toBe(all);
  });
});

describe('combinerFor', () => {
  it('gives each function its combiner, by input type', () => {
    expect(combinerFor('count', undefined, { star: true })).toBe(countStar);
    expect(combinerFor('count', 'string')).toBe(countNonNull);
    expect(combinerFor('sum', 'int').resultType).toBe('long');
    expect(combinerFor('sum', 'double').resultType).toBe('double');
    expect(combinerFor('min', 'string').resultType).toBe('string');
    expect(combinerFor('approx_count_distinct', 'string').name).toBe('approx_count_distinct');
  });
});

// ---- property: any split into batches, merged, gives the one-batch result ------------------

const value = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant(null), fc.constant(undefined));
const split = fc.array(fc.array(value, { maxLength: 20 }), { minLength: 1, maxLength: 8 });
const texts = fc.array(fc.array(fc.oneof(fc.constantFrom('a', 'b', 'c', 'd', ''), fc.constant(null)), { maxLength: 20 }), { minLength: 1, maxLength: 8 });

const numeric: [string, AnyCombiner][] = [
  ['count(*)', countStar as AnyCombiner],
  ['count', countNonNull as AnyCombiner],
  ['sum', sumCombiner('long') as AnyCombiner],
  ['avg', avgCombiner as AnyCombiner],
  ['min', minCombiner('long')],
  ['max', maxCombiner('long')],
  ['count(DISTINCT)', countDistinctCombiner as AnyCombiner],
  ['approx_count_distinct', approxCountDistinctCombiner() as AnyCombiner],
];

describe('merging is associative: any split of the input into batches gives the one-batch result (property)', () => {
  it.each(numeric)('%s over integers and nulls', (_name, c) => {
    fc.assert(
      fc.property(split, (batches) => {
        const one = run(c, batches.flat());
        const merged = runSplit(c, batches);
        if (typeof one === 'number' && !Number.isInteger(one)) expect(merged).toBeCloseTo(one, 9);
        else expect(merged).toEqual(one);
      }),
    );
  });

  it.each([
    ['min', minCombiner('string')],
    ['max', maxCombiner('string')],
    ['count(DISTINCT)', countDistinctCombiner as AnyCombiner],
    ['approx_count_distinct', approxCountDistinctCombiner() as AnyCombiner],
  ] as [string, AnyCombiner][])('%s over strings and nulls', (_name, c) => {
    fc.assert(fc.property(texts, (batches) => expect(runSplit(c, batches)).toEqual(run(c, batches.flat()))));
  });
});
