import { INVALID, MalformedRecordError, convertValue, mismatch, parseJsonLines, parseSchema, type ParseMode } from '../../src/index.js';
import { batchText, instant, loadCase, schemaDdl } from './conformance.js';
import { thrown } from '../support/thrown.js';

const EVENTS = parseSchema('time TIMESTAMP, action STRING');
const ALL = parseSchema('ts TIMESTAMP, s STRING, l LONG, i INT, d DOUBLE, b BOOLEAN');

function parse(text: string, schema = EVENTS, mode: ParseMode = 'PERMISSIVE', columnNameOfCorruptRecord = '_corrupt_record') {
  return parseJsonLines(text, schema, { path: 'in/file-0.json', mode, columnNameOfCorruptRecord });
}

function failfast(text: string, schema = EVENTS): MalformedRecordError {
  return thrown(() => parse(text, schema, 'FAILFAST'), MalformedRecordError);
}

describe('timestamps', () => {
  it('reads an integral JSON number as epoch seconds (kept as milliseconds)', () => {
    const { rows } = parse('{"time":1469501107,"action":"Open"}\n');
    expect(rows).toEqual([{ time: Date.UTC(2016, 6, 26, 2, 45, 7), action: 'Open' }]);
  });

  it('reads negative epoch seconds (before 1970)', () => {
    expect(parse('{"time":-86398}').rows[0]?.['time']).toBe(Date.UTC(1969, 11, 31, 0, 0, 2));
  });

  it.each<[string, number]>([
    ['2016-07-26T02:45:07Z', Date.UTC(2016, 6, 26, 2, 45, 7)],
    ['2016-07-26T02:45:07.123Z', Date.UTC(2016, 6, 26, 2, 45, 7, 123)],
    ['2016-07-26T08:15:07+05:30', Date.UTC(2016, 6, 26, 2, 45, 7)],
    ['2016-07-25T19:45:07-07:00', Date.UTC(2016, 6, 26, 2, 45, 7)],
    ['1969-12-31T23:59:59Z', -1000],
  ])('reads the ISO-8601 string %j with its offset', (iso, ms) => {
    expect(parse(JSON.stringify({ time: iso })).rows[0]?.['time']).toBe(ms);
  });

  it('reads an ISO-8601 string without an offset as UTC, whatever the machine zone', () => {
    expect(parse('{"time":"2016-07-26T02:45:07"}').rows[0]?.['time']).toBe(Date.UTC(2016, 6, 26, 2, 45, 7));
    expect(parse('{"time":"2016-07-26T00:00:00.5"}').rows[0]?.['time']).toBe(Date.UTC(2016, 6, 26, 0, 0, 0, 500));
  });

  it.each<[unknown]>([[1469501107.5], ['yesterday'], ['2016-13-01T00:00:00Z'], [true], [{ s: 1 }], [[1]]])('refuses %j', (value) => {
    const { rows, numMalformedRows } = parse(JSON.stringify({ time: value, action: 'Open' }));
    expect(numMalformedRows).toBe(1);
    expect(rows).toEqual([{ time: null, action: 'Open' }]);
  });
});

