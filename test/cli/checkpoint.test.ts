// --checkpoint and --output, spawning the built command: a second run over the same checkpoint
// reads only the files added since, its batch ids go on and the totals are right; a checkpoint
// in use, torn, or behind its --output directory is one line on stderr; --output writes files
// that readJsonFileSink reads, once, across runs; flags that do not go together exit 2.
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonFileSink } from '../../operators/toJsonFiles.js';
import { ensureBuilt, removeTempDirs, runCommand, startCommand, tempDir, writeEvents, type JsonLine as Line } from './helpers.js';

type JsonLine = Line<{ kind: string; window: { start: string; end: string }; count: number }>;

function parseLines(stdout: string): JsonLine[] {
  if (stdout === '') return [];
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as JsonLine);
}

/** 2024-01-15 09:00 UTC plus `minutes`, in epoch seconds. */
const at = (minutes: number): number => Date.UTC(2024, 0, 15, 9, minutes) / 1000;
const iso = (minutes: number): string => new Date(Date.UTC(2024, 0, 15, 9, minutes)).toISOString();
/** A result row of the 10-minute window starting at 09:`startMinute`. */
const row = (kind: string, startMinute: number, count: number): JsonLine['rows'][number] => ({
  kind,
  window: { start: iso(startMinute), end: iso(startMinute + 10) },
  count,
});
/** Rows in a stable order, to compare sets of rows. */
const sorted = <R extends { kind: string; window: { start: string } }>(rows: readonly R[]): R[] =>
  [...rows].sort((a, b) => a.window.start.localeCompare(b.window.start) || a.kind.localeCompare(b.kind));

const FLAGS = ['--schema', 'ts TIMESTAMP, kind STRING', '--time-column', 'ts', '--window', '10 minutes', '--group-by', 'kind'];
const APPEND = [...FLAGS, '--output-mode', 'append', '--watermark', '5 minutes'];

/** The command's stderr is one line (the error), never a stack trace. */
function expectOneLine(stderr: string, pattern: RegExp): void {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^structured-rx: /);
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => ensureBuilt());
afterAll(() => removeTempDirs());

