import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StructuredRxError } from '../errors.js';
import type { JsonValue } from './source.js';

/** The version of the checkpoint's file format; a checkpoint written by a newer format is refused. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** How often a state store writes a full snapshot; the versions between are deltas. */
export const SNAPSHOT_INTERVAL = 10;

/** The runs of this process that hold a checkpoint's lock. */
const heldLocks = new Set<string>();

/** Is process `pid` alive? (Signal 0 checks without sending anything.) */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EPERM';
  }
}

// ---- Crash points (for the crash test, scripts/crash-test.mjs) ---------------------------------
// Inert unless STRUCTURED_RX_CRASH_POINT is set, as `<name>:<probability>[,<name>:<probability>...]`:
// then the process kills itself (SIGKILL, no cleanup) at a named point with that probability, to
// test that a checkpointed query with the file sink stays exactly once across a crash there.
const crashPoints: ReadonlyMap<string, number> = new Map(
  (process.env['STRUCTURED_RX_CRASH_POINT'] ?? '')
    .split(',')
    .filter((s) => s.includes(':'))
    .map((s) => [s.slice(0, s.lastIndexOf(':')), Number(s.slice(s.lastIndexOf(':') + 1))] as const),
);

/** A named crash point: SIGKILLs this process with the probability STRUCTURED_RX_CRASH_POINT gives it (never when unset). */
export function crashPoint(name: string): void {
  const p = crashPoints.get(name);
  if (p !== undefined && Math.random() < p) process.kill(process.pid, 'SIGKILL');
}
// ---- end of crash points ------------------------------------------------------------------------

/** A checkpoint that cannot be used: torn, unreadable, from a newer format, or from another query. */
export class CheckpointError extends StructuredRxError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`checkpoint ${path}: ${message}`, options);
  }
}

/**
 * A checkpoint directory, laid out as Spark's:
 * - `metadata`: the query id, the format version, the stateful operators;
 * - `offsets/<batchId>`: the write-ahead record of a batch (offsets, watermark, timestamp), written before it runs;
 * - `commits/<batchId>`: written once the sink has taken the batch;
 * - `sources/0/<batchId>`: the source's log as of that batch's planned end;
 * - `state/<operatorId>/<version>.delta` and `.snapshot`: the state stores' versions.
 *
 * Every file is written atomically: a temporary file, fsync, rename, fsync of the directory.
 */
export class CheckpointDir {
  constructor(readonly dir: string) {}

  path(rel: string): string {
    return join(this.dir, rel);
  }

  /** Writes `value` as JSON at `rel`, atomically (temp file, fsync, rename, fsync of the directory). */
  writeJson(rel: string, value: JsonValue): void {
    const target = this.path(rel);
    const parent = target.slice(0, target.lastIndexOf('/'));
    mkdirSync(parent, { recursive: true });
    const temp = join(parent, `.${rel.slice(rel.lastIndexOf('/') + 1)}.${process.pid}.tmp`);
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, JSON.stringify({ formatVersion: CHECKPOINT_FORMAT_VERSION, value }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    crashPoint('checkpoint-before-rename'); // crash test: a written temp file, not yet renamed
    renameSync(temp, target);
    crashPoint('checkpoint-before-dir-fsync'); // crash test: renamed, the directory not yet synced
    const dirFd = openSync(parent, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /** Reads a file written by `writeJson`; undefined when it does not exist. */
  readJson(rel: string): JsonValue | undefined {
    const file = this.path(rel);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT') return undefined;
      throw new CheckpointError(file, `cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new CheckpointError(file, 'is torn or not JSON (was it written by something else?)', { cause: err });
    }
    if (parsed === null || typeof parsed !== 'object' || !('formatVersion' in parsed) || !('value' in parsed)) {
      throw new CheckpointError(file, 'is not a checkpoint file');
    }
    const version = (parsed as { formatVersion: unknown }).formatVersion;
    if (typeof version !== 'number' || version > CHECKPOINT_FORMAT_VERSION) {
      throw new CheckpointError(file, `has format version ${String(version)}, newer than this library's ${CHECKPOINT_FORMAT_VERSION}`);
    }
    return (parsed as { value: JsonValue }).value;
  }

  /** The numbered files of a log directory (`offsets`, `commits`, ...), ascending; temp files are ignored. */
  numbers(sub: string, suffix = ''): number[] {
    return this.numbersBySuffix(sub, [suffix])[0] ?? [];
  }

  /** `numbers` for each suffix, from one listing of the directory. */
  numbersBySuffix(sub: string, suffixes: readonly string[]): number[][] {
    let names: string[];
    try {
      names = readdirSync(this.path(sub));
    } catch (err) {
      if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT') return suffixes.map(() => []);
      throw new CheckpointError(this.path(sub), `cannot be listed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return suffixes.map((suffix) => {
      const out: number[] = [];
      for (const name of names) {
        if (name.startsWith('.') || !name.endsWith(suffix)) continue;
        const n = Number(name.slice(0, name.length - suffix.length));
        if (Number.isInteger(n) && n >= 0) out.push(n);
      }
      return out.sort((a, b) => a - b);
    });
  }

  remove(rel: string): void {
    rmSync(this.path(rel), { force: true });
  }

  /**
   * Takes the checkpoint for run `runId`: one run at a time may write it. A lock left by a run
   * that is gone (its process died, or it stopped without releasing) does not block: a lock
   * holds only while its process is alive and, in this process, while its run is active.
   */
  lock(runId: string): void {
    const held = this.readJson('lock') as { pid?: unknown; runId?: unknown } | null | undefined;
    if (held !== undefined && held !== null && typeof held.pid === 'number' && typeof held.runId === 'string' && held.runId !== runId) {
      const alive = held.pid === process.pid ? heldLocks.has(held.runId) : processAlive(held.pid);
      if (alive) throw new CheckpointError(this.dir, `is in use by another run of the query (run ${held.runId}, process ${held.pid}); stop it first`);
    }
    this.writeJson('lock', { pid: process.pid, runId });
    heldLocks.add(runId);
  }

  /** Gives the checkpoint up (when the run stops, completes or fails). */
  unlock(runId: string): void {
    heldLocks.delete(runId);
    const held = this.readJson('lock') as { runId?: unknown } | null | undefined;
    if (held !== undefined && held !== null && held.runId === runId) this.remove('lock');
  }
}
