/**
 * Dependencies that only some queries need, loaded on their first use rather than with the
 * library, so that importing structured-rx costs little more than importing rxjs
 * (docs/decisions/0023-bundled-entries-and-lazy-dependencies.md):
 *
 * - luxon: time zones, Spark's datetime patterns (`timestampFormat`, `date_format`), the
 *   command's time filters;
 * - picomatch: the reader's `pathGlobFilter`.
 *
 * Both are CommonJS packages, so they load synchronously with `require`, and the synchronous
 * APIs that need them (`catalog.sql()`, the reader's options) stay synchronous.
 */
import type * as Luxon from 'luxon';
import type Picomatch from 'picomatch';
import { requireDependency } from './require-dependency.js';

let luxonModule: typeof Luxon | undefined;
let picomatchModule: typeof Picomatch | undefined;

/** The luxon module, loaded on the first call. */
export function luxon(): typeof Luxon {
  return (luxonModule ??= requireDependency('luxon') as typeof Luxon);
}

/** picomatch, loaded on the first call. */
export function picomatch(): typeof Picomatch {
  return (picomatchModule ??= requireDependency('picomatch') as typeof Picomatch);
}
