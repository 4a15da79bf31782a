import fc from 'fast-check';
import {
  parseIsoMillis,
  parseJsonLinesReference,
  rowFromJsonValue,
  scanJsonLines,
  type JsonlField,
  type JsonlResult,
  type JsonlScalarType,
} from '../../src/jsonl/fast-scan.js';
import { parseJsonLinesToColumns } from '../../src/jsonl/columns.js';
import { parseJsonLines, type ParseMode, type ParseOptions } from '../../src/json-lines.js';
import { decodeUtf8 } from '../../src/fs/file-system.js';
import { MalformedRecordError } from '../../src/errors.js';
import type { Schema } from '../../src/schema.js';
import { CORRUPT, checkColumns, EVENTS, SCALARS } from './columns-vs-text.js';

const ARRAYS: readonly JsonlField[] = [
  { name: 'ai', type: 'array<int>' },
  { name: 'al', type: 'array<long>' },
  { name: 'ad', type: 'array<double>' },
  { name: 'as', type: 'array<string>' },
  { name: 'ab', type: 'array<boolean>' },
  { name: 'at', type: 'array<timestamp>' },
  { name: 'i', type: 'int' },
];

/** Struct types used below, with their fields as the oracle reads them (written out, not parsed). */
const STRUCT_FIELDS: Readonly<Record<string, readonly (readonly [string, JsonlField['type']])[]>> = {
  'struct<name:string,age:int>': [
    ['name', 'string'],
    ['age', 'int'],
  ],
  'struct<id:long,tags:array<string>>': [
    ['id', 'long'],
    ['tags', 'array<string>'],
  ],
  'struct<user:struct<id:long,tags:array<string>>,at:timestamp>': [
    ['user', 'struct<id:long,tags:array<string>>'],
    ['at', 'timestamp'],
  ],
  'struct<sku:string,qty:int>': [
    ['sku', 'string'],
    ['qty', 'int'],
  ],
  'struct<__proto__:int,constructor:string>': [
    ['__proto__', 'int'],
    ['constructor', 'string'],
  ],
};

const STRUCTS: readonly JsonlField[] = [
  { name: 'u', type: 'struct<name:string,age:int>' },
  { name: 'e', type: 'struct<user:struct<id:long,tags:array<string>>,at:timestamp>' },
  { name: 'items', type: 'array<struct<sku:string,qty:int>>' },
  { name: 'p', type: 'struct<__proto__:int,constructor:string>' },
  { name: 'i', type: 'int' },
];

/** Both readers, checked against each other on every call. */
function read(text: string, fields: readonly JsonlField[]): JsonlResult {
  const fast = scanJsonLines(text, fields);
  expect(fast).toEqual(parseJsonLinesReference(text, fields));
  return fast;
}

// ---------------------------------------------------------------------------------------
// An oracle written independently of the module: JSON.parse per line, then the type rules.

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

function oracleIso(s: string): number | undefined {
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(se), Number((frac ?? '').padEnd(3, '0').slice(0, 3)));
  // Reject rolled-over fields (Feb 30, hour 24, second 60, ...).
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    date.getUTCHours() !== Number(h) ||
    date.getUTCMinutes() !== Number(mi) ||
    date.getUTCSeconds() !== Number(se)
  ) {
    return undefined;
  }
  let offset = 0;
  if (zone !== 'Z') {
    const digits = zone!.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 18 || om > 59 || (oh === 18 && om > 0)) return undefined;
    offset = (oh * 60 + om) * (zone![0] === '-' ? -1 : 1);
  }
  const ms = date.getTime() - offset * 60000;
  return Math.abs(ms) <= 8.64e15 ? ms : undefined;
}

function oracleValue(type: JsonlField['type'], v: unknown): { ok: boolean; value?: unknown } {
  if (v === null) return { ok: true, value: null };
  switch (type) {
    case 'timestamp':
      if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v * 1000) <= 8.64e15) return { ok: true, value: v * 1000 };
      if (typeof v === 'string') {
        const ms = oracleIso(v);
        return ms === undefined ? { ok: false } : { ok: true, value: ms };
      }
      return { ok: false };
    case 'string':
      return { ok: true, value: typeof v === 'string' ? v : JSON.stringify(v) };
    case 'long':
      return typeof v === 'number' && Number.isSafeInteger(v) ? { ok: true, value: v } : { ok: false };
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? { ok: true, value: v } : { ok: false };
    case 'double':
      if (v instanceof InexactLiteral) return { ok: true, value: Number(v.literal) };
      return typeof v === 'number' ? { ok: true, value: v } : { ok: false };
    case 'boolean':
      return typeof v === 'boolean' ? { ok: true, value: v } : { ok: false };
    default: {
      const fields = STRUCT_FIELDS[type];
      if (fields !== undefined) {
        // struct: an object whose declared fields (own keys) fit; missing ones null.
        if (typeof v !== 'object' || Array.isArray(v) || v instanceof InexactLiteral) return { ok: false };
        const value: Record<string, unknown> = {};
        for (const [name, fieldType] of fields) {
          const r = oracleValue(fieldType, Object.prototype.hasOwnProperty.call(v, name) ? (v as Record<string, unknown>)[name] : null);
          if (!r.ok) return { ok: false };
          Object.defineProperty(value, name, { value: r.value, enumerable: true, writable: true, configurable: true });
        }
        return { ok: true, value };
      }
      // array<T>: every element null or fitting T, else the whole value does not fit.
      if (!Array.isArray(v)) return { ok: false };
      const element = type.slice('array<'.length, -1) as JsonlScalarType;
      const value: unknown[] = [];
      for (const e of v) {
        const r = oracleValue(element, e);
        if (!r.ok) return { ok: false };
        value.push(r.value);
      }
      return { ok: true, value };
    }
  }
}

