/**
 * Reading JSON-lines text against a declared schema.
 *
 * Two functions with identical results:
 *  - `parseJsonLinesReference` is the reference: split on '\n', `JSON.parse` each non-blank line, then
 *    convert the parsed object to a typed row with `rowFromJsonValue`.
 *  - `scanJsonLines` is the fast path used by the file source. For a line in the common shape
 *    (`{"key":value,...}` with no whitespace and no escapes in schema fields) it reads the
 *    schema fields straight from the text with charCode comparisons and skips other fields
 *    while checking their syntax, so no intermediate object is built per line. For any
 *    line it cannot read that way (whitespace, escapes, duplicate schema keys, a value of the
 *    wrong type, invalid JSON, ...) it hands that line to the reference path, so the two never
 *    disagree: the fast path only ever accepts lines the reference path accepts, with the
 *    same values.
 *
 * Semantics (one line = one record):
 *  - Lines end at '\n', '\r\n' or a lone '\r' (as Hadoop's LineReader, which Spark's JSON reader
 *    uses). A line made of spaces and tabs only is skipped. Line numbers are 1-based. A byte
 *    order mark at the start of the text is ignored.
 *  - A line that is not valid JSON, or whose value is not a JSON object, is bad; so is a line
 *    with a lone surrogate (a byte that was not UTF-8) or nesting deeper than 1000 levels
 *    (`parseJsonLine`).
 *  - Schema fields are looked up by exact (case-sensitive) key among the object's own keys;
 *    a missing field, or JSON `null`, gives `null`; keys not in the schema are ignored; if a
 *    key repeats, the last occurrence wins (as in `JSON.parse`).
 *  - A value that does not fit its column's type makes the whole line bad:
 *      timestamp: a JSON number with an integral value = epoch seconds, stored as epoch
 *                 milliseconds; or a string `YYYY-MM-DDTHH:mm:ss[.fraction](Z|±HH:mm|±HHmm)`
 *                 (fraction beyond milliseconds is truncated). The result must be a valid
 *                 JavaScript Date time (|ms| <= 8.64e15).
 *      string:    a JSON string; any other JSON value becomes its JSON text
 *                 (`JSON.stringify` of the parsed value, e.g. `{"a":[1,2]}`, `1.5`, `true`).
 *      long:      a JSON number with an integral value within ±(2^53 - 1).
 *      int:       a JSON number with an integral value within [-2^31, 2^31 - 1].
 *      double:    every JSON number.
 *      boolean:   `true` or `false`.
 *      array<T>:  a JSON array (of any length) whose every element is `null` or fits T by the
 *                 rules above; the row gets a new array of the converted elements. Anything
 *                 else (a scalar, an object, one element that does not fit T, such as `"a"` or
 *                 a nested array in an array<int>) makes the line bad: the whole array column
 *                 is null in the partial row, as in Spark, which never keeps a partial array.
 *      struct<...>: a JSON object; each declared field is read by its own type with these
 *                 rules (missing or `null` gives null, undeclared keys are ignored, the last of
 *                 repeated keys wins) into a new object with the fields in declared order.
 *                 Anything else (not an object, one field that does not fit) makes the line bad
 *                 and the whole struct column null in the partial row (no partial structs).
 *                 An `array<struct<...>>` holds such objects or nulls.
 *    "Integral value" is judged after parsing, so `1.0` and `1e3` are integers (Spark's
 *    Jackson reader would reject them for integral columns); but a literal that JSON.parse
 *    would round to another integer (`9007199254740990.5`) is an `InexactNumber`, which no
 *    integral column takes (a double column takes its nearest value).
 *
 * The fast path reads a struct value by finding its end with the syntax checker and
 * `JSON.parse` of that slice alone, then the same conversion as the reference path.
 */

import { structFields } from '../schema.js';
import { setField } from '../with-column.js';

/** The scalar column types (Spark SQL type names, lower case). */
export type JsonlScalarType = 'timestamp' | 'string' | 'long' | 'int' | 'double' | 'boolean';

/**
 * Column types a JSON-lines schema can declare: a scalar type, an array of one (`array<int>`), a
 * struct in its canonical spelling (`struct<name:string,age:int>`, see `src/schema.ts`), or an
 * array of structs.
 */
export type JsonlFieldType = JsonlScalarType | `array<${JsonlScalarType}>` | `struct<${string}>` | `array<struct<${string}>>`;

/** One column of the schema a line is read against. */
export interface JsonlField {
  readonly name: string;
  readonly type: JsonlFieldType;
}

/** A row: one property per schema field, in schema order. */
export type JsonlRow = Record<string, unknown>;

/** A line that could not be read as a row. */
export interface BadLine {
  /** 1-based line number within the text. */
  readonly line: number;
  /** Why the line was rejected, e.g. `field "time": expected timestamp, got "soon"`. */
  readonly reason: string;
  /** The line's text (without its '\n'). */
  readonly raw: string;
  /** How many good rows precede this line, i.e. where it would sit in `rows`. */
  readonly rowIndex: number;
  /**
   * For a JSON object with values that do not fit: the row with those fields null and the
   * others converted (what Spark's PERMISSIVE mode keeps). `null` if the line is not a JSON
   * object.
   */
  readonly row: JsonlRow | null;
}

export interface JsonlResult {
  readonly rows: JsonlRow[];
  readonly bad: BadLine[];
}

