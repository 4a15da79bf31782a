import { arrayElementType, isArrayType, isStructType, isWindow, structFields, type ColumnType, type Window } from '../schema.js';
import { parseTimestamp, timestampToString } from './datetime.js';

/**
 * A value's SQL type as the compiler knows it; 'unknown' when a column has no schema and no
 * value. `float` (Spark's FLOAT/REAL: a double rounded to single precision) and `decimal` (a
 * decimal literal such as 2.5, held as its double value, used only where Spark would turn it into
 * a double or compare it exactly) exist only inside statements, never as a column's type.
 */
export type SqlType = ColumnType | 'float' | 'decimal' | 'null' | 'unknown';

export type WindowValue = Window;
export { isWindow };

export const isIntegralType = (t: SqlType): boolean => t === 'int' || t === 'long';
export const isNumericType = (t: SqlType): boolean => t === 'int' || t === 'long' || t === 'double' || t === 'float' || t === 'decimal';

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
    if (type === 'float') return floatToString(value);
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

/** Java's Float.toString, which Spark uses for CAST(float AS STRING): the shortest digits that read back as the same float. */
export function floatToString(v: number): string {
  if (!Number.isFinite(v) || v === 0) return doubleToString(v);
  let digits = String(v);
  for (let p = 1; p <= 9; p += 1) {
    const candidate = v.toPrecision(p);
    if (Math.fround(Number(candidate)) === v) {
      digits = String(Number(candidate));
      break;
    }
  }
  return doubleToString(Number(digits));
}

