import type { SchedulerLike, Subscription } from 'rxjs';
import type { VirtualFileSystem } from './virtual-file-system.js';
import type { FileContent } from './virtual-directory.js';

/**
 * Makes a file appear in `fs` at virtual time `frame` (ms on `scheduler`'s clock, which is 0
 * at the start of `TestScheduler.run`), as if a writer put it there while the query runs. Its
 * modification time is `frame` unless `mtimeMs` is given.
 *
 * Call it inside `run(...)`, before the marble expectations: then a file that arrives on the
 * very frame of a poll is seen by that poll (the scheduler runs actions of one frame in the
 * order they were scheduled). To keep tests obvious, let files arrive between polls.
 *
 * Returns the subscription of the scheduled write; unsubscribe to cancel the arrival.
 *
 * @example
 * scheduler.run(({ expectObservable }) => {
 *   arriveAt(fs, scheduler, 1500, '/in/file-1.json', [{ action: 'Open' }]); // read by the poll at 2000
 *   expectObservable(query$, '^ 2500ms !').toBe(...);
 * });
 */
export function arriveAt(fs: VirtualFileSystem, scheduler: SchedulerLike, frame: number, path: string, content: FileContent, mtimeMs: number = frame): Subscription {
  return scheduler.schedule(() => {
    fs.write(path, content, mtimeMs);
  }, Math.max(0, frame - scheduler.now()));
}