/** Largest |epoch ms| a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

// Char codes.
const C_TAB = 9;
const C_LF = 10;
const C_CR = 13;
const C_SPACE = 32;
const C_QUOTE = 34;
const C_PLUS = 43;
const C_COMMA = 44;
const C_MINUS = 45;
const C_DOT = 46;
const C_0 = 48;
const C_9 = 57;
const C_COLON = 58;
const C_UPPER_E = 69;
const C_UPPER_T = 84;
const C_UPPER_Z = 90;
const C_LBRACKET = 91;
const C_BACKSLASH = 92;
const C_RBRACKET = 93;
const C_LOWER_E = 101;
const C_LOWER_F = 102;
const C_LOWER_N = 110;
const C_LOWER_T = 116;
const C_LBRACE = 123;
const C_RBRACE = 125;
const C_BOM = 0xfeff;

const TYPE_TIMESTAMP = 0;
const TYPE_STRING = 1;
const TYPE_LONG = 2;
const TYPE_INT = 3;
const TYPE_DOUBLE = 4;
const TYPE_BOOLEAN = 5;
/** A timestamp column that takes epoch seconds only: with a `timestampFormat`, a string is read by the format alone (json-lines.ts), never here. */
const TYPE_TIMESTAMP_SECONDS = 6;
/** An array column's code is TYPE_ARRAY + its element's code. */
const TYPE_ARRAY = 8;
/** A struct column; TYPE_ARRAY + TYPE_STRUCT is an array of structs. Both are read through their `Shape`. */
const TYPE_STRUCT = 16;

const TYPE_CODES: Readonly<Record<JsonlScalarType | `array<${JsonlScalarType}>`, number>> = {
  timestamp: TYPE_TIMESTAMP,
  string: TYPE_STRING,
  long: TYPE_LONG,
  int: TYPE_INT,
  double: TYPE_DOUBLE,
  boolean: TYPE_BOOLEAN,
  'array<timestamp>': TYPE_ARRAY + TYPE_TIMESTAMP,
  'array<string>': TYPE_ARRAY + TYPE_STRING,
  'array<long>': TYPE_ARRAY + TYPE_LONG,
  'array<int>': TYPE_ARRAY + TYPE_INT,
  'array<double>': TYPE_ARRAY + TYPE_DOUBLE,
  'array<boolean>': TYPE_ARRAY + TYPE_BOOLEAN,
};

/** Nesting deeper than this in an ignored field is left to JSON.parse. */
const MAX_SKIP_DEPTH = 64;

/** A struct type (or an array of structs) prepared for conversion: its fields' names and shapes. */
interface Shape {
  readonly code: number;
  /** A struct's fields in declared order. */
  readonly fields?: readonly { readonly name: string; readonly shape: Shape }[];
  /** An array's element. */
  readonly element?: Shape;
}

/** The shape of a column type, or undefined if it is no type (an array of arrays is none, as in the schema). */
function shapeOf(type: string, secondsOnly: boolean): Shape | undefined {
  if (Object.hasOwn(TYPE_CODES, type)) {
    let code = TYPE_CODES[type as keyof typeof TYPE_CODES];
    if (secondsOnly && code % TYPE_ARRAY === TYPE_TIMESTAMP) code += TYPE_TIMESTAMP_SECONDS;
    return code >= TYPE_ARRAY ? { code, element: { code: code - TYPE_ARRAY } } : { code };
  }
  const fields = structFields(type);
  if (fields !== undefined) {
    const shapes = fields.map((f) => ({ name: f.name, shape: shapeOf(f.type, secondsOnly) }));
    if (shapes.some((f) => f.shape === undefined)) return undefined;
    return { code: TYPE_STRUCT, fields: shapes as { name: string; shape: Shape }[] };
  }
  if (type.startsWith('array<') && type.endsWith('>')) {
    const element = shapeOf(type.slice(6, -1), secondsOnly);
    if (element?.code === TYPE_STRUCT) return { code: TYPE_ARRAY + TYPE_STRUCT, element };
  }
  return undefined;
}

/** The schema, prepared once: names, type codes and the `"name":` prefixes to match. */
interface Plan {
  readonly n: number;
  readonly names: readonly string[];
  readonly types: readonly JsonlFieldType[];
  readonly codes: Int32Array;
  /** Per field, the shape of a struct or array-of-struct column (undefined for the others). */
  readonly shapes: readonly (Shape | undefined)[];
  /** `"name":` per field. */
  readonly prefixes: readonly string[];
  readonly byName: ReadonlyMap<string, number>;
  readonly makeRow: RowBuilder;
}

/** How a scan reads values beyond the schema's types. */
export interface ScanOptions {
  /**
   * Whether a timestamp column takes ISO-8601 strings (default true). False when the reader has
   * its own way of reading them (Spark's `timestampFormat`): then a string in a timestamp column
   * makes the line bad here, and the caller reads it.
   */
  readonly timestampStrings?: boolean;
}

const plans = new WeakMap<readonly JsonlField[], Plan>();
const secondsOnlyPlans = new WeakMap<readonly JsonlField[], Plan>();

function planFor(fields: readonly JsonlField[], options?: ScanOptions): Plan {
  const secondsOnly = options?.timestampStrings === false;
  const cache = secondsOnly ? secondsOnlyPlans : plans;
  let plan = cache.get(fields);
  if (plan !== undefined) return plan;
  const names: string[] = [];
  const types: JsonlFieldType[] = [];
  const byName = new Map<string, number>();
  const codes = new Int32Array(fields.length);
  const shapes: (Shape | undefined)[] = [];
  fields.forEach((f, i) => {
    const shape = typeof f.type === 'string' ? shapeOf(f.type, secondsOnly) : undefined; // own keys only: not `constructor` from the prototype
    if (typeof f.name !== 'string' || shape === undefined) {
      throw new TypeError(`JSON-lines schema: invalid field ${JSON.stringify(f)}`);
    }
    if (byName.has(f.name)) throw new TypeError(`JSON-lines schema: duplicate field ${JSON.stringify(f.name)}`);
    byName.set(f.name, i);
    names.push(f.name);
    types.push(f.type);
    codes[i] = shape.code;
    shapes.push(shape.code === TYPE_STRUCT || shape.code === TYPE_ARRAY + TYPE_STRUCT ? shape : undefined);
  });
  plan = {
    n: names.length,
    names,
    types,
    codes,
    shapes,
    // JSON.stringify gives the key as it would be written without needless escapes; a key
    // written with escapes does not match the prefix and goes to the reference path.
    prefixes: names.map((name) => JSON.stringify(name) + ':'),
    byName,
    makeRow: rowBuilder(names),
  };
  cache.set(fields, plan);
  return plan;
}