describe('--checkpoint: stop and resume', () => {
  it('a second run reads only the new file, its batch ids go on, and complete mode shows the whole table', async () => {
    const dir = tempDir();
    const cp = path.join(tempDir(), 'cp');
    writeEvents(dir, 'a.json', [{ ts: at(1), kind: 'view' }, { ts: at(2), kind: 'buy' }], 1_700_000_000);
    writeEvents(dir, 'b.json', [{ ts: at(12), kind: 'view' }], 1_700_000_001);

    const first = await runCommand([dir, ...FLAGS, '--checkpoint', cp, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(parseLines(first.stdout).map((l) => [l.batchId, l.files, l.numInputRows])).toEqual([
      [0, ['a.json'], 2],
      [1, ['b.json'], 1],
    ]);

    writeEvents(dir, 'c.json', [{ ts: at(3), kind: 'view' }, { ts: at(14), kind: 'view' }], 1_700_000_002);
    const second = await runCommand([dir, ...FLAGS, '--checkpoint', cp, '--json']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const lines = parseLines(second.stdout);
    expect(lines.map((l) => [l.batchId, l.files, l.numInputRows])).toEqual([[2, ['c.json'], 2]]);
    // The windows' state went on from the first run: the totals count all three files.
    expect(sorted(lines[0]?.rows ?? [])).toEqual([row('buy', 0, 1), row('view', 0, 2), row('view', 10, 2)]);

    // Nothing new: no batch runs, and the summary says why the tables are empty.
    const third = await runCommand([dir, ...FLAGS, '--checkpoint', cp]);
    expect(third.stderr).toBe('');
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('Query counts finished: 0 triggers, 0 files, 0 rows.');
    expect(third.stdout).toContain(`Checkpoint ${cp}: resumed after batch 2; no new batch ran.`);
    expect(third.stdout).toContain('Tables: empty, as no batch ran');

    // A fourth file: the plain tables show the whole table again, totals over all four files.
    writeEvents(dir, 'd.json', [{ ts: at(15), kind: 'buy' }], 1_700_000_003);
    const fourth = await runCommand([dir, ...FLAGS, '--checkpoint', cp]);
    expect(fourth.code).toBe(0);
    expect(fourth.stdout).toContain('Query counts finished: 1 trigger, 1 file, 1 rows.');
    expect(fourth.stdout).toContain(`Checkpoint ${cp}: resumed after batch 2; this run committed batch 3.`);
    expect(fourth.stdout).toMatch(/buy\s+2\n/);
    expect(fourth.stdout).toMatch(/view\s+4\n/);
  });

  it('in update mode a resumed run\'s tables hold its own output, and say so', async () => {
    const dir = tempDir();
    const cp = path.join(tempDir(), 'cp');
    writeEvents(dir, 'a.json', [{ ts: at(1), kind: 'view' }, { ts: at(2), kind: 'buy' }], 1_700_000_000);
    const first = await runCommand([dir, ...FLAGS, '--output-mode', 'update', '--checkpoint', cp]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Checkpoint ${cp}: new; this run committed batch 0.`);
    expect(first.stdout).not.toContain('Tables:');

    writeEvents(dir, 'b.json', [{ ts: at(3), kind: 'view' }], 1_700_000_001);
    const second = await runCommand([dir, ...FLAGS, '--output-mode', 'update', '--checkpoint', cp, '--json']);
    expect(second.code).toBe(0);
    const lines = parseLines(second.stdout);
    // Update mode: only the changed group, with its count over both runs.
    expect(lines.map((l) => [l.batchId, l.files, l.rows])).toEqual([[1, ['b.json'], [row('view', 0, 2)]]]);

    writeEvents(dir, 'c.json', [{ ts: at(4), kind: 'view' }], 1_700_000_002);
    const third = await runCommand([dir, ...FLAGS, '--output-mode', 'update', '--checkpoint', cp]);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain("Tables: this run's output only (batch 2); batches 0–1 were output by earlier runs (add --output to keep all output).");
    expect(third.stdout).toMatch(/view\s+3\n/);
    expect(third.stdout).not.toMatch(/buy/);
  });

  it('a checkpoint another run holds is one line naming it, exit 1; the holder is not disturbed', async () => {
    const dir = tempDir();
    const cp = path.join(tempDir(), 'cp');
    writeEvents(dir, 'a.json', [{ ts: at(1), kind: 'view' }], 1_700_000_000);
    const holder = startCommand([dir, ...FLAGS, '--checkpoint', cp, '--watch']);
    try {
      await holder.lines(1, 'stderr'); // "processed 1 file; watching ..."
      const second = await runCommand([dir, ...FLAGS, '--checkpoint', cp]);
      expect(second.code).toBe(1);
      expect(second.stdout).toBe('');
      expectOneLine(second.stderr, new RegExp(`checkpoint ${cp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is in use by another run of the query .*; stop it first`));
    } finally {
      holder.child.kill('SIGINT');
    }
    const ended = await holder.done;
    expect(ended.code).toBe(0);
    expect(ended.stdout).toContain('Query counts stopped: 1 trigger, 1 file, 1 rows.');

    // Once the holder stopped, the checkpoint is free again.
    const third = await runCommand([dir, ...FLAGS, '--checkpoint', cp]);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain(`Checkpoint ${cp}: resumed after batch 0; no new batch ran.`);
  });

  it('a torn checkpoint, or one of a query with other stateful steps, is one line, exit 1', async () => {
    const dir = tempDir();
    const cp = path.join(tempDir(), 'cp');
    writeEvents(dir, 'a.json', [{ ts: at(1), kind: 'view' }], 1_700_000_000);
    expect((await runCommand([dir, ...FLAGS, '--checkpoint', cp])).code).toBe(0);

    const changed = await runCommand([dir, ...FLAGS, '--drop-duplicates', 'ts', '--checkpoint', cp]);
    expect(changed.code).toBe(1);
    expectOneLine(changed.stderr, /checkpoint .*cp: was written by a query with the stateful operators/);

    writeFileSync(path.join(cp, 'metadata'), '{"formatVersion":1,"val');
    const torn = await runCommand([dir, ...FLAGS, '--checkpoint', cp]);
    expect(torn.code).toBe(1);
    expect(torn.stdout).toBe('');
    expectOneLine(torn.stderr, /checkpoint .*cp\/metadata: is torn or not JSON/);
  });
});

describe('--output: the file sink', () => {
  it('writes each closed window once, readable by readJsonFileSink, across resumed runs', async () => {
    const dir = tempDir();
    const work = tempDir();
    const cp = path.join(work, 'cp');
    const out = path.join(work, 'out');
    // a.json and b.json: b.json (09:16) moves the watermark to 09:11, closing the 09:00 windows.
    writeEvents(dir, 'a.json', [{ ts: at(1), kind: 'view' }, { ts: at(2), kind: 'buy' }], 1_700_000_000);
    writeEvents(dir, 'b.json', [{ ts: at(16), kind: 'view' }], 1_700_000_001);

    const first = await runCommand([dir, ...APPEND, '--checkpoint', cp, '--output', out, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const firstLines = parseLines(first.stdout);
    expect(firstLines.map((l) => l.batchId)).toEqual([0, 1, 2]);
    // The rows of each --json line are what the sink committed for that batch.
    expect(firstLines.flatMap((l) => l.rows)).toEqual(readJsonFileSink(out));
    expect(sorted(readJsonFileSink(out) as JsonLine['rows'])).toEqual([row('buy', 0, 1), row('view', 0, 1)]);
    // The 09:10 window is still open: it stays in the checkpoint for the next run, not written.
    expect(firstLines[firstLines.length - 1]?.stateRows).toBe(1);

    // c.json (09:17, 09:27) moves the watermark to 09:22: the 09:10 window closes with 2 views.
    writeEvents(dir, 'c.json', [{ ts: at(17), kind: 'view' }, { ts: at(27), kind: 'view' }], 1_700_000_002);
    const second = await runCommand([dir, ...APPEND, '--checkpoint', cp, '--output', out, '--json']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const secondLines = parseLines(second.stdout);
    expect(secondLines.map((l) => [l.batchId, l.files])).toEqual([
      [3, ['c.json']],
      [4, []],
    ]);
    expect(secondLines.flatMap((l) => l.rows)).toEqual([row('view', 10, 2)]);
    const written = sorted(readJsonFileSink(out) as JsonLine['rows']);
    expect(written).toEqual([row('buy', 0, 1), row('view', 0, 1), row('view', 10, 2)]);

    // A third run with nothing new writes nothing, and its tables show everything committed.
    const third = await runCommand([dir, ...APPEND, '--checkpoint', cp, '--output', out]);
    expect(third.stderr).toBe('');
    expect(third.code).toBe(0);
    expect(sorted(readJsonFileSink(out) as JsonLine['rows'])).toEqual(written);
    expect(third.stdout).toContain(`Checkpoint ${cp}: resumed after batch 4; no new batch ran.`);
    expect(third.stdout).toContain(`Output ${out}: batches 0–4 committed; the tables show all of it, earlier runs' rows included.`);
    expect(third.stdout).toMatch(/buy\s+1\n/);
    expect(third.stdout).toMatch(/view\s+3\n/);
    // One data file per batch with rows, and one log entry per batch.
    expect(readdirSync(path.join(out, '_spark_metadata')).sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toHaveLength(2);
  });

  it('refuses an --output directory that a new checkpoint would skip, exit 1', async () => {
    const dir = tempDir();
    const work = tempDir();
    const out = path.join(work, 'out');
    writeEvents(dir, 'a.json', [{ ts: at(1), kind: 'view' }, { ts: at(16), kind: 'view' }], 1_700_000_000);
    expect((await runCommand([dir, ...APPEND, '--checkpoint', path.join(work, 'cp'), '--output', out])).code).toBe(0);
    const before = readJsonFileSink(out);
    expect(before).toEqual([row('view', 0, 1)]);
    const r = await runCommand([dir, ...APPEND, '--checkpoint', path.join(work, 'new-cp'), '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expectOneLine(r.stderr, /--output holds batches up to \d+ that the checkpoint .*new-cp has not run \(it is new\)/);
    expect(readJsonFileSink(out)).toEqual(before);
  });
});

describe('flags that do not go together', () => {
  const dir = (): string => {
    const d = tempDir();
    writeEvents(d, 'a.json', [{ ts: at(1), kind: 'view' }], 1_700_000_000);
    return d;
  };

  it.each([
    ['--output in complete mode (the default)', ['--output', 'OUT', '--checkpoint', 'CP', ...FLAGS], /--output cannot be used with --output-mode complete \(the default\): the file sink writes append mode only/],
    ['--output with --output-mode update', ['--output', 'OUT', '--checkpoint', 'CP', ...FLAGS, '--output-mode', 'update'], /--output cannot be used with --output-mode update: /],
    ['--output with --output-mode complete', ['--output', 'OUT', '--checkpoint', 'CP', ...FLAGS, '--output-mode', 'complete'], /--output cannot be used with --output-mode complete: /],
    ['--output without --checkpoint', ['--output', 'OUT', ...APPEND], /--output needs --checkpoint: /],
    ['--checkpoint DIR', ['--checkpoint', 'DIR', ...FLAGS], /--checkpoint cannot be DIR \(.*\): the query would read the checkpoint's files as input/],
    ['--output DIR', ['--output', 'DIR', '--checkpoint', 'CP', ...APPEND], /--output cannot be DIR \(.*\): the query would read its own output as input/],
    ['--output and --checkpoint the same', ['--output', 'CP', '--checkpoint', 'CP', ...APPEND], /--output and --checkpoint cannot be the same directory/],
    ['an empty --checkpoint', ['--checkpoint', '', ...FLAGS], /invalid --checkpoint "": expected a directory path/],
    ['count(distinct) with --checkpoint and no watermark', ['--checkpoint', 'CP', ...FLAGS, '--agg', 'count(distinct kind)'], /invalid --agg "count\(distinct kind\)": count\(distinct c\) on a stream \(--checkpoint\) needs --watermark/],
    ['a blank --output', ['--output', ' ', '--checkpoint', 'CP', ...APPEND], /invalid --output " ": expected a directory path/],
  ])('%s exits 2 with one line', async (_label, args, pattern) => {
    const d = dir();
    const work = tempDir();
    const resolved = args.map((a) => (a === 'DIR' ? d : a === 'OUT' ? path.join(work, 'out') : a === 'CP' ? path.join(work, 'cp') : a));
    const r = await runCommand([d, ...resolved]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expectOneLine(r.stderr, pattern);
    // Nothing was written.
    expect(readdirSync(work)).toEqual([]);
  });
});
