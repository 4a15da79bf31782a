import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Observable, defer, from, map } from 'rxjs';

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
  /** A file's whole content as UTF-8 text. */
  readText(path: string): Observable<string>;
}

/** The real file system, through `node:fs` promises. */
export const nodeFileSystem: StreamFileSystem = {
  list(dir: string, accept?: (name: string) => boolean): Observable<readonly FileStat[]> {
    return defer(() =>
      from(
        (async () => {
          const all = await fsp.readdir(dir, { withFileTypes: true });
          const entries = accept === undefined ? all : all.filter((e) => accept(e.name));
          const stats = await Promise.all(
            entries.map(async (e): Promise<FileStat | undefined> => {
              const path = join(dir, e.name);
              try {
                const s = await fsp.stat(path);
                return { path, name: e.name, size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile() };
              } catch (err) {
                // A file deleted between readdir and stat is simply not there any more.
                if (isErrno(err) && err.code === 'ENOENT') return undefined;
                throw err;
              }
            }),
          );
          return stats.filter((s): s is FileStat => s !== undefined);
        })(),
      ),
    );
  },
  readText(path: string): Observable<string> {
    return defer(() => from(fsp.readFile(path))).pipe(map((buf) => buf.toString('utf8')));
  },
};

/** An error with a Node `code` (checked by shape: errors of `node:fs` may come from another realm, where `instanceof Error` is false). */
function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}