describe('fields and types', () => {
  it('gives null for a missing field and for JSON null, and ignores extra fields', () => {
    const { rows, numMalformedRows } = parse('{"action":"Open","user":"x","time":null}\n{"time":1469501107}\n{}\n');
    expect(rows).toEqual([
      { time: null, action: 'Open' },
      { time: 1469501107000, action: null },
      { time: null, action: null },
    ]);
    expect(numMalformedRows).toBe(0);
  });

  it('gives null for a missing field named like an Object.prototype member', () => {
    const schema = parseSchema('constructor STRING, toString STRING, n LONG');
    // The second line takes the reference path (whitespace), the first the scanner's fast path.
    const { rows } = parse('{"n":1}\n{ "n" : 2 }\n', schema);
    expect(rows).toEqual([
      { constructor: null, toString: null, n: 1 },
      { constructor: null, toString: null, n: 2 },
    ]);
  });

  it('reads lines the fast scanner passes on (whitespace, escapes, zoneless ISO) exactly as compact ones', () => {
    const { rows, numMalformedRows } = parse(
      '{"time":1469501107,"action":"Open"}\n{ "time" : 1469501107 , "action" : "Op\\u0065n" }\n{"time":"2016-07-26T02:45:07","action":"Open"}\n',
    );
    expect(rows).toEqual([
      { time: 1469501107000, action: 'Open' },
      { time: 1469501107000, action: 'Open' },
      { time: 1469501107000, action: 'Open' },
    ]);
    expect(numMalformedRows).toBe(0);
  });

  it('puts the fields in schema order', () => {
    const { rows } = parse('{"action":"Close","time":0}');
    expect(Object.keys(rows[0] ?? {})).toEqual(['time', 'action']);
  });

  it('reads every type', () => {
    const line = JSON.stringify({ ts: 0, s: 'x', l: 9007199254740991, i: -2147483648, d: 1.5, b: false });
    expect(parse(line, ALL).rows).toEqual([{ ts: 0, s: 'x', l: 9007199254740991, i: -2147483648, d: 1.5, b: false }]);
  });

  it('gives the JSON text of a non-string value in a string column, as Spark', () => {
    const schema = parseSchema('s STRING');
    const text = ['{"s":5}', '{"s":1.5}', '{"s":true}', '{"s":{"x":1,"y":[1,2]}}', '{"s":[1,"a"]}', '{"s":{ "x" : 1 }}'].join('\n');
    const { rows, numMalformedRows } = parse(text, schema);
    expect(rows.map((r) => r['s'])).toEqual(['5', '1.5', 'true', '{"x":1,"y":[1,2]}', '[1,"a"]', '{"x":1}']);
    expect(numMalformedRows).toBe(0);
  });

  it('keeps the int range to 32 bits', () => {
    const schema = parseSchema('i INT');
    const ok = parse('{"i":2147483647}\n{"i":-2147483648}', schema);
    expect(ok.rows).toEqual([{ i: 2147483647 }, { i: -2147483648 }]);
    const bad = parse('{"i":2147483648}\n{"i":-2147483649}', schema);
    expect(bad.rows).toEqual([{ i: null }, { i: null }]);
    expect(bad.numMalformedRows).toBe(2);
  });

  it.each<[string, unknown]>([
    ['l', 1.5],
    ['l', '12'],
    ['i', 1.5],
    ['i', '1'],
    ['d', '1.5'],
    ['d', true],
    ['b', 'true'],
    ['b', 0],
    ['ts', false],
  ])('marks %s = %j as malformed', (column, value) => {
    const { rows, numMalformedRows } = parse(JSON.stringify({ [column]: value, s: 'kept' }), ALL);
    expect(numMalformedRows).toBe(1);
    expect(rows[0]?.[column]).toBeNull();
    expect(rows[0]?.['s']).toBe('kept');
  });

  it('reads a JSON integer into a double column', () => {
    expect(parse('{"d":2}', ALL).rows[0]?.['d']).toBe(2);
  });
});

describe('convertValue and mismatch', () => {
  it('gives the converted value, or INVALID with a reason from mismatch', () => {
    expect(convertValue(1469501107, 'timestamp')).toBe(1469501107000);
    expect(convertValue(null, 'int')).toBeNull();
    expect(convertValue(undefined, 'string')).toBeNull();
    expect(convertValue({ a: 1 }, 'string')).toBe('{"a":1}');
    expect(convertValue('x', 'long')).toBe(INVALID);
    expect(convertValue(2 ** 31, 'int')).toBe(INVALID);
    expect(mismatch('x', 'long')).toContain('"x"');
    expect(mismatch(1.5, 'timestamp')).toContain('1.5');
  });

  it('converts an array element-wise to a new array, or gives INVALID for the whole value', () => {
    const input = [1, null, 2];
    const out = convertValue(input, 'array<int>');
    expect(out).toEqual([1, null, 2]);
    expect(out).not.toBe(input);
    expect(convertValue([0, '1970-01-01T00:00:01Z'], 'array<timestamp>')).toEqual([0, 1000]);
    expect(convertValue([], 'array<boolean>')).toEqual([]);
    expect(convertValue(null, 'array<int>')).toBeNull();
    for (const bad of [5, 'x', { a: 1 }, [1, 'a'], [2 ** 31], [[1]]]) expect(convertValue(bad, 'array<int>')).toBe(INVALID);
    expect(mismatch([1, 'a'], 'array<int>')).toBe('element 1 of the array<int>: "a" is not an int');
    expect(mismatch([0, 1.5], 'array<timestamp>')).toBe('element 1 of the array<timestamp>: 1.5 is not an integral number of epoch seconds');
    expect(mismatch('x', 'array<string>')).toBe('"x" is not an array<string> (not a JSON array)');
  });
});

