// Session windows on the engine: per key, rows whose [t, t + gap) overlap or touch merge into one
// session, across batches, a late row bridging sessions in state; append emits a session once the
// watermark passes its end; Spark's composition rules.
import { lastValueFrom, toArray } from 'rxjs';
import { AnalysisError, Catalog, InvalidArgumentError, agg, foreachBatch, groupByAgg, groupCount, readJsonFiles, sessionWindow, throttleFiles, toMemoryTable, withWatermark, type LateRowsEvent } from '../../src/index.js';
import { createTestScheduler, virtualDirectory, arriveAt } from '../../src/testing/index.js';

const schema = 'user STRING, time TIMESTAMP, v LONG';
const S = 1000;
const ev = (user: string, s: number, v = 1) => ({ user, time: s, v });
type Out = { user: string | null; session_window: { start: number; end: number }; count: number };
const show = (r: Out) => `${r.user} [${r.session_window.start / S},${r.session_window.end / S}) ${r.count}`;

async function completeTables(files: object[][]): Promise<string[][]> {
  const out = await lastValueFrom(
    readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', files), watch: false }).pipe(throttleFiles(1), sessionWindow('time', '10 seconds'), groupCount('user', 'session_window'), toArray()),
  );
  return out.map((b) => (b.rows as unknown as Out[]).map(show).sort());
}

describe('sessionWindow with an aggregation', () => {
  it('merges rows whose [t, t + gap) overlap, per key', async () => {
    const tables = await completeTables([[ev('a', 40), ev('a', 41), ev('b', 40), ev('a', 55)]]);
    expect(tables).toEqual([['a [40,51) 2', 'a [55,65) 1', 'b [40,50) 1']]);
  });

  it('merges sessions that only touch (end == next start), as Spark', async () => {
    const tables = await completeTables([[ev('a', 40), ev('a', 50)]]);
    expect(tables).toEqual([['a [40,60) 2']]);
  });

  it('lets a later batch extend a session in state, or bridge two sessions into one', async () => {
    // [25,35) and [45,55) are apart; 37 ([37,47)) overlaps only the second: [37,55)
    const extended = await completeTables([[ev('a', 25), ev('a', 45)], [ev('a', 37)]]);
    expect(extended[0]).toEqual(['a [25,35) 1', 'a [45,55) 1']);
    expect(extended[1]).toEqual(['a [25,35) 1', 'a [37,55) 2']);
    // 34 ([34,44)) overlaps only the first: [25,44)
    const other = await completeTables([[ev('a', 25), ev('a', 45)], [ev('a', 34)]]);
    expect(other[1]).toEqual(['a [25,44) 2', 'a [45,55) 1']);
    // 35 ([35,45)) touches the first at 35 and the second at 45: one session of three rows
    const bridged = await completeTables([[ev('a', 25), ev('a', 45)], [ev('a', 35)]]);
    expect(bridged[1]).toEqual(['a [25,55) 3']);
  });

  it('aggregates across merged sessions with any combiner (avg merged from sum and count)', async () => {
    const out = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', [[ev('a', 1, 10), ev('a', 30, 100)], [ev('a', 15, 40)]]), watch: false }).pipe(
        throttleFiles(1),
        sessionWindow('time', '15 seconds'),
        groupByAgg(['user', 'session_window'], agg.avg('v').as('avgV'), agg.count('*').as('n')),
        toArray(),
      ),
    );
    expect(out[1]?.rows).toEqual([{ user: 'a', session_window: { start: 1 * S, end: 45 * S }, avgV: 50, n: 3 }]);
  });

  it('counts sessions, not keys, as the state rows', async () => {
    const progress = await lastValueFrom(
      readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', [[ev('a', 1), ev('a', 100), ev('b', 1)]]), watch: false }).pipe(
        sessionWindow('time', '10 seconds'),
        groupCount('user', 'session_window'),
        foreachBatch(() => undefined, { outputMode: 'complete' }),
        toArray(),
      ),
    );
    expect(progress[0]?.stateOperators[0]?.numRowsTotal).toBe(3);
  });
});

