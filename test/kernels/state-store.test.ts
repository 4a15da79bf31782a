import fc from 'fast-check';
import { CountStateStore, groupKey } from '../../src/index.js';

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

describe('CountStateStore', () => {
  it('counts rows per group, in first-seen order', () => {
    const store = new CountStateStore();
    for (const action of ['Open', 'Close', 'Open', null, 'Open', 'null']) store.increment([action]);
    expect(store.size).toBe(4);
    expect(store.toJSON()).toEqual([
      { values: ['Open'], count: 3 },
      { values: ['Close'], count: 1 },
      { values: [null], count: 1 },
      { values: ['null'], count: 1 },
    ]);
    expect([...store.all()].map((e) => e.count)).toEqual([3, 1, 1, 1]);
  });

  it('returns the group key, by which get finds the entry', () => {
    const store = new CountStateStore();
    const k1 = store.increment(['Open', { start: 0, end: 3_600_000 }]);
    const k2 = store.increment(['Open', { start: 0, end: 3_600_000 }]);
    expect(k2).toBe(k1);
    expect(k1).toBe(groupKey(['Open', { start: 0, end: 3_600_000 }]));
    expect(store.get(k1)).toEqual({ values: ['Open', { start: 0, end: 3_600_000 }], count: 2 });
    expect(store.get(groupKey(['Close']))).toBeUndefined();
  });

  it('copies the values of a new group, so the caller may reuse its array', () => {
    const store = new CountStateStore();
    const values: unknown[] = ['Open'];
    const key = store.increment(values);
    values[0] = 'Close';
    store.increment(values);
    expect(store.get(key)?.values).toEqual(['Open']);
    expect(store.size).toBe(2);
  });

  it('round-trips through toJSON, JSON text and fromJSON, and keeps counting the same groups', () => {
    const store = new CountStateStore();
    const w1 = Object.freeze({ start: 0, end: 10 });
    const w2 = Object.freeze({ start: 10, end: 20 });
    store.increment(['Open', w1]);
    store.increment(['Open', w1]);
    store.increment(['Close', w2]);
    store.increment([null, w2]);

    const restored = CountStateStore.fromJSON(JSON.parse(JSON.stringify(store)) as ReturnType<CountStateStore['toJSON']>);
    expect(restored.size).toBe(3);
    expect(restored.toJSON()).toEqual(store.toJSON());

    // new (frozen) window objects with the same bounds land in the restored groups
    restored.increment(['Open', Object.freeze({ start: 0, end: 10 })]);
    restored.increment([null, Object.freeze({ start: 10, end: 20 })]);
    restored.increment(['Open', Object.freeze({ start: 20, end: 30 })]);
    expect(restored.toJSON()).toEqual([
      { values: ['Open', { start: 0, end: 10 }], count: 3 },
      { values: ['Close', { start: 10, end: 20 }], count: 1 },
      { values: [null, { start: 10, end: 20 }], count: 2 },
      { values: ['Open', { start: 20, end: 30 }], count: 1 },
    ]);
    // the original is untouched by the restored copy
    expect(store.toJSON().map((e) => e.count)).toEqual([2, 1, 1]);
  });

  it('restores an empty store', () => {
    expect(CountStateStore.fromJSON([]).size).toBe(0);
    expect(new CountStateStore().toJSON()).toEqual([]);
  });
});
