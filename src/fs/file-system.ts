import { closeSync, fstatSync, openSync, promises as fsp, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Observable, defer, from, map, type Subscriber } from 'rxjs';
import { READ_CHUNK_BYTES, decodeUtf8 } from './bytes.js';

// Kept here too: where code read them before they moved to bytes.js (which loads no rxjs, for parse threads).
export { READ_CHUNK_BYTES, decodeUtf8, encodeUtf8 } from './bytes.js';

/** One directory entry as the file source sees it. */
export interface FileStat {
  /** Full path (directory joined with name). */
  readonly path: string;
  /** Name relative to the listed directory. */
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly isFile: boolean;
}

/**
 * The file system the file source reads through. All I/O of the library lives behind this
 * interface, so marble tests can run the source over a virtual file system in virtual time
 * (RxJS's TestScheduler cannot virtualize Promises). Both methods are cold: nothing happens
 * until subscription; an error travels down the error channel.
 */
export interface StreamFileSystem {
  /**
   * The entries of a directory (not recursive). With `accept`, names it refuses are left out
   * before anything else is done with them (no `stat`: a hidden symlink loop or a file being
   * written under a temporary name cannot fail the listing).
   */
  list(dir: string, accept?: (name: string) => boolean): Observable<readonly FileStat[]>;
  /**
   * A file's whole content as UTF-8 text. A byte that is not part of valid UTF-8 becomes a lone
   * surrogate (U+DC80 + the byte, Python's `surrogateescape`), never U+FFFD, so the reader can
   * tell the line it is on (valid UTF-8 never decodes to a lone surrogate).
   */
  readText(path: string): Observable<string>;
  /**
   * A file's bytes as they are on disk, in order, in chunks (the whole of a small file in one),
   * so a reader can bound what it holds (a line longer than its limit is skipped, never held).
   * Optional: without it the file source encodes `readText` back to bytes ({@link encodeUtf8}).
   */
  readBytes?(path: string): Observable<Uint8Array>;
  /** One path's entry now, or undefined when nothing is there. Optional: the file source then trusts its listings. */
  stat?(path: string): Observable<FileStat | undefined>;
}

/** The real file system, through `node:fs`: synchronous calls for listings, stats and files up to READ_CHUNK_BYTES, promises for larger files. */
export const nodeFileSystem: StreamFileSystem = {
  list(dir: string, accept?: (name: string) => boolean): Observable<readonly FileStat[]> {
    // Synchronous system calls (emitted at the next turn of the event loop): a directory of many
    // small files costs one call per file, not a round trip through libuv's thread pool per file
    // (bench/README.md, many small files).
    return new Observable<readonly FileStat[]>((subscriber) => {
      let stats: FileStat[];
      try {
        const all = readdirSync(dir, { withFileTypes: true });
        const entries = accept === undefined ? all : all.filter((e) => accept(e.name));
        stats = [];
        // join(dir, name) for every name: the directory's part normalised once (a name from
        // readdir has no separator and is never '.' or '..', so it normalises to itself).
        const prefix = join(dir, 'x').slice(0, -1);
        for (const e of entries) {
          const path = prefix + e.name;
          try {
            const s = statSync(path);
            stats.push({ path, name: e.name, size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile() });
          } catch (err) {
            // A file deleted between readdir and stat is simply not there any more.
            if (!(isErrno(err) && err.code === 'ENOENT')) throw err;
          }
        }
      } catch (err) {
        subscriber.error(err);
        return;
      }
      return emitSoon(subscriber, stats);
    });
  },
  readText(path: string): Observable<string> {
    return defer(() => from(fsp.readFile(path))).pipe(map((buf) => decodeUtf8(buf)));
  },
  readBytes(path: string): Observable<Uint8Array> {
    return new Observable<Uint8Array>((subscriber) => {
      // A file up to READ_CHUNK_BYTES is read at once with synchronous calls (open, fstat, read,
      // close: no round trip through the thread pool per call), emitted at the next turn of the
      // event loop; a larger one in chunks, each a new buffer the reader may keep, asynchronously.
      let fd: number | undefined;
      try {
        fd = openSync(path, 'r');
        const small = fstatSync(fd).size <= READ_CHUNK_BYTES;
        const whole = small ? readFileSync(fd) : undefined;
        closeSync(fd);
        fd = undefined;
        if (whole !== undefined) return emitSoon(subscriber, whole);
      } catch (err) {
        if (fd !== undefined) closeQuietly(fd);
        subscriber.error(err);
        return;
      }
      let closed = false;
      void (async () => {
        const handle = await fsp.open(path, 'r');
        try {
          for (;;) {
            const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
            const { bytesRead } = await handle.read(buf, 0, READ_CHUNK_BYTES, null);
            if (bytesRead === 0 || closed) break;
            subscriber.next(bytesRead === READ_CHUNK_BYTES ? buf : buf.subarray(0, bytesRead));
          }
        } finally {
          await handle.close();
        }
      })().then(
        () => subscriber.complete(),
        (err: unknown) => subscriber.error(err),
      );
      return () => {
        closed = true;
      };
    });
  },
  stat(path: string): Observable<FileStat | undefined> {
    return new Observable<FileStat | undefined>((subscriber) => {
      let entry: FileStat | undefined;
      try {
        const s = statSync(path, { throwIfNoEntry: false });
        entry = s === undefined ? undefined : { path, name: basename(path), size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile() };
      } catch (err) {
        subscriber.error(err);
        return;
      }
      subscriber.next(entry);
      subscriber.complete();
    });
  },
};

/**
 * Emits `value` and completes at the next turn of the event loop (`setImmediate`), so that a query
 * reading files with synchronous calls still yields between reads: timers, I/O and other work
 * of the process (a monitor page, a terminal view, a signal) run between its triggers.
 */
function emitSoon<T>(subscriber: Subscriber<T>, value: T): () => void {
  const immediate = setImmediate(() => {
    subscriber.next(value);
    subscriber.complete();
  });
  return () => clearImmediate(immediate);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the error that made us close is the one reported
  }
}

/** A gzip stream that is not valid gzip (bad header, bad data, truncated). */
export class CorruptGzipError extends Error {
  constructor(readonly reason: string) {
    super(`not valid gzip data (${reason})`);
  }
}

/**
 * Bytes decompressed as gzip, chunk by chunk (node:zlib on its thread pool: bounded memory,
 * concatenated members read as one stream, as `gunzip`). Invalid or truncated data is a
 * {@link CorruptGzipError}, after the bytes decompressed before it.
 */
export function gunzipChunks(compressed: Observable<Uint8Array>): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const z = createGunzip({ chunkSize: 1024 * 1024 });
    let failed = false;
    z.on('data', (chunk: Buffer) => subscriber.next(chunk));
    z.on('end', () => subscriber.complete());
    z.on('error', (err: Error) => {
      failed = true;
      subscriber.error(new CorruptGzipError(err.message));
    });
    const input = compressed.subscribe({
      next: (chunk) => {
        if (!failed) z.write(chunk);
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        if (!failed) z.end();
      },
    });
    return () => {
      input.unsubscribe();
      z.destroy();
    };
  });
}

/** Does the error say that the path is not there (`ENOENT`)? Checked by shape, as errors of `node:fs` may come from another realm. */
export function isNotFound(err: unknown): boolean {
  return isErrno(err) && err.code === 'ENOENT';
}

/** An error with a Node `code` (checked by shape: errors of `node:fs` may come from another realm, where `instanceof Error` is false). */
function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}