describe('sessionWindow in append mode with a watermark', () => {
  it('emits a session once the watermark passes its end, evicts it, and drops rows whose session already ended as late', () => {
    const scheduler = createTestScheduler();
    const emitted: string[] = [];
    const late: unknown[] = [];
    scheduler.run(({ flush }) => {
      const fs = virtualDirectory('/in', [[ev('a', 10), ev('a', 15), ev('b', 12)]]);
      arriveAt(fs, scheduler, 1500, '/in/b.json', [ev('a', 50)]); // watermark after: 50 - 5 = 45: [10,25) and [12,22) close
      arriveAt(fs, scheduler, 2500, '/in/c.json', [ev('b', 13), ev('a', 52)]); // 13's session [13,23) ended before 45: late
      const sub = readJsonFiles('/in', { schema, fileSystem: fs, scheduler })
        .pipe(
          throttleFiles(1),
          withWatermark('time', '5 seconds', { onLateRows: (e: LateRowsEvent) => late.push(...e.rows.map((r) => [e.batchId, r.row['time']])) }),
          sessionWindow('time', '10 seconds'),
          groupCount('user', 'session_window'),
          foreachBatch<Out>((rows, batchId) => void emitted.push(...rows.map((r) => `${batchId}@${scheduler.now()}: ${show(r)}`)), { outputMode: 'append' }),
        )
        .subscribe();
      scheduler.schedule(() => sub.unsubscribe(), 4000);
      flush();
    });
    // batch 0 at 0 (watermark after: 10), no-data batch 1 (10: nothing ends by 10),
    // batch 2 at 2000 (50), no-data batch 3 with 45 emits both first sessions.
    expect(emitted).toEqual(['3@2000: a [10,25) 2', '3@2000: b [12,22) 1']);
    expect(late).toEqual([[4, 13 * S]]);
  });
});

describe('sessionWindow’s rules, checked when composed', () => {
  const events$ = () => readJsonFiles('/in', { schema, fileSystem: virtualDirectory('/in', [[ev('a', 1)]]) });
  it('refuses update mode (Spark: Update output mode not supported for session window)', () => {
    const counts$ = events$().pipe(withWatermark('time', '5 seconds'), sessionWindow('time', '10 seconds'), groupCount('user', 'session_window'));
    expect(() => counts$.pipe(toMemoryTable('t', { catalog: new Catalog(), outputMode: 'update' }))).toThrow(/Update output mode not supported for session window/);
    expect(() => counts$.pipe(toMemoryTable('t', { catalog: new Catalog(), outputMode: 'append' }))).not.toThrow();
  });

  it('refuses a session window as the only grouping key (Spark: global aggregation with session window)', () => {
    expect(() => events$().pipe(sessionWindow('time', '10 seconds'), groupCount('session_window'))).toThrow(AnalysisError);
    expect(() => events$().pipe(sessionWindow('time', '10 seconds'), groupCount('session_window'))).toThrow(/Global aggregation with session window in streaming query is not supported/);
  });

  it('refuses append without a watermark, and a gap that is not a positive duration', () => {
    const counts$ = events$().pipe(sessionWindow('time', '10 seconds'), groupCount('user', 'session_window'));
    expect(() => counts$.pipe(toMemoryTable('t', { catalog: new Catalog(), outputMode: 'append' }))).toThrow(/Append output mode not supported/);
    expect(() => sessionWindow('time', '0 seconds')).toThrow(InvalidArgumentError);
    expect(() => sessionWindow('time', 'soon')).toThrow(InvalidArgumentError);
    // A string column is refused by the types too; at run time by the plan's column types.
    // @ts-expect-error user is a string column, not a timestamp
    expect(() => events$().pipe(sessionWindow('user', '10 seconds'))).toThrow(/must be a timestamp/);
  });
});
