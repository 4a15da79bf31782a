import { map, type Observable } from 'rxjs';
import { nodeFileSystem, type FileStat, type StreamFileSystem } from './file-system.js';

/** An entry with the one modification time every file has in {@link inNameOrder}'s view. */
function sameTime(stat: FileStat): FileStat {
  return { ...stat, mtimeMs: 0 };
}

/**
 * A view of a file system in which every file has the same modification time (the epoch), so the
 * file source, which takes the oldest file first and equal times by path in natural order, takes
 * files by name: `file-2` before `file-10` (with `latestFirst`, the other way round).
 *
 * For files whose modification times mean nothing: `npm install` unpacks a package's files with
 * the time they were unpacked, in alphabetical order (`file-10` before `file-2`), and git checks
 * files out in the same way. The command reads its bundled dataset through this view, so an
 * installed copy streams `file-0.json` … `file-49.json` in order without any install script:
 *
 * ```ts
 * readJsonFiles(dir, { schema, fileSystem: inNameOrder() })
 * ```
 *
 * Listings and `stat` (when the file system has it) report the same time, so a file never looks
 * changed between them; every other method is the given file system's own.
 */
export function inNameOrder(fileSystem: StreamFileSystem = nodeFileSystem): StreamFileSystem {
  return new Proxy(fileSystem, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (key === 'list') {
        return (...args: unknown[]) => (method.apply(target, args) as Observable<readonly FileStat[]>).pipe(map((stats) => stats.map(sameTime)));
      }
      if (key === 'stat') {
        return (...args: unknown[]) => (method.apply(target, args) as Observable<FileStat | undefined>).pipe(map((s) => (s === undefined ? s : sameTime(s))));
      }
      return (...args: unknown[]) => method.apply(target, args);
    },
  });
}
