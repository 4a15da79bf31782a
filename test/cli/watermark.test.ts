// --watermark, --output-mode append and --no-data-batches, spawning the built command over small
// directories whose 10-minute windows close: which rows come in which trigger, the late rows
// counted in --json, and when a no-data trigger emits a window.
import { ensureBuilt, removeTempDirs, runCommand, startCommand, tempDir, writeEvents, writeLines, type JsonLine as Line } from './helpers.js';

type JsonLine = Line<{ kind: string; window: { start: string; end: string }; count: number }>;

function parseLines(stdout: string): JsonLine[] {
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as JsonLine);
}

/** 2024-01-15 09:00 UTC plus `minutes`, in epoch seconds (the files' `ts`). */
const at = (minutes: number): number => Date.UTC(2024, 0, 15, 9, minutes) / 1000;
/** The same time as the ISO string the command prints. */
const iso = (minutes: number): string => new Date(Date.UTC(2024, 0, 15, 9, minutes)).toISOString();
/** A result row of the 10-minute window starting at 09:`startMinute`. */
const row = (kind: string, startMinute: number, count: number): JsonLine['rows'][number] => ({
  kind,
  window: { start: iso(startMinute), end: iso(startMinute + 10) },
  count,
});

/** The watermark of the trigger that ends a directory read without --watch: event time is over. */
const END_OF_INPUT = '+275760-09-13T00:00:00.000Z';
const EPOCH = '1970-01-01T00:00:00.000Z';

const FLAGS = ['--schema', 'ts TIMESTAMP, kind STRING', '--time-column', 'ts', '--window', '10 minutes', '--group-by', 'kind', '--watermark', '5 minutes'];

/** a.json (09:01, 09:02) and b.json (09:16), which moves the watermark to 09:11: the 09:00 windows close. */
function writeFirstTwo(dir: string): void {
  writeEvents(dir, 'a.json', [{ ts: at(1), kind: 'view' }, { ts: at(2), kind: 'buy' }], 1_700_000_000);
  writeEvents(dir, 'b.json', [{ ts: at(16), kind: 'view' }], 1_700_000_001);
}

beforeAll(() => ensureBuilt());
afterAll(() => removeTempDirs());

describe('--watermark with --output-mode append', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    writeFirstTwo(dir);
    // c.json (09:17) runs with the watermark 09:11 that b.json made, so the 09:00 windows close.
    writeEvents(dir, 'c.json', [{ ts: at(17), kind: 'view' }], 1_700_000_002);
    // d.json: 09:03 is late (its window ended at 09:10, at or before 09:11, the watermark the batch
    // before ran with, by which a batch judges lateness), then 09:18, a row without time and a
    // line that is not JSON (kept with nulls, so also without time).
    writeLines(dir, 'd.json', [JSON.stringify({ ts: at(3), kind: 'view' }), JSON.stringify({ ts: at(18), kind: 'view' }), JSON.stringify({ ts: null, kind: 'buy' }), 'not json'], 1_700_000_003);
  });

  it('emits each window once, when the watermark passes its end, and counts the late row in --json', async () => {
    const r = await runCommand([dir, ...FLAGS, '--output-mode', 'append', '--json']);
    // d.json's row without a time, its malformed line (kept with nulls, so no time either) and its late row, said on stderr.
    expect(r.stderr.split('\n')).toEqual([expect.stringMatching(/^structured-rx: warning: input dropped \(of 8 lines read\): 2 rows without an event time, 1 late row; first bad input: .*d\.json:4: invalid JSON/), '']);
    expect(r.code).toBe(0);
    const lines = parseLines(r.stdout);
    expect(lines.map((l) => [l.batchId, l.files, l.numInputRows, l.watermark, l.lateRows, l.rows])).toEqual([
      [0, ['a.json'], 2, EPOCH, 0, []],
      [1, ['b.json'], 1, iso(-3), 0, []], // 09:02 - 5 minutes
      // c.json runs with watermark 09:11: the 09:00 windows are final.
      [2, ['c.json'], 1, iso(11), 0, [row('view', 0, 1), row('buy', 0, 1)]],
      // d.json: the late 09:03 is dropped (it never joins a window already emitted).
      [3, ['d.json'], 4, iso(12), 1, []],
      // The watermark moved to 09:13 and no file is left: a no-data trigger; no window ends by 09:13.
      [4, [], 0, iso(13), 0, []],
      // The files are done, so event time is over: the last open window is final.
      [5, [], 0, END_OF_INPUT, 0, [row('view', 10, 3)]],
    ]);
    // Nothing else hidden: the malformed line, the rows without event time, the state left.
    expect(lines[3]).toMatchObject({ malformedRows: 1, droppedRows: { nullEventTime: 2 }, stateRows: 1 });
    expect(lines.map((l) => l.stateRows)).toEqual([2, 3, 1, 1, 1, 0]);
    expect(lines.reduce((n, l) => n + l.lateRows, 0)).toBe(1);
  });

  it('piped: the tables hold the final windows, and the summary says how many rows were late', async () => {
    const r = await runCommand([dir, ...FLAGS, '--output-mode', 'append']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Query counts finished: 6 triggers, 4 files, 8 rows, 1 late row dropped; 1 malformed line (kept with nulls), 2 rows without event time dropped.');
    expect(r.stdout).toContain(['kind  total_count', '----  -----------', 'buy             1', 'view            4'].join('\n'));
    expect(r.stdout).toContain(
      ['kind  time          count', '----  ------------  -----', 'buy   Jan-15 09:10      1', 'view  Jan-15 09:10      1', 'view  Jan-15 09:20      3'].join('\n'),
    );
  });

  it('update mode drops the same late row; complete mode keeps it, and says nothing of late rows', async () => {
    const [update, complete] = await Promise.all([
      runCommand([dir, ...FLAGS, '--output-mode', 'update', '--json']),
      runCommand([dir, ...FLAGS, '--output-mode', 'complete']),
    ]);
    const lines = parseLines(update.stdout);
    expect(lines.map((l) => l.lateRows)).toEqual([0, 0, 0, 1, 0, 0]);
    expect(lines[3]?.rows).toEqual([row('view', 10, 3)]); // the late 09:03 changed nothing
    // No end-of-input trigger in complete mode: with nothing to emit or evict, the query ends after its files.
    expect(complete.stdout).toContain('Query counts finished: 4 triggers, 4 files, 8 rows; 1 malformed line (kept with nulls), 2 rows without event time dropped.');
    expect(complete.stdout).toContain('view  Jan-15 09:10      2');
  });
});