interface OracleResult {
  rows: Record<string, unknown>[];
  bad: { line: number; raw: string; rowIndex: number; row: Record<string, unknown> | null }[];
}

/**
 * A number literal that JSON.parse rounds to a safe integer it is not (`1e-400` to 0,
 * `9007199254740990.5`): the library takes it in no integral column, a double column takes its
 * nearest value, a string column writes it as JSON.stringify does. The oracle finds such literals
 * in the text before parsing (by exact decimal arithmetic) and parses them to this class.
 */
class InexactLiteral {
  constructor(readonly literal: string) {}
  toJSON(): number {
    return Number(this.literal);
  }
}
const INEXACT_MARK = '\u{10FFFD}oracle-inexact:';
const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Is the decimal `literal` exactly the safe integer JSON.parse makes of it? (Exact arithmetic on its digits.) */
function literalIsExact(literal: string): boolean {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (m === null) return true;
  const v = Number(literal);
  if (!Number.isSafeInteger(v)) return true;
  const digits = BigInt((m[1] ?? '') + (m[2] ?? ''));
  const exponent = Number(m[3] ?? '0') - (m[2] ?? '').length;
  if (exponent >= 0) return digits * 10n ** BigInt(exponent) === BigInt(Math.abs(v));
  const divisor = 10n ** BigInt(-exponent);
  return digits % divisor === 0n && digits / divisor === BigInt(Math.abs(v));
}

/** JSON.parse, with each inexact number literal outside strings parsed to an {@link InexactLiteral}. */
function parseMarkingInexact(raw: string): unknown {
  const marked = raw.replace(TOKENS, (token) => (token.startsWith('"') || literalIsExact(token) ? token : JSON.stringify(INEXACT_MARK + token)));
  return JSON.parse(marked, (_key, v: unknown) => (typeof v === 'string' && v.startsWith(INEXACT_MARK) ? new InexactLiteral(v.slice(INEXACT_MARK.length)) : v));
}

function oracle(text: string, fields: readonly JsonlField[]): OracleResult {
  const rows: Record<string, unknown>[] = [];
  const bad: OracleResult['bad'] = [];
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  // Lines end at '\n', '\r\n' or a lone '\r' (Hadoop's LineReader, which Spark's JSON reader uses).
  body.split(/\r\n|\r|\n/).forEach((line, idx) => {
    if (/^[ \t]*$/.test(line)) return;
    const raw = line;
    // A lone surrogate stands for a byte that was not UTF-8: the line is bad, whatever it holds.
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(raw)) {
      bad.push({ line: idx + 1, raw, rowIndex: rows.length, row: null });
      return;
    }
    let parsed: unknown;
    try {
      parsed = parseMarkingInexact(raw);
    } catch {
      bad.push({ line: idx + 1, raw, rowIndex: rows.length, row: null });
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      bad.push({ line: idx + 1, raw, rowIndex: rows.length, row: null });
      return;
    }
    const row: Record<string, unknown> = {};
    let ok = true;
    for (const f of fields) {
      const present = Object.prototype.hasOwnProperty.call(parsed, f.name);
      const r = oracleValue(f.type, present ? (parsed as Record<string, unknown>)[f.name] : null);
      if (!r.ok) ok = false;
      Object.defineProperty(row, f.name, { value: r.ok ? r.value : null, enumerable: true, writable: true, configurable: true });
    }
    if (ok) rows.push(row);
    else bad.push({ line: idx + 1, raw, rowIndex: rows.length, row });
  });
  return { rows, bad };
}

function checkAgainstOracle(text: string, fields: readonly JsonlField[]): void {
  const got = read(text, fields);
  const want = oracle(text, fields);
  expect(got.rows).toEqual(want.rows);
  expect(got.bad.map(({ line, raw, rowIndex, row }) => ({ line, raw, rowIndex, row }))).toEqual(want.bad);
  for (const b of got.bad) expect(b.reason.length).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------
// Generators: lines as text, built from JSON fragments.

const ws = fc.constantFrom('', '', '', ' ', '  ', '\t', '\r', ' \t ');

/** A JSON string literal, sometimes with needless \u escapes or escaped slashes. */
const stringLiteral = fc
  .tuple(
    fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('Open', 'Close', '', '"', '\\', '/', 'a\nb', '\u2028', '\ud800', 'é', '😀'),
    ),
    fc.constantFrom(0, 0, 0, 1, 2),
  )
  .map(([s, mode]) => {
    const json = JSON.stringify(s);
    if (mode === 1) {
      return '"' + [...s].map((ch) => (ch.length === 1 ? '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0') : JSON.stringify(ch).slice(1, -1))).join('') + '"';
    }
    if (mode === 2) return json.replace(/\//g, '\\/');
    return json;
  });

const isoString = fc
  .tuple(
    fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('', '.5', '.12', '.123', '.123456', '.123456789'),
    fc.constantFrom('Z', '+05:30', '-08:00', '+0000', '-1800', '+18:00', '+19:00', '+05', 'z', ''),
    fc.constantFrom('T', 'T', 'T', ' ', 't'),
  )
  .map(([d, frac, zone, sep]) => {
    const iso = d.toISOString().slice(0, 19).replace('T', sep);
    return JSON.stringify(iso + frac + zone);
  });

