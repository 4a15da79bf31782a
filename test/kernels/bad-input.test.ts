/**
 * Bad input: every value is read as written or the record is malformed (by the parse mode's
 * rules), never silently changed, never a crash later. Decision 0006, "Values are valid or
 * malformed".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { AnalysisError, MalformedRecordError, nodeFileSystem, parseJsonLines, parseSchema, readJsonFiles, type ParseMode } from '../../src/index.js';
import { parseTimestamp } from '../../src/json-lines.js';
import { decodeUtf8 } from '../../src/fs/file-system.js';
import { parseJsonLinesReference, scanJsonLines, type JsonlField } from '../../src/jsonl/fast-scan.js';
import { thrown } from '../support/thrown.js';

const SCHEMA = parseSchema('time TIMESTAMP, id LONG, action STRING, _corrupt_record STRING');

function parse(text: string, mode: ParseMode, schema = SCHEMA) {
  return parseJsonLines(text, schema, { path: 'in/f.json', mode, columnNameOfCorruptRecord: '_corrupt_record' });
}

/** The line read in the three modes: PERMISSIVE keeps the row with `nulled` null and the line in the corrupt column, DROPMALFORMED drops it, FAILFAST names file and line. */
function expectMalformed(line: string, nulled: string, reason: RegExp | string, schema = SCHEMA): void {
  const text = `{"id":1,"action":"ok"}\n${line}\n`;
  const permissive = parse(text, 'PERMISSIVE', schema);
  expect(permissive.numMalformedRows).toBe(1);
  expect(permissive.rows).toHaveLength(2);
  const row = permissive.rows[1]!;
  expect(row[nulled]).toBeNull();
  expect(row['_corrupt_record']).toBe(line.replace(/[\ud800-\udfff]/g, '\ufffd'));
  const dropped = parse(text, 'DROPMALFORMED', schema);
  expect(dropped.rows).toHaveLength(1);
  expect(dropped.numMalformedRows).toBe(1);
  const e = thrown(() => parse(text, 'FAILFAST', schema), MalformedRecordError);
  expect(e.path).toBe('in/f.json');
  expect(e.line).toBe(2);
  expect(e.reason).toMatch(reason);
}

/** The fast scanner and its reference path agree (the property tests check this broadly). */
function bothPaths(text: string, fields: readonly JsonlField[]) {
  const fast = scanJsonLines(text, fields);
  expect(fast).toEqual(parseJsonLinesReference(text, fields));
  return fast;
}

describe('timestamps a JavaScript Date cannot hold are malformed', () => {
  it.each([
    ['{"time":1e20,"id":2}', /beyond the instants/],
    ['{"time":8640000000001,"id":2}', /beyond the instants/],
    ['{"time":-8640000000001,"id":2}', /beyond the instants/],
    ['{"time":"+275761-01-01T00:00:00Z","id":2}', /is not a timestamp/],
    ['{"time":"999999-01-01","id":2}', /is not a timestamp/],
  ])('%s', (line, reason) => {
    expectMalformed(line, 'time', reason);
    expect(parse(line, 'PERMISSIVE').rows[0]!['id']).toBe(2); // the rest kept
  });

  it('keeps the limits themselves', () => {
    expect(parse('{"time":8640000000000}\n{"time":-8640000000000}', 'FAILFAST').rows.map((r) => r['time'])).toEqual([8.64e15, -8.64e15]);
  });
});

describe('longs are exact or malformed', () => {
  it.each([
    ['{"id":9007199254740992}', /±\(2\^53 - 1\)/],
    ['{"id":9007199254740993}', /±\(2\^53 - 1\)/],
    ['{"id":-9007199254740992}', /±\(2\^53 - 1\)/],
    ['{"id":12345678901234567890}', /±\(2\^53 - 1\)/],
    ['{"id":9007199254740990.5}', /cannot hold it exactly/],
    ['{"id":1.00000000000000001}', /cannot hold it exactly/],
    ['{"id":1e-400}', /cannot hold it exactly/],
  ])('%s', (line, reason) => {
    expectMalformed(line, 'id', reason);
  });

  it('two ids JSON.parse would merge stay apart: neither is read', () => {
    const r = parse('{"id":9007199254740993}\n{"id":9007199254740992}\n{"id":9007199254740991}', 'DROPMALFORMED');
    expect(r.rows.map((x) => x['id'])).toEqual([9007199254740991]);
  });

  it('reads the safe range exactly, and integral literals written otherwise (1.0, 1e3) as before', () => {
    expect(parse('{"id":9007199254740991}\n{"id":-9007199254740991}\n{"id":1.0}\n{"id":1e3}\n{"id":-0}', 'FAILFAST').rows.map((r) => r['id'])).toEqual([
      9007199254740991, -9007199254740991, 1, 1000, -0,
    ]);
  });

  it('an inexact literal is its nearest value in a string or double column, and is refused in a timestamp or int column', () => {
    const schema = parseSchema('s STRING, d DOUBLE, t TIMESTAMP, i INT, a ARRAY<LONG>, st STRUCT<n: LONG>');
    const r = parse('{"s":[9007199254740990.5],"d":9007199254740990.5}\n{"t":1469501107.0000000001}\n{"i":1.00000000000000001}\n{"a":[1,1.00000000000000001]}\n{"st":{"n":1.00000000000000001}}', 'PERMISSIVE', schema);
    expect(r.rows[0]).toEqual({ s: '[9007199254740990]', d: 9007199254740990, t: null, i: null, a: null, st: null });
    expect(r.numMalformedRows).toBe(4);
    for (const row of r.rows.slice(1)) expect(Object.values(row).every((v) => v === null)).toBe(true);
  });

  it('the scanner sends such numbers to the reference path, in plain and struct columns', () => {
    const fields: JsonlField[] = [
      { name: 'l', type: 'long' },
      { name: 's', type: 'struct<n:long>' },
      { name: 'a', type: 'array<long>' },
    ];
    const r = bothPaths('{"l":9007199254740993}\n{"s":{"n":9007199254740990.5}}\n{"a":[9007199254740992]}\n{"l":123456789012345,"s":{"n":3},"a":[1]}', fields);
    expect(r.bad.map((b) => b.line)).toEqual([1, 2, 3]);
    expect(r.rows).toEqual([{ l: 123456789012345, s: { n: 3 }, a: [1] }]);
  });
});