/** Characters Java's String.trim and UTF8String's number parsing drop at both ends: U+0000-U+0020 (and U+007F for integers). */
function trimControl(text: string, alsoDelete: boolean): string {
  let start = 0;
  let end = text.length;
  const blank = (c: number): boolean => c <= 0x20 || (alsoDelete && c === 0x7f);
  while (start < end && blank(text.charCodeAt(start))) start += 1;
  while (end > start && blank(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

// java.lang.Double.valueOf's grammar (FloatingDecimal): decimal or hexadecimal, an optional f/F/d/D suffix.
const JAVA_DECIMAL = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;
const JAVA_HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)[fFdD]?$/;

function hexToDouble(m: RegExpExecArray): number | null {
  const [, sign = '', int = '', frac = '', exp = '0'] = m;
  if (int === '' && frac === '') return null;
  let value = 0;
  for (const c of int + frac) value = value * 16 + parseInt(c, 16);
  const v = value * 2 ** (Number(exp) - 4 * frac.length);
  return sign === '-' ? -v : v;
}

/**
 * Spark's CAST(string AS DOUBLE) (Cast.castToDouble): java.lang.Double.parseDouble of the text
 * (blanks U+0000-U+0020 trimmed, decimal or hex digits, an f/d suffix, NaN, Infinity), else
 * Cast.processFloatingPointSpecialLiterals (inf, +inf, infinity, -inf, -infinity, nan in any case);
 * null otherwise.
 */
export function stringToDouble(text: string): number | null {
  const s = trimControl(text, false);
  if (JAVA_DECIMAL.test(s)) {
    const body = s.replace(/[fFdD]$/, '');
    if (body.endsWith('NaN')) return NaN;
    return Number(body.replace(/^\+/, ''));
  }
  const hex = JAVA_HEX.exec(s);
  if (hex !== null) return hexToDouble(hex);
  switch (s.toLowerCase()) {
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    case 'nan':
      return NaN;
    default:
      return null;
  }
}

/** CAST(string AS FLOAT): java.lang.Float.parseFloat, the same grammar rounded to single precision. */
export function stringToFloat(text: string): number | null {
  const d = stringToDouble(text);
  return d === null ? null : Math.fround(d);
}

const BITS: Readonly<Record<IntegralTarget, number>> = { tinyint: 8, smallint: 16, int: 32, long: 64 };
type IntegralTarget = 'tinyint' | 'smallint' | 'int' | 'long';

/**
 * Spark's CAST(string AS TINYINT/SMALLINT/INT/BIGINT) (UTF8String.toByte/toShort/toInt/toLong):
 * bytes U+0000-U+0020 and U+007F trimmed, an optional sign, decimal digits, optionally a '.' and
 * more digits (the fraction is dropped, not rounded); no exponent, no blanks inside; out of the
 * type's range is null. A long beyond 2^53 - 1 cannot be held exactly and is refused by the caller.
 */
export function stringToIntegral(text: string, target: IntegralTarget): number | bigint | null {
  const s = trimControl(text, true);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (m === null) return null;
  const [, sign = '', int = '', frac] = m;
  // UTF8String.toLong: a sign alone is refused, '.' alone or '-.' read as 0.
  if (int === '' && frac === undefined) return null;
  const big = BigInt(`${sign === '-' ? '-' : ''}${int === '' ? '0' : int}`);
  const bits = BITS[target];
  const limit = 1n << BigInt(bits - 1);
  if (big < -limit || big >= limit) return null;
  return Number.isSafeInteger(Number(big)) ? Number(big) + 0 : big;
}

/** Wraps an integer to `bits` bits as a JVM narrowing conversion (long to int, int to byte ...). */
export function wrapInteger(v: number, bits: number): number {
  if (bits >= 64) return v;
  if (bits === 32) return v | 0;
  const size = 2 ** bits;
  const m = (((v % size) + size) % size);
  return m >= size / 2 ? m - size : m;
}

/** A long beyond 2^53 as BigInt, wrapped to 64 bits as the JVM's long arithmetic does. */
export function wrapLong(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/**
 * A double to an integral type as Scala's Double.toInt / toLong / toShort / toByte do: NaN is 0,
 * truncation toward zero, saturation at Int's (or Long's) bounds, then for SMALLINT and TINYINT a
 * wrap to 16 or 8 bits (Scala's toShort is toInt.toShort).
 */
export function doubleToIntegral(v: number, target: IntegralTarget): number | bigint {
  if (Number.isNaN(v)) return 0;
  if (target === 'long') {
    if (v >= 9223372036854775807) return 9223372036854775807n;
    if (v <= -9223372036854775808) return -9223372036854775808n;
    const t = Math.trunc(v) + 0;
    return Number.isSafeInteger(t) ? t : BigInt(t);
  }
  const int = v >= 2147483647 ? 2147483647 : v <= -2147483648 ? -2147483648 : Math.trunc(v) + 0;
  return wrapInteger(int, BITS[target]);
}

export type CastTarget = 'string' | 'int' | 'long' | 'double' | 'float' | 'boolean' | 'timestamp' | 'tinyint' | 'smallint';

/** The SQL type a cast produces. */
export function castResultType(target: CastTarget): SqlType {
  switch (target) {
    case 'tinyint':
    case 'smallint':
    case 'int':
      return 'int';
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

/**
 * Spark's CAST (Cast.scala, non-ANSI: a value that does not convert becomes null). Integral
 * results are numbers, or a bigint when beyond 2^53 - 1 (the caller decides what to do with it:
 * the engine refuses such a long rather than round it).
 */
export function castValue(value: unknown, from: SqlType, to: CastTarget, zone: string): unknown {
  if (value === null) return null;
  switch (to) {
    case 'string':
      return toSqlString(value, from, zone);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      // castToBoolean of a number is `x != 0`: NaN is true.
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string') {
        // StringUtils.isTrueString / isFalseString over UTF8String.trimAll().toLowerCase.
        const s = trimControl(value, false).toLowerCase();
        if (s === 't' || s === 'true' || s === 'y' || s === 'yes' || s === '1') return true;
        if (s === 'f' || s === 'false' || s === 'n' || s === 'no' || s === '0') return false;
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
        if (!Number.isFinite(value)) return null;
        return Math.trunc(value * 1000) + 0;
      }
      if (typeof value === 'string') return parseTimestamp(value, zone);
      return null;
    default: {
      const bits = BITS[to];
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'number') {
        // A timestamp to an integral type: whole seconds (floor), then narrowed.
        if (from === 'timestamp') return wrapInteger(Math.floor(value / 1000), bits);
        if (from === 'double' || from === 'float' || from === 'decimal' || !Number.isInteger(value)) return doubleToIntegral(value, to);
        return wrapInteger(value, bits);
      }
      if (typeof value === 'string') return stringToIntegral(value, to);
      return null;
    }
  }
}

/** A number from a value for arithmetic: strings are read as doubles (Spark casts a string operand to DOUBLE). */
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
 * Spark's string order: UTF8String.compareTo compares UTF-8 bytes, which is code point order.
 * JS's `<` compares UTF-16 code units, which differs when a character beyond U+FFFF (a surrogate
 * pair, 0xD800-0xDFFF) meets one in U+E000-U+FFFF; so the first difference is compared by code point.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const cx = a.codePointAt(i) ?? x;
    const cy = b.codePointAt(i) ?? y;
    return cx < cy ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
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
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
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
