// Bad input on the command line: --mode, --corrupt-record-column, --file-pattern,
// --ignore-corrupt-files and --allow-empty over small directories; the counts per trigger in
// --json, in the terminal's detail line and in the summary; the warnings on stderr; the exit
// status of a run that counted no row; control characters from the files escaped.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureBuilt, hasScript, removeTempDirs, renderScreen, runCommand, runInTerminal, tempDir, writeLines, type JsonLine } from './helpers.js';

const at = (minutes: number): number => Date.UTC(2024, 0, 15, 9, minutes) / 1000;
const ev = (minutes: number | null, action: string): string => JSON.stringify({ time: minutes === null ? null : at(minutes), action });

function parseLines(stdout: string): JsonLine[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JsonLine);
}

beforeAll(() => ensureBuilt());
afterAll(() => removeTempDirs());

/** a.json: two good rows, one malformed line (time kept null), one row without time; b.json: nothing but malformed lines. */
function mixed(): string {
  const dir = tempDir();
  writeLines(dir, 'a.json', [ev(1, 'Open'), '{"time":"soon","action":"Close"}', ev(null, 'Open'), ev(2, 'Close')], 1_700_000_000);
  writeLines(dir, 'b.json', ['not json', '{"time":', '[1,2]'], 1_700_000_001);
  writeLines(dir, 'notes.txt', ['not read: --file-pattern leaves it out'], 1_700_000_002);
  return dir;
}

describe('--mode', () => {
  it('PERMISSIVE (default): malformed lines kept with nulls, rows without time dropped, counted per trigger, summed in the summary, warned about on stderr', async () => {
    const dir = mixed();
    const json = await runCommand([dir, '--file-pattern', '*.json', '--json']);
    expect(json.code).toBe(0);
    expect(parseLines(json.stdout).map((l) => [l.files, l.numInputRows, l.malformedRows, l.droppedRows, l.rejectedLines, l.corruptFiles])).toEqual([
      [['a.json'], 4, 1, { nullEventTime: 2 }, 0, 0],
      [['b.json'], 3, 3, { nullEventTime: 3 }, 0, 0],
    ]);
    const piped = await runCommand([dir, '--file-pattern', '*.json']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('Query counts finished: 2 triggers, 2 files, 7 rows; 4 malformed lines (kept with nulls), 5 rows without event time dropped.');
    expect(piped.stderr.split('\n')).toEqual([
      expect.stringMatching(/^structured-rx: warning: input dropped \(of 7 lines read\): 5 rows without an event time; first bad input: .*a\.json:2: field time: "soon" is not a timestamp/),
      expect.stringMatching(/^structured-rx: warning: no line of .*b\.json was read as a row \(3 lines\); first: .*b\.json:1: invalid JSON/),
      '',
    ]);
  });

  it('DROPMALFORMED: malformed lines dropped and counted as rejected; FAILFAST: stops at the first, naming file and line', async () => {
    const dir = mixed();
    const drop = await runCommand([dir, '--file-pattern', '*.json', '--mode', 'dropmalformed', '--json']);
    expect(drop.code).toBe(0);
    expect(parseLines(drop.stdout).map((l) => [l.numInputRows, l.malformedRows, l.rejectedLines, l.droppedRows])).toEqual([
      [3, 1, 1, { nullEventTime: 1 }],
      [0, 3, 3, {}],
    ]);
    expect(drop.stderr).toMatch(/warning: input dropped \(of 7 lines read\): 4 malformed lines \(--mode DROPMALFORMED\), 1 row without an event time/);
    const fail = await runCommand([dir, '--mode', 'FAILFAST']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(new RegExp(`query counts failed: Malformed records are detected in record parsing\\. Parse Mode: FAILFAST\\. Malformed record at ${path.join(dir, 'a.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: field time`));
  });

  it('refuses a mode Spark does not have', async () => {
    const r = await runCommand(['--mode', 'LENIENT']);
    expect([r.code, r.stderr]).toEqual([2, 'structured-rx: invalid --mode "LENIENT": expected PERMISSIVE, DROPMALFORMED or FAILFAST\n']);
  });
});

describe('--corrupt-record-column', () => {
  it('keeps a malformed line in that column, which can be grouped on; the line is shown with its control characters escaped', async () => {
    const dir = tempDir();
    // JSON allows DEL and the C1 controls unescaped in a string; U+009B is an 8-bit terminal's CSI.
    const malformed = `{"time":${at(2)},"action":"x\u009b2J\u007f","n":"one"}`;
    writeLines(dir, 'a.json', [JSON.stringify({ time: at(1), action: 'Open', n: 1 }), malformed], 1_700_000_000);
    const r = await runCommand([dir, '--schema', 'time TIMESTAMP, action STRING, n INT, bad STRING', '--corrupt-record-column', 'bad', '--group-by', 'bad']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u007f-\u009f]/);
    expect(r.stdout).toContain(`{"time":${at(2)},"action":"x\\x9b2J\\x7f","n":"one"}`);
    expect(r.stdout).toMatch(/^null +1$/m);
  });

  it('must be a STRING column of the schema', async () => {
    const notDeclared = await runCommand(['--corrupt-record-column', 'bad']);
    expect([notDeclared.code, notDeclared.stderr]).toEqual([2, 'structured-rx: invalid --corrupt-record-column "bad": expected a STRING column of --schema, which holds a malformed line in PERMISSIVE mode (add "bad STRING" to it)\n']);
    const wrongType = await runCommand(['--schema', 'time TIMESTAMP, action STRING, _corrupt_record INT']);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toBe('structured-rx: --schema declares the corrupt-record column _corrupt_record as INT: it must be STRING, as Spark requires (or name another column with --corrupt-record-column)\n');
  });
});

describe('--ignore-corrupt-files', () => {
  it('a corrupt gzip file fails the run; with the flag it is skipped, counted in --json and the summary, and warned about', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.json.gz'), gzipSync(`${ev(1, 'Open')}\n${ev(2, 'Open')}\n`));
    writeFileSync(path.join(dir, 'b.json.gz'), 'not gzip at all');
    const failing = await runCommand([dir]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/query counts failed: cannot read .*b\.json\.gz: corrupt gzip file: incorrect header check/);
    const json = await runCommand([dir, '--ignore-corrupt-files', '--json']);
    expect(json.code).toBe(0);
    const lines = parseLines(json.stdout);
    expect(lines.map((l) => l.corruptFiles)).toEqual(lines.map((l) => (l.files.includes('b.json.gz') ? 1 : 0)));
    expect(lines.reduce((n, l) => n + l.numInputRows, 0)).toBe(2);
    const piped = await runCommand([dir, '--ignore-corrupt-files']);
    expect(piped.stdout).toMatch(/Query counts finished: 2 triggers, 2 files, 2 rows; 1 corrupt file skipped\./);
    expect(piped.stderr).toMatch(/warning: input dropped \(of 2 lines read\): 1 corrupt file skipped; first bad input: .*b\.json\.gz(:1)?: corrupt gzip file: incorrect header check/);
  });
});