describe('array columns', () => {
  const ARRAYS = parseSchema('id INT, values ARRAY<INT>');
  const ARRAYS_CORRUPT = parseSchema('id INT, values ARRAY<INT>, _corrupt_record STRING');

  it('reads a JSON array element by element; a null element stays null, a null or missing column is null', () => {
    const text = ['{"id":1,"values":[1,null,-2147483648,2147483647]}', '{"id":2,"values":[]}', '{"id":3,"values":null}', '{"id":4}'].join('\n');
    const { rows, numMalformedRows } = parse(text, ARRAYS);
    expect(rows).toEqual([
      { id: 1, values: [1, null, -2147483648, 2147483647] },
      { id: 2, values: [] },
      { id: 3, values: null },
      { id: 4, values: null },
    ]);
    expect(numMalformedRows).toBe(0);
  });

  it('reads lines with whitespace or escapes (the reference path) exactly as compact ones', () => {
    const { rows } = parse('{"id":1,"values":[1,2]}\n{ "id" : 1 , "values" : [ 1 , 2 ] }\n{"id":1,"val\\u0075es":[1,2]}', ARRAYS);
    expect(rows).toEqual([
      { id: 1, values: [1, 2] },
      { id: 1, values: [1, 2] },
      { id: 1, values: [1, 2] },
    ]);
  });

  it('converts the elements by the rules of every element type', () => {
    const schema = parseSchema('l ARRAY<BIGINT>, d ARRAY<DOUBLE>, s ARRAY<STRING>, b ARRAY<BOOLEAN>, t ARRAY<TIMESTAMP>');
    const line = JSON.stringify({
      l: [9007199254740991, null],
      d: [1.5, 2],
      s: ['x', 1, true, { a: [1, 2] }, [1, 'a'], null],
      b: [true, false, null],
      t: [1469501107, '2016-07-26T08:15:07+05:30', '2016-07-26T02:45:07', null],
    });
    const { rows, numMalformedRows } = parse(line, schema);
    expect(numMalformedRows).toBe(0);
    expect(rows).toEqual([
      {
        l: [9007199254740991, null],
        d: [1.5, 2],
        // A non-string element of a string array is its JSON text, as for a string column.
        s: ['x', '1', 'true', '{"a":[1,2]}', '[1,"a"]', null],
        b: [true, false, null],
        t: [1469501107000, 1469501107000, 1469501107000, null],
      },
    ]);
  });

  it.each<[string]>([['5'], ['"x"'], ['true'], ['{"a":1}'], ['[1,"a"]'], ['[2147483648]'], ['[-2147483649]'], ['[1.5]'], ['[[1,2]]'], ['[1,[2]]'], ['[{"a":1}]'], ['[true]']])(
    'PERMISSIVE: values = %s is malformed; the array is null (never partial), the other fields kept',
    (value) => {
      const { rows, numMalformedRows } = parse(`{"id":7,"values":${value}}`, ARRAYS);
      expect(rows).toEqual([{ id: 7, values: null }]);
      expect(numMalformedRows).toBe(1);
    },
  );

  it('PERMISSIVE keeps the raw line in the corrupt-record column when the schema declares it', () => {
    const text = ['{"id":1,"values":[1,2]}', '{"id":2,"values":[1,"a"]}', '{"id":3,"values":[[1]]}', '{"id":4,"values":5}'].join('\n');
    const { rows, numMalformedRows } = parse(text, ARRAYS_CORRUPT);
    expect(rows).toEqual([
      { id: 1, values: [1, 2], _corrupt_record: null },
      { id: 2, values: null, _corrupt_record: '{"id":2,"values":[1,"a"]}' },
      { id: 3, values: null, _corrupt_record: '{"id":3,"values":[[1]]}' },
      { id: 4, values: null, _corrupt_record: '{"id":4,"values":5}' },
    ]);
    expect(numMalformedRows).toBe(3);
  });

  it('DROPMALFORMED drops a line whose array does not fit, and counts it', () => {
    const text = ['{"id":1,"values":[1,2]}', '{"id":2,"values":[1,"a"]}', '{"id":3,"values":[[1]]}', '{"id":4,"values":[null]}'].join('\n');
    const { rows, numMalformedRows } = parse(text, ARRAYS, 'DROPMALFORMED');
    expect(rows).toEqual([
      { id: 1, values: [1, 2] },
      { id: 4, values: [null] },
    ]);
    expect(numMalformedRows).toBe(2);
  });

  it('FAILFAST stops at the first line whose array does not fit, saying which element and why', () => {
    const e = failfast('{"id":1,"values":[1,2]}\n{"id":2,"values":[1,"a"]}\n', ARRAYS);
    expect(e.line).toBe(2);
    expect(e.record).toBe('{"id":2,"values":[1,"a"]}');
    expect(e.reason).toBe('field values: element 1 of the array<int>: "a" is not an int');
    expect(failfast('{"values":[[1,2]]}', ARRAYS).reason).toBe('field values: element 0 of the array<int>: [1,2] is not an int');
    expect(failfast('{"values":5}', ARRAYS).reason).toBe('field values: 5 is not an array<int> (not a JSON array)');
  });
});