const badIsoString = fc.constantFrom(
  '"2016-02-30T00:00:00Z"',
  '"2016-02-29T00:00:00Z"',
  '"2015-02-29T00:00:00Z"',
  '"2016-07-26T24:00:00Z"',
  '"2016-07-26T23:60:00Z"',
  '"2016-07-26T23:59:60Z"',
  '"2016-07-26T02:45Z"',
  '"2016-07-26"',
  '"2016-7-26T02:45:07Z"',
  '"2016-07-26T02:45:07.Z"',
  '"2016-07-26T02:45:07.1234567890Z"',
  '"2016-07-26T02:45:07Z "',
  '"1469501107"',
  '"+2016-07-26T02:45:07Z"',
);

const integerText = fc.oneof(
  fc.integer({ min: -(2 ** 31) - 2, max: 2 ** 31 + 1 }).map(String),
  fc.maxSafeInteger().map(String),
  fc.integer({ min: -8.64e12 - 3, max: 8.64e12 + 3 }).map(String),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
  fc.constantFrom('0', '-0', '1469501107', '2147483647', '2147483648', '-2147483648', '-2147483649', '9007199254740991', '9007199254740992', '8640000000000', '8640000000001', '-8640000000000', '-8640000000001'),
);

const numberText = fc.oneof(
  integerText,
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.constantFrom('1.0', '1.5', '-0.0', '1e3', '1E+2', '2.5e-3', '1e400', '-1e400', '0.1', '1469501107.000', '1469501107.5'),
);

const invalidNumberText = fc.constantFrom('01', '-', '1.', '.5', '1e', '+1', '0x10', 'NaN', 'Infinity', '1_000', '--1', '1.e3');

/** Any JSON value as compact text (via JSON.stringify; strings may carry escapes). */
const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: stringLiteral },
  { weight: 1, arbitrary: numberText },
);

/** Nested JSON with whitespace between tokens (no '\n'). */
const spacedJson = fc
  .tuple(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(' ', '\t', ' \r '))
  .map(([v, pad]) => (JSON.stringify(v, null, 1) ?? 'null').replace(/\n */g, pad));

const scalarGood: Record<JsonlScalarType, fc.Arbitrary<string>> = {
  timestamp: fc.oneof(integerText, isoString, badIsoString, numberText),
  string: fc.oneof(stringLiteral, stringLiteral, anyJson, spacedJson),
  long: fc.oneof(integerText, numberText),
  int: fc.oneof(integerText, numberText),
  double: fc.oneof(numberText, numberText, integerText),
  boolean: fc.constantFrom('true', 'false', 'true', 'false', '"true"', '1', 'True'),
};

/** A JSON array for an array<T> column: usually elements of T or null, sometimes one that does not fit (a nested array, any JSON). */
function arrayText(element: JsonlScalarType): fc.Arbitrary<string> {
  const item = fc.oneof(
    { weight: 12, arbitrary: scalarGood[element] },
    { weight: 3, arbitrary: fc.constant('null') },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constantFrom('[]', '[1]', '[null]', '{}', '{"a":1}') },
  );
  return fc
    .tuple(fc.array(item, { maxLength: 5 }), ws, ws)
    .map(([items, before, after]) => '[' + before + items.map((x) => x + after).join(',' + before) + ']');
}

/** A JSON object for a struct: its fields (some missing, repeated, with escaped keys), extras, spacing. */
function structText(fields: readonly (readonly [string, JsonlField['type']])[]): fc.Arbitrary<string> {
  const members = fc.tuple(
    ...fields.map(([name, type]) =>
      fc.tuple(fc.constantFrom(1, 1, 1, 1, 0, 2), keyText(name), valueFor(type), valueFor(type)).map(([count, key, v1, v2]) => {
        const out: Member[] = [];
        if (count >= 1) out.push({ key, value: v1 });
        if (count === 2) out.push({ key, value: v2 });
        return out;
      }),
    ),
  );
  return fc
    .tuple(members, fc.array(extraMember, { maxLength: 2 }), fc.nat(), ws, ws)
    .map(([ms, extras, seed, before, after]) => {
      const all = ms.flat();
      for (const [k, e] of extras.entries()) all.splice((seed + k * 3) % (all.length + 1), 0, e);
      return '{' + before + all.map((m) => m.key + after + ':' + before + m.value).join(',' + after) + '}';
    });
}

function valueFor(type: JsonlField['type']): fc.Arbitrary<string> {
  const fields = STRUCT_FIELDS[type];
  if (fields !== undefined) {
    return fc.oneof(
      { weight: 10, arbitrary: structText(fields) },
      { weight: 2, arbitrary: fc.constant('null') },
      { weight: 1, arbitrary: anyJson },
      { weight: 1, arbitrary: fc.constantFrom('[]', '[{}]', '"{}"', '{"a":1}', '{}') },
    );
  }
  if (type.startsWith('array<struct<')) {
    const element = fc.oneof({ weight: 6, arbitrary: valueFor(type.slice('array<'.length, -1) as JsonlField['type']) }, { weight: 1, arbitrary: fc.constant('null') });
    return fc.oneof(
      { weight: 10, arbitrary: fc.tuple(fc.array(element, { maxLength: 4 }), ws).map(([items, pad]) => '[' + pad + items.join(',' + pad) + ']') },
      { weight: 2, arbitrary: fc.constant('null') },
      { weight: 1, arbitrary: anyJson },
    );
  }
  const good: Record<JsonlScalarType | `array<${JsonlScalarType}>`, fc.Arbitrary<string>> = {
    ...scalarGood,
    'array<timestamp>': arrayText('timestamp'),
    'array<string>': arrayText('string'),
    'array<long>': arrayText('long'),
    'array<int>': arrayText('int'),
    'array<double>': arrayText('double'),
    'array<boolean>': arrayText('boolean'),
  };
  return fc.oneof(
    { weight: 12, arbitrary: good[type as keyof typeof good] },
    { weight: 2, arbitrary: fc.constant('null') },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: invalidNumberText },
  );
}