describe('a run that counted no row', () => {
  it('exits 1 when lines were read but every one was dropped or rejected, 0 with --allow-empty; an empty directory is fine', async () => {
    const dir = tempDir();
    writeLines(dir, 'a.json', [ev(null, 'Open'), 'not json'], 1_700_000_000);
    const r = await runCommand([dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(no rows)');
    expect(r.stderr.trim().split('\n').pop()).toBe('structured-rx: no row was counted: all 2 lines read were dropped or rejected (see the warnings above); --allow-empty accepts this');
    const allowed = await runCommand([dir, '--allow-empty']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).not.toContain('no row was counted');
    const empty = await runCommand([tempDir()]);
    expect([empty.code, empty.stderr]).toEqual([0, '']);
  });
});

describe('control characters from the files', () => {
  it('are escaped in the tables and in warnings naming a file, never written to the terminal', async () => {
    const dir = tempDir();
    writeLines(dir, 'a.json', [ev(1, 'red\u001b[31m'), ev(2, 'line\nbreak')], 1_700_000_000);
    writeLines(dir, 'bad\u0007name.json', ['not json'], 1_700_000_001);
    const r = await runCommand([dir]);
    expect(r.code).toBe(0);
    for (const out of [r.stdout, r.stderr]) expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/); // eslint-disable-line no-control-regex
    expect(r.stdout).toMatch(/^red\\x1b\[31m +1$/m);
    expect(r.stdout).toMatch(/^line\\nbreak +1$/m);
    expect(r.stderr).toContain('no line of ');
    expect(r.stderr).toContain('bad\\x07name.json was read as a row');
  });
});

describe('in a terminal', () => {
  it("shows each trigger's bad input on its detail line", async () => {
    if (!hasScript()) throw new Error('this test runs the command in a pseudo-terminal with `script` from util-linux; it was not found');
    const dir = mixed();
    const { raw, code } = await runInTerminal(`"${dir}" --file-pattern '*.json' --trigger "100 milliseconds"`, 100, 24);
    expect(code).toBe(0);
    expect(raw).toContain('batch 0: a.json, 4 rows (1 malformed, 2 without event time)');
    expect(raw).toContain('batch 1: b.json, 3 rows (3 malformed, 3 without event time)');
    expect(renderScreen(raw, 100).some((l) => l.startsWith('structured-rx · counts [done]'))).toBe(true);
  });
});
