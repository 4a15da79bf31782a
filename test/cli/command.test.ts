// Spawns the built `structured-rx` command: --json lines against an independent static count,
// a user directory with other flags, --watch with SIGINT, piped plain tables, and user mistakes.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { EVENTS, ROOT, ensureBuilt, removeTempDirs, runCommand, startCommand, tempDir, writeEvents, type JsonLine } from './helpers.js';


/** The keys of a --json line without --sql, in order. */
const JSON_KEYS = ['batchId', 'files', 'numInputRows', 'watermark', 'lateRows', 'stateRows', 'malformedRows', 'droppedRows', 'rejectedLines', 'corruptFiles', 'missingFiles', 'rows'];

const HOUR = 3_600_000;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The static query by hand: adds the count per (columns..., window) of `file`'s JSON lines to `counts`. */
function addCounts(counts: Map<string, number>, file: string, timeField: string, columns: readonly string[], sizeMs: number, offsetMs = 0): Map<string, number> {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as Record<string, unknown>;
    if (event[timeField] === null || event[timeField] === undefined) continue; // the window drops rows without event time
    const ms = Number(event[timeField]) * 1000;
    const start = Math.floor((ms - offsetMs) / sizeMs) * sizeMs + offsetMs;
    const key = JSON.stringify([...columns.map((c) => event[c] ?? null), new Date(start).toISOString(), new Date(start + sizeMs).toISOString()]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The static query over `files` of `dir`. */
function staticCounts(dir: string, files: readonly string[], timeField: string, columns: readonly string[], sizeMs: number, offsetMs = 0): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of files) addCounts(counts, path.join(dir, f), timeField, columns, sizeMs, offsetMs);
  return counts;
}

/** A --json line's rows in the same shape as {@link staticCounts}. */
function rowCounts(rows: readonly Record<string, unknown>[], columns: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const w = r['window'] as { start: string; end: string };
    if (!ISO_MS.test(w.start) || !ISO_MS.test(w.end)) throw new Error(`window bounds are not ISO-8601 UTC with milliseconds: ${JSON.stringify(w)}`);
    const key = JSON.stringify([...columns.map((c) => r[c] ?? null), w.start, w.end]);
    if (counts.has(key)) throw new Error(`two rows for one group in a trigger: ${key}`);
    counts.set(key, r['count'] as number);
  }
  return counts;
}

function sorted(m: Map<string, number>): [string, number][] {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function parseLines(stdout: string): JsonLine[] {
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as JsonLine);
}

beforeAll(() => ensureBuilt());
afterAll(() => removeTempDirs());

describe('--json over the bundled dataset', () => {
  let lines: JsonLine[];
  let stderr: string;
  let code: number | null;

  beforeAll(async () => {
    const r = await runCommand(['--json']); // DIR defaults to the bundled datasets/events
    lines = parseLines(r.stdout);
    stderr = r.stderr;
    code = r.code;
  });

  it('prints one line per trigger, one file per trigger, and exits 0', () => {
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(lines).toHaveLength(50);
    expect(lines.map((l) => l.batchId)).toEqual([...Array(50).keys()]);
    for (const l of lines) {
      expect(l.files).toHaveLength(1);
      expect(l.numInputRows).toBe(2000);
      expect(Object.keys(l)).toEqual(JSON_KEYS);
      // No watermark, nothing late, every line well-formed and timed; the state holds every group.
      expect([l.watermark, l.lateRows, l.malformedRows, l.droppedRows]).toEqual([null, 0, 0, {}]);
      expect(l.stateRows).toBeGreaterThan(0);
    }
    expect(new Set(lines.flatMap((l) => l.files)).size).toBe(50);
    expect(lines[0]?.files).toEqual(['file-0.json']);
  });

  it("ends with the notebook's totals: Close 50,000 and Open 50,000", () => {
    const totals: Record<string, number> = {};
    for (const r of lines[49]?.rows ?? []) totals[r['action'] as string] = (totals[r['action'] as string] ?? 0) + (r['count'] as number);
    expect(totals).toEqual({ Close: 50000, Open: 50000 });
  });

  it('gives after each trigger the static query over the files so far', () => {
    // Read each file once, keeping the running static answer; compare every line against it.
    const running = new Map<string, number>();
    const mismatches: number[] = [];
    for (const l of lines) {
      for (const f of l.files) addCounts(running, path.join(EVENTS, f), 'time', ['action'], HOUR);
      if (JSON.stringify(sorted(rowCounts(l.rows, ['action']))) !== JSON.stringify(sorted(running))) mismatches.push(l.batchId);
    }
    expect(mismatches).toEqual([]);
    expect(sorted(rowCounts(lines[49]?.rows ?? [], ['action']))).toEqual(sorted(running));
  });

  it('ends with the golden static_counts table', () => {
    const golden = JSON.parse(readFileSync(path.join(ROOT, 'datasets', 'golden', 'static_counts.json'), 'utf8')) as Record<string, unknown>[];
    expect(sorted(rowCounts(lines[49]?.rows ?? [], ['action']))).toEqual(sorted(rowCounts(golden, ['action'])));
  });
});

