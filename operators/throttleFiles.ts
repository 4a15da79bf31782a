import { Observable, Subscription, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { MicroBatch, SourceFile } from '../src/batch.js';
import { parseDurationMs, type DurationLike } from '../src/duration.js';
import { InvalidArgumentError } from '../src/errors.js';
import { derivePlan, planOf, type SourceStatus } from '../src/plan.js';

/**
 * When micro-batches start, as Spark's `Trigger`:
 * - `'default'` (or `'0 seconds'`): the next batch starts as soon as the previous one is done and data is there;
 * - a duration (`'5 seconds'`, or milliseconds): `Trigger.ProcessingTime`, batches start on multiples of the interval;
 * - `'once'`: `Trigger.Once`, everything available at start in one batch, then complete;
 * - `'availableNow'`: `Trigger.AvailableNow`, everything available at start, `n` files per batch, then complete.
 */
export type TriggerSpec = 'default' | 'once' | 'availableNow' | DurationLike;

export interface ThrottleFilesOptions {
  readonly trigger?: TriggerSpec;
  /** The clock of processing-time triggers. Default `asyncScheduler`; a `TestScheduler` in marble tests. */
  readonly scheduler?: SchedulerLike;
}

type Trigger = { kind: 'default' } | { kind: 'once' } | { kind: 'availableNow' } | { kind: 'processingTime'; intervalMs: number };

const OP = 'throttleFiles';

/** Parses a trigger option; throws `InvalidArgumentError` naming `operator` and `trigger`. */
export function parseTrigger(spec: TriggerSpec, operator = OP): Trigger {
  if (spec === 'default') return { kind: 'default' };
  if (spec === 'once') return { kind: 'once' };
  if (spec === 'availableNow' || spec === 'available-now') return { kind: 'availableNow' };
  const ms = parseDurationMs(spec);
  if (ms === undefined || ms < 0) {
    throw new InvalidArgumentError(operator, 'trigger', spec, "'default', 'once', 'availableNow' or a processing-time interval such as '5 seconds'");
  }
  return ms === 0 ? { kind: 'default' } : { kind: 'processingTime', intervalMs: ms };
}

/**
 * Groups source files into micro-batches: Spark's `maxFilesPerTrigger` and `trigger`. Each
 * output emission is one trigger, a {@link MicroBatch} with a `batchId` counting from 0 and the
 * rows of at most `maxFilesPerTrigger` files, in source order.
 *
 * A batch takes the next `min(n, files listed but not yet batched)` files, so how files are
 * grouped depends only on the directory listings, never on how fast files are read. A trigger
 * with no data starts no batch.
 *
 * ```
 * source (5 files, one listing):  (abcde)
 * throttleFiles(2):               (xyz)       x=[a,b] y=[c,d] z=[e]
 * throttleFiles(2, { trigger: '5 seconds' }), times in seconds:
 * output:                          x----y----z   at 0, 5 and 10
 * ```
 *
 * - Default trigger: batches follow each other as soon as the previous one has been processed
 *   downstream (processing is synchronous) and files are there.
 * - Processing-time trigger: the first batch starts at subscription, later ones at the next
 *   multiple of the interval on the scheduler's clock (Spark's `ProcessingTimeExecutor`); a
 *   trigger that has to wait for its files' reads starts the batch when they arrive, and if it
 *   ran past the next multiple, the next batch starts right after it.
 * - `once`: one batch with every file of the first listing (Spark 3 ignores
 *   `maxFilesPerTrigger` for `Trigger.Once`), then completes. `availableNow`: the files of the
 *   first listing in batches of `n`, then completes. Both complete at once on an empty directory.
 * - Completion: when the source completes, the remaining files are batched (at the next
 *   triggers for a processing-time trigger), then the output completes. Errors pass through at
 *   once; files not yet batched are dropped with the failed query, as Spark does not commit them.
 *
 * A bad `maxFilesPerTrigger` (0, -1, 1.5) or trigger throws here, when the operator is created.
 *
 * @example
 * readJsonFiles(dir, { schema }).pipe(throttleFiles(1)) // one file per trigger, as the notebook
 */
export function throttleFiles(maxFilesPerTrigger: number, options: ThrottleFilesOptions = {}) {
  const n = maxFilesPerTrigger;
  if (typeof n !== 'number' || !(n === Infinity || (Number.isInteger(n) && n > 0))) {
    throw new InvalidArgumentError(OP, 'maxFilesPerTrigger', n, 'a positive whole number of files (or Infinity)');
  }
  const trigger = parseTrigger(options.trigger ?? 'default');
  const scheduler = options.scheduler ?? asyncScheduler;

  return <R>(source: Observable<SourceFile<R>>): Observable<MicroBatch<R>> => {
    const monitor = planOf(source)?.source;
    const batches = new Observable<MicroBatch<R>>((subscriber) => {
      // Per-subscription state.
      const queue: SourceFile<R>[] = []; // files received, not yet batched
      let expectedMore = 0; // files the current listing announced but the source has not emitted yet
      let nextBatchId = 0;
      let sourceDone = false;
      let draining = false;
      /** once/availableNow: files of the first listing not yet batched; undefined until the listing is known. */
      let boundedRemaining: number | undefined;
      /** processing-time trigger: a trigger that fired and waits for its files. */
      let planned: { size: number; startMs: number } | undefined;
      let missedTick = false;
      /** processing-time trigger: fired while the source was still listing; the batch starts when files arrive. */
      let waitingSince: number | undefined;
      const subscription = new Subscription();

      const available = (): number => queue.length + expectedMore;

      const emit = (size: number, startMs: number): void => {
        const files = queue.splice(0, size);
        const first = files[0];
        const rows: readonly R[] = files.length === 1 && first !== undefined ? first.rows : files.flatMap((f) => f.rows);
        let malformed = 0;
        for (const f of files) malformed += f.numMalformedRows;
        if (boundedRemaining !== undefined) boundedRemaining -= files.length;
        subscriber.next({
          batchId: nextBatchId++,
          files: files.map((f) => f.file),
          rows,
          numInputRows: rows.length,
          numMalformedRows: malformed,
          triggerStartMs: startMs,
          filesPending: available(),
        });
      };

      const finishIfDone = (): void => {
        if (subscriber.closed) return;
        const boundedDone = boundedRemaining !== undefined && boundedRemaining <= 0 && trigger.kind !== 'default' && trigger.kind !== 'processingTime';
        if (boundedDone || (sourceDone && queue.length === 0 && planned === undefined)) subscriber.complete();
      };

      /** Default, once and availableNow: start every batch whose files are all there. */
      const drain = (): void => {
        if (draining) return; // a batch is being processed downstream; its loop picks up new files
        draining = true;
        try {
          while (!subscriber.closed) {
            if (trigger.kind === 'once') {
              if (boundedRemaining === undefined || boundedRemaining === 0 || queue.length < boundedRemaining) break;
              emit(boundedRemaining, scheduler.now());
              continue;
            }
            const limit = trigger.kind === 'availableNow' ? Math.min(n, boundedRemaining ?? 0) : n;
            const size = Math.min(limit, available());
            if (size === 0 || queue.length < size) break;
            emit(size, scheduler.now());
          }
        } finally {
          draining = false;
        }
        finishIfDone();
      };

      /** Processing-time trigger: start the planned batch once its files are there. */
      const runPlanned = (): void => {
        if (planned === undefined || queue.length < planned.size || draining) return;
        draining = true;
        try {
          const p = planned;
          planned = undefined;
          emit(p.size, p.startMs);
        } finally {
          draining = false;
        }
        if (missedTick) {
          missedTick = false;
          fire();
        }
        finishIfDone();
      };

      const fire = (): void => {
        if (planned !== undefined) {
          missedTick = true;
          return;
        }
        const avail = available();
        if (avail > 0) {
          waitingSince = undefined;
          planned = { size: Math.min(n, avail), startMs: scheduler.now() };
          runPlanned();
        } else if (monitor?.current.busy === true) {
          // Spark's trigger would list and read now: wait for this listing. A trigger already
          // waiting for it (its reads ran past this tick) keeps its own start time.
          waitingSince ??= scheduler.now();
        } else {
          waitingSince = undefined;
        }
      };

      const scheduleTick = (intervalMs: number): void => {
        const now = scheduler.now();
        const next = Math.floor(now / intervalMs) * intervalMs + intervalMs;
        subscription.add(
          scheduler.schedule(() => {
            fire();
            finishIfDone();
            if (!subscriber.closed) scheduleTick(intervalMs);
          }, next - now),
        );
      };

      const onFile = (file: SourceFile<R>): void => {
        queue.push(file);
        expectedMore = Math.max(0, file.listing.count - file.listing.index - 1);
        if (boundedRemaining === undefined && (trigger.kind === 'once' || trigger.kind === 'availableNow') && monitor === undefined) {
          boundedRemaining = file.listing.count; // no monitor: the first file tells the first listing's size
        }
        if (trigger.kind === 'processingTime') {
          if (planned === undefined && waitingSince !== undefined) {
            planned = { size: Math.min(n, available()), startMs: waitingSince };
            waitingSince = undefined;
          }
          runPlanned();
        } else drain();
      };

      if ((trigger.kind === 'once' || trigger.kind === 'availableNow') && monitor !== undefined) {
        let base: SourceStatus | undefined;
        subscription.add(
          monitor.status.subscribe((s) => {
            if (base === undefined) base = s;
            else if (boundedRemaining === undefined && s.listings > base.listings) {
              boundedRemaining = s.filesListed - base.filesListed;
              drain();
            }
          }),
        );
      }

      subscription.add(
        source.subscribe({
          next: onFile,
          error: (err: unknown) => subscriber.error(err),
          complete: () => {
            sourceDone = true;
            expectedMore = 0;
            if (boundedRemaining === undefined && trigger.kind !== 'default' && trigger.kind !== 'processingTime') boundedRemaining = queue.length;
            if (trigger.kind === 'processingTime') {
              if (planned !== undefined) planned.size = Math.min(planned.size, queue.length);
              runPlanned();
              finishIfDone();
            } else drain();
          },
        }),
      );
      if (trigger.kind === 'processingTime' && !subscriber.closed) {
        fire();
        scheduleTick(trigger.intervalMs);
      }
      return subscription;
    });
    return derivePlan(source, batches);
  };
}
