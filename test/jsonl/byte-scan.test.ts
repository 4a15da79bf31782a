// The byte scanner's fast paths (src/jsonl/byte-scan.ts: the compiled driver for lines in
// schema order, the general path for any key order, the dictionary, the number readers)
// against the text path (parseJsonLines over the decoded text), on the cases each fast path
// has to get right. The property tests of both paths over generated texts are in
// fast-scan.test.ts.
import fc from 'fast-check';
import { dictionaryHash, scanJsonLinesToColumns } from '../../src/jsonl/byte-scan.js';
import { parseJsonLinesToColumns } from '../../src/jsonl/columns.js';
import type { JsonlField } from '../../src/jsonl/fast-scan.js';
import type { ParseMode, ParseOptions } from '../../src/json-lines.js';
import { CORRUPT, checkColumns, EVENTS, SCALARS } from './columns-vs-text.js';

const options = (mode: ParseMode, reports: unknown[]): ParseOptions => ({
  path: 'f.json',
  mode,
  columnNameOfCorruptRecord: CORRUPT,
  onMalformed: (line, reason, raw) => reports.push({ line, reason, raw }),
});

/** The columns' rows, malformed count, reports and errors equal the text path's for these lines. */
function expectSameAsText(text: string, fields: readonly JsonlField[], mode: ParseMode = 'PERMISSIVE', corrupt = true): Record<string, unknown>[] {
  return checkColumns(Buffer.from(text, 'utf8'), fields, mode, corrupt);
}

