import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import type { RowBatch } from '../src/batch.js';
import type { Row } from '../src/catalog.js';
import { CHECKPOINT_FORMAT_VERSION, CheckpointDir, crashPoint } from '../src/engine/checkpoint.js';
import { checkPlan, inputPlan, pipeline } from '../src/engine/compose.js';
import { checkOutputMode } from '../src/engine/output-mode.js';
import type { OutputMode, Pipeline } from '../src/engine/plan.js';
import type { JsonValue } from '../src/engine/source.js';
import { durationMs, type DurationLike } from '../src/duration.js';
import { AnalysisError, InvalidArgumentError, StructuredRxError } from '../src/errors.js';
import { isoTime, type StreamingQueryProgress } from '../src/progress.js';
import type { ColumnType } from '../src/schema.js';
import { setField } from '../src/with-column.js';

export interface ToJsonFilesOptions {
  /** Spark's file sink supports `append` only (the default). */
  readonly outputMode?: OutputMode;
  /** The query name for progress. */
  readonly name?: string;
  /**
   * Spark's `retention` (3.1+): how long a committed data file stays in the sink's log. When the
   * log is compacted (every 10th batch), files committed longer ago are left out of it, so a long
   * run's log stays bounded; readers that go by the log no longer see them (the files are not
   * deleted). Default: forever, as Spark.
   */
  readonly retention?: DurationLike;
}

const OP = 'toJsonFiles';
/** The sink's log of committed batches, as Spark's `FileStreamSinkLog`. */
export const SINK_LOG_DIR = '_spark_metadata';
/** Every this many batches the sink's log is compacted (Spark's `spark.sql.streaming.fileSink.log.compactInterval`, 10). */
export const SINK_LOG_COMPACT_INTERVAL = 10;

/** A data file in the sink's log: its name in the sink's directory, its rows, and when it was committed (epoch ms). */
interface SinkFile {
  readonly path: string;
  readonly rows: number;
  readonly committedAtMs?: number;
}

/** One committed batch in the sink's log (`<batchId>`), or a compact file (`<batchId>.compact`): the data files of every batch up to it. */
interface SinkLogEntry {
  readonly batchId: number;
  readonly files: readonly SinkFile[];
}

/**
 * Which files of the sink's log to read, in order, for the batches after `after`: the latest
 * compact file (`<n>.compact`, holding every batch up to n) when it is past `after`, then the
 * batch entries after it (Spark's `CompactibleFileStreamLog.allFiles`). `names` is a listing of
 * the log directory (other names are ignored).
 */
