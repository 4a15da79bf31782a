// Shared by the scanners' tests (fast-scan.test.ts, byte-scan.test.ts): field lists, and the
// check that the columnar path (bytes → columns, src/jsonl/columns.ts) gives what the text path
// (parseJsonLines over the decoded text) gives.
import { parseJsonLinesToColumns } from '../../src/jsonl/columns.js';
import type { JsonlField } from '../../src/jsonl/fast-scan.js';
import { parseJsonLines, type ParseMode, type ParseOptions } from '../../src/json-lines.js';
import { decodeUtf8 } from '../../src/fs/file-system.js';
import { MalformedRecordError } from '../../src/errors.js';
import type { Schema } from '../../src/schema.js';

/** The notebook's fields. */
export const EVENTS: readonly JsonlField[] = [
  { name: 'time', type: 'timestamp' },
  { name: 'action', type: 'string' },
];

/** One field of every scalar type. */
export const SCALARS: readonly JsonlField[] = [
  { name: 'ts', type: 'timestamp' },
  { name: 's', type: 'string' },
  { name: 'l', type: 'long' },
  { name: 'i', type: 'int' },
  { name: 'd', type: 'double' },
  { name: 'b', type: 'boolean' },
];

export const CORRUPT = '_corrupt_record';

/**
 * Both paths over the same bytes; the rows (values with `Object.is`, keys in order), malformed
 * counts, reports and errors must be the same. Returns the columnar path's rows (none if both
 * failed).
 */
export function checkColumns(bytes: Uint8Array, fields: readonly JsonlField[], mode: ParseMode, corrupt: boolean, lineOffset = 0): Record<string, unknown>[] {
  const schema: Schema = { fields: corrupt ? [...fields, { name: CORRUPT, type: 'string' }] : fields };
  const run = <T>(parse: (reports: unknown[]) => T): { result?: T; error?: string; reports: unknown[] } => {
    const reports: unknown[] = [];
    try {
      return { result: parse(reports), reports };
    } catch (e) {
      return { error: e instanceof MalformedRecordError ? `${e.path}:${e.line}: ${e.message}` : String(e), reports };
    }
  };
  const options = (reports: unknown[]): ParseOptions => ({
    path: 'f.json',
    mode,
    columnNameOfCorruptRecord: CORRUPT,
    lineOffset,
    onMalformed: (line, reason, raw) => reports.push({ line, reason, raw }),
  });
  const text = run((reports) => parseJsonLines(decodeUtf8(bytes), schema, options(reports)));
  const columns = run((reports) => parseJsonLinesToColumns(bytes, schema, options(reports)));
  expect(columns.error).toEqual(text.error);
  expect(columns.reports).toEqual(text.reports);
  if (text.result === undefined || columns.result === undefined) return [];
  expect(columns.result.numMalformedRows).toBe(text.result.numMalformedRows);
  const got = columns.result.chunk.rows();
  const want = text.result.rows;
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => {
    const w = want[i] as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(Object.keys(w));
    for (const k of Object.keys(w)) if (!Object.is(row[k], w[k])) expect({ row: i, column: k, value: row[k] }).toEqual({ row: i, column: k, value: w[k] });
  });
  return got;
}