describe('--no-data-batches', () => {
  const appendJson = (dir: string, noData: string, ...more: string[]): string[] => [dir, ...FLAGS, '--output-mode', 'append', '--json', '--no-data-batches', noData, ...more];

  it('true (the default): a closed window comes in a trigger of its own as soon as no file is waiting; false: only when the input ends', async () => {
    const dir = tempDir();
    writeFirstTwo(dir);
    const [on, off] = await Promise.all([runCommand(appendJson(dir, 'true')), runCommand(appendJson(dir, 'false'))]);
    expect(on.code).toBe(0);
    expect(off.code).toBe(0);
    expect(parseLines(on.stdout).map((l) => [l.batchId, l.files, l.watermark, l.rows])).toEqual([
      [0, ['a.json'], EPOCH, []],
      [1, ['b.json'], iso(-3), []],
      [2, [], iso(11), [row('view', 0, 1), row('buy', 0, 1)]],
      [3, [], END_OF_INPUT, [row('view', 10, 1)]],
    ]);
    expect(parseLines(off.stdout).map((l) => [l.batchId, l.files, l.watermark, l.rows])).toEqual([
      [0, ['a.json'], EPOCH, []],
      [1, ['b.json'], iso(-3), []],
      [2, [], END_OF_INPUT, [row('view', 0, 1), row('buy', 0, 1), row('view', 10, 1)]],
    ]);
  });

  it('with --watch: true emits the closed window while waiting for files; false holds it until the next file', async () => {
    const onDir = tempDir();
    const offDir = tempDir();
    writeFirstTwo(onDir);
    writeFirstTwo(offDir);
    const on = startCommand(appendJson(onDir, 'true', '--watch'));
    const off = startCommand(appendJson(offDir, 'false', '--watch'));
    try {
      const third = JSON.parse((await on.lines(3))[2] ?? '') as JsonLine;
      expect([third.batchId, third.files, third.watermark, third.rows]).toEqual([2, [], iso(11), [row('view', 0, 1), row('buy', 0, 1)]]);

      expect(await off.lines(2)).toHaveLength(2);
      // Three of the source's listing intervals (500 ms) with nothing new: no trigger runs.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      writeEvents(offDir, 'c.json', [{ ts: at(18), kind: 'view' }], 1_700_000_002);
      const lines = (await off.lines(3)).map((l) => JSON.parse(l) as JsonLine);
      expect(lines).toHaveLength(3); // nothing came while waiting
      expect([lines[2]?.batchId, lines[2]?.files, lines[2]?.watermark, lines[2]?.rows]).toEqual([2, ['c.json'], iso(11), [row('view', 0, 1), row('buy', 0, 1)]]);
    } finally {
      on.child.kill('SIGINT');
      off.child.kill('SIGINT');
    }
    expect((await on.done).code).toBe(0);
    expect((await off.done).code).toBe(0);
  });
});