export function sinkLogFilesToRead(names: readonly string[], after = -1): { readonly batchId: number; readonly name: string }[] {
  let compact = -1;
  const entries: number[] = [];
  for (const name of names) {
    const m = /^(\d+)(\.compact)?$/.exec(name);
    if (m === null) continue;
    const id = Number(m[1]);
    if (m[2] !== undefined) compact = Math.max(compact, id);
    else entries.push(id);
  }
  const out: { batchId: number; name: string }[] = compact > after ? [{ batchId: compact, name: `${compact}.compact` }] : [];
  const from = Math.max(compact, after);
  for (const id of entries.sort((a, b) => a - b)) if (id > from) out.push({ batchId: id, name: String(id) });
  return out;
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
  const retentionMs = options.retention === undefined ? Infinity : durationMs(OP, 'retention', options.retention);
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
          let latest: number | undefined;
          return {
            addBatch: (batchId: number, rows: readonly unknown[]) => {
              // Spark's FileStreamSink: a batch at or before the log's latest was written before (a replayed batch).
              latest ??= sinkLogFilesToRead(logNames(log)).at(-1)?.batchId ?? -1;
              if (batchId <= latest) return;
              const files: SinkFile[] = [];
              if (rows.length > 0) {
                const name = `part-${String(batchId).padStart(5, '0')}-${randomUUID()}.json`;
                writeAtomically(dir, name, rows.map((r) => JSON.stringify(toJsonRow(r as Row, types))).join('\n') + '\n');
                files.push({ path: name, rows: rows.length, committedAtMs: Date.now() });
                crashPoint('sink-before-log'); // crash test: the data file written, its log entry not yet
              }
              if ((batchId + 1) % SINK_LOG_COMPACT_INTERVAL === 0) compactSinkLog(log, batchId, files, retentionMs);
              else log.writeJson(String(batchId), { batchId, files } as unknown as JsonValue);
              latest = batchId;
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

/** The names in the sink's log directory (none before its first batch). */
function logNames(log: CheckpointDir): string[] {
  try {
    return readdirSync(log.dir);
  } catch (err) {
    if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Writes batch `batchId`'s entry as a compact file: the files of every batch the log holds (the
 * previous compact file and the entries after it) and this batch's, less those older than the
 * retention; then drops the log files before the previous compact file, which no reader that
 * starts now needs (one compaction interval later than the new file, so that a reader that listed
 * the log just before finds what it listed, as Spark's cleanup delay).
 */
function compactSinkLog(log: CheckpointDir, batchId: number, files: readonly SinkFile[], retentionMs: number): void {
  const earlier = sinkLogFilesToRead(logNames(log)).filter((f) => f.batchId < batchId);
  const oldest = retentionMs === Infinity ? -Infinity : Date.now() - retentionMs;
  const all: SinkFile[] = [];
  for (const f of earlier) {
    for (const file of sinkLogEntry(log.readJson(f.name), log.path(f.name)).files) if ((file.committedAtMs ?? Infinity) >= oldest) all.push(file);
  }
  all.push(...files);
  log.writeJson(`${batchId}.compact`, { batchId, files: all } as unknown as JsonValue);
  const previous = earlier.find((f) => f.name.endsWith('.compact'))?.batchId ?? -1;
  for (const name of logNames(log)) {
    const m = /^(\d+)(\.compact)?$/.exec(name);
    if (m !== null && Number(m[1]) < previous) log.remove(name);
  }
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
  // A log file listed and then removed by a compaction under way: list again (once).
  for (let attempt = 0; ; attempt++) {
    const toRead = sinkLogFilesToRead(logNames(log));
    const entries = toRead.map((f) => log.readJson(f.name));
    if (attempt === 0 && entries.includes(undefined)) continue;
    const rows: Record<string, unknown>[] = [];
    toRead.forEach((f, i) => {
      for (const name of sinkLogEntryFiles(entries[i], log.path(f.name))) {
        const text = readFileSync(join(dir, name), 'utf8');
        for (const line of text.split('\n')) if (line !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    return rows;
  }
}

/** An entry of the sink's log, checked; `where` names it in errors. */
function sinkLogEntry(entry: JsonValue | undefined, where: string): SinkLogEntry {
  sinkLogEntryFiles(entry, where);
  return entry as unknown as SinkLogEntry;
}

/** The data files (names in the sink's directory) that one entry of the sink's log commits; `where` names the entry in errors. */
export function sinkLogEntryFiles(entry: JsonValue | undefined, where: string): string[] {
  const e = entry as Partial<SinkLogEntry> | null | undefined;
  if (e === undefined || e === null || typeof e !== 'object' || !Array.isArray(e.files) || !e.files.every((f) => typeof f === 'object' && f !== null && typeof f.path === 'string')) {
    throw new StructuredRxError(`${where}: not a file sink log entry`);
  }
  return e.files.map((f) => f.path);
}

/** {@link sinkLogEntryFiles} of an entry's text as the sink wrote it (`{formatVersion, value}`), for a reader that goes through its own file system. */
export function parseSinkLogEntry(text: string, where: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StructuredRxError(`${where}: not a file sink log entry (torn, or not JSON)`);
  }
  const o = parsed as { formatVersion?: unknown; value?: unknown } | null;
  if (o === null || typeof o !== 'object' || typeof o.formatVersion !== 'number' || !('value' in o)) throw new StructuredRxError(`${where}: not a file sink log entry`);
  if (o.formatVersion > CHECKPOINT_FORMAT_VERSION) throw new StructuredRxError(`${where}: has format version ${o.formatVersion}, newer than this library's ${CHECKPOINT_FORMAT_VERSION}`);
  return sinkLogEntryFiles(o.value as JsonValue, where);
}