type RowBuilder = (values: readonly unknown[]) => JsonlRow;

/**
 * A function building rows in schema order. Small schemas get a builder whose every store
 * has one fixed key, so V8 keeps each store monomorphic (about 2x faster than a loop).
 */
function rowBuilder(names: readonly string[]): RowBuilder {
  if (names.includes('__proto__')) {
    return (values) => {
      const row: JsonlRow = {};
      names.forEach((name, i) => {
        Object.defineProperty(row, name, { value: values[i], enumerable: true, writable: true, configurable: true });
      });
      return row;
    };
  }
  const [a, b, c, d] = names;
  switch (names.length) {
    case 0:
      return () => ({});
    case 1:
      return (v) => {
        const r: JsonlRow = {};
        r[a!] = v[0];
        return r;
      };
    case 2:
      return (v) => {
        const r: JsonlRow = {};
        r[a!] = v[0];
        r[b!] = v[1];
        return r;
      };
    case 3:
      return (v) => {
        const r: JsonlRow = {};
        r[a!] = v[0];
        r[b!] = v[1];
        r[c!] = v[2];
        return r;
      };
    case 4:
      return (v) => {
        const r: JsonlRow = {};
        r[a!] = v[0];
        r[b!] = v[1];
        r[c!] = v[2];
        r[d!] = v[3];
        return r;
      };
    default:
      return (v) => {
        const r: JsonlRow = {};
        for (let i = 0; i < names.length; i++) r[names[i]!] = v[i];
        return r;
      };
  }
}

// ---------------------------------------------------------------------------------------
// One line's JSON: what JSON.parse would give, unless the value cannot be kept as written.

/** Deepest nesting of arrays and objects a line may hold (the line's object counts): Jackson's default `maxNestingDepth`, which Spark's reader applies. */
export const MAX_NESTING_DEPTH = 1000;

/** Why a value is an `InexactNumber`. */
const INEXACT_REASON = 'a number that a JavaScript number cannot hold exactly';

/**
 * A JSON number literal whose value is not what `JSON.parse` gives for it, where that matters:
 * the parsed number is an integer within ±(2^53 - 1) but the literal is another number
 * (`9007199254740990.5`, `1.00000000000000001`, `1e-400`). An integral column (long, int,
 * timestamp seconds) refuses it rather than take the rounded value; a double column takes
 * `value`; a string column, like `JSON.stringify`, writes `value` (`toJSON`).
 */
export class InexactNumber {
  constructor(
    /** The literal as written. */
    readonly text: string,
    /** What `JSON.parse` makes of it. */
    readonly value: number,
  ) {}

  toJSON(): number {
    return this.value;
  }
}

/** `String.prototype.isWellFormed` (ES2024; Node 20 has it): no lone surrogate. */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** `String.prototype.toWellFormed` (ES2024): each lone surrogate replaced with U+FFFD. */
export function toWellFormed(text: string): string {
  return (text as unknown as { toWellFormed(): string }).toWellFormed();
}

/** Exact decimal digits of the integer a number literal denotes, or undefined if it denotes no integer of at most 16 digits. */
function literalInteger(token: string): string | undefined {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (m === null) return undefined;
  const frac = m[2] ?? '';
  let digits = (m[1] as string) + frac;
  let exponent = (m[3] === undefined ? 0 : Number(m[3])) - frac.length;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === C_0) lead++;
  digits = digits.slice(lead);
  if (digits === '') return '0';
  let trail = digits.length;
  while (digits.charCodeAt(trail - 1) === C_0) trail--;
  exponent += digits.length - trail;
  digits = digits.slice(0, trail);
  if (exponent < 0 || digits.length + exponent > 16) return undefined;
  return digits + '0'.repeat(exponent);
}

const MAYBE_INEXACT = /\d[.eE]|\d{16}/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Whether `JSON.parse` would turn the number literal `token` into a safe integer that is not the literal's value. */
function isInexact(token: string): boolean {
  if (!JSON_NUMBER.test(token)) return false; // not a JSON number (`1.`, `01`): JSON.parse refuses the line
  const v = Number(token);
  return Number.isSafeInteger(v) && literalInteger(token) !== String(Math.abs(v));
}

/** Marks inexact literals while one line is parsed (a private-use character and a random tag: no data string is taken for one). */
const MARK = `\u{10FFFD}inexact-${Math.random().toString(36).slice(2)}-`;

/**
 * Parses one line's JSON (or a value's slice) as `JSON.parse` does, except what cannot be kept
 * as written: returns `{ value }`, or why the text is refused. Refused: text with a lone
 * surrogate (bytes that were not UTF-8), nesting deeper than {@link MAX_NESTING_DEPTH}, and
 * invalid JSON. A number literal that `JSON.parse` would round to a different integer is an
 * {@link InexactNumber} in the value. One pass over the text, no recursion.
 */
