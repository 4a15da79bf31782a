/**
 * Compile-time checks: rows are typed from the schema through the whole pipeline. The
 * typecheck (`npm run typecheck`, part of `npm test`) fails if an expectation below breaks;
 * the `@ts-expect-error` lines fail it if a wrong pipeline stops being an error.
 */
import { Observable, map, of } from 'rxjs';
import { groupCount, readJsonFiles, throttleFiles, tumblingWindow, type RowOf, type Window } from '../src/index.js';
import { VirtualFileSystem, createTestScheduler, notation, testQuery, type RowInput } from '../src/testing/index.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(value: T): T => value;

const fs = new VirtualFileSystem().write('/d/file-0.json', [{ time: 1, action: 'Open' }]);
const counts$ = readJsonFiles('/d', { schema: 'time TIMESTAMP, action STRING', watch: false, fileSystem: fs }).pipe(
  throttleFiles(1),
  tumblingWindow('time', '1 hour'),
  groupCount('action', 'window'),
);
type CountRowOf<O> = O extends Observable<{ rows: readonly (infer R)[] }> ? R : never;
type Row = CountRowOf<typeof counts$>;

describe('typed rows', () => {
  it('carry the schema through window and count: action is string | null, window a Window, count a number', () => {
    assertType<Equals<Row['action'], string | null>>(true);
    assertType<Equals<Row['window'], Window>>(true);
    assertType<Equals<Row['count'], number>>(true);
    const rows: Row[] = [];
    counts$.pipe(map((b) => b.rows)).subscribe((r) => rows.push(...r));
    expect(rows).toEqual([{ action: 'Open', window: { start: 0, end: 3_600_000 }, count: 1 }]);
  });

  it('reject a window over a column the rows do not have', () => {
    const src = of({ rows: [{ action: 'Open' as string | null }] });
    // @ts-expect-error 'time' is not a column of these rows
    const bad = src.pipe(tumblingWindow('time', '1 hour'));
    expect(bad).toBeInstanceOf(Observable);
  });
});

describe('marble values are typed from the schema (structured-rx/testing)', () => {
  const schema = 'time TIMESTAMP, action STRING, user STRING';
  const ev = notation(schema, 'user action@time');

  it('reject a column the schema does not have, in a notation’s pattern and in a row object', () => {
    assertType<Equals<RowInput<RowOf<typeof schema>>['time'], number | null | undefined>>(true);
    // @ts-expect-error 'acton' is not a column of the schema
    expect(() => notation(schema, 'user acton@time')).toThrow(/unknown: acton/);
    // @ts-expect-error 'usr' is not a column of the rows
    expect(ev.rows({ usr: 'ann', action: 'Open', time: ev.at('02:10') })).toEqual(['null Open@02:10']);
    // @ts-expect-error a time is epoch milliseconds, not text
    expect(ev.lines({ time: '02:10' })).toEqual(['{"time":"02:10"}']);
  });

  it('reject a column the query’s result does not have, in the output pattern and in an expected row', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const fs = new VirtualFileSystem().write('/d/file-0.json', ev.lines('ann Open@02:10'), 0);
      const counts$ = readJsonFiles('/d', { schema, watch: false, fileSystem: fs }).pipe(tumblingWindow('time', '1 hour'), groupCount('action', 'window'));
      // @ts-expect-error 'cnt' is not a column of the result (it is 'count')
      expect(() => testQuery(scheduler, counts$, { output: 'window action cnt' })).toThrow(/unknown: cnt/);
      const q = testQuery(scheduler, counts$, { output: 'window action count' });
      // @ts-expect-error 'users' is not a column of the result
      expect(q.rows({ window: ev.window('02:00', '03:00'), action: 'Open', users: 1 })).toEqual(['[02:00,03:00) Open null']);
      expect(q.rows({ window: ev.window('02:00', '03:00'), action: 'Open', count: 1 })).toEqual(['[02:00,03:00) Open 1']);
    });
  });
});
