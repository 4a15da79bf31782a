/**
 * Compile-time checks: rows are typed from the schema through the whole pipeline. The
 * typecheck (`npm run typecheck`, part of `npm test`) fails if an expectation below breaks;
 * the `@ts-expect-error` lines fail it if a wrong pipeline stops being an error.
 */
import { Observable, map, of } from 'rxjs';
import { groupCount, readJsonFiles, throttleFiles, tumblingWindow, type Window } from '../src/index.js';
import { VirtualFileSystem } from '../src/testing/index.js';

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
