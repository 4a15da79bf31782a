// When a session window comes out in append mode, frame by frame, written with the kit
// (structured-rx/testing): a session is emitted by the first batch whose watermark has passed its
// end (here the no-data batch after the data batch that moved the watermark), and a row that
// extends it before then keeps it open. Event times are minutes of 1970-01-01.
import { map } from 'rxjs';
import { groupCount, readJsonFiles, sessionWindow, throttleFiles, withWatermark, type StreamingQueryProgress } from '../src/index.js';
import { createTestScheduler, notation, playFiles, put, testQuery, virtualDirectory } from '../src/testing/index.js';

const schema = 'user STRING, time TIMESTAMP';
const ev = notation(schema, 'user@time');

describe('session windows in append mode', () => {
  it('emits a session when the watermark passes its end; a row that arrives in time extends it instead', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fs = virtualDirectory('/in', [ev.lines('a@00:10', 'b@00:10')]);
      playFiles(fs, scheduler, '500ms x 999ms y', {
        x: put('/in/1.json', ev.lines('a@00:18')), // extends a to [00:10,00:28); watermark 00:13
        y: put('/in/2.json', ev.lines('c@00:40')), // watermark 00:35: a [00:10,00:28) and b [00:10,00:20) end
      });
      const sessions = readJsonFiles('/in', { schema, fileSystem: fs, scheduler }).pipe(
        throttleFiles(1),
        withWatermark('time', '5 minutes'),
        sessionWindow('time', '10 minutes'),
        groupCount('user', 'session_window'),
      );
      const q = testQuery(scheduler, sessions, { run: '^ 2500ms !', input: ev, output: 'user session_window count', outputMode: 'append' });
      const ranWith = (p: StreamingQueryProgress) => `${p.batchId} ${ev.time(Date.parse(p.eventTime.watermark ?? ''))}`;
      expectObservable(q.progress.pipe(map(ranWith))).toBe('(ab) 996ms (cd) 996ms (ef)', { a: '0 00:00', b: '1 00:05', c: '2 00:05', d: '3 00:13', e: '4 00:13', f: '5 00:35' });
      expectObservable(q.output).toBe('(ab) 996ms (cd) 996ms (ef)', {
        a: [],
        b: [], // no-data batch: nothing ends by 00:05
        c: [],
        d: [], // b [00:10,00:20) is still open at 00:13
        e: [],
        f: ['a [00:10,00:28) 2', 'b [00:10,00:20) 1'],
      });
      expectObservable(q.watermark).toBe('a 999ms b 999ms c', { a: '00:05', b: '00:13', c: '00:35' });
    });
  });
});