describe('a directory of its own', () => {
  // Three files of {ts, kind, user}; ts in epoch seconds.
  const base = Date.UTC(2024, 0, 15, 9, 0, 0) / 1000;
  const files: Record<string, Record<string, unknown>[]> = {
    'a.json': [
      { ts: base + 60, kind: 'view', user: 'u1' },
      { ts: base + 120, kind: 'view', user: 'u2' },
      { ts: base + 700, kind: 'buy', user: 'u1' },
    ],
    'b.json': [
      { ts: base + 800, kind: 'view', user: 'u1' },
      { ts: base + 1300, kind: 'view', user: 'u1' },
    ],
    'c.json': [
      { ts: base + 90, kind: 'view', user: 'u2' },
      { ts: base + 2000, kind: 'buy', user: 'u2' },
      { ts: null, kind: 'buy', user: 'u3' },
    ],
  };
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    let mtime = 1_700_000_000;
    for (const [name, events] of Object.entries(files)) writeEvents(dir, name, events, mtime++);
  });
  const flags = ['--schema', 'ts TIMESTAMP, kind STRING, user STRING', '--time-column', 'ts', '--window', '10 minutes'];

  it('--group-by, --window and --output-mode update: each line has the groups that trigger changed, with their running counts', async () => {
    const r = await runCommand([dir, ...flags, '--group-by', 'kind,user', '--output-mode', 'update', '--json']);
    // The one row without a time (in c.json) is dropped, and said so on stderr; stdout has only the JSON lines.
    expect(r.stderr).toBe('structured-rx: warning: input dropped (of 8 lines read): 1 row without an event time\n');
    expect(r.code).toBe(0);
    const lines = parseLines(r.stdout);
    expect(lines.map((l) => l.files)).toEqual([['a.json'], ['b.json'], ['c.json']]);
    expect(lines.map((l) => l.numInputRows)).toEqual([3, 2, 3]);
    const seen: string[] = [];
    for (const l of lines) {
      const before = staticCounts(dir, seen, 'ts', ['kind', 'user'], 600_000);
      seen.push(...l.files);
      const after = staticCounts(dir, seen, 'ts', ['kind', 'user'], 600_000);
      const changed = new Map([...after].filter(([k, v]) => before.get(k) !== v));
      expect(sorted(rowCounts(l.rows, ['kind', 'user']))).toEqual(sorted(changed));
    }
    // c.json changes (view, u2) in the first window and adds (buy, u2); its null-time row is dropped.
    expect(lines[2]?.rows).toEqual([
      { kind: 'view', user: 'u2', window: { start: '2024-01-15T09:00:00.000Z', end: '2024-01-15T09:10:00.000Z' }, count: 2 },
      { kind: 'buy', user: 'u2', window: { start: '2024-01-15T09:30:00.000Z', end: '2024-01-15T09:40:00.000Z' }, count: 1 },
    ]);
  });

  it('--start-time shifts the windows and --max-files-per-trigger groups files', async () => {
    const r = await runCommand([dir, ...flags, '--group-by', 'kind', '--start-time', '5 minutes', '--max-files-per-trigger', '2', '--json']);
    expect(r.code).toBe(0);
    const lines = parseLines(r.stdout);
    expect(lines.map((l) => l.files)).toEqual([['a.json', 'b.json'], ['c.json']]);
    expect(sorted(rowCounts(lines[1]?.rows ?? [], ['kind']))).toEqual(sorted(staticCounts(dir, ['a.json', 'b.json', 'c.json'], 'ts', ['kind'], 600_000, 300_000)));
  });

  it('--latest-first takes the newest file first; --trigger once takes every file in one trigger', async () => {
    const [latest, once] = await Promise.all([
      runCommand([dir, ...flags, '--group-by', 'kind', '--latest-first', '--json']),
      runCommand([dir, ...flags, '--group-by', 'kind', '--trigger', 'once', '--json']),
    ]);
    expect(parseLines(latest.stdout).map((l) => l.files)).toEqual([['c.json'], ['b.json'], ['a.json']]);
    const lines = parseLines(once.stdout);
    expect(lines.map((l) => l.files)).toEqual([['a.json', 'b.json', 'c.json']]);
    expect(lines[0]?.numInputRows).toBe(8);
  });

  it('piped, prints the totals and the timeline as plain text, ordered by time then group', async () => {
    const r = await runCommand([dir, ...flags, '--group-by', 'kind'], { env: { FORCE_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).toContain(
      ['Totals per kind', 'kind  total_count', '----  -----------', 'buy             2', 'view            5'].join('\n'),
    );
    expect(r.stdout).toContain(
      [
        'kind  time          count',
        '----  ------------  -----',
        'view  Jan-15 09:10      3',
        'buy   Jan-15 09:20      1',
        'view  Jan-15 09:20      1',
        'view  Jan-15 09:30      1',
        'buy   Jan-15 09:40      1',
      ].join('\n'),
    );
  });
});

