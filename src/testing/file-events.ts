import type { SchedulerLike, Subscription } from 'rxjs';
import { Subscription as Subscriptions } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { InvalidArgumentError } from '../errors.js';
import type { FileContent } from './virtual-directory.js';
import type { VirtualFileSystem } from './virtual-file-system.js';

/** What happens to a file at a frame of {@link playFiles}. */
export type FileEvent =
  | { readonly kind: 'put'; readonly path: string; readonly content: FileContent; readonly mtimeMs?: number }
  | { readonly kind: 'append'; readonly path: string; readonly content: FileContent; readonly mtimeMs?: number }
  | { readonly kind: 'remove'; readonly path: string };

/** The file appears with this content, or is written again (it may shrink). Its modification time is the frame, unless given. */
export function put(path: string, content: FileContent, mtimeMs?: number): FileEvent {
  return { kind: 'put', path, content, ...(mtimeMs === undefined ? {} : { mtimeMs }) };
}

/** The file grows by these lines (a writer that is not done yet). Its modification time becomes the frame, unless given. */
export function append(path: string, content: FileContent, mtimeMs?: number): FileEvent {
  return { kind: 'append', path, content, ...(mtimeMs === undefined ? {} : { mtimeMs }) };
}

/** The file disappears. */
export function remove(path: string): FileEvent {
  return { kind: 'remove', path };
}

/** A file's content as text: a string as it is; rows one per line (objects as JSON, strings as they are), each ended by a newline. */
function text(content: FileContent): string {
  return typeof content === 'string' ? content : content.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}

function apply(fs: VirtualFileSystem, e: FileEvent, frame: number): void {
  if (e.kind === 'remove') fs.remove(e.path);
  else if (e.kind === 'put') fs.write(e.path, text(e.content), e.mtimeMs ?? frame);
  else fs.append(e.path, text(e.content), e.mtimeMs ?? frame);
}

/**
 * Plays file events on a virtual file system at the frames of a marble: each letter is an event
 * (or a list of events) from `events`, made with {@link put}, {@link append} and {@link remove}.
 * Frames count from now (0 at the start of `TestScheduler.run`); one frame is one millisecond.
 *
 * Call it before the query is started: then an event on the very frame of a listing is seen by
 * that listing (a scheduler runs the actions of one frame in the order they were scheduled).
 * Returns the subscription of the scheduled events; unsubscribe to cancel those still to come.
 *
 * ```
 * playFiles(fs, scheduler, 'a 999ms b 499ms c', { a: put(...), b: append(...), c: remove(...) })
 *                           0      1000     1500
 * ```
 *
 * @example
 * playFiles(fs, scheduler, '1500ms a', { a: put('/in/1.json', ev.lines('ann Open@02:10')) }); // listed by the poll at 2000
 */
export function playFiles(fs: VirtualFileSystem, scheduler: SchedulerLike, marbles: string, events: Readonly<Record<string, FileEvent | readonly FileEvent[]>>): Subscription {
  if (typeof marbles !== 'string' || /[#^!]/.test(marbles)) throw new InvalidArgumentError('playFiles', 'marbles', marbles, "a marble of letters and time ('a 999ms b'), without #, ^ or !");
  const messages = TestScheduler.parseMarbles(marbles, events, undefined, false, true);
  const all = new Subscriptions();
  for (const m of messages) {
    if (m.notification.kind !== 'N') continue;
    const value: unknown = m.notification.value;
    const list = (Array.isArray(value) ? value : [value]) as readonly unknown[];
    for (const e of list) {
      if (typeof e !== 'object' || e === null || !['put', 'append', 'remove'].includes((e as FileEvent).kind)) {
        throw new InvalidArgumentError('playFiles', 'events', e, 'events made by put(...), append(...) or remove(...), one for each letter of the marble');
      }
    }
    all.add(
      scheduler.schedule(() => {
        for (const e of list as readonly FileEvent[]) apply(fs, e, scheduler.now());
      }, m.frame),
    );
  }
  return all;
}