type Member = { key: string; value: string };

/** A key as written: usually plain, sometimes with escapes that still decode to the name. */
const keyText = (name: string): fc.Arbitrary<string> =>
  fc.constantFrom(0, 0, 0, 0, 0, 1).map((mode) =>
    mode === 0 || name.length === 0
      ? JSON.stringify(name)
      : '"\\u' + name.charCodeAt(0).toString(16).padStart(4, '0') + JSON.stringify(name).slice(2),
  );

const extraMember: fc.Arbitrary<Member> = fc
  .tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'x', 'nested', 'tim', 'times', 'Time')), fc.oneof(anyJson, spacedJson))
  .map(([k, value]) => ({ key: JSON.stringify(k), value }));

/** One line: an object built from the schema's fields (some missing, some repeated, extras). */
function objectLine(fields: readonly JsonlField[]): fc.Arbitrary<string> {
  const members = fc.tuple(
    ...fields.map((f) =>
      fc.tuple(fc.constantFrom(1, 1, 1, 1, 1, 1, 0, 2), keyText(f.name), valueFor(f.type), valueFor(f.type)).map(([count, key, v1, v2]) => {
        const out: Member[] = [];
        if (count >= 1) out.push({ key, value: v1 });
        if (count === 2) out.push({ key, value: v2 });
        return out;
      }),
    ),
  );
  return fc
    .record({
      members,
      extras: fc.array(extraMember, { maxLength: 3 }),
      shuffle: fc.constantFrom(false, false, true),
      seed: fc.nat(),
      spaced: fc.constantFrom(false, false, false, true),
      pads: fc.array(ws, { minLength: 64, maxLength: 64 }),
    })
    .map(({ members, extras, shuffle, seed, spaced, pads }) => {
      let all: Member[] = members.flat();
      // Extras go at the end, start or between members, picked by the seed.
      for (const [k, e] of extras.entries()) all.splice((seed + k * 7) % (all.length + 1), 0, e);
      if (shuffle) {
        all = all
          .map((m, k) => ({ m, key: (seed * 31 + k * 17) % 101 }))
          .sort((x, y) => x.key - y.key)
          .map((x) => x.m);
      }
      let p = 0;
      const pad = (): string => (spaced ? pads[p++ % pads.length]! : '');
      return pad() + '{' + all.map((m) => pad() + m.key + pad() + ':' + pad() + m.value + pad()).join(',') + '}' + pad();
    });
}