export function parseJsonLine(text: string): { readonly value: unknown } | string {
  if (!isWellFormed(text)) return 'not UTF-8 text: the line holds bytes that are not UTF-8';
  let depth = 0;
  let inexact: [number, number][] | undefined; // [start, end) of each inexact literal
  const len = text.length;
  // The pass is needed only if the text could nest too deep or hold an inexact literal (one has
  // a digit followed by a fraction or exponent, or 16 digits).
  const scan = len > MAX_NESTING_DEPTH || MAYBE_INEXACT.test(text);
  for (let i = 0; scan && i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === C_QUOTE) {
      // Skip the string: to the next quote not escaped (validity is JSON.parse's to judge).
      for (i++; i < len; i++) {
        const d = text.charCodeAt(i);
        if (d === C_BACKSLASH) i++;
        else if (d === C_QUOTE) break;
      }
    } else if (c === C_LBRACE || c === C_LBRACKET) {
      if (++depth > MAX_NESTING_DEPTH) return `nesting deeper than ${MAX_NESTING_DEPTH} levels`;
    } else if (c === C_RBRACE || c === C_RBRACKET) {
      depth--;
    } else if (c === C_MINUS || (c >= C_0 && c <= C_9)) {
      const start = i;
      let plain = true; // digits only, at most 15: always exact
      for (i++; i < len; i++) {
        const d = text.charCodeAt(i);
        if (d === C_DOT || d === C_LOWER_E || d === C_UPPER_E || d === C_PLUS || d === C_MINUS) plain = false;
        else if (d < C_0 || d > C_9) break;
      }
      if ((!plain || i - start > 15) && isInexact(text.slice(start, i))) (inexact ??= []).push([start, i]);
      i--;
    }
  }
  try {
    if (inexact === undefined) return { value: JSON.parse(text) as unknown };
    const numbers: InexactNumber[] = [];
    let marked = '';
    let from = 0;
    for (const [start, end] of inexact) {
      const token = text.slice(start, end);
      marked += text.slice(from, start) + JSON.stringify(MARK + String(numbers.length));
      numbers.push(new InexactNumber(token, Number(token)));
      from = end;
    }
    marked += text.slice(from);
    const value = JSON.parse(marked, (_key, v: unknown) => (typeof v === 'string' && v.startsWith(MARK) ? numbers[Number(v.slice(MARK.length))] : v)) as unknown;
    return { value };
  } catch (e) {
    return `invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * A parsed value's JSON text: `JSON.stringify`, an {@link InexactNumber} written as the number
 * JSON.parse gives (a string column holds a number's JSON text as JavaScript writes it, rounded
 * like any double).
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------
// Reference path: JSON.parse + conversion.

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof InexactNumber) return `${value.text} (${INEXACT_REASON})`;
  const text = jsonText(value);
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

const SCALAR_EXPECTATIONS: Readonly<Record<JsonlScalarType, string>> = {
  timestamp: 'timestamp (integer epoch seconds, or ISO-8601 string with a zone)',
  string: 'string',
  long: 'long (integer within ±(2^53-1))',
  int: 'int (integer within 32 bits)',
  double: 'double (number)',
  boolean: 'boolean',
};

const arrayOf = (element: JsonlScalarType): string => `array<${element}> (JSON array of ${SCALAR_EXPECTATIONS[element]} or null)`;

const TYPE_EXPECTATIONS: Readonly<Record<JsonlScalarType | `array<${JsonlScalarType}>`, string>> = {
  ...SCALAR_EXPECTATIONS,
  'array<timestamp>': arrayOf('timestamp'),
  'array<string>': arrayOf('string'),
  'array<long>': arrayOf('long'),
  'array<int>': arrayOf('int'),
  'array<double>': arrayOf('double'),
  'array<boolean>': arrayOf('boolean'),
};

/** What a column of `type` takes, for reasons. */
function expectation(type: JsonlFieldType): string {
  if (Object.hasOwn(TYPE_EXPECTATIONS, type)) return TYPE_EXPECTATIONS[type as keyof typeof TYPE_EXPECTATIONS];
  return type.startsWith('array<') ? `${type} (JSON array of objects or null)` : `${type} (JSON object whose declared fields fit)`;
}

/**
 * Converts a parsed JSON value (missing: `undefined`) by a shape: a struct to a new object of
 * its declared fields (`__proto__` an own field), an array element-wise; `undefined` if it does not fit.
 */
function convertShape(shape: Shape, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const fields = shape.fields;
  if (fields !== undefined) {
    if (typeof v !== 'object' || Array.isArray(v)) return undefined;
    const obj = v as Record<string, unknown>;
    const out: JsonlRow = {};
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      const converted = Object.hasOwn(obj, f.name) ? convertShape(f.shape, obj[f.name]) : null;
      if (converted === undefined) return undefined;
      setField(out, f.name, converted);
    }
    return out;
  }
  const element = shape.element;
  if (element !== undefined) {
    if (!Array.isArray(v)) return undefined;
    const out = new Array<unknown>(v.length);
    for (let k = 0; k < v.length; k++) {
      const converted = convertShape(element, v[k]);
      if (converted === undefined) return undefined;
      out[k] = converted;
    }
    return out;
  }
  return convertValue(shape.code, v);
}

/** Converts field `i`'s parsed JSON value by its column type, or returns `undefined` if it does not fit. */
function convertField(plan: Plan, i: number, v: unknown): unknown {
  const shape = plan.shapes[i];
  return shape === undefined ? convertValue(plan.codes[i]!, v) : convertShape(shape, v);
}

/** Converts one field's parsed JSON value, or returns `undefined` if it does not fit. */
function convertValue(code: number, v: unknown): unknown {
  if (v === null) return null;
  switch (code) {
    case TYPE_TIMESTAMP:
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) return undefined;
        const ms = v * 1000;
        return ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS ? ms : undefined;
      }
      if (typeof v === 'string') {
        const ms = parseIsoMillis(v, 0, v.length);
        return Number.isNaN(ms) ? undefined : ms;
      }
      return undefined;
    case TYPE_TIMESTAMP_SECONDS:
      if (typeof v !== 'number' || !Number.isInteger(v)) return undefined;
      return v * 1000 >= -MAX_DATE_MS && v * 1000 <= MAX_DATE_MS ? v * 1000 : undefined;
    case TYPE_STRING:
      return typeof v === 'string' ? v : jsonText(v);
    case TYPE_LONG:
      return Number.isSafeInteger(v) ? v : undefined;
    case TYPE_INT:
      return Number.isInteger(v) && (v as number) >= INT_MIN && (v as number) <= INT_MAX ? v : undefined;
    case TYPE_DOUBLE:
      return typeof v === 'number' ? v : v instanceof InexactNumber ? v.value : undefined;
    case TYPE_BOOLEAN:
      return typeof v === 'boolean' ? v : undefined;
    default: // TYPE_ARRAY + element code
      return convertArray(code - TYPE_ARRAY, v);
  }
}

/** A parsed JSON array converted element-wise to a new array, or `undefined` if `v` is no array or an element does not fit. */
function convertArray(elementCode: number, v: unknown): unknown[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = new Array<unknown>(v.length);
  for (let k = 0; k < v.length; k++) {
    const converted = convertValue(elementCode, v[k]);
    if (converted === undefined) return undefined;
    out[k] = converted;
  }
  return out;
}

function fromValue(plan: Plan, value: unknown): JsonlRow | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `not a JSON object: ${describe(value)}`;
  }
  const obj = value as Record<string, unknown>;
  const values: unknown[] = new Array<unknown>(plan.n);
  for (let i = 0; i < plan.n; i++) {
    const name = plan.names[i]!;
    if (!Object.hasOwn(obj, name)) {
      values[i] = null;
      continue;
    }
    const raw = obj[name];
    const converted = convertField(plan, i, raw);
    if (converted === undefined) {
      return `field ${JSON.stringify(name)}: expected ${expectation(plan.types[i]!)}, got ${describe(raw)}`;
    }
    values[i] = converted;
  }
  return plan.makeRow(values);
}

/** The row of an object that `fromValue` rejected: unconvertible fields null. */
function partialRow(plan: Plan, obj: Record<string, unknown>): JsonlRow {
  const values: unknown[] = new Array<unknown>(plan.n);
  for (let i = 0; i < plan.n; i++) {
    const name = plan.names[i]!;
    const converted = Object.hasOwn(obj, name) ? convertField(plan, i, obj[name]) : null;
    values[i] = converted === undefined ? null : converted;
  }
  return plan.makeRow(values);
}

/**
 * Converts a parsed JSON value (from `JSON.parse` of one line) to a row of the schema.
 * Returns the row, or a string saying why the value does not fit (rows are never strings).
 */
export function rowFromJsonValue(value: unknown, fields: readonly JsonlField[], options?: ScanOptions): JsonlRow | string {
  return fromValue(planFor(fields, options), value);
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== C_SPACE && c !== C_TAB && c !== C_CR) return false;
  }
  return true;
}

/** Reads one line by the reference path, appending to `rows` or `bad`. */
function slowLine(plan: Plan, text: string, start: number, end: number, lineNo: number, rows: JsonlRow[], bad: BadLine[]): void {
  if (isBlank(text, start, end)) return;
  const raw = text.slice(start, end);
  const parsed = parseJsonLine(raw);
  if (typeof parsed === 'string') {
    bad.push({ line: lineNo, reason: parsed, raw, rowIndex: rows.length, row: null });
    return;
  }
  const value = parsed.value;
  const result = fromValue(plan, value);
  if (typeof result !== 'string') {
    rows.push(result);
    return;
  }
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const row = isObject ? partialRow(plan, value as Record<string, unknown>) : null;
  bad.push({ line: lineNo, reason: result, raw, rowIndex: rows.length, row });
}

function firstLineStart(text: string): number {
  return text.length > 0 && text.charCodeAt(0) === C_BOM ? 1 : 0;
}

/**
 * Reference reader: `JSON.parse` per non-blank line, then `rowFromJsonValue`.
 * Same results as `scanJsonLines`, usually slower.
 */
export function parseJsonLinesReference(text: string, fields: readonly JsonlField[], options?: ScanOptions): JsonlResult {
  const plan = planFor(fields, options);
  const rows: JsonlRow[] = [];
  const bad: BadLine[] = [];
  const len = text.length;
  const ends = new LineEnds(text);
  let start = firstLineStart(text);
  let lineNo = 1;
  while (start <= len) {
    const end = ends.after(start);
    slowLine(plan, text, start, end, lineNo, rows, bad);
    start = end + terminatorLength(text, end);
    lineNo++;
  }
  return { rows, bad };
}

// ---------------------------------------------------------------------------------------
// ISO-8601 timestamps.

function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - C_0;
  const b = s.charCodeAt(i + 1) - C_0;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Parses `YYYY-MM-DDTHH:mm:ss[.fraction](Z|±HH:mm|±HHmm)` in `s[start, end)` to epoch ms
 * (fraction truncated to ms); NaN if the text is not exactly that or names no real instant.
 */
export function parseIsoMillis(s: string, start: number, end: number): number {
  if (end - start < 20) return NaN;
  const y1 = digits2(s, start);
  const y2 = digits2(s, start + 2);
  if (y1 < 0 || y2 < 0 || s.charCodeAt(start + 4) !== C_MINUS || s.charCodeAt(start + 7) !== C_MINUS) return NaN;
  const month = digits2(s, start + 5);
  const day = digits2(s, start + 8);
  if (s.charCodeAt(start + 10) !== C_UPPER_T) return NaN;
  const hour = digits2(s, start + 11);
  const minute = digits2(s, start + 14);
  const second = digits2(s, start + 17);
  if (s.charCodeAt(start + 13) !== C_COLON || s.charCodeAt(start + 16) !== C_COLON) return NaN;
  const year = y1 * 100 + y2;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  let i = start + 19;
  let ms = 0;
  if (s.charCodeAt(i) === C_DOT) {
    i++;
    const fracStart = i;
    while (i < end) {
      const c = s.charCodeAt(i) - C_0;
      if (c < 0 || c > 9) break;
      if (i - fracStart < 3) ms = ms * 10 + c;
      i++;
    }
    const count = i - fracStart;
    if (count === 0 || count > 9) return NaN;
    if (count === 1) ms *= 100;
    else if (count === 2) ms *= 10;
  }
  let offsetMinutes: number;
  const z = s.charCodeAt(i);
  if (z === C_UPPER_Z) {
    if (i + 1 !== end) return NaN;
    offsetMinutes = 0;
  } else if (z === C_PLUS || z === C_MINUS) {
    const oh = digits2(s, i + 1);
    let om: number;
    if (i + 6 === end && s.charCodeAt(i + 3) === C_COLON) om = digits2(s, i + 4);
    else if (i + 5 === end) om = digits2(s, i + 3);
    else return NaN;
    if (oh < 0 || oh > 18 || om < 0 || om > 59 || (oh === 18 && om !== 0)) return NaN;
    offsetMinutes = (oh * 60 + om) * (z === C_MINUS ? -1 : 1);
  } else {
    return NaN;
  }
  const days = daysFromCivil(year, month, day);
  const result = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60000 + second * 1000 + ms;
  return result >= -MAX_DATE_MS && result <= MAX_DATE_MS ? result : NaN;
}

// ---------------------------------------------------------------------------------------
// Fast path.

/** Position after a valid JSON string starting at the quote at `i`, or -1. Escapes allowed. */
function skipString(text: string, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === C_QUOTE) return i + 1;
    if (c < C_SPACE) return -1;
    if (c === C_BACKSLASH) {
      const e = text.charCodeAt(i + 1);
      if (e === 117 /* u */) {
        for (let k = i + 2; k < i + 6; k++) {
          const h = text.charCodeAt(k);
          if (!((h >= C_0 && h <= C_9) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) return -1;
        }
        i += 6;
        continue;
      }
      if (e === C_QUOTE || e === C_BACKSLASH || e === 47 || e === 98 || e === C_LOWER_F || e === C_LOWER_N || e === 114 || e === C_LOWER_T) {
        i += 2;
        continue;
      }
      return -1;
    }
    i++;
  }
  return -1;
}

/** Position after a valid JSON number starting at `i`, or -1. */
function skipNumber(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) === C_MINUS) i++;
  let c = text.charCodeAt(i);
  if (c === C_0) {
    i++;
  } else if (c > C_0 && c <= C_9) {
    do i++;
    while (i < end && (c = text.charCodeAt(i)) >= C_0 && c <= C_9);
  } else {
    return -1;
  }
  if (i < end && text.charCodeAt(i) === C_DOT) {
    i++;
    const s = i;
    while (i < end && (c = text.charCodeAt(i)) >= C_0 && c <= C_9) i++;
    if (i === s) return -1;
  }
  c = text.charCodeAt(i);
  if (i < end && (c === C_LOWER_E || c === C_UPPER_E)) {
    i++;
    c = text.charCodeAt(i);
    if (c === C_PLUS || c === C_MINUS) i++;
    const s = i;
    while (i < end && (c = text.charCodeAt(i)) >= C_0 && c <= C_9) i++;
    if (i === s) return -1;
  }
  return i;
}

function skipLiteral(text: string, i: number, end: number, word: string): number {
  return i + word.length <= end && text.startsWith(word, i) ? i + word.length : -1;
}

function skipWs(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== C_SPACE && c !== C_TAB) break; // '\r' ends a line: never whitespace inside one
    i++;
  }
  return i;
}

/** Position after a valid JSON value starting at `i` (no leading whitespace), or -1. */
function skipValue(text: string, i: number, end: number, depth: number): number {
  if (i >= end) return -1;
  const c = text.charCodeAt(i);
  if (c === C_QUOTE) return skipString(text, i, end);
  if (c === C_MINUS || (c >= C_0 && c <= C_9)) return skipNumber(text, i, end);
  if (c === C_LOWER_T) return skipLiteral(text, i, end, 'true');
  if (c === C_LOWER_F) return skipLiteral(text, i, end, 'false');
  if (c === C_LOWER_N) return skipLiteral(text, i, end, 'null');
  if (depth >= MAX_SKIP_DEPTH) return -1;
  if (c === C_LBRACKET) {
    i = skipWs(text, i + 1, end);
    if (text.charCodeAt(i) === C_RBRACKET) return i + 1;
    for (;;) {
      i = skipValue(text, i, end, depth + 1);
      if (i < 0) return -1;
      i = skipWs(text, i, end);
      const d = text.charCodeAt(i);
      if (d === C_RBRACKET) return i + 1;
      if (d !== C_COMMA) return -1;
      i = skipWs(text, i + 1, end);
    }
  }
  if (c === C_LBRACE) {
    i = skipWs(text, i + 1, end);
    if (text.charCodeAt(i) === C_RBRACE) return i + 1;
    for (;;) {
      if (text.charCodeAt(i) !== C_QUOTE) return -1;
      i = skipString(text, i, end);
      if (i < 0) return -1;
      i = skipWs(text, i, end);
      if (text.charCodeAt(i) !== C_COLON) return -1;
      i = skipValue(text, skipWs(text, i + 1, end), end, depth + 1);
      if (i < 0) return -1;
      i = skipWs(text, i, end);
      const d = text.charCodeAt(i);
      if (d === C_RBRACE) return i + 1;
      if (d !== C_COMMA) return -1;
      i = skipWs(text, i + 1, end);
    }
  }
  return -1;
}

/**
 * Reads a JSON integer at `i` with at most 15 digits and no fraction or exponent.
 * Writes the value to `out[0]` and returns the position after it, or -1 (leave it to the
 * reference path).
 */
function readSmallInt(text: string, i: number, end: number, out: Float64Array): number {
  let neg = false;
  if (text.charCodeAt(i) === C_MINUS) {
    neg = true;
    i++;
  }
  const s = i;
  let v = 0;
  let c = 0;
  while (i < end && (c = text.charCodeAt(i) - C_0) >= 0 && c <= 9) {
    v = v * 10 + c;
    i++;
  }
  const count = i - s;
  if (count === 0 || count > 15 || (count > 1 && text.charCodeAt(s) === C_0)) return -1;
  if (i < end) {
    const d = text.charCodeAt(i);
    if (d === C_DOT || d === C_LOWER_E || d === C_UPPER_E) return -1;
  }
  out[0] = neg ? -v : v;
  return i;
}

/** End of an escape-free, control-free string starting at the quote at `i` (index of closing quote), or -1. */
function plainStringEnd(text: string, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === C_QUOTE) return j;
    if (c === C_BACKSLASH || c < C_SPACE) return -1;
  }
  return -1;
}

/**
 * Reads the value (not `null`) of type `code` at `i` into `out[slot]`. Returns the position
 * after it, or -1 to send the line to the reference path.
 */
function readValue(code: number, text: string, i: number, len: number, num: Float64Array, out: unknown[], slot: number): number {
  const c = text.charCodeAt(i);
  switch (code) {
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMP_SECONDS: {
      if (c === C_QUOTE) {
        if (code === TYPE_TIMESTAMP_SECONDS) return -1;
        const q = plainStringEnd(text, i, len);
        if (q < 0) return -1;
        const ms = parseIsoMillis(text, i + 1, q);
        if (Number.isNaN(ms)) return -1;
        out[slot] = ms;
        return q + 1;
      }
      i = readSmallInt(text, i, len, num);
      if (i < 0) return -1;
      const ms = num[0]! * 1000;
      if (ms < -MAX_DATE_MS || ms > MAX_DATE_MS) return -1;
      out[slot] = ms;
      return i;
    }
    case TYPE_STRING: {
      if (c !== C_QUOTE) return -1;
      const q = plainStringEnd(text, i, len);
      if (q < 0) return -1;
      out[slot] = text.slice(i + 1, q);
      return q + 1;
    }
    case TYPE_LONG:
    case TYPE_INT: {
      i = readSmallInt(text, i, len, num);
      if (i < 0) return -1;
      const v = num[0]!;
      if (code === TYPE_INT && (v < INT_MIN || v > INT_MAX)) return -1;
      out[slot] = v;
      return i;
    }
    case TYPE_DOUBLE: {
      const s = i;
      i = skipNumber(text, i, len);
      if (i < 0) return -1;
      out[slot] = +text.slice(s, i);
      return i;
    }
    case TYPE_BOOLEAN:
      if (c === C_LOWER_T && text.startsWith('true', i)) {
        out[slot] = true;
        return i + 4;
      }
      if (c === C_LOWER_F && text.startsWith('false', i)) {
        out[slot] = false;
        return i + 5;
      }
      return -1;
    default: // TYPE_ARRAY + element code
      return readArray(code - TYPE_ARRAY, text, i, len, num, out, slot);
  }
}

/**
 * Reads a compact JSON array (no whitespace) at `i` whose elements are `null` or values of
 * the scalar type `elementCode`, into a new array at `out[slot]`. Returns the position after
 * the `]`, or -1 for anything else (whitespace, a nested array, an element that does not fit
 * or needs the reference path), which the reference path then judges.
 */
function readArray(elementCode: number, text: string, i: number, len: number, num: Float64Array, out: unknown[], slot: number): number {
  if (text.charCodeAt(i) !== C_LBRACKET) return -1;
  const elements: unknown[] = [];
  i++;
  if (text.charCodeAt(i) !== C_RBRACKET) {
    for (;;) {
      if (text.charCodeAt(i) === C_LOWER_N) {
        if (!text.startsWith('null', i)) return -1;
        elements.push(null);
        i += 4;
      } else {
        i = readValue(elementCode, text, i, len, num, elements, elements.length);
        if (i < 0) return -1;
      }
      const d = text.charCodeAt(i);
      if (d === C_RBRACKET) break;
      if (d !== C_COMMA) return -1;
      i++;
    }
  }
  out[slot] = elements;
  return i + 1;
}

/**
 * Reads a struct (or array of structs) value at `i` into `out[slot]`: finds its end with the
 * syntax checker, parses that slice alone and converts it as the reference path does. Returns
 * the position after it, or -1 (invalid, too deep, or a value that does not fit) to send the
 * line to the reference path.
 */
function readShaped(shape: Shape, text: string, i: number, len: number, out: unknown[], slot: number): number {
  const end = skipValue(text, i, len, 0);
  if (end < 0) return -1;
  const parsed = parseJsonLine(text.slice(i, end));
  if (typeof parsed === 'string') return -1;
  const converted = convertShape(shape, parsed.value);
  if (converted === undefined) return -1;
  out[slot] = converted;
  return end;
}

/**
 * Tries the fast path on the line starting at `start` (which is not '\n').
 * Returns the index of the line's '\n' (or `len`) on success, having pushed a row; -1 to
 * send the line to the reference path.
 */
function fastLine(plan: Plan, text: string, start: number, len: number, values: unknown[], seen: Int32Array, stamp: number, num: Float64Array, rows: JsonlRow[]): number {
  if (text.charCodeAt(start) !== C_LBRACE) return -1;
  const n = plan.n;
  const prefixes = plan.prefixes;
  const codes = plan.codes;
  for (let k = 0; k < n; k++) values[k] = null;
  let i = start + 1;
  let next = 0; // the schema field expected next, to try its prefix first
  if (text.charCodeAt(i) === C_RBRACE) {
    i++;
  } else {
    for (;;) {
      if (text.charCodeAt(i) !== C_QUOTE) return -1;
      let field = -1;
      if (next < n && text.startsWith(prefixes[next]!, i)) {
        field = next;
        i += prefixes[next]!.length;
      } else {
        const q = plainStringEnd(text, i, len);
        if (q < 0 || text.charCodeAt(q + 1) !== C_COLON) return -1;
        if (n > 0) {
          const f = plan.byName.get(text.slice(i + 1, q));
          if (f !== undefined) field = f;
        }
        i = q + 2;
      }
      if (field < 0) {
        i = skipValue(text, i, len, 0);
        if (i < 0) return -1;
      } else {
        if (seen[field] === stamp) return -1; // repeated key: let JSON.parse decide which wins
        seen[field] = stamp;
        next = field + 1;
        if (text.charCodeAt(i) === C_LOWER_N) {
          if (!text.startsWith('null', i)) return -1;
          i += 4; // values[field] is already null
        } else if (plan.shapes[field] !== undefined) {
          i = readShaped(plan.shapes[field]!, text, i, len, values, field);
          if (i < 0) return -1;
        } else {
          i = readValue(codes[field]!, text, i, len, num, values, field);
          if (i < 0) return -1;
        }
      }
      const d = text.charCodeAt(i);
      if (d === C_COMMA) {
        i++;
        continue;
      }
      if (d !== C_RBRACE) return -1;
      i++;
      break;
    }
  }
  // The line ends at '\n', '\r\n' or a lone '\r' (returned: the '\r', the next line starts after it).
  if (i < len) {
    const c = text.charCodeAt(i);
    if (c === C_CR) {
      if (text.charCodeAt(i + 1) === C_LF) i++;
    } else if (c !== C_LF) {
      return -1;
    }
  }
  rows.push(plan.makeRow(values));
  return i;
}

/**
 * Reads JSON-lines `text` against `fields`: one row per non-blank line that is a JSON object
 * whose schema fields fit their types; every other non-blank line is reported in `bad`.
 * Same results as `parseJsonLinesReference` (see the module comment for the rules), faster on lines
 * in the usual compact shape. Pass the same `fields` array on every call to reuse the
 * prepared schema.
 */
export function scanJsonLines(text: string, fields: readonly JsonlField[], options?: ScanOptions): JsonlResult {
  const plan = planFor(fields, options);
  // Text with a lone surrogate (a byte that was not UTF-8, see `StreamFileSystem.readText`):
  // the reference path alone, which makes such lines bad; the fast path would take them.
  if (!isWellFormed(text)) return parseJsonLinesReference(text, fields, options);
  const rows: JsonlRow[] = [];
  const bad: BadLine[] = [];
  const values: unknown[] = new Array<unknown>(plan.n).fill(null);
  const seen = new Int32Array(plan.n);
  const num = new Float64Array(1);
  const len = text.length;
  const ends = new LineEnds(text);
  let start = firstLineStart(text);
  let lineNo = 1;
  while (start < len) {
    const c = text.charCodeAt(start);
    if (c === C_CR) {
      if (text.charCodeAt(start + 1) === C_LF) start++; // an empty line ended by '\r\n'
    } else if (c !== C_LF) {
      let end = fastLine(plan, text, start, len, values, seen, lineNo, num, rows);
      if (end < 0) {
        end = ends.after(start);
        slowLine(plan, text, start, end, lineNo, rows, bad);
        if (end < len && text.charCodeAt(end) === C_CR && text.charCodeAt(end + 1) === C_LF) end++;
      }
      start = end;
    }
    start++;
    lineNo++;
  }
  return { rows, bad };
}

/**
 * Where lines end: the next '\n' or '\r' at or after a position (or the text's length), as
 * Hadoop's `LineReader` splits the text Spark's JSON reader reads ('\n', '\r\n' and a lone
 * '\r' each end a line). Remembers the next of each, so finding every line end is linear.
 */
class LineEnds {
  private nextLf = -1;
  private nextCr = -1;
  constructor(private readonly text: string) {}

  after(start: number): number {
    const text = this.text;
    if (this.nextLf !== Infinity && this.nextLf < start) {
      const k = text.indexOf('\n', start);
      this.nextLf = k < 0 ? Infinity : k;
    }
    if (this.nextCr !== Infinity && this.nextCr < start) {
      const k = text.indexOf('\r', start);
      this.nextCr = k < 0 ? Infinity : k;
    }
    const end = Math.min(this.nextLf, this.nextCr);
    return end === Infinity ? text.length : end;
  }
}

/** How many characters the line terminator at `end` takes (2 for '\r\n', 1 otherwise, also at the end of the text). */
function terminatorLength(text: string, end: number): number {
  return text.charCodeAt(end) === C_CR && text.charCodeAt(end + 1) === C_LF ? 2 : 1;
}