describe('piped output over the bundled dataset', () => {
  it("prints the notebook's two tables as plain text, equal to the goldens, with no escape codes", async () => {
    const r = await runCommand([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/[\x1b\r]/);
    expect(r.stdout).toContain('Query counts finished: 50 triggers, 50 files, 100000 rows.');
    expect(r.stdout).toContain(['action  total_count', '------  -----------', 'Close         50000', 'Open          50000'].join('\n'));
    const golden = JSON.parse(readFileSync(path.join(ROOT, 'datasets', 'golden', 'timeline.json'), 'utf8')) as { action: string; time: string; count: number }[];
    const table = r.stdout.slice(r.stdout.indexOf('action  time'));
    const rows = table
      .trim()
      .split('\n')
      .slice(2)
      .map((line) => {
        const m = /^(\S+)\s+(\S+ \S+)\s+(\d+)$/.exec(line);
        if (m === null) throw new Error(`not a timeline row: ${line}`);
        return { action: m[1], time: m[2], count: Number(m[3]) };
      });
    expect(rows).toEqual(golden);
  });
});

describe('--watch', () => {
  it('picks up a file written after start, and stops on SIGINT with exit 0', async () => {
    const dir = tempDir();
    const events = readFileSync(path.join(EVENTS, 'file-0.json'), 'utf8').split('\n').filter((l) => l !== '');
    const part = (i: number): Record<string, unknown>[] => events.slice(i * 10, i * 10 + 10).map((l) => JSON.parse(l) as Record<string, unknown>);
    writeEvents(dir, 'part-1.json', part(0), 1_700_000_000);
    writeEvents(dir, 'part-2.json', part(1), 1_700_000_001);
    const run = startCommand([dir, '--watch', '--json']);
    const first = await run.lines(2);
    expect(first.map((l) => (JSON.parse(l) as JsonLine).files)).toEqual([['part-1.json'], ['part-2.json']]);
    writeEvents(dir, 'part-3.json', part(2), 1_700_000_002);
    const all = await run.lines(3);
    const third = JSON.parse(all[2] ?? '') as JsonLine;
    expect(third.batchId).toBe(2);
    expect(third.files).toEqual(['part-3.json']);
    expect(sorted(rowCounts(third.rows, ['action']))).toEqual(sorted(staticCounts(dir, ['part-1.json', 'part-2.json', 'part-3.json'], 'time', ['action'], HOUR)));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3); // nothing but the trigger lines
  });

  it('piped: says when it waits, and on SIGINT prints the tables of what was processed', async () => {
    const dir = tempDir();
    writeEvents(dir, 'one.json', [{ time: 1469501107, action: 'Open' }, { time: 1469501200, action: 'Close' }], 1_700_000_000);
    const run = startCommand([dir, '--watch']);
    const notice = await run.lines(1, 'stderr');
    expect(notice[0]).toBe(`structured-rx: processed 1 file; watching ${dir} for new files (Ctrl-C stops)`);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Query counts stopped: 1 trigger, 1 file, 2 rows.');
    expect(r.stdout).toContain(['action  total_count', '------  -----------', 'Close             1', 'Open              1'].join('\n'));
  });
});