/** A line with one random edit: a character dropped, inserted or the line cut short. */
function mangled(line: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(line, fc.nat(), fc.constantFrom('drop', 'insert', 'cut'), fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', ' ', '0', 'a', '-', '.', '\t', '\u0001'))
    .map(([s, at, how, ch]) => {
      const k = s.length === 0 ? 0 : at % s.length;
      if (how === 'drop') return s.slice(0, k) + s.slice(k + 1);
      if (how === 'insert') return s.slice(0, k) + ch + s.slice(k);
      return s.slice(0, k);
    });
}

function lineOf(fields: readonly JsonlField[]): fc.Arbitrary<string> {
  const obj = objectLine(fields);
  return fc.oneof(
    { weight: 14, arbitrary: obj },
    { weight: 3, arbitrary: mangled(obj) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('', '', ' ', '\t', '\r', '[]', '{}', 'null', '"{}"', '{"a":1}{"b":2}', '{"time":1}x', 'x') },
  );
}

function textOf(fields: readonly JsonlField[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(lineOf(fields), { maxLength: 12 }), fc.constantFrom('\n', '\n', '\r\n'), fc.boolean(), fc.constantFrom(false, false, false, true))
    .map(([lines, eol, trailing, bom]) => (bom ? '\uFEFF' : '') + lines.join(eol) + (trailing && lines.length > 0 ? eol : ''));
}

// ---------------------------------------------------------------------------------------

describe('scanJsonLines', () => {
  it('reads the events shape', () => {
    const text = '{"time":1469501107,"action":"Open"}\n{"time":1469501108,"action":"Close"}\n';
    expect(read(text, EVENTS)).toEqual({
      rows: [
        { time: 1469501107000, action: 'Open' },
        { time: 1469501108000, action: 'Close' },
      ],
      bad: [],
    });
  });

  it('handles missing fields, nulls, extra and nested fields, reordered keys, whitespace, escapes', () => {
    const text = [
      '{"action":"Open"}',
      '{"time":null,"action":null}',
      '{"x":{"y":[1,{"z":"}"}],"w":"\\""},"time":-5,"more":[true,false,null,-1.5e-3],"action":"Open"}',
      ' { "action" : "Cl\\u006fse" ,\t"time" : 7 } \r',
      '{"action":"a\\"b\\\\c\\/d\\n","time":0}',
      '{"ti\\u006de":1,"action":"😀 é"}',
      '{}',
    ].join('\n');
    expect(read(text, EVENTS)).toEqual({
      rows: [
        { time: null, action: 'Open' },
        { time: null, action: null },
        { time: -5000, action: 'Open' },
        { time: 7000, action: 'Close' },
        { time: 0, action: 'a"b\\c/d\n' },
        { time: 1000, action: '😀 é' },
        { time: null, action: null },
      ],
      bad: [],
    });
  });

  it('skips blank lines but counts them, and reports bad lines with reasons and positions', () => {
    const text = '\uFEFF{"time":1,"action":"Open"}\n\n  \t\r\n{"time":"soon","action":"Open"}\n[1,2]\n{"time":2,"action":"Close"}\n{"time":3,\n"just a string"\n{"time":1.5}';
    const { rows, bad } = read(text, EVENTS);
    expect(rows).toEqual([
      { time: 1000, action: 'Open' },
      { time: 2000, action: 'Close' },
    ]);
    expect(bad.map(({ line, raw, rowIndex }) => ({ line, raw, rowIndex }))).toEqual([
      { line: 4, raw: '{"time":"soon","action":"Open"}', rowIndex: 1 },
      { line: 5, raw: '[1,2]', rowIndex: 1 },
      { line: 7, raw: '{"time":3,', rowIndex: 2 },
      { line: 8, raw: '"just a string"', rowIndex: 2 },
      { line: 9, raw: '{"time":1.5}', rowIndex: 2 },
    ]);
    expect(bad[0]!.reason).toMatch(/^field "time": expected timestamp.*got "soon"$/);
    expect(bad[1]!.reason).toBe('not a JSON object: [1,2]');
    expect(bad[2]!.reason).toMatch(/^invalid JSON: /);
    expect(bad[3]!.reason).toBe('not a JSON object: "just a string"');
    expect(bad[4]!.reason).toMatch(/got 1\.5$/);
    expect(bad.map((b) => b.row)).toEqual([{ time: null, action: 'Open' }, null, null, null, { time: null, action: null }]);
  });

  it('converts non-string values in a string column to their JSON text', () => {
    const text = '{"action":{"a" : [1, 2.50, "x"]}}\n{"action":12}\n{"action":true}\n{"action":[]}\n{"action":1e3}';
    expect(read(text, EVENTS).rows.map((r) => r.action)).toEqual(['{"a":[1,2.5,"x"]}', '12', 'true', '[]', '1000']);
  });

  it('applies the numeric rules per type', () => {
    const line = (v: string): string => `{"ts":${v},"l":${v},"i":${v},"d":${v}}`;
    const fields: readonly JsonlField[] = SCALARS.filter((f) => f.type !== 'string' && f.type !== 'boolean');
    expect(read(line('2147483647'), fields).rows).toEqual([{ ts: 2147483647000, l: 2147483647, i: 2147483647, d: 2147483647 }]);
    expect(read(line('-2147483648'), fields).rows).toEqual([{ ts: -2147483648000, l: -2147483648, i: -2147483648, d: -2147483648 }]);
    expect(read(line('1e3'), fields).rows).toEqual([{ ts: 1e6, l: 1000, i: 1000, d: 1000 }]);
    expect(read(line('-0'), fields).rows).toEqual([{ ts: -0, l: -0, i: -0, d: -0 }]);
    expect(read('{"i":2147483648}', fields).bad).toHaveLength(1);
    expect(read('{"l":9007199254740991}', fields).rows).toEqual([{ ts: null, l: 9007199254740991, i: null, d: null }]);
    expect(read('{"l":9007199254740992}', fields).bad).toHaveLength(1);
    expect(read('{"l":2.5}', fields).bad).toHaveLength(1);
    expect(read('{"d":1e400}', fields).rows[0]!.d).toBe(Infinity);
    expect(read('{"d":"1"}', fields).bad).toHaveLength(1);
    expect(read('{"ts":8640000000000}', fields).rows[0]!.ts).toBe(8.64e15);
    expect(read('{"ts":8640000000001}', fields).bad).toHaveLength(1);
    expect(read('{"b":true}\n{"b":false}\n{"b":"true"}\n{"b":1}', [{ name: 'b', type: 'boolean' }])).toMatchObject({
      rows: [{ b: true }, { b: false }],
      bad: [{ line: 3 }, { line: 4 }],
    });
  });

  it('reads ISO-8601 timestamps with a zone, strictly', () => {
    const t = (s: string): unknown => {
      const r = read(JSON.stringify({ time: s }), EVENTS);
      return r.bad.length > 0 ? 'bad' : r.rows[0]!.time;
    };
    expect(t('2016-07-26T02:45:07Z')).toBe(1469501107000);
    expect(t('2016-07-26T02:45:07.123456Z')).toBe(1469501107123);
    expect(t('2016-07-26T02:45:07.5Z')).toBe(1469501107500);
    expect(t('2016-07-26T08:15:07+05:30')).toBe(1469501107000);
    expect(t('2016-07-26T08:15:07+0530')).toBe(1469501107000);
    expect(t('2016-07-25T18:45:07-08:00')).toBe(1469501107000);
    expect(t('0001-01-01T00:00:00Z')).toBe(Date.parse('0001-01-01T00:00:00Z'));
    expect(t('2000-02-29T00:00:00Z')).toBe(Date.parse('2000-02-29T00:00:00Z'));
    for (const s of ['2016-07-26T02:45:07', '2016-07-26 02:45:07Z', '2016-07-26', '1900-02-29T00:00:00Z', '2016-07-26T02:45:07z', '2016-07-26T02:45:07+19:00', 'July 26, 2016']) {
      expect(t(s)).toBe('bad');
    }
    expect(parseIsoMillis('x2016-07-26T02:45:07Zx', 1, 21)).toBe(1469501107000);
  });

  it('lets the last of repeated keys win, as JSON.parse does', () => {
    expect(read('{"time":"x","time":2,"action":"a","action":"b"}', EVENTS).rows).toEqual([{ time: 2000, action: 'b' }]);
  });

  it('supports field names that clash with Object.prototype', () => {
    const fields: readonly JsonlField[] = [
      { name: '__proto__', type: 'long' },
      { name: 'constructor', type: 'string' },
    ];
    const { rows } = read('{"__proto__":1,"constructor":"c"}\n{}', fields);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    expect(Object.entries(rows[0]!)).toEqual([
      ['__proto__', 1],
      ['constructor', 'c'],
    ]);
    expect(Object.entries(rows[1]!)).toEqual([
      ['__proto__', null],
      ['constructor', null],
    ]);
    expect(read('{"constructor":"c"}', EVENTS).rows).toEqual([{ time: null, action: null }]);
  });

  it('handles deep nesting in ignored fields', () => {
    const deep = '['.repeat(100) + ']'.repeat(100);
    expect(read(`{"x":${deep},"time":1}`, EVENTS).rows).toEqual([{ time: 1000, action: null }]);
    expect(read(`{"x":${deep.slice(1)},"time":1}`, EVENTS).bad).toHaveLength(1);
  });

  it('works with wide schemas and an empty schema', () => {
    const wide: JsonlField[] = Array.from({ length: 7 }, (_, k) => ({ name: `c${k}`, type: 'long' }));
    expect(read('{"c6":6,"c0":0,"c3":3}', wide).rows).toEqual([{ c0: 0, c1: null, c2: null, c3: 3, c4: null, c5: null, c6: 6 }]);
    expect(read('{"a":1}\n[]', [])).toMatchObject({ rows: [{}], bad: [{ line: 2 }] });
  });

  it('rejects an invalid schema', () => {
    expect(() => scanJsonLines('', [{ name: 'a', type: 'date' as never }])).toThrow(TypeError);
    expect(() => scanJsonLines('', [{ name: 'a', type: 'constructor' as never }])).toThrow(TypeError);
    expect(() => scanJsonLines('', [{ name: 'a', type: 'array<array<int>>' as never }])).toThrow(TypeError);
    expect(() => scanJsonLines('', [{ name: 'a', type: 'long' }, { name: 'a', type: 'int' }])).toThrow(TypeError);
  });

  it('reads array columns element by element, a null element staying null', () => {
    const text = [
      '{"ai":[1,null,-2147483648],"al":[9007199254740991],"ad":[1.5,-0,1e3,2],"as":["x",null,""],"ab":[true,false],"at":[1,"2016-07-26T02:45:07Z",null],"i":7}',
      '{"ai":[],"al":null,"ad":[ 1 , 2 ],"as":[1,{"x":[1, 2]},true,[null]]}',
      '{ "ai" : [ 3 ] , "at" : [ "2016-07-26T08:15:07+05:30" ] }',
      '{}',
    ].join('\n');
    const { rows, bad } = read(text, ARRAYS);
    expect(bad).toEqual([]);
    expect(rows).toEqual([
      { ai: [1, null, -2147483648], al: [9007199254740991], ad: [1.5, -0, 1000, 2], as: ['x', null, ''], ab: [true, false], at: [1000, 1469501107000, null], i: 7 },
      { ai: [], al: null, ad: [1, 2], as: ['1', '{"x":[1,2]}', 'true', '[null]'], ab: null, at: null, i: null },
      { ai: [3], al: null, ad: null, as: null, ab: null, at: [1469501107000], i: null },
      { ai: null, al: null, ad: null, as: null, ab: null, at: null, i: null },
    ]);
  });

  it('gives each row its own array', () => {
    const { rows } = read('{"ai":[1,2]}\n{"ai":[1,2]}', ARRAYS);
    expect(rows[0]!.ai).toEqual(rows[1]!.ai);
    expect(rows[0]!.ai).not.toBe(rows[1]!.ai);
  });

  it.each<[string, string]>([
    ['ai', '5'],
    ['ai', '"x"'],
    ['ai', '{"a":1}'],
    ['ai', '[1,"a"]'],
    ['ai', '[2147483648]'],
    ['ai', '[1.5]'],
    ['ai', '[[1,2]]'],
    ['ai', '[true]'],
    ['al', '[9007199254740992]'],
    ['ad', '["1.5"]'],
    ['ab', '[1]'],
    ['at', '["yesterday"]'],
    ['at', '[1.5]'],
    ['as', '"[1]"'],
  ])('makes the line bad for %s = %s, with the whole array null in the partial row', (column, value) => {
    const { rows, bad } = read(`{"${column}":${value},"i":1}`, ARRAYS);
    expect(rows).toEqual([]);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.reason).toContain(`field "${column}": expected array<`);
    expect(bad[0]!.row).toMatchObject({ [column]: null, i: 1 });
  });

  it('reads struct columns: fields in declared order, missing or null fields null, undeclared keys ignored', () => {
    const text = [
      '{"u":{"name":"Ann","age":30},"items":[{"sku":"x","qty":1},null],"i":1}',
      '{"u":{"age":41,"extra":{"a":[1]},"name":"Bo"},"e":{"user":{"id":9007199254740991,"tags":["a",null]},"at":"2016-07-26T08:15:07+05:30"}}',
      '{ "u" : { "name" : null } , "items" : [ ] , "p" : { "__proto__" : 1 , "constructor" : "c" } }',
      '{"u":{},"e":{"user":null},"p":{}}',
    ].join('\n');
    const { rows, bad } = read(text, STRUCTS);
    expect(bad).toEqual([]);
    expect(rows).toEqual([
      { u: { name: 'Ann', age: 30 }, e: null, items: [{ sku: 'x', qty: 1 }, null], p: null, i: 1 },
      { u: { name: 'Bo', age: 41 }, e: { user: { id: 9007199254740991, tags: ['a', null] }, at: 1469501107000 }, items: null, p: null, i: null },
      { u: { name: null, age: null }, e: null, items: [], p: JSON.parse('{"__proto__":1,"constructor":"c"}') as unknown, i: null },
      { u: { name: null, age: null }, e: { user: null, at: null }, items: null, p: JSON.parse('{"__proto__":null,"constructor":null}') as unknown, i: null },
    ]);
    const p = rows[2]!.p as Record<string, unknown>;
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(Object.keys(p)).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(rows[1]!.u as object)).toEqual(['name', 'age']);
  });

  it.each<[string, string]>([
    ['u', '5'],
    ['u', '"x"'],
    ['u', '[]'],
    ['u', '{"age":"30"}'],
    ['u', '{"age":2147483648}'],
    ['u', '{"name":"a","age":1.5}'],
    ['e', '{"user":{"id":"1"}}'],
    ['e', '{"user":{"tags":"a","id":1}}'],
    ['e', '{"user":{"id":1.5}}'],
    ['e', '{"user":[]}'],
    ['items', '{"sku":"x"}'],
    ['items', '[{"qty":"1"}]'],
    ['items', '[1]'],
    ['p', '{"__proto__":"x"}'],
  ])('makes the line bad for %s = %s, with the whole struct column null in the partial row', (column, value) => {
    const { rows, bad } = read(`{"${column}":${value},"i":1}`, STRUCTS);
    expect(rows).toEqual([]);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.reason).toContain(`field "${column}": expected `);
    expect(bad[0]!.row).toMatchObject({ [column]: null, i: 1 });
  });

  it('gives each row its own struct', () => {
    const { rows } = read('{"u":{"name":"a"}}\n{"u":{"name":"a"}}', STRUCTS);
    expect(rows[0]!.u).toEqual(rows[1]!.u);
    expect(rows[0]!.u).not.toBe(rows[1]!.u);
  });

  it('rejects struct types that are not canonical or hold arrays of arrays', () => {
    for (const type of ['STRUCT<a: INT>', 'struct<a:date>', 'struct<>', 'struct<a:array<array<int>>>', 'array<array<struct<a:int>>>']) {
      expect(() => scanJsonLines('', [{ name: 'a', type: type as never }])).toThrow(TypeError);
    }
  });

  it('rowFromJsonValue converts one parsed value', () => {
    expect(rowFromJsonValue({ time: 1, action: 'Open', x: 1 }, EVENTS)).toEqual({ time: 1000, action: 'Open' });
    expect(rowFromJsonValue(null, EVENTS)).toBe('not a JSON object: null');
  });
});

