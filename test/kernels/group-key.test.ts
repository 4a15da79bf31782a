import fc from 'fast-check';
import { groupKey } from '../../src/index.js';

describe('groupKey', () => {
  it('keeps null, "null", 0, "0", false, "false", true, "" and NaN apart', () => {
    const values: unknown[] = [null, 'null', 0, '0', false, 'false', true, 'true', '', 'z', Number.NaN, 'NaN', 1, '1'];
    const keys = values.map((v) => groupKey([v]));
    expect(new Set(keys).size).toBe(values.length);
  });

  it('puts a missing value (undefined) in the null group, as Spark reads a missing field as null', () => {
    expect(groupKey([undefined])).toBe(groupKey([null]));
  });

  it('groups -0 with 0 and NaN with NaN, as Spark normalizes them for grouping', () => {
    expect(groupKey([-0])).toBe(groupKey([0]));
    expect(groupKey([Number.NaN])).toBe(groupKey([Number.NaN]));
  });

  it('keys a window by its bounds, not by the object', () => {
    expect(groupKey([{ start: 0, end: 10 }])).toBe(groupKey([Object.freeze({ start: 0, end: 10 })]));
    expect(groupKey([{ start: 0, end: 10 }])).not.toBe(groupKey([{ start: 0, end: 20 }]));
    expect(groupKey([{ start: 0, end: 10 }])).not.toBe(groupKey([{ start: 10, end: 10 }]));
    expect(groupKey([{ start: 0, end: 10 }])).not.toBe(groupKey(['0,10']));
    expect(groupKey([{ start: 0, end: 10 }])).not.toBe(groupKey([null]));
  });

  it('keeps the column boundaries: the same text split differently is another group', () => {
    expect(groupKey(['ab', 'c'])).not.toBe(groupKey(['a', 'bc']));
    expect(groupKey(['a', 'b'])).not.toBe(groupKey(['a,b']));
    expect(groupKey([1, 23])).not.toBe(groupKey([12, 3]));
  });

  it('keeps the column boundaries even when a string holds the separator character', () => {
    expect(groupKey(['a\u0001sb', 'c'])).not.toBe(groupKey(['a', 'b\u0001sc']));
    expect(groupKey(['x\u0001n5', null])).not.toBe(groupKey(['x', 5]));
  });

  it('is equal exactly for equal values (property)', () => {
    const scalar = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -3, max: 3 }),
      fc.string({ unit: fc.constantFrom('a', 'b', 'n', 's', 'z', 'T', 'w', '0', ',', '\u0001'), maxLength: 4 }),
      fc.record({ start: fc.integer({ min: 0, max: 2 }), end: fc.integer({ min: 0, max: 2 }) }),
    );
    const tuple = fc.array(scalar, { minLength: 2, maxLength: 2 });
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        expect(groupKey(a) === groupKey(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
      { numRuns: 5000 },
    );
  });
});