describe('the byte scanner against the text path', () => {
  it('reads lines in schema order, in another order, with keys missing and unknown keys, in one block', () => {
    const rows = expectSameAsText(
      [
        '{"time":1469501107,"action":"Open"}',
        '{"action":"Close","time":1469501108}',
        '{"time":1469501109}',
        '{"action":"Open"}',
        '{"extra":[1,{"a":"b"}],"time":1469501110,"action":"Open","more":null}',
        '{"time":1469501111,"other":true,"action":"Close"}',
        '{}',
        '{"time":1469501112,"action":"Close"}',
      ].join('\n'),
      EVENTS,
    );
    expect(rows.map((r) => r['action'])).toEqual(['Open', 'Close', null, 'Open', 'Open', 'Close', null, 'Close']);
    expect(rows.map((r) => r['time'])).toEqual([1469501107000, 1469501108000, 1469501109000, null, 1469501110000, 1469501111000, null, 1469501112000]);
  });

  it('reads lines in the key order of the block\'s first line, whatever the schema\'s order, and any other line as well', () => {
    const other = ['{"s":"a","b":true,"d":0.5,"i":1,"l":2,"ts":3}', '{"s":"b","b":false,"d":-1.25,"i":-1,"l":-2,"ts":-3}'];
    const mixed = ['{"ts":1,"s":"c","l":1,"i":1,"d":1,"b":true}', '{"s":null,"b":null,"d":null,"i":null,"l":null,"ts":null}', '{"b":true,"s":"d"}', '{"s":"e","b":true,"d":0.5,"i":1,"l":2,"ts":3,"x":0}'];
    // First lines that set no order: a key missing, a key repeated, a key not in the schema, whitespace, an escaped key.
    const firsts = ['{"s":"a","b":true}', '{"s":"a","s":"b","b":true,"d":1,"i":1,"l":1,"ts":1}', '{"x":1,"s":"a","b":true,"d":1,"i":1,"l":1,"ts":1}', '{ "s":"a"}', '{"\\u0073":"a","b":true,"d":1,"i":1,"l":1,"ts":1}', ''];
    for (const first of [...firsts, ...other]) {
      const rows = expectSameAsText([first, ...other, ...mixed, ...other].join('\n'), SCALARS);
      expect(rows.slice(-2).map((r) => [r['s'], r['b'], r['d'], r['i'], r['l'], r['ts']])).toEqual([
        ['a', true, 0.5, 1, 2, 3000],
        ['b', false, -1.25, -1, -2, -3000],
      ]);
    }
  });

  it('reads lines with keys the schema does not read, in the layout of the block\'s first line, as the text path does', () => {
    const line = (t: number, a: string, extra: string): string => `{"id":${t},"time":${t},"meta":${extra},"action":"${a}","tim":"x"}`;
    const extras = ['{"a":[1,2,{"b":null}]}', '"s"', 'null', '[]', '"a\\"b"', '"é"', '{"x":1', '1.5e3', 'tru'];
    const lines = extras.map((e, i) => line(i, i % 2 ? 'Open' : 'Close', e));
    const others = ['{"time":90,"action":"Open"}', '{"id":1,"time":91,"meta":0,"action":"Open"}', '{"id":1,"time":92,"meta":0,"action":"Open","tim":"x","more":1}', '{"id":1,"time":93,"time":94,"meta":0,"action":"Open","tim":"x"}'];
    const rows = expectSameAsText([line(100, 'Open', '{}'), ...lines, ...others, line(101, 'Close', '0')].join('\n'), EVENTS);
    expect(rows[0]).toEqual({ time: 100000, action: 'Open', [CORRUPT]: null });
    expect(rows.at(-1)).toEqual({ time: 101000, action: 'Close', [CORRUPT]: null });
    // The same with the first line setting a layout that has a key only a prefix of a field's.
    expectSameAsText(['{"tim":1,"time":2,"action":"a"}', '{"tim":1,"time":3,"action":"b"}', '{"time":4,"tim":1,"action":"c"}', '{"tim":1,"timex":5,"action":"d"}'].join('\n'), EVENTS);
  });

  it('reads lines with every field, in one key order per block, as the text path does (property)', () => {
    const integer = fc.oneof(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }).map(String), fc.integer({ min: -(2 ** 31) - 2, max: 2 ** 31 + 1 }).map(String), fc.constantFrom('0', '-0', '00', '01', '-', '1.0', '1e3', '123456789012345', '1234567890123456'));
    const value: Record<string, fc.Arbitrary<string>> = {
      ts: fc.oneof(integer, fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => JSON.stringify(d.toISOString()))),
      s: fc.oneof(fc.constantFrom('"Open"', '"Close"', '"Op"', '""'), fc.string({ maxLength: 6 }).map((v) => JSON.stringify(v)), fc.string({ unit: 'grapheme', maxLength: 3 }).map((v) => JSON.stringify(v))),
      l: integer,
      i: integer,
      d: fc.oneof(integer, fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)), fc.constantFrom('0.5', '-12.25', '1.', '.5', '1e400')),
      b: fc.constantFrom('true', 'false', 'tru', '1'),
    };
    const withNull = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ weight: 6, arbitrary: a }, { weight: 1, arbitrary: fc.constant('null') });
    const row = fc.record(Object.fromEntries(Object.entries(value).map(([k, a]) => [k, withNull(a)])) as Record<string, fc.Arbitrary<string>>);
    const order = fc.shuffledSubarray(SCALARS.map((f) => f.name), { minLength: SCALARS.length, maxLength: SCALARS.length });
    fc.assert(
      fc.property(order, fc.array(row, { minLength: 1, maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (keys, rows, eol) => {
        expectSameAsText(rows.map((r) => '{' + keys.map((k) => `"${k}":${r[k] as string}`).join(',') + '}').join(eol), SCALARS);
      }),
      { numRuns: 500 },
    );
  });

  it('gives a line with a repeated key to the fallback, which keeps the last value as JSON.parse does', () => {
    const rows = expectSameAsText(
      ['{"time":1,"action":"a","time":2}', '{"time":1,"time":3,"action":"b"}', '{"action":"c","action":"d","time":4}', '{"time":5,"action":"e","action":null}'].join('\n'),
      EVENTS,
    );
    expect(rows.map((r) => [r['time'], r['action']])).toEqual([
      [2000, 'a'],
      [3000, 'b'],
      [4000, 'd'],
      [5000, null],
    ]);
  });

  it('tells apart keys that are prefixes of one another', () => {
    const fields: readonly JsonlField[] = [
      { name: 'time', type: 'long' },
      { name: 'timestamp', type: 'long' },
      { name: 't', type: 'long' },
    ];
    const rows = expectSameAsText(
      [
        '{"time":1,"timestamp":2,"t":3}',
        '{"timestamp":2,"time":1,"t":3}',
        '{"times":9,"time":1,"t":3}',
        '{"t":3,"tim":9,"timestamp":2}',
        '{"time":1,"timestamp":2,"t":3,"ti":9}',
        '{"timestam":9,"timestampX":9,"":9}',
      ].join('\n'),
      fields,
    );
    expect(rows.map((r) => [r['time'], r['timestamp'], r['t']])).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, null, 3],
      [null, 2, 3],
      [1, 2, 3],
      [null, null, null],
    ]);
  });

  it('reads every scalar kind in schema order, with nulls, each line ending', () => {
    const lines = [
      '{"ts":1469501107,"s":"x","l":-12,"i":7,"d":1.25,"b":true}',
      '{"ts":null,"s":null,"l":null,"i":null,"d":null,"b":null}',
      '{"ts":"2016-07-26T02:45:07.5Z","s":"","l":0,"i":-2147483648,"d":-0.0,"b":false}',
      '{"ts":-5,"s":"y","l":999999999999999,"i":2147483647,"d":-0,"b":true}',
      '{"ts":1,"s":"x","l":1,"i":2147483648,"d":1e3,"b":true}',
      '{"ts":1.5,"s":"x","l":1.0,"i":1,"d":0.1,"b":false}',
      '{"ts":1,"s":"x","l":1,"i":1,"d":123456789.123456,"b":tru}',
    ];
    for (const eol of ['\n', '\r\n', '\r']) {
      expectSameAsText(lines.join(eol), SCALARS);
      expectSameAsText(lines.join(eol) + eol, SCALARS);
    }
  });

  it('keeps a row not null after a line that wrote a null into the same row and then gave no row', () => {
    // The second line writes a null for time into row 1, then is malformed and dropped; row 1
    // is then the third line's, whose time is not null.
    for (const mode of ['DROPMALFORMED', 'PERMISSIVE'] as const) {
      const rows = expectSameAsText(['{"time":1,"action":"a"}', '{"time":null,"action":"b"', '', '{"time":3,"action":"c"}', '{"time":null,"action":1', '{"time":4,"action":"d"}'].join('\n'), EVENTS, mode, false);
      expect(rows.filter((r) => r['action'] !== null).map((r) => r['time'])).toEqual([1000, 3000, 4000]);
    }
  });

  it('reads a line cut off at the end of the block by the fallback', () => {
    for (const tail of ['{"time":1,"action":"Op', '{"time":14695', '{"time":1,"action":', '{"time":1,"act', '{"time":1,"action":"Open"', '{"time":1,"action":"Open"}x', '{"time":1,"action":"Open"} ']) {
      expectSameAsText(`{"time":1,"action":"Open"}\n${tail}`, EVENTS);
    }
  });

  it('reads strings that are not plain ASCII (non-ASCII bytes, escapes) through the fallback, into the same dictionary', () => {
    const rows = expectSameAsText(
      ['{"time":1,"action":"Öffnen"}', '{"time":2,"action":"Open"}', '{"time":3,"action":"O\\u0070en"}', '{"time":4,"action":"日本"}', '{"time":5,"action":"😀"}', '{"time":6,"action":"a\\"b"}', '{"time":7,"action":"Öffnen"}'].join('\n'),
      EVENTS,
    );
    expect(rows.map((r) => r['action'])).toEqual(['Öffnen', 'Open', 'Open', '日本', '😀', 'a"b', 'Öffnen']);
    const chunk = parseJsonLinesToColumns(Buffer.from('{"time":2,"action":"Open"}\n{"time":3,"action":"O\\u0070en"}'), { fields: EVENTS }, options('PERMISSIVE', [])).chunk;
    expect(chunk.column('action')).toMatchObject({ kind: 'dict', dict: ['Open'], ids: Int32Array.from([0, 0]) });
  });

  it('keeps strings apart whose hashes collide, whole or in the table', () => {
    // Two strings with the same 32-bit hash (found by search), and strings that share a slot of
    // the initial table of 64.
    const [a, b] = ['k4uzx', 'kf2ad'];
    const hash = (s: string): number => dictionaryHash(Buffer.from(s), 0, s.length);
    expect(hash(a)).toBe(hash(b));
    const sameSlot: string[] = [];
    for (let i = 0; sameSlot.length < 12; i++) if ((hash(`v${i}`) & 63) === (hash('v0') & 63)) sameSlot.push(`v${i}`);
    const values = [a, b, ...sameSlot, b, a, ...sameSlot.reverse()];
    const text = values.map((v, i) => `{"time":${i},"action":"${v}"}`).join('\n');
    const rows = expectSameAsText(text, EVENTS);
    expect(rows.map((r) => r['action'])).toEqual(values);
    const column = parseJsonLinesToColumns(Buffer.from(text), { fields: EVENTS }, options('PERMISSIVE', [])).chunk.column('action');
    expect(column?.kind === 'dict' && column.dict.length).toBe(2 + 12);
  });

  it('reads a value that the last values read start with, or that starts them (the recent values are compared first)', () => {
    const values = ['Open', 'Op', '', 'Open', '', 'Opener', 'Op', 'O', 'Open', 'Close', 'Open', 'Close', '', '', 'Closed', 'Clos', 'Close'];
    const rows = expectSameAsText(values.map((v, i) => `{"time":${i},"action":"${v}"}`).join('\n'), EVENTS);
    expect(rows.map((r) => r['action'])).toEqual(values);
    // A recent value's bytes followed by something other than the closing quote: not that value.
    const bad = expectSameAsText(['{"time":1,"action":"Op"}', '{"time":2,"action":"OpX}', '{"time":3,"action":""}', '{"time":4,"action":"}}', '{"time":5,"action":"Op"}'].join('\n'), EVENTS);
    expect(bad.map((r) => r[CORRUPT] === null)).toEqual([true, false, true, false, true]);
  });

  it('grows the dictionary past its initial table, in both paths', () => {
    const values = Array.from({ length: 5000 }, (_, i) => `user-${(i * 7919) % 3001}`);
    const text = values.map((v, i) => (i % 3 === 0 ? `{"action":"${v}","time":${i}}` : `{"time":${i},"action":"${v}"}`)).join('\n');
    const rows = expectSameAsText(text, EVENTS);
    expect(rows.map((r) => r['action'])).toEqual(values);
    const column = parseJsonLinesToColumns(Buffer.from(text), { fields: EVENTS }, options('PERMISSIVE', [])).chunk.column('action');
    expect(column?.kind === 'dict' && column.dict.length).toBe(new Set(values).size);
  });

  it('reads doubles as Number() reads their text (short decimals computed, the rest parsed)', () => {
    const fields: readonly JsonlField[] = [
      { name: 'd', type: 'double' },
      { name: 'e', type: 'double' },
    ];
    const decimal = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.nat({ max: 19 }))
      .map(([neg, digits, scale]) => {
        const s = digits.toString().padStart(scale + 1, '0');
        const text = scale === 0 ? s : `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
        return (neg ? '-' : '') + text;
      });
    const number = fc.oneof(decimal, fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)), fc.constantFrom('0', '-0', '0.0', '-0.0', '1e22', '1.5E-3', '123456789012345', '1234567890123456', '0.000000000000001', '9007199254740993'));
    fc.assert(
      fc.property(fc.array(fc.tuple(number, number), { minLength: 1, maxLength: 10 }), (pairs) => {
        const text = pairs.map(([d, e], i) => (i % 2 === 0 ? `{"d":${d},"e":${e}}` : `{"e":${e},"d":${d}}`)).join('\n');
        const rows = expectSameAsText(text, fields, 'PERMISSIVE', false);
        rows.forEach((row, i) => {
          expect(Object.is(row['d'], Number((pairs[i] as [string, string])[0]))).toBe(true);
          expect(Object.is(row['e'], Number((pairs[i] as [string, string])[1]))).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('reads keys that need escaping, or that are code, as plain keys', () => {
    const fields: readonly JsonlField[] = [
      { name: 'a"b', type: 'long' },
      { name: 'back\\slash', type: 'string' },
      { name: '"]);throw new Error("x");//', type: 'long' },
      { name: '__proto__', type: 'long' },
      { name: 'é', type: 'long' },
    ];
    const line = (v: number): string => `{"a\\"b":${v},"back\\\\slash":"s${v}","\\"]);throw new Error(\\"x\\");//":${v + 1},"__proto__":${v + 2},"é":${v + 3}}`;
    const rows = expectSameAsText([line(1), line(2), '{"é":9,"__proto__":8}'].join('\n'), fields);
    expect(rows.map((r) => Object.values(r))).toEqual([
      [1, 's1', 2, 3, 4, null],
      [2, 's2', 3, 4, 5, null],
      [null, null, null, 8, 9, null],
    ]);
  });

  it('reads a schema too wide to compile, and one with a very long key, by the general path', () => {
    const wide: JsonlField[] = Array.from({ length: 70 }, (_, i) => ({ name: `f${i}`, type: 'long' }));
    const wideLine = (v: number): string => '{' + wide.map((f, i) => `"${f.name}":${v + i}`).join(',') + '}';
    const rows = expectSameAsText([wideLine(0), wideLine(100)].join('\n'), wide);
    expect(rows[1]?.['f69']).toBe(169);
    const long: JsonlField[] = [{ name: 'k'.repeat(300), type: 'long' }, { name: 'v', type: 'string' }];
    expectSameAsText(`{"${'k'.repeat(300)}":1,"v":"a"}\n{"v":"b","${'k'.repeat(300)}":2}\n{"${'k'.repeat(299)}":3}`, long);
  });

  it('reads many blocks of the same schema with one compiled reader, each with its own dictionary', () => {
    const fallback = (): undefined => {
      throw new Error('no line here needs the fallback');
    };
    for (let block = 0; block < 5; block++) {
      const actions = Array.from({ length: 300 }, (_, i) => `a${(i * (block + 3)) % 40}`);
      const bytes = Buffer.from(actions.map((a, i) => `{"time":${block * 1000 + i},"action":"${a}"}`).join('\n'));
      const scan = scanJsonLinesToColumns(bytes, EVENTS, { timestampStrings: true }, fallback);
      expect(scan.length).toBe(300);
      const [time, action] = scan.columns;
      expect(time?.kind === 'number' && Array.from(time.values)).toEqual(actions.map((_, i) => (block * 1000 + i) * 1000));
      expect(action?.kind === 'dict' && Array.from(action.ids, (id) => action.dict[id])).toEqual(actions);
    }
  });
});
