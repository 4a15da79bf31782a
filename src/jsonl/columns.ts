/**
 * `parseJsonLines` into columns: the same rows, malformed-line handling, reports and errors as
 * the text path (`src/json-lines.ts`), read from bytes by the columnar scanner
 * (`src/jsonl/byte-scan.ts`) into a {@link ColumnChunk}.
 *
 * A line the byte scanner does not take is read as the text path reads it: the text scanner
 * on the line alone (which accepts what it accepts in a whole text, with the same values),
 * then, for a line it rejects, the reference reader with the library's rules and the parse
 * mode (PERMISSIVE keeps a row with nulls and the corrupt-record column, DROPMALFORMED drops
 * it, FAILFAST throws `MalformedRecordError`), each malformed line reported through
 * `onMalformed` in line order.
 */
import { ColumnChunk } from '../engine/columns.js';
import { MalformedRecordError } from '../errors.js';
import { dataFields, readLine, timestampParsing, type ParseOptions } from '../json-lines.js';
import type { Schema } from '../schema.js';
import { isColumnarField, scanJsonLinesToColumns, type FallbackRow } from './byte-scan.js';
import { scanJsonLines, toWellFormed, type JsonlField } from './fast-scan.js';

const BOM = 0xfeff;

/** Can `schema` be read into columns (scalar types only)? Otherwise the text path reads rows. */
export function isColumnarSchema(schema: Schema, columnNameOfCorruptRecord: string): boolean {
  return dataFields(schema, columnNameOfCorruptRecord).every(isColumnarField);
}

/**
 * Parses a block of JSON-lines bytes (whole lines) against a schema of scalar columns (see
 * `isColumnarSchema`) into columns: the rows `parseJsonLines(decodeUtf8(bytes), schema, options)`
 * gives, as a columnar chunk, with the same count of malformed lines, the same `onMalformed`
 * calls and the same FAILFAST error.
 */
export function parseJsonLinesToColumns(bytes: Uint8Array, schema: Schema, options: ParseOptions): { readonly chunk: ColumnChunk; readonly numMalformedRows: number } {
  const corrupt = options.columnNameOfCorruptRecord;
  const fields = dataFields(schema, corrupt);
  const hasCorruptColumn = fields.length !== schema.fields.length;
  const timestamps = timestampParsing(options.timestampFormat, options.timeZone);
  const scanOptions = timestamps.isDefault ? undefined : { timestampStrings: false };
  const lineOffset = options.lineOffset ?? 0;
  let malformed = 0;

  const fallback = (text: string, line: number, firstLine: boolean): FallbackRow => {
    // The text scanner skips a byte order mark at the start of its text only: in a whole block,
    // that is the block's first line; elsewhere the line goes to the reference reader as it is.
    let raw = text;
    if (firstLine || text.charCodeAt(0) !== BOM) {
      const scanned = scanJsonLines(text, fields, scanOptions);
      const good = scanned.rows[0];
      if (good !== undefined) return { values: valuesOf(good, fields), extra: null };
      const bad = scanned.bad[0];
      if (bad === undefined) return undefined; // a blank line
      raw = bad.raw;
    }
    const { row, reason } = readLine(raw, fields, timestamps);
    const wellFormed = toWellFormed(raw);
    if (reason !== undefined) {
      malformed++;
      options.onMalformed?.(lineOffset + line, reason, wellFormed);
      if (options.mode === 'FAILFAST') throw new MalformedRecordError(options.path, lineOffset + line, reason, wellFormed);
      if (options.mode === 'DROPMALFORMED') return undefined;
    }
    return { values: valuesOf(row, fields), extra: reason === undefined ? null : wellFormed };
  };

  const scan = scanJsonLinesToColumns(
    bytes,
    fields,
    { timestampStrings: timestamps.isDefault, ...(hasCorruptColumn ? { extraColumn: corrupt } : {}) },
    fallback,
  );
  return { chunk: new ColumnChunk(scan.length, scan.names, scan.columns), numMalformedRows: malformed };
}

/** A row's values in field order (own fields: a field named `__proto__` is an own property of the row). */
function valuesOf(row: Record<string, unknown>, fields: readonly JsonlField[]): unknown[] {
  const out = new Array<unknown>(fields.length);
  for (let f = 0; f < fields.length; f++) {
    const name = (fields[f] as JsonlField).name;
    out[f] = Object.hasOwn(row, name) ? row[name] : null;
  }
  return out;
}
