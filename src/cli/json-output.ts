import { isWindow, type ColumnType } from '../schema.js';
import { triggerCounts } from './input-quality.js';
import { lateInputRows, stateRows, type TriggerResult } from './pipeline.js';
import { isoTime } from '../progress.js';

/** One `--json` line: a trigger, with the rows its sink received. Timestamps are ISO-8601 UTC strings. */
export interface JsonTriggerLine {
  readonly batchId: number;
  readonly files: readonly string[];
  readonly numInputRows: number;
  /** The watermark this trigger ran with (rows whose window ended at or before it were late), or null without `--watermark`. */
  readonly watermark: string | null;
  /** Input rows dropped as late in this trigger. */
  readonly lateRows: number;
  /** Rows (one per group and window) in the query's state after this trigger. */
  readonly stateRows: number;
  /** Lines of this trigger's files that did not match the schema (kept with nulls, as Spark's PERMISSIVE mode). */
  readonly malformedRows: number;
  /** Rows removed before counting, by reason (`nullEventTime`: no event time, so no window). */
  readonly droppedRows: Readonly<Record<string, number>>;
  /** Lines that gave no row: malformed in DROPMALFORMED mode, longer than the line limit, cut by a corrupt file. */
  readonly rejectedLines: number;
  /** Files skipped because they could not be read or decompressed to their end (`--ignore-corrupt-files`). */
  readonly corruptFiles: number;
  /** Files skipped because they were gone before they were read (`--ignore-missing-files`). */
  readonly missingFiles: number;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  /** With `--sql`: each statement's result over the table after this trigger (or its error). */
  readonly sql?: readonly ({ readonly statement: string; readonly rows: readonly Record<string, unknown>[] } | { readonly statement: string; readonly error: string })[];
}

/** A result row with its timestamps and window bounds as ISO-8601 UTC strings. */
export function jsonRow(row: Readonly<Record<string, unknown>>, schema: Readonly<Record<string, ColumnType>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const type = schema[key];
    if (type === 'window' && isWindow(value)) out[key] = { start: isoTime(value.start), end: isoTime(value.end) };
    else if (type === 'timestamp' && typeof value === 'number') out[key] = isoTime(value);
    else out[key] = value;
  }
  return out;
}

function inputCounts(t: TriggerResult): { rejectedLines: number; corruptFiles: number; missingFiles: number } {
  const c = triggerCounts(t.progress);
  return { rejectedLines: c.rejected, corruptFiles: c.corruptFiles, missingFiles: c.missingFiles };
}

/** The line for one trigger (without the newline); `sql` only when the command has `--sql` statements. */
export function jsonLine(t: TriggerResult, schema: Readonly<Record<string, ColumnType>>, withSql = false): string {
  const line: JsonTriggerLine = {
    batchId: t.progress.batchId,
    files: t.progress.sources[0]?.inputs ?? [],
    numInputRows: t.progress.numInputRows,
    watermark: t.progress.eventTime.watermark ?? null,
    lateRows: lateInputRows(t.progress),
    stateRows: stateRows(t.progress),
    malformedRows: t.progress.numMalformedRows,
    droppedRows: t.progress.droppedRows,
    ...inputCounts(t),
    rows: t.rows.map((r) => jsonRow(r, schema)),
    ...(withSql
      ? {
          sql: t.sql.map((o) =>
            'result' in o ? { statement: o.statement, rows: o.result.rows.map((r) => jsonRow(r, o.result.schema)) } : { statement: o.statement, error: o.error },
          ),
        }
      : {}),
  };
  return JSON.stringify(line);
}