describe('lines', () => {
  it('skips blank and whitespace-only lines and does not make a row of the final newline', () => {
    const { rows } = parse('\n{"action":"a"}\n\n   \n\t\n{"action":"b"}\n\n');
    expect(rows.map((r) => r['action'])).toEqual(['a', 'b']);
  });

  it('reads a last line without a newline', () => {
    expect(parse('{"action":"a"}\n{"action":"b"}').rows.map((r) => r['action'])).toEqual(['a', 'b']);
  });

  it('reads CRLF line endings without putting \\r in values or the corrupt record', () => {
    const schema = parseSchema('action STRING, _corrupt_record STRING');
    const { rows } = parse('{"action":"a"}\r\n{oops\r\n\r\n{"action":"b"}\r\n', schema);
    expect(rows).toEqual([
      { action: 'a', _corrupt_record: null },
      { action: null, _corrupt_record: '{oops' },
      { action: 'b', _corrupt_record: null },
    ]);
  });

  it('gives no rows for empty text', () => {
    expect(parse('')).toEqual({ rows: [], numMalformedRows: 0 });
    expect(parse('\n\n')).toEqual({ rows: [], numMalformedRows: 0 });
  });
});

describe('malformed lines and modes', () => {
  const text = ['{"time":1,"action":"a"}', 'not json', '[1,2]', '42', '{"time":"never","action":"b"}', '{"time":2,"action":"c"}'].join('\n');

  it('PERMISSIVE keeps a row per malformed line: all null for bad JSON, the good fields for a bad value', () => {
    const { rows, numMalformedRows } = parse(text);
    expect(rows).toEqual([
      { time: 1000, action: 'a' },
      { time: null, action: null },
      { time: null, action: null },
      { time: null, action: null },
      { time: null, action: 'b' },
      { time: 2000, action: 'c' },
    ]);
    expect(numMalformedRows).toBe(4);
  });

  it('PERMISSIVE fills the corrupt-record column only when the schema declares it', () => {
    const schema = parseSchema('time TIMESTAMP, action STRING, _corrupt_record STRING');
    const { rows } = parse(text, schema);
    expect(rows.map((r) => r['_corrupt_record'])).toEqual([null, 'not json', '[1,2]', '42', '{"time":"never","action":"b"}', null]);
    for (const r of parse(text).rows) expect(r).not.toHaveProperty('_corrupt_record');
  });

  it('PERMISSIVE uses the configured corrupt-record column name', () => {
    const schema = parseSchema('action STRING, _malformed STRING, _corrupt_record STRING');
    const { rows } = parse('{"action":"a"}\n{bad', schema, 'PERMISSIVE', '_malformed');
    expect(rows).toEqual([
      { action: 'a', _corrupt_record: null, _malformed: null },
      { action: null, _corrupt_record: null, _malformed: '{bad' },
    ]);
  });

  it('DROPMALFORMED drops the malformed lines and counts them', () => {
    const { rows, numMalformedRows } = parse(text, EVENTS, 'DROPMALFORMED');
    expect(rows).toEqual([
      { time: 1000, action: 'a' },
      { time: 2000, action: 'c' },
    ]);
    expect(numMalformedRows).toBe(4);
  });

  it('FAILFAST throws at the first malformed line with the file, 1-based line number and record', () => {
    const e = failfast(text);
    expect(e.path).toBe('in/file-0.json');
    expect(e.line).toBe(2);
    expect(e.record).toBe('not json');
    expect(e.message).toContain('in/file-0.json:2');
  });

  it('FAILFAST counts blank lines in the line number', () => {
    const e = failfast('{"action":"a"}\n\n\r\n{"time":"never"}\n');
    expect(e.line).toBe(4);
    expect(e.record).toBe('{"time":"never"}');
    expect(e.reason).toContain('time');
  });

  it('FAILFAST returns normally when nothing is malformed', () => {
    expect(parse('{"time":1,"action":"a"}', EVENTS, 'FAILFAST').rows).toEqual([{ time: 1000, action: 'a' }]);
  });
});

