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
  /**
   * A file's whole content as UTF-8 text. A byte that is not part of valid UTF-8 becomes a lone
   * surrogate (U+DC80 + the byte, Python's `surrogateescape`), never U+FFFD, so the reader can
   * tell the line it is on (valid UTF-8 never decodes to a lone surrogate).
   */
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
    return defer(() => from(fsp.readFile(path))).pipe(map((buf) => decodeUtf8(buf)));
  },
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 bytes as text, a byte order mark kept; each byte that is not part of a valid UTF-8
 * sequence (a stray continuation, a truncated, overlong or surrogate sequence, beyond U+10FFFF)
 * becomes the lone surrogate U+DC80 + byte.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Not valid UTF-8: decode by hand, each valid run at once.
  }
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = validSequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += strictUtf8.decode(bytes.subarray(runStart, i)) + String.fromCharCode(0xdc00 + (bytes[i] as number));
    i++;
    runStart = i;
  }
  return out + strictUtf8.decode(bytes.subarray(runStart));
}

/** The length of the valid UTF-8 sequence at `i` (1 to 4), or 0 if the byte there starts none. */
function validSequenceLength(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && (b[i + k] as number) >= lo && (b[i + k] as number) <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no surrogates
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** An error with a Node `code` (checked by shape: errors of `node:fs` may come from another realm, where `instanceof Error` is false). */
function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}
