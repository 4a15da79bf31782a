import { Observable, asyncScheduler, concatMap, defer, of, throwError, timer, type SchedulerLike } from 'rxjs';
import { decodeUtf8, encodeUtf8, type FileStat, type StreamFileSystem } from '../fs/file-system.js';

interface VirtualFile {
  /** Text, or bytes as written (a gzip file, bytes that are not UTF-8). */
  readonly content: string | Uint8Array;
  readonly mtimeMs: number;
  readonly failure?: Error;
}

/** An error as `node:fs` gives it for a path that is not there. */
function notFound(op: string, path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, ${op} '${path}'`), { code: 'ENOENT' });
}

function byteLength(content: string | Uint8Array): number {
  return typeof content === 'string' ? Buffer.byteLength(content) : content.length;
}

export interface VirtualFileSystemOptions {
  /** Makes every read take this long in the scheduler's (virtual) time. Default 0: reads are synchronous. */
  readonly readDelayMs?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * An in-memory {@link StreamFileSystem} for tests: files are added, changed and made to fail by
 * hand, and every operation answers synchronously (or after `readDelayMs` of the scheduler's
 * time), so a marble test drives the file source entirely in virtual time.
 */
export class VirtualFileSystem implements StreamFileSystem {
  private readonly files = new Map<string, VirtualFile>();
  private readonly dirs = new Set<string>();
  private readonly failingDirs = new Map<string, Error>();
  /** Paths read so far, in order (to assert that a file is read at most once). */
  readonly reads: string[] = [];

  constructor(private readonly options: VirtualFileSystemOptions = {}) {}

  /** Creates an (empty) directory. */
  mkdir(dir: string): this {
    this.dirs.add(trimSlash(dir));
    return this;
  }

  /**
   * Writes a file (its directory is created): text, bytes, or rows (objects as JSON, strings as
   * they are, one per line). `mtimeMs` defaults to the number of files written before.
   */
  write(path: string, content: string | Uint8Array | readonly (string | object)[], mtimeMs?: number): this {
    const data = typeof content === 'string' || content instanceof Uint8Array ? content : content.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
    this.dirs.add(dirOf(path));
    this.files.set(path, { content: data, mtimeMs: mtimeMs ?? this.files.size });
    return this;
  }

  /** Appends text to a file (as a writer that is not done yet); `mtimeMs` defaults to the file's plus 1. */
  append(path: string, text: string, mtimeMs?: number): this {
    const f = this.files.get(path);
    if (f === undefined) return this.write(path, text, mtimeMs);
    const content = typeof f.content === 'string' ? f.content + text : Buffer.concat([f.content, Buffer.from(text, 'utf8')]);
    this.files.set(path, { content, mtimeMs: mtimeMs ?? f.mtimeMs + 1 });
    return this;
  }

  /** Makes reading `path` fail with `error` (the file is listed as usual). */
  failRead(path: string, error: Error = new Error('EIO: i/o error, read')): this {
    const f = this.files.get(path);
    this.dirs.add(dirOf(path));
    this.files.set(path, { content: f?.content ?? '', mtimeMs: f?.mtimeMs ?? this.files.size, failure: error });
    return this;
  }

  /** Makes listing `dir` fail with `error`. */
  failList(dir: string, error: Error = new Error('ENOENT: no such file or directory')): this {
    this.failingDirs.set(trimSlash(dir), error);
    return this;
  }

  remove(path: string): this {
    this.files.delete(path);
    return this;
  }

  list(dir: string, accept?: (name: string) => boolean): Observable<readonly FileStat[]> {
    return defer(() => {
      const d = trimSlash(dir);
      const failure = this.failingDirs.get(d);
      if (failure !== undefined) return throwError(() => failure);
      if (!this.dirs.has(d)) return throwError(() => new Error(`ENOENT: no such file or directory, scandir '${dir}'`));
      const out: FileStat[] = [];
      for (const sub of this.dirs) {
        if (sub === d || dirOf(sub) !== d) continue;
        const name = sub.slice(d === '/' ? 1 : d.length + 1);
        if (accept === undefined || accept(name)) out.push({ path: sub, name, size: 0, mtimeMs: 0, isFile: false });
      }
      for (const [path, f] of this.files) {
        if (dirOf(path) !== d) continue;
        if (accept !== undefined && !accept(path.slice(d.length + 1))) continue;
        out.push({ path, name: path.slice(d.length + 1), size: byteLength(f.content), mtimeMs: f.mtimeMs, isFile: true });
      }
      return of(out);
    });
  }

  readText(path: string): Observable<string> {
    return this.read(path, (content) => (typeof content === 'string' ? content : decodeUtf8(content)));
  }

  /** The file's bytes in one chunk (text encoded as UTF-8, lone surrogates U+DC80 + b as the byte b). */
  readBytes(path: string): Observable<Uint8Array> {
    return this.read(path, (content) => (typeof content === 'string' ? encodeUtf8(content) : content));
  }

  stat(path: string): Observable<FileStat | undefined> {
    return defer(() => {
      const f = this.files.get(path);
      return of(f === undefined ? undefined : { path, name: path.slice(dirOf(path).length + 1), size: byteLength(f.content), mtimeMs: f.mtimeMs, isFile: true });
    });
  }

  private read<T>(path: string, as: (content: string | Uint8Array) => T): Observable<T> {
    const read = defer(() => {
      this.reads.push(path);
      const f = this.files.get(path);
      if (f === undefined) return throwError(() => notFound('open', path));
      if (f.failure !== undefined) return throwError(() => f.failure);
      return of(as(f.content));
    });
    const delay = this.options.readDelayMs ?? 0;
    if (delay <= 0) return read;
    return timer(delay, this.options.scheduler ?? asyncScheduler).pipe(concatMap(() => read));
  }
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