// ---- Spark's own expected values (JsonSuite) -----------------------------------------------

function sparkRows(expected: unknown, timestampColumns: readonly string[] = []): Record<string, unknown>[] {
  const tables = expected as Record<string, unknown>[][];
  const rows = tables[tables.length - 1] ?? [];
  return rows.map((r) => {
    const out: Record<string, unknown> = { ...r };
    for (const c of timestampColumns) if (typeof out[c] === 'string') out[c] = instant(out[c] as string);
    return out;
  });
}

describe('Spark conformance cases', () => {
  it('json-epoch-seconds-as-timestamp', () => {
    const c = loadCase('json-epoch-seconds-as-timestamp');
    const { rows } = parse(batchText(c.batches[0] ?? []), parseSchema(schemaDdl(c)));
    expect(rows).toEqual(sparkRows(c.expected, ['ts']));
  });

  it('json-permissive-corrupt-record-column', () => {
    const c = loadCase('json-permissive-corrupt-record-column');
    expect(c.options.source.mode).toBe('PERMISSIVE');
    const { rows } = parse(batchText(c.batches[0] ?? []), parseSchema(schemaDdl(c)), 'PERMISSIVE', c.options.source.columnNameOfCorruptRecord);
    expect(rows).toEqual(sparkRows(c.expected));
  });

  it('json-dropmalformed, and its variant with fewer columns', () => {
    const c = loadCase('json-dropmalformed');
    expect(c.options.source.mode).toBe('DROPMALFORMED');
    const text = batchText(c.batches[0] ?? []);
    expect(parse(text, parseSchema(schemaDdl(c)), 'DROPMALFORMED').rows).toEqual(sparkRows(c.expected));
    expect(c.variants).toHaveLength(1);
    for (const v of c.variants ?? []) {
      const schema = v.optionsOverride?.source?.schema ?? c.options.source.schema;
      expect(parse(text, parseSchema(schemaDdl(c, schema)), 'DROPMALFORMED').rows).toEqual(sparkRows(v.expected));
    }
  });

  it("json-failfast: fails at the first malformed line with Spark's message", () => {
    const c = loadCase('json-failfast');
    expect(c.options.source.mode).toBe('FAILFAST');
    const e = failfast(batchText(c.batches[0] ?? []), parseSchema(schemaDdl(c)));
    expect(e.line).toBe(1);
    expect(e.record).toBe('{');
    const { messageContains } = (c.expected as { error: { messageContains: string[] } }).error;
    expect(messageContains.length).toBeGreaterThan(0);
    for (const fragment of messageContains) expect(e.message).toContain(fragment);
  });
});

