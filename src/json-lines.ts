import { DateTime } from 'luxon';
import { MalformedRecordError } from './errors.js';
import type { Schema, SourceColumnType } from './schema.js';

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

/** Why a JSON value does not fit a column type; undefined when it fits. */
type Converted = { ok: true; value: unknown } | { ok: false; reason: string };

const NULL: Converted = { ok: true, value: null };

/**
 * Converts one JSON value to a column's type, as Spark's JSON reader does: a JSON integer in a
 * timestamp column is epoch seconds (Spark multiplies by 10^6 micros; we keep milliseconds), an
 * ISO-8601 string is parsed with its offset (UTC when it has none); a non-string value in a
 * string column becomes its JSON text; int must fit 32 bits; null stays null.
 */
export function convertValue(value: unknown, type: SourceColumnType): Converted {
  if (value === null || value === undefined) return NULL;
  switch (type) {
    case 'string':
      return { ok: true, value: typeof value === 'string' ? value : JSON.stringify(value) };
    case 'timestamp':
      if (typeof value === 'number') {
        return Number.isInteger(value) ? { ok: true, value: value * 1000 } : { ok: false, reason: `${value} is not an integral number of epoch seconds` };
      }
      if (typeof value === 'string') {
        const t = DateTime.fromISO(value, { zone: 'utc', setZone: true });
        return t.isValid ? { ok: true, value: t.toMillis() } : { ok: false, reason: `${JSON.stringify(value)} is not an ISO-8601 timestamp` };
      }
      return { ok: false, reason: `${JSON.stringify(value)} is not a timestamp` };
    case 'long':
      return typeof value === 'number' && Number.isInteger(value) ? { ok: true, value } : { ok: false, reason: `${JSON.stringify(value)} is not a long` };
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647
        ? { ok: true, value }
        : { ok: false, reason: `${JSON.stringify(value)} is not an int` };
    case 'double':
      return typeof value === 'number' ? { ok: true, value } : { ok: false, reason: `${JSON.stringify(value)} is not a double` };
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false, reason: `${JSON.stringify(value)} is not a boolean` };
  }
}

/**
 * Parses JSON-lines text against a schema: one row per non-blank line, fields in schema order,
 * a missing field null, extra fields ignored. A line that is not a JSON object, or has a value
 * that does not fit its column, is malformed and handled by `mode` as Spark does:
 * PERMISSIVE keeps a row whose unconvertible fields are null and, if the schema declares the
 * corrupt-record column, the raw line in it; DROPMALFORMED drops the line; FAILFAST throws
 * `MalformedRecordError` with the file and 1-based line number.
 */
export function parseJsonLines(text: string, schema: Schema, options: ParseOptions): ParsedFile {
  const rows: Record<string, unknown>[] = [];
  const fields = schema.fields.filter((f) => f.name !== options.columnNameOfCorruptRecord);
  const hasCorruptColumn = fields.length !== schema.fields.length;
  let malformed = 0;
  let lineNo = 0;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      if (end === n) break;
      continue;
    }
    let parsed: unknown;
    let reason: string | undefined;
    try {
      parsed = JSON.parse(line);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) reason = 'not a JSON object';
    } catch (e) {
      reason = e instanceof Error ? e.message : 'not JSON';
    }
    const row: Record<string, unknown> = {};
    if (reason === undefined) {
      const obj = parsed as Record<string, unknown>;
      for (const f of fields) {
        const c = convertValue(obj[f.name], f.type);
        if (c.ok) {
          row[f.name] = c.value;
        } else {
          row[f.name] = null;
          reason ??= `field ${f.name}: ${c.reason}`;
        }
      }
    } else {
      for (const f of fields) row[f.name] = null;
    }
    if (reason !== undefined) {
      malformed++;
      if (options.mode === 'FAILFAST') throw new MalformedRecordError(options.path, lineNo, reason, line);
      if (options.mode === 'DROPMALFORMED') {
        if (end === n) break;
        continue;
      }
    }
    if (hasCorruptColumn) row[options.columnNameOfCorruptRecord] = reason === undefined ? null : line;
    rows.push(row);
    if (end === n) break;
  }
  return { rows, numMalformedRows: malformed };
}
