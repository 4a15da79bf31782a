import { defer, type Observable, type SchedulerLike } from 'rxjs';
import type { FileStat, StreamFileSystem } from '../fs/file-system.js';

/** One operation a file source started: what, on which path, and when (the scheduler's clock). */
export interface FileSystemCall {
  readonly op: 'list' | 'read';
  readonly path: string;
  readonly frame: number;
}

/**
 * Wraps a {@link StreamFileSystem} so every `list` and read (`readText`, `readBytes`) is logged, with the frame at
 * which it started (when the source subscribed to it). Tests use it to see when a source polls
 * and that it stops polling once unsubscribed.
 *
 * @example
 * const { fileSystem, calls } = recordCalls(virtualDirectory('/in'), scheduler);
 * // ... run a query over fileSystem, unsubscribe at 2500 ...
 * expect(calls.filter((c) => c.op === 'list').map((c) => c.frame)).toEqual([0, 1000, 2000]);
 */
export function recordCalls(fs: StreamFileSystem, scheduler: SchedulerLike): { readonly fileSystem: StreamFileSystem; readonly calls: readonly FileSystemCall[] } {
  const calls: FileSystemCall[] = [];
  const fileSystem: StreamFileSystem = {
    list: (dir: string, accept?: (name: string) => boolean): Observable<readonly FileStat[]> =>
      defer(() => {
        calls.push({ op: 'list', path: dir, frame: scheduler.now() });
        return fs.list(dir, accept);
      }),
    readText: (path: string): Observable<string> =>
      defer(() => {
        calls.push({ op: 'read', path, frame: scheduler.now() });
        return fs.readText(path);
      }),
    ...(fs.readBytes === undefined
      ? {}
      : {
          readBytes: (path: string): Observable<Uint8Array> =>
            defer(() => {
              calls.push({ op: 'read', path, frame: scheduler.now() });
              return (fs.readBytes as (p: string) => Observable<Uint8Array>).call(fs, path);
            }),
        }),
    ...(fs.stat === undefined ? {} : { stat: (path: string): Observable<FileStat | undefined> => (fs.stat as (p: string) => Observable<FileStat | undefined>).call(fs, path) }),
  };
  return { fileSystem, calls };
}