describe('struct columns', () => {
  const USERS = parseSchema('id INT, user STRUCT<name: STRING, age: INT>');
  const USERS_CORRUPT = parseSchema('id INT, user STRUCT<name: STRING, age: INT>, _corrupt_record STRING');

  it('converts a JSON object field by field: missing fields null, undeclared fields ignored, the fields in declared order', () => {
    const text = [
      '{"id":1,"user":{"name":"Ann","age":30}}',
      '{"id":2,"user":{"age":41,"name":"Bo","extra":[1,{"x":2}]}}',
      '{"id":3,"user":{"name":null}}',
      '{"id":4,"user":{}}',
      '{"id":5,"user":null}',
      '{"id":6}',
    ].join('\n');
    const { rows, numMalformedRows } = parse(text, USERS);
    expect(numMalformedRows).toBe(0);
    expect(rows).toEqual([
      { id: 1, user: { name: 'Ann', age: 30 } },
      { id: 2, user: { name: 'Bo', age: 41 } },
      { id: 3, user: { name: null, age: null } },
      { id: 4, user: { name: null, age: null } },
      { id: 5, user: null },
      { id: 6, user: null },
    ]);
    expect(Object.keys(rows[1]!.user as object)).toEqual(['name', 'age']);
  });

  it('matches field names exactly (case-sensitive), as JacksonParser does', () => {
    expect(parse('{"user":{"Name":"Ann","AGE":1}}', USERS).rows).toEqual([{ id: null, user: { name: null, age: null } }]);
  });

  it('reads lines with whitespace, escapes and repeated keys (the reference path) exactly as compact ones', () => {
    const { rows } = parse(['{"user":{"name":"Ann","age":30}}', '{ "user" : { "name" : "Ann" , "age" : 30 } }', '{"user":{"n\\u0061me":"Ann","age":1,"age":30}}'].join('\n'), USERS);
    expect(rows).toEqual([0, 1, 2].map(() => ({ id: null, user: { name: 'Ann', age: 30 } })));
  });

  it('applies the scalar rules inside a struct (JSON text in a string field, 32-bit ints)', () => {
    const { rows } = parse('{"user":{"name":{"first":"A"},"age":2147483647}}', USERS);
    expect(rows).toEqual([{ id: null, user: { name: '{"first":"A"}', age: 2147483647 } }]);
  });

  it('nests structs and arrays: a struct in a struct, an array in a struct, an array of structs', () => {
    const schema = parseSchema('e STRUCT<user: STRUCT<name: STRING, tags: ARRAY<STRING>>, at: TIMESTAMP>, items ARRAY<STRUCT<sku STRING, qty INT>>');
    const line = '{"e":{"user":{"name":"Ann","tags":["a",null]},"at":1469501107},"items":[{"sku":"x","qty":2},null,{"qty":1}]}';
    const { rows, numMalformedRows } = parse(line, schema);
    expect(numMalformedRows).toBe(0);
    expect(rows).toEqual([
      {
        e: { user: { name: 'Ann', tags: ['a', null] }, at: 1469501107000 },
        items: [{ sku: 'x', qty: 2 }, null, { sku: null, qty: 1 }],
      },
    ]);
  });

  it.each<[string]>([['5'], ['"x"'], ['true'], ['[]'], ['[{"name":"Ann"}]'], ['{"name":"Ann","age":"30"}'], ['{"age":1.5}'], ['{"age":2147483648}'], ['{"age":[1]}'], ['{"age":{}}']])(
    'PERMISSIVE: user = %s is malformed; the struct is null (never partial), the other fields kept',
    (value) => {
      const { rows, numMalformedRows } = parse(`{"id":7,"user":${value}}`, USERS);
      expect(rows).toEqual([{ id: 7, user: null }]);
      expect(numMalformedRows).toBe(1);
    },
  );

  it('a field that does not fit in a nested struct or in an array of structs nulls the whole column', () => {
    const schema = parseSchema('id INT, e STRUCT<user: STRUCT<age: INT>>, items ARRAY<STRUCT<qty: INT>>');
    expect(parse('{"id":1,"e":{"user":{"age":"x"}},"items":[{"qty":1}]}', schema).rows).toEqual([{ id: 1, e: null, items: [{ qty: 1 }] }]);
    expect(parse('{"id":1,"e":{"user":{"age":1}},"items":[{"qty":1},{"qty":"x"}]}', schema).rows).toEqual([{ id: 1, e: { user: { age: 1 } }, items: null }]);
    expect(parse('{"id":1,"items":[1]}', schema).rows).toEqual([{ id: 1, e: null, items: null }]);
  });

  it('PERMISSIVE keeps the raw line in the corrupt-record column when the schema declares it', () => {
    const text = ['{"id":1,"user":{"name":"Ann"}}', '{"id":2,"user":{"age":"x"}}', '{"id":3,"user":"Ann"}'].join('\n');
    const { rows, numMalformedRows } = parse(text, USERS_CORRUPT);
    expect(rows).toEqual([
      { id: 1, user: { name: 'Ann', age: null }, _corrupt_record: null },
      { id: 2, user: null, _corrupt_record: '{"id":2,"user":{"age":"x"}}' },
      { id: 3, user: null, _corrupt_record: '{"id":3,"user":"Ann"}' },
    ]);
    expect(numMalformedRows).toBe(2);
  });

  it('DROPMALFORMED drops a line whose struct does not fit, and counts it', () => {
    const text = ['{"id":1,"user":{"name":"Ann"}}', '{"id":2,"user":{"age":"x"}}', '{"id":3,"user":[1]}', '{"id":4}'].join('\n');
    const { rows, numMalformedRows } = parse(text, USERS, 'DROPMALFORMED');
    expect(rows).toEqual([
      { id: 1, user: { name: 'Ann', age: null } },
      { id: 4, user: null },
    ]);
    expect(numMalformedRows).toBe(2);
  });

  it('FAILFAST stops at the first line whose struct does not fit, with the file, line and the field that does not fit', () => {
    const e = failfast('{"id":1,"user":{"name":"Ann"}}\n\n{"id":2,"user":{"name":"Bo","age":"x"}}\n', USERS);
    expect(e.path).toBe('in/file-0.json');
    expect(e.line).toBe(3);
    expect(e.record).toBe('{"id":2,"user":{"name":"Bo","age":"x"}}');
    expect(e.reason).toBe('field user: field age of the struct<name:string,age:int>: "x" is not an int');
    expect(failfast('{"user":5}', USERS).reason).toBe('field user: 5 is not a struct<name:string,age:int> (not a JSON object)');
    const nested = parseSchema('items ARRAY<STRUCT<qty: INT>>');
    expect(failfast('{"items":[{"qty":1},{"qty":true}]}', nested).reason).toBe('field items: element 1 of the array<struct<qty:int>>: field qty of the struct<qty:int>: true is not an int');
  });

  it('builds struct values whose fields named __proto__ or constructor are ordinary own fields', () => {
    const schema = parseSchema('s STRUCT<`__proto__`: STRING, constructor: INT, toString: STRING>');
    for (const line of ['{"s":{"__proto__":"x","constructor":1,"toString":"t"}}', '{ "s" : { "__proto__" : "x" , "constructor" : 1 , "toString" : "t" } }']) {
      const { rows, numMalformedRows } = parse(line, schema);
      expect(numMalformedRows).toBe(0);
      const s = rows[0]!.s as Record<string, unknown>;
      expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
      expect(Object.keys(s)).toEqual(['__proto__', 'constructor', 'toString']);
      expect(Object.getOwnPropertyDescriptor(s, '__proto__')?.value).toBe('x');
      expect(s.constructor).toBe(1);
    }
    // Missing: null own fields, never the prototype's members.
    const missing = parse('{"s":{}}', schema).rows[0]!.s as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(missing, '__proto__')?.value).toBeNull();
    expect(Object.hasOwn(missing, 'constructor') && missing.constructor === null).toBe(true);
  });

  it('convertValue and mismatch take struct types', () => {
    const type = 'struct<name:string,age:int>' as const;
    expect(convertValue({ name: 'Ann', age: 3, x: 1 }, type)).toEqual({ name: 'Ann', age: 3 });
    expect(convertValue({ age: 'x' }, type)).toBe(INVALID);
    expect(convertValue([], type)).toBe(INVALID);
    expect(mismatch({ age: 'x' }, type)).toBe('field age of the struct<name:string,age:int>: "x" is not an int');
    expect(mismatch('x', type)).toBe('"x" is not a struct<name:string,age:int> (not a JSON object)');
  });
});
