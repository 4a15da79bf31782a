import { deepStrictEqual } from 'node:assert';
import { TestScheduler } from 'rxjs/testing';
import { compareFrames, type AssertDeepEqual } from './frames.js';

export type { AssertDeepEqual } from './frames.js';

/**
 * A `TestScheduler` for marble tests of structured-rx queries, not tied to a test runner.
 *
 * Pass it as `scheduler` to `readJsonFiles` (polling), `throttleFiles` (processing-time
 * triggers), `toMemoryTable` (progress timings) and to a {@link VirtualFileSystem} with
 * `readDelayMs`: then every poll, trigger and read happens in virtual time, and a test runs in
 * no real time at all. Inside `scheduler.run(...)` one frame is one millisecond.
 *
 * A streaming source never completes: end it with an unsubscription marble
 * (`expectObservable(query$, '^ 3s !')`), or flushing never ends.
 *
 * The test runner decides what is equal; the kit adds two things to its comparison: rows the
 * kit marks as a multiset (a table, what a sink received, late rows: see `testQuery`) compare in
 * any order, and a failure is a `MarbleAssertionError` whose message shows expected and actual
 * frame by frame, side by side, marked where they differ (the runner's own error is its `cause`).
 *
 * @param assertDeepEqual Compares actual and expected frames: `(a, e) => expect(a).toEqual(e)`
 *   (jest, vitest) or `assert.deepStrictEqual` (node:test). Default: node's
 *   `assert.deepStrictEqual`, which also compares prototypes, so an expected
 *   `new FileReadError(...)` matches only an error of that class.
 *
 * @example
 * const scheduler = createTestScheduler((actual, expected) => expect(actual).toEqual(expected));
 * scheduler.run(({ expectObservable }) => {
 *   expectObservable(batches$.pipe(summarizeBatches()), '^ 2500ms !').toBe('a 999ms b', { a, b });
 * });
 */
export function createTestScheduler(assertDeepEqual: AssertDeepEqual = (actual, expected) => deepStrictEqual(actual, expected)): TestScheduler {
  return new TestScheduler((actual, expected) => compareFrames(actual, expected, assertDeepEqual));
}