describe('a failing query', () => {
  it('prints one line naming the path and exits 1', async () => {
    const dir = tempDir();
    writeEvents(dir, 'one.json', [{ time: 1469501107, action: 'Open' }], 1_700_000_000);
    const run = startCommand([dir, '--watch']);
    await run.lines(1, 'stderr'); // the files present at start are done; the next listing fails
    rmSync(dir, { recursive: true, force: true });
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(`structured-rx: query counts failed: cannot read ${dir}: ENOENT: no such file or directory, scandir '${dir}'`);
  });
});

describe('user mistakes: one line on stderr, no stack trace, non-zero exit', () => {
  const cases: [string[], number, string][] = [
    [['--max-files-per-trigger', '0'], 2, 'structured-rx: invalid --max-files-per-trigger "0": expected a positive whole number of files (or Infinity)'],
    [['--window', 'soon'], 2, `structured-rx: invalid --window "soon": expected a duration such as '1 hour', '10 minutes' or a number of milliseconds`],
    [['--output-mode', 'sometimes'], 2, 'structured-rx: invalid --output-mode "sometimes": expected append, update or complete'],
    [
      ['--output-mode', 'append'],
      2,
      'structured-rx: --output-mode append needs --watermark: append emits each window once the watermark passes its end; add one (e.g. --watermark "10 minutes") or use --output-mode complete or update',
    ],
    [['--watermark', 'soon'], 2, `structured-rx: invalid --watermark "soon": expected a duration such as '10 minutes' (Unable to parse time delay 'soon')`],
    [['--watermark', '-5 minutes'], 2, 'structured-rx: invalid --watermark "-5 minutes": expected a duration that is not negative (delay threshold (-5 minutes) should not be negative)'],
    [['--no-data-batches', 'maybe'], 2, 'structured-rx: invalid --no-data-batches "maybe": expected true or false'],
    [['--group-by', 'action,user'], 2, 'structured-rx: invalid --group-by "action,user": expected columns of the schema (time, action); there is no "user"'],
    [['--time-column', 'action'], 2, 'structured-rx: invalid --time-column "action": expected a TIMESTAMP column; action is STRING'],
    [['--start-time', '2 hours'], 2, 'structured-rx: invalid --start-time "2 hours": expected an offset smaller than the window (1 hour)'],
    [['--trigger', 'sometimes'], 2, `structured-rx: invalid --trigger "sometimes": expected 'default', 'once', 'availableNow' or a processing-time interval such as '5 seconds'`],
    [['--frobnicate'], 2, "structured-rx: unknown option '--frobnicate' (see --help)"],
    [['--window'], 2, "structured-rx: option '--window <duration>' argument missing"],
    [['no/such/dir'], 1, `structured-rx: directory not found: ${path.join(ROOT, 'no', 'such', 'dir')}`],
    [['package.json'], 1, `structured-rx: not a directory: ${path.join(ROOT, 'package.json')}`],
  ];
  // Started together: each is a separate process.
  let results: Map<string, Promise<Awaited<ReturnType<typeof runCommand>>>>;
  beforeAll(() => {
    results = new Map(cases.map(([args]) => [JSON.stringify(args), runCommand(args)]));
  });
  it.each(cases)('%j', async (args, code, message) => {
    const r = await (results.get(JSON.stringify(args)) as Promise<Awaited<ReturnType<typeof runCommand>>>);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(message + '\n');
  });
});

describe('--help and --version', () => {
  it('--help documents every flag', async () => {
    const r = await runCommand(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['[dir]', '--schema', '--time-column', '--window', '--start-time', '--group-by', '--agg', '--slide', '--session-gap', '--filter', '--drop-duplicates', '--max-files-per-trigger', '--latest-first', '--output-mode', '--watermark', '--no-data-batches', '--trigger', '--watch', '--query-name', '--json', '--checkpoint', '--output', '--mode', '--corrupt-record-column', '--file-pattern', '--ignore-corrupt-files', '--ignore-missing-files', '--allow-empty', '--help', '--version']) {
      expect(r.stdout).toContain(flag);
    }
    // docs/cli.md shows the same help text.
    expect(readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8')).toContain(r.stdout.trimEnd());
  });

  it('--version prints the package version', async () => {
    const r = await runCommand(['--version']);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout).toBe(pkg.version + '\n');
    expect(r.code).toBe(0);
  });
});
