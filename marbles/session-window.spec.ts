// When a session window comes out in append mode, frame by frame: a session is emitted by the
// first batch whose watermark has passed its end (here the no-data batch after the data batch
// that moved the watermark), and a row that extends it before then keeps it open.
import { map } from 'rxjs';
import { groupCount, readJsonFiles, sessionWindow, throttleFiles, withWatermark, type MicroBatch } from '../src/index.js';
import { arriveAt, createTestScheduler, virtualDirectory } from '../src/testing/index.js';

const schema = 'user STRING, time TIMESTAMP';
const at = (user: string, s: number) => ({ user, time: s });
type Out = { user: string | null; session_window: { start: number; end: number }; count: number };
const summary = (b: MicroBatch<Out>) => ({ id: b.batchId, wm: b.watermarkMs / 1000, rows: b.rows.map((r) => `${r.user} [${r.session_window.start / 1000},${r.session_window.end / 1000}) ${r.count}`).sort() });

describe('session windows in append mode', () => {
  it('emits a session when the watermark passes its end; a row that arrives in time extends it instead', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [[at('a', 10), at('b', 10)]]);
      arriveAt(fs, scheduler, 500, '/in/1.json', [at('a', 18)]); // extends a to [10,28); watermark 13
      arriveAt(fs, scheduler, 1500, '/in/2.json', [at('c', 40)]); // watermark 35: a [10,28) and b [10,20) end
      const out$ = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(
        throttleFiles(1),
        withWatermark('time', '5 seconds'),
        sessionWindow('time', '10 seconds'),
        groupCount('user', 'session_window'),
        map((b) => summary(b as unknown as MicroBatch<Out>)),
      );
      expectObservable(out$, '^ 2500ms !').toBe('(ab) 996ms (cd) 996ms (ef)', {
        a: { id: 0, wm: 0, rows: [] },
        b: { id: 1, wm: 5, rows: [] }, // no-data batch: nothing ends by 5
        c: { id: 2, wm: 5, rows: [] },
        d: { id: 3, wm: 13, rows: [] }, // b [10,20) is still open at 13
        e: { id: 4, wm: 13, rows: [] },
        f: { id: 5, wm: 35, rows: ['a [10,28) 2', 'b [10,20) 1'] },
      });
    });
  });
});