describe('timestamp strings as Spark reads them by default', () => {
  const utc = (...a: [number, number, number?, number?, number?, number?, number?]): number => Date.UTC(...a);
  it.each([
    ['2016-07-26T02:45:07Z', utc(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26 02:45:07', utc(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26', utc(2016, 6, 26)],
    ['2016-07', utc(2016, 6, 1)],
    ['2016', utc(2016, 0, 1)],
    ['2016-7-6', utc(2016, 6, 6)],
    ['2016-07-26T02', utc(2016, 6, 26, 2)],
    ['2016-07-26T02:45', utc(2016, 6, 26, 2, 45)],
    ['2016-07-26T02:45:07.1234567Z', utc(2016, 6, 26, 2, 45, 7, 123)],
    ['2016-07-26T08:15:07+05:30', utc(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26T08:15:07+0530', utc(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26T07:45:07+5', utc(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26T02:45:07 UTC', utc(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26T04:45:07 GMT+02:00', utc(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26T04:45:07Europe/Paris', utc(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26T08:15:07 Asia/Kolkata', utc(2016, 6, 26, 2, 45, 7)],
    ['  2016-07-26T02:45:07Z\t', utc(2016, 6, 26, 2, 45, 7)],
  ])('reads %j (zone-less text is UTC, whatever the machine zone)', (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
    expect(parse(JSON.stringify({ time: text }), 'FAILFAST').rows[0]!['time']).toBe(ms);
  });

  it.each([
    '10:00',
    '10:00:00',
    'T10:00:00',
    '10:00:00Z',
    '2016-07-26T',
    '2016-07-26T02:45Z',
    '2016-02-30',
    '2016-13-01',
    '2016-07-26T24:00:00',
    '2016-07-26T02:45:60',
    '2016-07-26T02:45:07+19:00',
    '2016-07-26T02:45:07 Mars/Olympus',
    '16-07-26',
    '2016/07/26',
    'July 26, 2016',
    '2016-W30',
    '',
  ])('refuses %j as malformed (a time alone is never read as today)', (text) => {
    expect(parseTimestamp(text)).toBeNaN();
    expectMalformed(JSON.stringify({ time: text }), 'time', /is not a timestamp/);
  });
});

describe('the corrupt-record column must be a string', () => {
  it('refuses another type when the source is composed, in Spark words', () => {
    const e = thrown(() => readJsonFiles('/in', { schema: 'time TIMESTAMP, _corrupt_record INT' }), AnalysisError);
    expect(e.message).toContain('The field for corrupt records must be string type and nullable');
    expect(e.message).toContain('columnNameOfCorruptRecord "_corrupt_record"');
    const named = thrown(() => readJsonFiles('/in', { schema: 'time TIMESTAMP, bad ARRAY<STRING>', columnNameOfCorruptRecord: 'bad' }), AnalysisError);
    expect(named.message).toContain('readJsonFiles');
    expect(named.message).toContain('array<string>');
    expect(() => readJsonFiles('/in', { schema: 'time TIMESTAMP, bad STRING', columnNameOfCorruptRecord: 'bad' })).not.toThrow();
    expect(() => readJsonFiles('/in', { schema: 'time TIMESTAMP, _corrupt_record INT', columnNameOfCorruptRecord: 'other' })).not.toThrow();
  });

  it('parseJsonLines refuses it too', () => {
    thrown(() => parse('{}', 'PERMISSIVE', parseSchema('a INT, _corrupt_record LONG')), AnalysisError);
  });
});

describe('line endings: \\n, \\r\\n and a lone \\r each end a line', () => {
  it.each([
    ['\\r', '\r'],
    ['\\r\\n', '\r\n'],
    ['\\n', '\n'],
  ])('%s', (_name, eol) => {
    const text = ['{"id":1}', '{"id":2}', '', '{"id":3', '{"id":4}'].join(eol) + eol;
    const r = parse(text, 'PERMISSIVE');
    expect(r.rows.map((x) => x['id'])).toEqual([1, 2, null, 4]);
    expect(r.rows[2]!['_corrupt_record']).toBe('{"id":3');
    expect(thrown(() => parse(text, 'FAILFAST'), MalformedRecordError).line).toBe(4);
    expect(parse(text, 'DROPMALFORMED').rows).toHaveLength(3);
    bothPaths(text, [{ name: 'id', type: 'long' }]);
  });

  it('a \\r inside a record splits it, as in Spark (both halves malformed)', () => {
    const r = bothPaths('{"id":1,\r"x":2}\n{"id":5}', [{ name: 'id', type: 'long' }]);
    expect(r.bad.map((b) => b.line)).toEqual([1, 2]);
    expect(r.rows).toEqual([{ id: 5 }]);
  });
});

describe('deep nesting never overflows the stack', () => {
  const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  it('accepts up to 1000 levels (the line object counts) in a string column and an undeclared field', () => {
    const r = parse(`{"id":1,"action":${nest(999)},"x":${nest(999)}}`, 'FAILFAST');
    expect(r.rows[0]!['action']).toBe(nest(999));
  });

  it.each([
    ['a string column', (n: number) => `{"id":1,"action":${nest(n)}}`],
    ['an undeclared field', (n: number) => `{"id":1,"x":${nest(n)}}`],
    ['a struct', (n: number) => `{"id":1,"x":{"a":${nest(n)}}}`],
  ])('refuses 1000 levels inside the line object, and 100000, in %s', (_name, line) => {
    expectMalformed(line(1000), 'time', /nesting deeper than 1000 levels/);
    expectMalformed(line(100000), 'time', /nesting deeper than 1000 levels/);
  });

  it('the same in the scanner', () => {
    const r = bothPaths(`{"a":${nest(1000)}}\n{"a":${nest(50)}}`, [{ name: 'a', type: 'string' }]);
    expect(r.bad.map((b) => b.line)).toEqual([1]);
  });
});

describe('bytes that are not UTF-8', () => {
  const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

  it('decodes valid UTF-8 as usual, a BOM kept, and each invalid byte as a lone surrogate', () => {
    expect(decodeUtf8(bytes('\ufeff{"a":"é😀"}'))).toBe('\ufeff{"a":"é😀"}');
    expect(decodeUtf8(bytes('a', [0xff], 'b', [0xc3], 'c', [0xed, 0xa0, 0x80], [0xe2, 0x82], '!'))).toBe('a\udcffb\udcc3c\udced\udca0\udc80\udce2\udc82!');
    expect(decodeUtf8(bytes([0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80]))).toBe('\udcc0\udcaf\udcf4\udc90\udc80\udc80'); // overlong, beyond U+10FFFF
    expect(decodeUtf8(bytes('\ufffd'))).toBe('\ufffd'); // a real U+FFFD stays valid
  });

  it('makes the line with them malformed, U+FFFD in the corrupt-record column; other lines read', () => {
    const text = decodeUtf8(bytes('{"id":1,"action":"caf', [0xe9], '"}\n{"id":2,"action":"café"}\n'));
    const r = parse(text, 'PERMISSIVE');
    expect(r.numMalformedRows).toBe(1);
    expect(r.rows[0]).toEqual({ time: null, id: null, action: null, _corrupt_record: '{"id":1,"action":"caf\ufffd"}' });
    expect(r.rows[1]).toEqual({ time: null, id: 2, action: 'café', _corrupt_record: null });
    expect(parse(text, 'DROPMALFORMED').rows).toHaveLength(1);
    const e = thrown(() => parse(text, 'FAILFAST'), MalformedRecordError);
    expect(e.line).toBe(1);
    expect(e.reason).toMatch(/not UTF-8/);
    expect(e.record).toBe('{"id":1,"action":"caf\ufffd"}');
    bothPaths(text, [{ name: 'id', type: 'long' }, { name: 'action', type: 'string' }]);
  });

  it('also in an undeclared field, and in a key', () => {
    const text = decodeUtf8(bytes('{"id":1,"x":"', [0x80], '"}\n{"', [0xfe], '":1,"id":2}\n{"id":3}'));
    expect(parse(text, 'DROPMALFORMED').rows.map((x) => x['id'])).toEqual([3]);
  });

  it('the file source reads such a file through the real file system', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
    try {
      writeFileSync(join(dir, 'f.json'), bytes('{"id":1}\r{"id":', [0xff], '}\r{"id":3}'));
      expect(await firstValueFrom(nodeFileSystem.readText(join(dir, 'f.json')))).toBe('{"id":1}\r{"id":\udcff}\r{"id":3}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
