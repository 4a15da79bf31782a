import { DateTime } from 'luxon';
import { MalformedRecordError } from './errors.js';
import { scanJsonLines, type JsonlField } from './jsonl/fast-scan.js';
import { arrayElementType, isArrayType, isStructType, structFields, type ArrayColumnType, type ScalarColumnType, type Schema, type SourceColumnType, type StructColumnType } from './schema.js';
import { setField } from './with-column.js';

/** Spark's `mode` option for malformed records. */
export type ParseMode = 'PERMISSIVE' | 'DROPMALFORMED' | 'FAILFAST';

export interface ParseOptions {
  /** The file the text came from, for error messages. */
  readonly path: string;
  /** Spark's default is PERMISSIVE. */
  readonly mode: ParseMode;
  /** Where PERMISSIVE keeps a malformed line's text; used only when the schema declares it (Spark's rule). */
  readonly columnNameOfCorruptRecord: string;
}

export interface ParsedFile {
  readonly rows: Record<string, unknown>[];
  /** Lines that were malformed: kept with nulls (PERMISSIVE) or dropped (DROPMALFORMED). */
  readonly numMalformedRows: number;
}

/** Returned by `convertValue` for a value that does not fit its column. */
export const INVALID: unique symbol = Symbol('invalid');

/**
 * Converts one JSON value to a column's type, as Spark's JSON reader does: a JSON integer in a
 * timestamp column is epoch seconds (Spark multiplies by 10^6 micros; we keep milliseconds), an
 * ISO-8601 string is parsed with its offset (UTC when it has none); a non-string value in a
 * string column becomes its JSON text; int must fit 32 bits; null stays null. An array column
 * takes a JSON array and converts each element by its element type's rules (a null element
 * stays null); a value that is not an array, or any element that does not fit, makes the whole
 * value not fit, as in Spark (no partial arrays). A struct column takes a JSON object and
 * converts each declared field by its type (a missing field is null, an undeclared one ignored);
 * a value that is not an object, or any field that does not fit, makes the whole struct not
 * fit (no partial structs). Returns `INVALID` when the value does not fit (`mismatch` says why). Allocates nothing on the common scalar path: it runs once per field
 * of every row.
 */
export function convertValue(value: unknown, type: SourceColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'timestamp':
      if (typeof value === 'number') return Number.isInteger(value) ? value * 1000 : INVALID;
      if (typeof value === 'string') {
        const t = DateTime.fromISO(value, { zone: 'utc', setZone: true });
        return t.isValid ? t.toMillis() : INVALID;
      }
      return INVALID;
    case 'long':
      return typeof value === 'number' && Number.isInteger(value) ? value : INVALID;
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 ? value : INVALID;
    case 'double':
      return typeof value === 'number' ? value : INVALID;
    case 'boolean':
      return typeof value === 'boolean' ? value : INVALID;
    default:
      return isStructType(type) ? convertStruct(value, type) : convertArray(value, type);
  }
}

/** Whether a parsed JSON value is an object (not an array). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON object converted field by field to a new object with the struct's fields in declared
 * order; `INVALID` if `value` is no object or a field does not fit. Keys are matched exactly
 * among the object's own keys; a field named `__proto__` or `constructor` is an ordinary own field.
 */
function convertStruct(value: unknown, type: StructColumnType): unknown {
  if (!isJsonObject(value)) return INVALID;
  const out: Record<string, unknown> = {};
  for (const f of structFields(type)) {
    const v: unknown = convertValue(Object.hasOwn(value, f.name) ? value[f.name] : undefined, f.type);
    if (v === INVALID) return INVALID;
    setField(out, f.name, v);
  }
  return out;
}

/** A JSON array converted element-wise to a new array; `INVALID` if `value` is no array or an element does not fit. */
function convertArray(value: unknown, type: ArrayColumnType): unknown {
  if (!Array.isArray(value)) return INVALID;
  const element = arrayElementType(type);
  const out: unknown[] = new Array<unknown>(value.length);
  for (let k = 0; k < value.length; k++) {
    const v: unknown = convertValue(value[k], element);
    if (v === INVALID) return INVALID;
    out[k] = v;
  }
  return out;
}

const ARTICLES: Readonly<Record<ScalarColumnType, string>> = { timestamp: 'a', string: 'a', long: 'a', int: 'an', double: 'a', boolean: 'a' };

