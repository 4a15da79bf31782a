import { deepStrictEqual } from 'node:assert';
import { TestScheduler } from 'rxjs/testing';

/**
 * Compares what an observable did with what the marbles expect, and throws when they differ.
 * `expect(actual).toEqual(expected)` (jest, vitest) or `assert.deepStrictEqual` both fit.
 */
export type AssertDeepEqual = (actual: unknown, expected: unknown) => boolean | void;

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
 * @param assertDeepEqual Compares actual and expected frames. Default: node's
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
  return new TestScheduler(assertDeepEqual);
}
