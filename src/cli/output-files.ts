/**
 * What the command reads back from an `--output` directory, the file sink's committed output:
 * the batch ids its log holds, one batch's rows, and rows turned back into the result table's
 * values (the sink writes timestamps as ISO-8601 strings and windows as `{start, end}` of them).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SINK_LOG_DIR } from '../../operators/toJsonFiles.js';
import { CheckpointDir } from '../engine/checkpoint.js';
import type { ColumnType } from '../schema.js';
import { CliInputError } from './errors.js';
import type { ResultRow } from './result.js';

/** The batch ids the file sink in `dir` has committed (logged in `dir/_spark_metadata`), ascending. */
export function committedBatchIds(dir: string): number[] {
  return new CheckpointDir(path.join(dir, SINK_LOG_DIR)).numbers('.');
}

/** The rows the file sink in `dir` committed for one batch: those of the data files its log entry names (none when not logged). */
export function committedBatchRows(dir: string, batchId: number): Record<string, unknown>[] {
  const entry = new CheckpointDir(path.join(dir, SINK_LOG_DIR)).readJson(String(batchId));
  if (entry === undefined || entry === null || typeof entry !== 'object' || !('files' in entry) || !Array.isArray(entry.files)) return [];
  const rows: Record<string, unknown>[] = [];
  for (const f of entry.files) {
    const file = f !== null && typeof f === 'object' && 'path' in f && typeof f.path === 'string' ? f.path : undefined;
    if (file === undefined) continue;
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) if (line !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
  }
  return rows;
}

/** A row as the file sink wrote it, with its timestamps and windows as epoch ms again, as the result table keeps them. */
export function fromJsonRow(row: Readonly<Record<string, unknown>>, schema: Readonly<Record<string, ColumnType>>): ResultRow {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const type = schema[key];
    if (type === 'timestamp' && typeof value === 'string') out[key] = Date.parse(value);
    else if (type === 'window' && value !== null && typeof value === 'object' && 'start' in value && 'end' in value) {
      out[key] = { start: Date.parse(String(value.start)), end: Date.parse(String(value.end)) };
    } else out[key] = value;
  }
  return out;
}

/**
 * Refuses an `--output` directory whose log holds batch ids the checkpoint has not reached: a
 * new checkpoint (or another query's) would start at batch 0 and the file sink would skip every
 * batch id it has already logged, so the output would silently miss rows. The one batch after
 * the checkpoint's last commit may be logged: the sink wrote it and the run ended before its
 * commit, so it is re-run and not written again.
 */
export function checkOutputAgainstCheckpoint(output: string, checkpoint: string): void {
  const logged = committedBatchIds(output);
  const last = logged[logged.length - 1];
  if (last === undefined) return;
  const cp = new CheckpointDir(checkpoint);
  const isNew = cp.readJson('metadata') === undefined;
  const commits = cp.numbers('commits');
  const next = isNew ? 0 : (commits[commits.length - 1] ?? -1) + 1;
  if (isNew || last > next) {
    throw new CliInputError(
      output,
      `--output holds batches up to ${last} that the checkpoint ${checkpoint} has not run ${isNew ? '(it is new)' : `(it is at batch ${next})`}, so they would be skipped as written; use an empty --output directory, or the checkpoint that wrote it`,
    );
  }
}
