/**
 * The process's registry of running queries (Spark's `spark.streams.active`) and its listener
 * events (Spark's `StreamingQueryListener`): a query is in the registry from startQuery until it
 * stops, completes or fails, and every batch is an event.
 */
import path from 'node:path';
import {
  Catalog,
  activeQueries,
  groupCount,
  readJsonFiles,
  startQuery,
  streamingQueryEvents,
  throttleFiles,
  toMemoryTable,
  type StreamingQueryEvent,
} from '../../src/index.js';
import { removeTempDirs, tempDir } from '../cli/helpers.js';
import { addEvents, startCounts } from './helpers.js';

afterAll(removeTempDirs);

const summary = (e: StreamingQueryEvent): string => (e.type === 'progress' ? `progress ${e.progress.batchId}` : e.type);

describe('the registry of running queries', () => {
  it('holds a query from startQuery until it stops; every batch is a progress event between started and terminated', async () => {
    const events: StreamingQueryEvent[] = [];
    const sub = streamingQueryEvents().subscribe((e) => events.push(e));
    const dir = tempDir();
    addEvents(dir, 'file-0.json', 4, 0);
    addEvents(dir, 'file-1.json', 4, 60);
    const query = startCounts(dir, new Catalog());
    expect(activeQueries()).toContain(query);
    await query.processAllAvailable();
    await query.stop();
    sub.unsubscribe();
    expect(activeQueries()).not.toContain(query);
    const mine = events.filter((e) => e.query === query);
    expect(mine.map(summary)).toEqual(['started', ...query.recentProgress.map((p) => `progress ${p.batchId}`), 'terminated']);
    const progress = mine.flatMap((e) => (e.type === 'progress' ? [e.progress] : []));
    expect(progress).toEqual(query.recentProgress);
  });

  it('a query whose source ends leaves the registry when it completes', async () => {
    const dir = tempDir();
    addEvents(dir, 'file-0.json', 4, 0);
    const catalog = new Catalog();
    const query = startQuery(
      readJsonFiles(dir, { schema: 'time TIMESTAMP, action STRING', watch: false }).pipe(throttleFiles(1), groupCount('action'), toMemoryTable('t', { catalog, outputMode: 'complete' })),
    );
    expect(activeQueries()).toContain(query);
    await query.awaitTermination();
    expect(query.isActive).toBe(false);
    expect(activeQueries()).not.toContain(query);
  });

  it('a query that fails leaves the registry, with its exception set when the terminated event comes', async () => {
    const terminated: (string | null)[] = [];
    const sub = streamingQueryEvents().subscribe((e) => {
      if (e.type === 'terminated') terminated.push(e.query.exception?.message ?? null);
    });
    const query = startQuery(
      readJsonFiles(path.join(tempDir(), 'missing'), { schema: 'time TIMESTAMP, action STRING' }).pipe(groupCount('action'), toMemoryTable('t', { catalog: new Catalog(), outputMode: 'complete' })),
    );
    await expect(query.awaitTermination()).rejects.toThrow();
    sub.unsubscribe();
    expect(activeQueries()).not.toContain(query);
    expect(terminated).toEqual([query.exception?.message]);
    expect(terminated[0]).toMatch(/missing/);
  });
});
