import { arrayElementType, isArrayType, isStructType, isWindow, structFields, type ColumnType, type Window } from '../schema.js';
import { parseTimestamp, timestampToString } from './datetime.js';

/** A value's SQL type as the compiler knows it; 'unknown' when a column has no schema and no value. */
export type SqlType = ColumnType | 'null' | 'unknown';

export type WindowValue = Window;
export { isWindow };

export const isNumericType = (t: SqlType): boolean => t === 'int' || t === 'long' || t === 'double';

/** The type of a value found in a row without a schema. */
export function inferType(value: unknown): SqlType {
  if (value === null || value === undefined) return 'unknown';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  if (typeof value === 'bigint') return 'long';
  if (isWindow(value)) return 'window';
  if (value instanceof Date) return 'timestamp';
  return 'unknown';
}

/** Normalizes a value read from a row: undefined is null, a Date is its epoch ms, a bigint a number. */
export function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** Java's Double.toString, which Spark uses for CAST(double AS STRING). */
export function doubleToString(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(v);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa = '0', exponent = '0'] = v.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.replace('+', '')}`;
}

/** Spark's text of a value of `type` (CAST AS STRING, concat, LIKE over non-strings). */
export function toSqlString(value: unknown, type: SqlType, zone: string): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (type === 'timestamp') return timestampToString(value, zone);
    if (type === 'double' || !Number.isInteger(value)) return doubleToString(value);
    return String(value);
  }
  if (isStructType(type) && typeof value === 'object') {
    // Spark 3's CAST(struct AS STRING): `{Alice, null}`, the field values in order, each as its own type's text.
    const v = value as Record<string, unknown>;
    const text = structFields(type).map((f) => (Object.hasOwn(v, f.name) ? toSqlString(v[f.name] ?? null, f.type, zone) : null) ?? 'null');
    return `{${text.join(', ')}}`;
  }
  if (isWindow(value)) return `{${timestampToString(value.start, zone)}, ${timestampToString(value.end, zone)}}`;
  if (Array.isArray(value)) {
    // Spark 3's CAST(array AS STRING): `[1, null, 3]`, each element as its own type's text.
    const element: SqlType = arrayElementType(type) ?? 'unknown';
    return `[${value.map((v: unknown) => (v === null || v === undefined ? 'null' : toSqlString(v, element, zone))).join(', ')}]`;
  }
  return String(value);
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfFlL]?$/;

/** Spark's CAST(string AS DOUBLE): null when the text is not a number. */
export function stringToDouble(text: string): number | null {
  const s = text.trim();
  if (NUMBER_TEXT.test(s)) return Number(s.replace(/[dDfFlL]$/, ''));
  const lower = s.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-infinity' || lower === '-inf') return -Infinity;
  return null;
}

const INT_BITS: Readonly<Record<number, [number, number]>> = {
  8: [-128, 127],
  16: [-32768, 32767],
  32: [-2147483648, 2147483647],
};

/** Wraps an integer to `bits` bits like a JVM narrowing conversion; 64 bits saturate (JS numbers). */
function wrap(v: number, bits: number): number {
  if (bits === 64) return v;
  const range = INT_BITS[bits];
  if (range === undefined) return v;
  const size = 2 ** bits;
  const m = ((v % size) + size) % size;
  return m > range[1] ? m - size : m;
}

/** A double to an integral type as the JVM does: truncate, NaN to 0, saturate at the type's bounds. */
function doubleToIntegral(v: number, bits: number): number {
  if (Number.isNaN(v)) return 0;
  const range = INT_BITS[bits];
  const lo = range === undefined ? -9223372036854775808 : range[0];
  const hi = range === undefined ? 9223372036854775807 : range[1];
  if (v <= lo) return lo;
  if (v >= hi) return hi;
  return Math.trunc(v) + 0;
}

export type CastTarget = 'string' | 'int' | 'long' | 'double' | 'float' | 'boolean' | 'timestamp' | 'tinyint' | 'smallint';

/** The SQL type a cast produces. */
export function castResultType(target: CastTarget): SqlType {
  switch (target) {
    case 'tinyint':
    case 'smallint':
    case 'int':
      return 'int';
    case 'float':
      return 'double';
    default:
      return target;
  }
}

/** Whether Spark lets a value of `from` be cast to `to` (a window, an array or a struct only to string). */
export function canCast(from: SqlType, to: CastTarget): boolean {
  if (from === 'window' || isArrayType(from) || isStructType(from)) return to === 'string';
  if (from === 'boolean' && to === 'timestamp') return false;
  return true;
}

/** Spark's CAST (non-ANSI mode: a value that does not convert becomes null). */
export function castValue(value: unknown, from: SqlType, to: CastTarget, zone: string): unknown {
  if (value === null) return null;
  switch (to) {
    case 'string':
      return toSqlString(value, from, zone);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
      if (typeof value === 'string') {
        const s = value.trim().toLowerCase();
        if (['t', 'true', 'y', 'yes', '1'].includes(s)) return true;
        if (['f', 'false', 'n', 'no', '0'].includes(s)) return false;
      }
      return null;
    case 'double':
    case 'float': {
      let d: number | null = null;
      if (typeof value === 'number') d = from === 'timestamp' ? value / 1000 : value;
      else if (typeof value === 'boolean') d = value ? 1 : 0;
      else if (typeof value === 'string') d = stringToDouble(value);
      if (d === null) return null;
      return to === 'float' ? Math.fround(d) : d;
    }
    case 'timestamp':
      if (typeof value === 'number') {
        if (from === 'timestamp') return value;
        // A number cast to a timestamp counts seconds since the epoch, as in Spark.
        return Number.isFinite(value) ? Math.trunc(value * 1000) : null;
      }
      if (typeof value === 'string') return parseTimestamp(value, zone);
      return null;
    default: {
      const bits = to === 'tinyint' ? 8 : to === 'smallint' ? 16 : to === 'int' ? 32 : 64;
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'number') {
        if (from === 'timestamp') return wrap(Math.floor(value / 1000), bits);
        if (Number.isInteger(value)) return wrap(value, bits);
        return doubleToIntegral(value, bits);
      }
      if (typeof value === 'string') {
        const d = stringToDouble(value);
        if (d === null || !Number.isFinite(d)) return null;
        const t = Math.trunc(d);
        const range = INT_BITS[bits];
        if (range !== undefined && (t < range[0] || t > range[1])) return null;
        return t + 0;
      }
      return null;
    }
  }
}

/** A number from a value for arithmetic: strings are read as doubles (null when not numeric). */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return stringToDouble(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

function rank(value: unknown): number {
  if (typeof value === 'boolean') return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  if (isWindow(value)) return 3;
  if (Array.isArray(value)) return 4;
  return 5;
}

/** A struct value: a plain object that is not a bare window `{start, end}`. */
function isStructValue(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(isWindow(value) && Object.keys(value).length === 2);
}

/** Spark's struct ordering: field by field in declared order, a null field first. */
function compareStructs(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): number {
  return compareArrays(Object.values(a), Object.values(b));
}

/** Spark's array ordering: element by element (a null element first), then the shorter array first. */
function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k] ?? null;
    const y = b[k] ?? null;
    if (x === null || y === null) {
      if (x !== y) return x === null ? -1 : 1;
      continue;
    }
    const c = compareValues(x, y);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareNumbers(a: number, b: number): number {
  // Spark orders NaN above every other double, and NaN equals NaN.
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares two non-null values. Numbers with numbers, strings with strings (by code point, as
 * Spark compares UTF-8 bytes), false before true, windows by start then end, arrays element by
 * element (a null element first, then the shorter array first), structs field by field in
 * declared order (a null field first). A number against a
 * string compares the string read as a number (Spark's implicit cast); values that still do not
 * compare order by kind.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (isStructValue(a) && isStructValue(b)) return compareStructs(a, b);
  if (isWindow(a) && isWindow(b)) return compareNumbers(a.start, b.start) || compareNumbers(a.end, b.end);
  if (Array.isArray(a) && Array.isArray(b)) return compareArrays(a, b);
  if (typeof a === 'number' && typeof b === 'string') {
    const n = stringToDouble(b);
    if (n !== null) return compareNumbers(a, n);
  }
  if (typeof a === 'string' && typeof b === 'number') {
    const n = stringToDouble(a);
    if (n !== null) return compareNumbers(n, b);
  }
  return rank(a) - rank(b);
}

/** A string that is equal for values Spark groups together (DISTINCT, GROUP BY). */
export function groupKey(value: unknown): string {
  if (value === null || value === undefined) return 'n';
  if (typeof value === 'number') return Number.isNaN(value) ? 'd:NaN' : `d:${value === 0 ? 0 : value}`;
  // JSON escapes control characters, so no key holds the \u0000 that tupleKey joins with.
  if (typeof value === 'string') return `s:${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return value ? 'b:1' : 'b:0';
  // A struct's key is its fields' keys in order (NaN and -0 grouped as for a column, unlike JSON text).
  if (isStructValue(value)) return `t:${JSON.stringify(Object.values(value).map(groupKey))}`;
  if (isWindow(value)) return `w:${value.start}:${value.end}`;
  try {
    return `j:${JSON.stringify(value)}`;
  } catch {
    return `o:${String(value)}`;
  }
}

export function tupleKey(values: readonly unknown[]): string {
  return values.map(groupKey).join('\u0000');
}