describe('scanJsonLines equals JSON.parse per line (property)', () => {
  it('on a line with inexact literals (found by the property: 1e-400 parses to 0, which no long column takes)', () => {
    checkAgainstOracle('{"s":null,"l":1e-400,"i":100000000000,"\\u0064":1e400,"b":false,"s":true}\n{"l":1.0,"d":1e-400,"s":9007199254740990.5}', SCALARS);
    expect(oracle('{"l":1e-400}', SCALARS).bad).toHaveLength(1);
  });

  it('on the events schema', () => {
    fc.assert(fc.property(textOf(EVENTS), (text) => checkAgainstOracle(text, EVENTS)), { numRuns: 3000 });
  });

  it('on a schema with every type', () => {
    fc.assert(fc.property(textOf(SCALARS), (text) => checkAgainstOracle(text, SCALARS)), { numRuns: 3000 });
  });

  it('on a schema with array columns', () => {
    fc.assert(fc.property(textOf(ARRAYS), (text) => checkAgainstOracle(text, ARRAYS)), { numRuns: 3000 });
  });

  it('on a schema with struct columns (nested structs, an array of structs, fields named __proto__ and constructor)', () => {
    fc.assert(fc.property(textOf(STRUCTS), (text) => checkAgainstOracle(text, STRUCTS)), { numRuns: 3000 });
  });

  it('on compact lines with arrays in schema order (the fast shape)', () => {
    const compact = (element: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> =>
      fc.option(
        fc.array(fc.oneof({ weight: 6, arbitrary: element }, { weight: 1, arbitrary: fc.constant('null') }), { maxLength: 6 }).map((xs) => `[${xs.join(',')}]`),
        { nil: undefined },
      );
    const line = fc
      .record({ ai: compact(integerText), ad: compact(numberText), as: compact(stringLiteral), ab: compact(fc.constantFrom('true', 'false')), at: compact(fc.oneof(integerText, isoString)) })
      .map((r) => '{' + Object.entries(r).filter(([, v]) => v !== undefined).map(([k, v]) => `"${k}":${v}`).join(',') + '}');
    const fields = ARRAYS.filter((f) => ['ai', 'ad', 'as', 'ab', 'at'].includes(f.name));
    fc.assert(fc.property(fc.array(line, { maxLength: 20 }), (lines) => checkAgainstOracle(lines.join('\n'), fields)), { numRuns: 2000 });
  });

  it('on compact lines in schema order (the fast shape)', () => {
    const line = fc
      .record({ ts: fc.option(integerText, { nil: undefined }), s: fc.option(stringLiteral, { nil: undefined }), d: fc.option(numberText, { nil: undefined }) })
      .map((r) => '{' + Object.entries(r).filter(([, v]) => v !== undefined).map(([k, v]) => `"${k}":${v}`).join(',') + '}');
    const fields = SCALARS.filter((f) => ['ts', 's', 'd'].includes(f.name));
    fc.assert(fc.property(fc.array(line, { maxLength: 20 }), (lines) => checkAgainstOracle(lines.join('\n'), fields)), { numRuns: 2000 });
  });
});

// ---------------------------------------------------------------------------------------
// The columnar path (bytes → columns, src/jsonl/columns.ts) against the text path
// (parseJsonLines over the decoded text): the same rows (values, nulls, key order), the same
// malformed lines reported, the same FAILFAST error, in every mode, with and without a
// corrupt-record column, over the texts above and with bytes that are not UTF-8 put in.

/** Text as UTF-8 bytes, with some bytes that are not UTF-8 put in at the given places. */
const bytesOf = (text: string, junk: readonly (readonly [number, number])[]): Uint8Array => {
  const bytes = [...Buffer.from(text, 'utf8')];
  for (const [at, byte] of junk) bytes.splice(bytes.length === 0 ? 0 : at % (bytes.length + 1), 0, byte);
  return Uint8Array.from(bytes);
};
const junkBytes = fc.array(fc.tuple(fc.nat(), fc.constantFrom(0xff, 0xc3, 0xe2, 0x80, 0xed, 0xef, 0xbb, 0xbf)), { maxLength: 2 });
const modes = fc.constantFrom<ParseMode>('PERMISSIVE', 'PERMISSIVE', 'DROPMALFORMED', 'FAILFAST');

describe('the columnar path equals the text path (property)', () => {
  it('reads the events shape into columns: timestamps as numbers, strings through a dictionary', () => {
    const { chunk, numMalformedRows } = parseJsonLinesToColumns(
      Buffer.from('{"time":1469501107,"action":"Open"}\n{"action":"Close","time":1469501108}\r\n{"time":null}\n'),
      { fields: EVENTS },
      { path: 'f', mode: 'PERMISSIVE', columnNameOfCorruptRecord: CORRUPT },
    );
    expect(numMalformedRows).toBe(0);
    expect(chunk.column('time')).toMatchObject({ kind: 'number', values: Float64Array.from([1469501107000, 1469501108000, 0]) });
    expect(chunk.column('action')).toMatchObject({ kind: 'dict', dict: ['Open', 'Close'], ids: Int32Array.from([0, 1, 0]) });
    expect(chunk.rows()).toEqual([
      { time: 1469501107000, action: 'Open' },
      { time: 1469501108000, action: 'Close' },
      { time: null, action: null },
    ]);
  });

  it('on the events schema', () => {
    fc.assert(fc.property(textOf(EVENTS), modes, fc.boolean(), (text, mode, corrupt) => void checkColumns(bytesOf(text, []), EVENTS, mode, corrupt, 10)), { numRuns: 1000 });
  });

  it('on a schema with every scalar type', () => {
    fc.assert(fc.property(textOf(SCALARS), modes, fc.boolean(), (text, mode, corrupt) => void checkColumns(bytesOf(text, []), SCALARS, mode, corrupt, 10)), { numRuns: 1000 });
  });

  it('on compact lines in schema order (the fast shape)', () => {
    const line = fc
      .record({ ts: fc.option(fc.oneof(integerText, isoString), { nil: undefined }), s: fc.option(stringLiteral, { nil: undefined }), l: fc.option(integerText, { nil: undefined }), d: fc.option(numberText, { nil: undefined }), b: fc.option(fc.constantFrom('true', 'false', 'null'), { nil: undefined }) })
      .map((r) => '{' + Object.entries(r).filter(([, v]) => v !== undefined).map(([k, v]) => `"${k}":${v}`).join(',') + '}');
    const fields = SCALARS.filter((f) => ['ts', 's', 'l', 'd', 'b'].includes(f.name));
    fc.assert(fc.property(fc.array(line, { maxLength: 20 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) => void checkColumns(bytesOf(lines.join(eol), []), fields, 'PERMISSIVE', false, 10)), { numRuns: 1000 });
  });

  it('with bytes that are not UTF-8, and a byte order mark, anywhere', () => {
    fc.assert(fc.property(textOf(EVENTS), junkBytes, modes, fc.boolean(), (text, junk, mode, corrupt) => void checkColumns(bytesOf(text, junk), EVENTS, mode, corrupt, 10)), { numRuns: 1000 });
    checkColumns(bytesOf('\uFEFF{"time":1}\n\uFEFF{"time":2}', []), EVENTS, 'PERMISSIVE', true, 10);
  });

  it('with timestampFormat and timeZone, where the text path reads timestamp strings its own way', () => {
    const schema: Schema = { fields: EVENTS };
    for (const [timestampFormat, timeZone] of [['yyyy-MM-dd HH:mm:ss', undefined], [undefined, 'Asia/Kolkata']] as const) {
      const text = '{"time":"2016-07-26 02:45:07","action":"Open"}\n{"time":1469501107,"action":"Close"}\n{"time":"2016-07-26T02:45:07Z"}';
      const options: ParseOptions = { path: 'f', mode: 'PERMISSIVE', columnNameOfCorruptRecord: CORRUPT, ...(timestampFormat === undefined ? {} : { timestampFormat }), ...(timeZone === undefined ? {} : { timeZone }) };
      expect(parseJsonLinesToColumns(Buffer.from(text), schema, options).chunk.rows()).toEqual(parseJsonLines(text, schema, options).rows);
    }
  });
});