/** Why `value` does not fit `type` (for error messages). */
export function mismatch(value: unknown, type: SourceColumnType): string {
  if (isStructType(type)) {
    if (!isJsonObject(value)) return `${JSON.stringify(value)} is not a ${type} (not a JSON object)`;
    const bad = structFields(type).find((f) => convertValue(Object.hasOwn(value, f.name) ? value[f.name] : undefined, f.type) === INVALID);
    return bad === undefined ? `${JSON.stringify(value)} fits ${type}` : `field ${bad.name} of the ${type}: ${mismatch(value[bad.name], bad.type)}`;
  }
  if (isArrayType(type)) {
    if (!Array.isArray(value)) return `${JSON.stringify(value)} is not an ${type} (not a JSON array)`;
    const element = arrayElementType(type);
    const k = value.findIndex((v: unknown) => convertValue(v, element) === INVALID);
    return k < 0 ? `${JSON.stringify(value)} fits ${type}` : `element ${k} of the ${type}: ${mismatch(value[k], element)}`;
  }
  if (type === 'timestamp' && typeof value === 'number') return `${value} is not an integral number of epoch seconds`;
  if (type === 'timestamp' && typeof value === 'string') return `${JSON.stringify(value)} is not an ISO-8601 timestamp`;
  return `${JSON.stringify(value)} is not ${ARTICLES[type]} ${type}`;
}

interface LineResult {
  readonly row: Record<string, unknown>;
  readonly reason: string | undefined;
}

/** The reference reading of one line: JSON.parse, then each field converted by `convertValue`. */
function readLine(line: string, fields: Schema['fields']): LineResult {
  const row: Record<string, unknown> = {};
  let parsed: unknown;
  let reason: string | undefined;
  try {
    parsed = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) reason = 'not a JSON object';
  } catch (e) {
    reason = e instanceof Error ? e.message : 'not JSON';
  }
  if (reason !== undefined) {
    for (const f of fields) setField(row, f.name, null);
    return { row, reason };
  }
  const obj = parsed as Record<string, unknown>;
  for (const f of fields) {
    const raw = Object.hasOwn(obj, f.name) ? obj[f.name] : undefined; // not `constructor` from the prototype
    const value = convertValue(raw, f.type);
    if (value !== INVALID) {
      setField(row, f.name, value);
    } else {
      setField(row, f.name, null);
      reason ??= `field ${f.name}: ${mismatch(raw, f.type)}`;
    }
  }
  return { row, reason };
}

/** The schema's data fields (without the corrupt-record column), one stable array per schema and column name, as the scanner caches its plan per array. */
const dataFieldsCache = new WeakMap<Schema, Map<string, readonly JsonlField[]>>();
function dataFields(schema: Schema, corruptColumn: string): readonly JsonlField[] {
  let byColumn = dataFieldsCache.get(schema);
  if (byColumn === undefined) dataFieldsCache.set(schema, (byColumn = new Map()));
  let fields = byColumn.get(corruptColumn);
  if (fields === undefined) byColumn.set(corruptColumn, (fields = schema.fields.filter((f) => f.name !== corruptColumn)));
  return fields;
}

/**
 * Parses JSON-lines text against a schema: one row per non-blank line, fields in schema order,
 * a missing field null, extra fields ignored. A line that is not a JSON object, or has a value
 * that does not fit its column, is malformed and handled by `mode` as Spark does:
 * PERMISSIVE keeps a row whose unconvertible fields are null and, if the schema declares the
 * corrupt-record column, the raw line in it; DROPMALFORMED drops the line; FAILFAST throws
 * `MalformedRecordError` with the file and 1-based line number.
 *
 * Speed: the schema-driven scanner (`scanJsonLines`) reads the common compact lines without
 * building an object per line (1.75-2x faster than JSON.parse per line, see bench/README.md);
 * every line it does not accept is read again here by the reference path (`JSON.parse` +
 * `convertValue`), which alone decides what is malformed, so the rules above hold whatever
 * the scanner accepts.
 */
export function parseJsonLines(text: string, schema: Schema, options: ParseOptions): ParsedFile {
  const fields = dataFields(schema, options.columnNameOfCorruptRecord);
  const hasCorruptColumn = fields.length !== schema.fields.length;
  const scanned = scanJsonLines(text, fields);
  if (scanned.bad.length === 0 && !hasCorruptColumn) return { rows: scanned.rows, numMalformedRows: 0 };

  const rows: Record<string, unknown>[] = [];
  let malformed = 0;
  let next = 0; // next scanned good row to copy
  const takeGood = (upTo: number): void => {
    for (; next < upTo; next++) {
      const row = scanned.rows[next] as Record<string, unknown>;
      if (hasCorruptColumn) row[options.columnNameOfCorruptRecord] = null;
      rows.push(row);
    }
  };
  for (const bad of scanned.bad) {
    takeGood(bad.rowIndex);
    const raw = bad.raw.endsWith('\r') ? bad.raw.slice(0, -1) : bad.raw;
    const { row, reason } = readLine(raw, fields);
    if (reason !== undefined) {
      malformed++;
      if (options.mode === 'FAILFAST') throw new MalformedRecordError(options.path, bad.line, reason, raw);
      if (options.mode === 'DROPMALFORMED') continue;
    }
    if (hasCorruptColumn) row[options.columnNameOfCorruptRecord] = reason === undefined ? null : raw;
    rows.push(row);
  }
  takeGood(scanned.rows.length);
  return { rows, numMalformedRows: malformed };
}
