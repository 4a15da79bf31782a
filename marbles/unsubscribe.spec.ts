// Unsubscribing from a query releases its source: no more polls, trigger ticks or reads.
// maxFrames bounds each run, so a leak shows up as extra calls instead of an endless flush.
import { map } from 'rxjs';
import { readJsonFiles, throttleFiles } from '../src/index.js';
import { createTestScheduler, recordCalls, summarizeBatches, virtualDirectory } from '../src/testing/index.js';

const schema = 'action STRING';
const open = { action: 'Open' };
const LIMIT = 10_000;

describe('unsubscribing from a streaming query', () => {
  it('stops polling the directory', () => {
    const scheduler = createTestScheduler();
    const { fileSystem, calls } = recordCalls(virtualDirectory('/in', [[open]]), scheduler);
    scheduler.run(({ expectObservable }) => {
      scheduler.maxFrames = LIMIT;
      const batches = readJsonFiles('/in', { schema, fileSystem, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 2500ms !').toBe('a', { a: { batchId: 0, files: ['file-0.json'], numInputRows: 1 } });
    });
    // The trigger after batch 0 lists again at once (frame 0, finds nothing), then the idle query
    // lists every pollInterval; none after the unsubscription at 2501.
    expect(calls.filter((c) => c.op === 'list').map((c) => c.frame)).toEqual([0, 0, 1000, 2000]);
    expect(scheduler.actions).toEqual([]);
  });

  it('stops the clock of a processing-time trigger', () => {
    const scheduler = createTestScheduler();
    const { fileSystem, calls } = recordCalls(virtualDirectory('/in', [[open], [open], [open], [open], [open]]), scheduler);
    scheduler.run(({ expectObservable }) => {
      scheduler.maxFrames = LIMIT;
      const batches = readJsonFiles('/in', { schema, fileSystem, scheduler, pollInterval: '1 hour' }).pipe(
        throttleFiles(1, { trigger: '1 second', scheduler }),
        map((b) => b.batchId),
      );
      expectObservable(batches, '^ 1500ms !').toBe('a 999ms b', { a: 0, b: 1 });
    });
    // Each processing-time trigger lists the directory (pollInterval plays no part): at 0 and
    // 1000, and no trigger at 2000 after the unsubscription at 1501.
    expect(calls.filter((c) => c.op === 'list').map((c) => c.frame)).toEqual([0, 1000]);
    expect(scheduler.actions).toEqual([]);
  });

  it('cancels a read under way, which then never happens', () => {
    const scheduler = createTestScheduler();
    const fs = virtualDirectory('/in', [[open]], { readDelayMs: 1000, scheduler });
    const { fileSystem, calls } = recordCalls(fs, scheduler);
    scheduler.run(({ expectObservable }) => {
      scheduler.maxFrames = LIMIT;
      const batches = readJsonFiles('/in', { schema, fileSystem, scheduler }).pipe(throttleFiles(1), summarizeBatches());
      expectObservable(batches, '^ 500ms !').toBe('-');
    });
    expect(calls).toEqual([
      { op: 'list', path: '/in', frame: 0 },
      { op: 'read', path: '/in/file-0.json', frame: 0 },
    ]);
    expect(fs.reads).toEqual([]);
    expect(scheduler.actions).toEqual([]);
  });
});
