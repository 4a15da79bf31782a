import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import type { Row } from '../src/catalog.js';
import { CheckpointDir, crashPoint } from '../src/engine/checkpoint.js';
import { checkPlan, inputPlan, pipeline } from '../src/engine/compose.js';
import { checkOutputMode } from '../src/engine/output-mode.js';
import type { OutputMode, Pipeline } from '../src/engine/plan.js';
import type { JsonValue } from '../src/engine/source.js';
import { AnalysisError, InvalidArgumentError, StructuredRxError } from '../src/errors.js';
import { isoTime, type StreamingQueryProgress } from '../src/progress.js';
import type { ColumnType } from '../src/schema.js';
import { setField } from '../src/with-column.js';

export interface ToJsonFilesOptions {
  /** Spark's file sink supports `append` only (the default). */
  readonly outputMode?: OutputMode;
  /** The query name for progress. */
  readonly name?: string;
}

const OP = 'toJsonFiles';
/** The sink's log of committed batches, as Spark's `FileStreamSinkLog`. */
export const SINK_LOG_DIR = '_spark_metadata';

/** One committed batch in the sink's log: the data files it wrote. */
interface SinkLogEntry {
  readonly batchId: number;
  readonly files: readonly { readonly path: string; readonly rows: number }[];
}

/**
 * Spark's file sink, JSON lines: `writeStream.format("json").option("path", dir)`. Each batch's
 * rows go to a new data file with a unique name, written atomically (temp file, fsync, rename);
 * then the batch is recorded in the sink's log, `dir/_spark_metadata/<batchId>`, written last
 * and atomically. A reader that goes by the log (`readJsonFileSink(dir)`; `readJsonFiles` skips
 * the `_`-named log directory and data files are never half-written) never sees a partial
 * batch, and a batch id already in the log is not written again: with a checkpointed query the
 * output is exactly once, also when a batch is re-run after a crash. (A crash between the data
 * file and the log leaves an orphan data file that no log entry names.)
 *
 * Timestamps are written as ISO-8601 UTC strings and windows as `{start, end}` of them, as
 * Spark's JSON writer does. Only `append` mode, as Spark's file sink: `update` and `complete`
 * throw `AnalysisError` (Spark's `STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE`) where the sink
 * is created.
 *
 * @example
 * windowedCounts$.pipe(toJsonFiles('out/counts'))
 */
export function toJsonFiles(dir: string, options: ToJsonFilesOptions = {}) {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError(OP, 'dir', dir, 'a directory path');
  const outputMode = checkOutputMode(OP, options.outputMode ?? 'append');
  if (outputMode !== 'append') {
    throw new AnalysisError(`${OP}: Invalid streaming output mode: ${outputMode}. This output mode is not supported in Data Source json.`, {
      errorClass: 'STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE',
    });
  }
  return <R extends Row>(source: Observable<RowBatch<R>>): Pipeline<StreamingQueryProgress> => {
    const input = inputPlan(OP, source);
    const types = input.columns.types;
    const plan = {
      ...input,
      sink: {
        operator: OP,
        name: options.name ?? null,
        description: `FileSink[${dir}]`,
        outputMode,
        create: () => {
          const log = new CheckpointDir(join(dir, SINK_LOG_DIR));
          return {
            addBatch: (batchId: number, rows: readonly unknown[]) => {
              if (log.readJson(String(batchId)) !== undefined) return; // written before: a replayed batch
              const files: { path: string; rows: number }[] = [];
              if (rows.length > 0) {
                const name = `part-${String(batchId).padStart(5, '0')}-${randomUUID()}.json`;
                writeAtomically(dir, name, rows.map((r) => JSON.stringify(toJsonRow(r as Row, types))).join('\n') + '\n');
                files.push({ path: name, rows: rows.length });
                crashPoint('sink-before-log'); // crash test: the data file written, its log entry not yet
              }
              log.writeJson(String(batchId), { batchId, files } as unknown as JsonValue);
            },
          };
        },
      },
    };
    checkPlan(plan);
    return pipeline<StreamingQueryProgress>(plan);
  };
}

/** A row as Spark's JSON writer writes it: timestamps as ISO-8601 strings, windows as `{start, end}` of them. */
function toJsonRow(row: Row, types: ReadonlyMap<string, ColumnType> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const type = types?.get(k);
    if (type === 'timestamp' && typeof v === 'number') setField(out, k, isoTime(v));
    else if (type === 'window' && v !== null && typeof v === 'object') {
      const w = v as { start: number; end: number };
      setField(out, k, { start: isoTime(w.start), end: isoTime(w.end) });
    } else setField(out, k, v);
  }
  return out;
}

function writeAtomically(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${name}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, join(dir, name));
}

/**
 * Reads what a `toJsonFiles` sink committed: the rows of the data files its log names, batch by
 * batch in batch order (never a file of an uncommitted batch). Returns the rows as JSON objects
 * (timestamps as the ISO strings the sink wrote).
 */
export function readJsonFileSink(dir: string): Record<string, unknown>[] {
  const log = new CheckpointDir(join(dir, SINK_LOG_DIR));
  const rows: Record<string, unknown>[] = [];
  for (const batchId of log.numbers('.')) {
    const entry = log.readJson(String(batchId)) as unknown as SinkLogEntry | undefined;
    if (entry === undefined || !Array.isArray(entry.files)) throw new StructuredRxError(`${join(dir, SINK_LOG_DIR, String(batchId))}: not a file sink log entry`);
    for (const f of entry.files) {
      const text = readFileSync(join(dir, f.path), 'utf8');
      for (const line of text.split('\n')) if (line !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return rows;
}
