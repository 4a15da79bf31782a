import fc from 'fast-check';
import { compareNatural } from '../../src/index.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('compareNatural', () => {
  it('compares runs of digits as numbers', () => {
    expect(compareNatural('file-2', 'file-10')).toBeLessThan(0);
    expect(compareNatural('file-10', 'file-2')).toBeGreaterThan(0);
    expect(compareNatural('file-9.json', 'file-10.json')).toBeLessThan(0);
    expect(compareNatural('a2b10', 'a2b9')).toBeGreaterThan(0);
  });

  it('compares everything else by character code', () => {
    expect(compareNatural('a', 'b')).toBeLessThan(0);
    expect(compareNatural('B', 'a')).toBeLessThan(0); // 'B' (66) before 'a' (97)
    expect(compareNatural('file-1', 'file_1')).toBeLessThan(0); // '-' (45) before '_' (95)
  });

  it('is 0 only for the same string', () => {
    expect(compareNatural('file-1.json', 'file-1.json')).toBe(0);
    expect(compareNatural('', '')).toBe(0);
    expect(compareNatural('01', '1')).not.toBe(0);
    expect(compareNatural('a01', 'a1')).not.toBe(0);
  });

  it('breaks ties between equal numbers written differently by plain character order', () => {
    expect(compareNatural('01', '1')).toBeLessThan(0); // '0' < '1'
    expect(compareNatural('1', '01')).toBeGreaterThan(0);
    expect(compareNatural('file-007', 'file-7')).toBeLessThan(0);
  });

  it('puts a prefix first', () => {
    expect(compareNatural('file', 'file-1')).toBeLessThan(0);
    expect(compareNatural('', 'a')).toBeLessThan(0);
    expect(compareNatural('file-1', 'file-1.json')).toBeLessThan(0);
  });

  it('compares numbers longer than 2^53 exactly', () => {
    expect(compareNatural('f-9007199254740993', 'f-9007199254740992')).toBeGreaterThan(0);
    expect(compareNatural('f-123456789012345678901234567890', 'f-123456789012345678901234567891')).toBeLessThan(0);
    expect(compareNatural('f-99999999999999999999', 'f-100000000000000000000')).toBeLessThan(0);
  });

  it('sorts a directory listing as a person would', () => {
    const names = ['file-10.json', 'file-2.json', 'file-1.json', 'file-100.json', 'file-0.json', 'file-20.json'];
    expect([...names].sort(compareNatural)).toEqual(['file-0.json', 'file-1.json', 'file-2.json', 'file-10.json', 'file-20.json', 'file-100.json']);
  });

  it('orders numbered names by their number (property)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        expect(sign(compareNatural(`file-${a}.json`, `file-${b}.json`))).toBe(sign(a - b));
      }),
    );
  });

  // Names from a small alphabet so that digit runs, equal prefixes and leading zeros are common.
  const name = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '0', '1', '2', '9'), maxLength: 8 });

  it('is antisymmetric and 0 exactly for equal strings (property)', () => {
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(sign(compareNatural(a, b)) + sign(compareNatural(b, a))).toBe(0);
        expect(compareNatural(a, b) === 0).toBe(a === b);
      }),
      { numRuns: 3000 },
    );
  });

  it('is transitive, so sorting is well defined (property)', () => {
    fc.assert(
      fc.property(name, name, name, (a, b, c) => {
        if (compareNatural(a, b) <= 0 && compareNatural(b, c) <= 0) expect(compareNatural(a, c)).toBeLessThanOrEqual(0);
        if (compareNatural(a, b) < 0 && compareNatural(b, c) < 0) expect(compareNatural(a, c)).toBeLessThan(0);
        const [x, y, z] = [a, b, c].sort(compareNatural) as [string, string, string];
        expect(compareNatural(x, y)).toBeLessThanOrEqual(0);
        expect(compareNatural(y, z)).toBeLessThanOrEqual(0);
        expect(compareNatural(x, z)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 10000 },
    );
  });
});
