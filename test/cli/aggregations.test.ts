// --agg, --slide, --session-gap, --drop-duplicates and --filter, spawning the built command over
// a small directory: the rows each flag gives (in --json, the tables and --sql), and each flag's
// bad values (exit 2, one line naming the flag).
import { ensureBuilt, hasScript, removeTempDirs, renderScreen, runCommand, runInTerminal, tempDir, writeEvents, type JsonLine } from './helpers.js';

/** 2024-01-15 09:00 UTC plus `minutes`, in epoch seconds (the files' `ts`). */
const at = (minutes: number): number => Date.UTC(2024, 0, 15, 9, minutes) / 1000;
/** The same time as the ISO string the command prints. */
const iso = (minutes: number): string => new Date(Date.UTC(2024, 0, 15, 9, minutes)).toISOString();
const win = (start: number, end: number): { start: string; end: string } => ({ start: iso(start), end: iso(end) });

const SCHEMA = 'id INT, ts TIMESTAMP, kind STRING, latency DOUBLE, user STRING';
const BASE = ['--schema', SCHEMA, '--time-column', 'ts', '--group-by', 'kind'];

function parseLines(stdout: string): JsonLine[] {
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as JsonLine);
}

/** The last trigger's rows (complete mode: the whole result table), ordered by kind then window start. */
function finalRows(stdout: string): Record<string, unknown>[] {
  const lines = parseLines(stdout);
  const rows = [...(lines[lines.length - 1]?.rows ?? [])];
  const key = (r: Record<string, unknown>): string => `${String(r['kind'])} ${JSON.stringify(r['window'] ?? r['session_window'])}`;
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = tempDir();
  // a.json: a duplicate of id 2 (same id and ts); b.json: a view back in the 09:00 window.
  writeEvents(
    dir,
    'a.json',
    [
      { id: 1, ts: at(1), kind: 'view', latency: 10, user: 'u1' },
      { id: 2, ts: at(2), kind: 'buy', latency: 20, user: 'u2' },
      { id: 2, ts: at(2), kind: 'buy', latency: 20, user: 'u2' },
      { id: 5, ts: at(3), kind: 'view', latency: null, user: 'u1' },
    ],
    1_700_000_000,
  );
  writeEvents(
    dir,
    'b.json',
    [
      { id: 3, ts: at(16), kind: 'view', latency: 30, user: 'u1' },
      { id: 4, ts: at(4), kind: 'view', latency: 50, user: 'u3' },
    ],
    1_700_000_001,
  );
});
afterAll(() => removeTempDirs());

describe('--agg', () => {
  it('computes each aggregate per group and window, named as typed or as Spark names it', async () => {
    const r = await runCommand([dir, ...BASE, '--window', '10 minutes', '--agg', 'count(*), avg(latency) as avg_latency, count(latency), sum(latency) as total, MIN(user), max(latency), approx_count_distinct(user) as users', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(finalRows(r.stdout)).toEqual([
      { kind: 'buy', window: win(0, 10), 'count(1)': 2, avg_latency: 20, 'count(latency)': 2, total: 40, 'min(user)': 'u2', 'max(latency)': 20, users: 1 },
      { kind: 'view', window: win(0, 10), 'count(1)': 3, avg_latency: 30, 'count(latency)': 2, total: 60, 'min(user)': 'u1', 'max(latency)': 50, users: 2 },
      { kind: 'view', window: win(10, 20), 'count(1)': 1, avg_latency: 30, 'count(latency)': 1, total: 30, 'min(user)': 'u1', 'max(latency)': 30, users: 1 },
    ]);
  });

  it('count(distinct c) on a directory read once; mean is avg', async () => {
    const r = await runCommand([dir, ...BASE, '--window', '10 minutes', '--agg', 'count(distinct user) as users, mean(latency)', '--json']);
    expect(r.code).toBe(0);
    expect(finalRows(r.stdout).map((row) => [row['kind'], row['users'], row['avg(latency)']])).toEqual([
      ['buy', 1, 20],
      ['view', 2, 30],
      ['view', 1, 30],
    ]);
  });

  it('piped tables: totals add counts and sums up and keep min and max; the timeline has every aggregate', async () => {
    const r = await runCommand([dir, ...BASE, '--window', '10 minutes', '--agg', 'count(*) as n, avg(latency) as avg_latency, max(latency) as worst']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(['Totals per kind', 'kind  total_n  worst', '----  -------  -----', 'buy         2     20', 'view        4     50'].join('\n'));
    expect(r.stdout).toContain(
      [
        'Timeline (window end, UTC; 10 minutes windows)',
        'kind  time          n  avg_latency  worst',
        '----  ------------  -  -----------  -----',
        'buy   Jan-15 09:10  2           20     20',
        'view  Jan-15 09:10  3           30     50',
        'view  Jan-15 09:20  1           30     30',
      ].join('\n'),
    );
  });

  it('--sql reads the aggregate columns of the memory table', async () => {
    const r = await runCommand([dir, ...BASE, '--window', '10 minutes', '--agg', 'avg(latency) as avg_latency', '--sql', 'select kind, max(avg_latency) as m from counts group by kind order by kind']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(['kind   m', '----  --', 'buy   20', 'view  30'].join('\n'));
  });

  it('the default is count(*) as count: the same rows as without --agg', async () => {
    const [plain, explicit] = await Promise.all([
      runCommand([dir, ...BASE, '--window', '10 minutes', '--json']),
      runCommand([dir, ...BASE, '--window', '10 minutes', '--json', '--agg', 'count(*) as count']),
    ]);
    expect(explicit.stdout).toBe(plain.stdout);
    expect(finalRows(plain.stdout)).toEqual([
      { kind: 'buy', window: win(0, 10), count: 2 },
      { kind: 'view', window: win(0, 10), count: 3 },
      { kind: 'view', window: win(10, 20), count: 1 },
    ]);
  });
});

describe('--slide', () => {
  it('counts each row in every sliding window that holds it', async () => {
    const r = await runCommand([dir, ...BASE, '--window', '10 minutes', '--slide', '5 minutes', '--json']);
    expect(r.code).toBe(0);
    expect(finalRows(r.stdout).map((row) => [row['kind'], row['window'], row['count']])).toEqual([
      ['buy', win(-5, 5), 2],
      ['buy', win(0, 10), 2],
      ['view', win(-5, 5), 3],
      ['view', win(0, 10), 3],
      ['view', win(10, 20), 1],
      ['view', win(15, 25), 1],
    ]);
  });

  it('says so in the timeline title', async () => {
    const r = await runCommand([dir, ...BASE, '--window', '10 minutes', '--slide', '5 minutes']);
    expect(r.stdout).toContain('Timeline (window end, UTC; 10 minutes windows every 5 minutes)');
    expect(r.stdout).toContain('view  Jan-15 09:25      1');
  });
});

describe('--session-gap', () => {
  it('groups by session_window: a session per user ends after the gap without events', async () => {
    const r = await runCommand([dir, '--schema', SCHEMA, '--time-column', 'ts', '--group-by', 'user', '--session-gap', '2 minutes', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = parseLines(r.stdout);
    const rows = [...(lines[lines.length - 1]?.rows ?? [])].map((row) => [row['user'], row['session_window'], row['count']]);
    rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    // u1 at 09:01 and 09:03 (one session: 09:01 + 2 minutes touches 09:03), then 09:16.
    expect(rows).toEqual([
      ['u1', win(1, 5), 2],
      ['u1', win(16, 18), 1],
      ['u2', win(2, 4), 2],
      ['u3', win(4, 6), 1],
    ]);
    expect(Object.keys(lines[0]?.rows[0] ?? {})).toEqual(['user', 'session_window', 'count']);
  });

  it('piped: the timeline shows each session start and end', async () => {
    const r = await runCommand([dir, '--schema', SCHEMA, '--time-column', 'ts', '--group-by', 'user', '--session-gap', '2 minutes']);
    expect(r.stdout).toContain(
      [
        'Timeline (session end, UTC; sessions with a 2 minutes gap)',
        'user  start         end           count',
        '----  ------------  ------------  -----',
        'u2    Jan-15 09:02  Jan-15 09:04      2',
        'u1    Jan-15 09:01  Jan-15 09:05      2',
        'u3    Jan-15 09:04  Jan-15 09:06      1',
        'u1    Jan-15 09:16  Jan-15 09:18      1',
      ].join('\n'),
    );
  });

  it('append with --watermark emits each session once', async () => {
    const r = await runCommand([dir, '--schema', SCHEMA, '--time-column', 'ts', '--group-by', 'user', '--session-gap', '2 minutes', '--watermark', '1 minute', '--output-mode', 'append', '--json']);
    expect(r.code).toBe(0);
    const all = parseLines(r.stdout).flatMap((l) => l.rows.map((row) => [row['user'], row['session_window']]));
    expect(all).toHaveLength(new Set(all.map((x) => JSON.stringify(x))).size);
    expect(all).toContainEqual(['u1', win(16, 18)]);
  });
});

describe('--drop-duplicates', () => {
  it('drops rows whose columns were seen before, and counts them in droppedRows', async () => {
    const r = await runCommand([dir, ...BASE, '--window', '10 minutes', '--drop-duplicates', 'id,ts', '--watermark', '30 minutes', '--json']);
    expect(r.code).toBe(0);
    const lines = parseLines(r.stdout);
    expect(lines[0]?.droppedRows).toEqual({ duplicate: 1 });
    expect(finalRows(r.stdout).map((row) => [row['kind'], row['count']])).toEqual([
      ['buy', 1],
      ['view', 3],
      ['view', 1],
    ]);
  });
});

describe('--filter', () => {
  const counts = async (predicate: string): Promise<unknown[][]> => {
    const r = await runCommand([dir, ...BASE, '--window', '10 minutes', '--filter', predicate, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return finalRows(r.stdout).map((row) => [row['kind'], (row['window'] as { start: string }).start, row['count']]);
  };

  it.each<[string, unknown[][]]>([
    ["kind = 'view'", [['view', iso(0), 3], ['view', iso(10), 1]]],
    ["kind != 'view'", [['buy', iso(0), 2]]],
    ['latency > 20', [['view', iso(0), 1], ['view', iso(10), 1]]],
    ['latency >= 20', [['buy', iso(0), 2], ['view', iso(0), 1], ['view', iso(10), 1]]],
    ['latency < 20', [['view', iso(0), 1]]], // the null latency matches nothing
    ['id <= 1', [['view', iso(0), 1]]],
    ["user contains '3'", [['view', iso(0), 1]]],
    ["ts >= '2024-01-15 09:04'", [['view', iso(0), 1], ['view', iso(10), 1]]],
  ])('%s', async (predicate, expected) => {
    expect(await counts(predicate)).toEqual(expected);
  });
});

describe('in a terminal', () => {
  const run = async (flags: string): Promise<string[]> => {
    if (!hasScript()) throw new Error('this test runs the command in a pseudo-terminal with `script` from util-linux; it was not found');
    const { raw, code } = await runInTerminal(`"${dir}" --schema "${SCHEMA}" --time-column ts ${flags}`);
    expect(code).toBe(0);
    return renderScreen(raw, 80);
  };

  it('charts the first numeric aggregate, and says which in the legend', async () => {
    const screen = await run('--group-by kind --window "10 minutes" --slide "5 minutes" --agg "min(user), avg(latency) as avg_latency, count(*)"');
    expect(screen.filter((l) => l.startsWith('structured-rx · counts [done] · complete · 10 minutes windows every 5 minutes'))).toHaveLength(1);
    expect(screen.some((l) => /[━─]{2} buy {2}[━─]{2} view {2}\(avg_latency per 10 minutes window every 5 minutes\)$/.test(l))).toBe(true);
    expect(screen.some((l) => /^\s*30 [┤┼]/.test(l))).toBe(true); // the largest average, on a label row
  });

  it('session windows: placed by their start', async () => {
    const screen = await run('--group-by user --session-gap "2 minutes"');
    expect(screen.filter((l) => l.startsWith('structured-rx · counts [done] · complete · sessions with a 2 minutes gap'))).toHaveLength(1);
    expect(screen.some((l) => l.includes('(counts per session, by start (gap 2 minutes))'))).toBe(true);
    expect(screen.join('\n')).toContain('user  start         end           count');
  });
});

describe('bad values: exit 2, one line naming the flag', () => {
  const AGG_EXPECTED =
    'expected count(*), count(c), count(distinct c), sum(c), avg(c), mean(c), min(c), max(c) or approx_count_distinct(c), each optionally followed by "as name", separated by commas';
  const FILTER_EXPECTED = 'expected a predicate column op literal, op one of = != < <= > >= contains, e.g. "action = \'Open\'"';
  const cases: [string[], string][] = [
    [['--agg', 'count(*), foo(x)'], `invalid --agg "count(*), foo(x)": unknown function "foo"; ${AGG_EXPECTED}`],
    [['--agg', 'count(*'], `invalid --agg "count(*": expected ")" to close count(*, found the end; ${AGG_EXPECTED}`],
    [['--agg', 'sum(*)'], `invalid --agg "sum(*)": only count takes *, not sum(*); ${AGG_EXPECTED}`],
    [['--agg', 'count(*) as'], `invalid --agg "count(*) as": expected a column name after "as" in "count(*) as", found the end; ${AGG_EXPECTED}`],
    [['--agg', 'count(*),'], `invalid --agg "count(*),": a trailing ","; ${AGG_EXPECTED}`],
    [['--agg', ''], `invalid --agg "": the list is empty; ${AGG_EXPECTED}`],
    [['--agg', 'max(latency) + 1'], `invalid --agg "max(latency) + 1": unexpected "+" in "+ 1"; ${AGG_EXPECTED}`],
    [['--agg', 'count(*), count(*)'], `invalid --agg "count(*), count(*)": two columns named "count(1)" (rename one with "as name"); ${AGG_EXPECTED}`],
    [['--agg', 'min(distinct user)'], `invalid --agg "min(distinct user)": only count takes distinct, not min(distinct user); ${AGG_EXPECTED}`],
    [['--agg', 'avg(nope)'], 'invalid --agg "avg(nope)": expected columns of the schema (id, ts, kind, latency, user); there is no "nope" in avg(nope)'],
    [['--agg', 'sum(kind)'], 'invalid --agg "sum(kind)": expected a numeric column (INT, BIGINT or DOUBLE) in sum(kind); kind is STRING'],
    [['--agg', 'count(*) as kind'], 'invalid --agg "count(*) as kind": expected aggregate names other than the grouping columns (kind); rename with "as name"'],
    [['--agg', 'count(*) as window'], 'invalid --agg "count(*) as window": expected aggregates not named "window", which the result table adds (rename with "as name")'],
    [
      ['--agg', 'count(distinct user)', '--watch'],
      'invalid --agg "count(distinct user)": count(distinct c) on a stream (--watch) needs --watermark and --output-mode append or update, as only a watermark bounds its state (Spark refuses it on every stream); or use approx_count_distinct(c)',
    ],
    [['--slide', '2 hours'], 'invalid --slide "2 hours": expected a slide no longer than the window (1 hour)'],
    [['--slide', 'often'], `invalid --slide "often": expected a duration such as '1 hour', '10 minutes' or a number of milliseconds`],
    [['--slide', '0 minutes'], 'invalid --slide "0 minutes": expected a positive duration'],
    [['--slide', '5 minutes', '--start-time', '10 minutes'], 'invalid --start-time "10 minutes": expected an offset smaller than the slide (5 minutes)'],
    [['--session-gap', '0 seconds'], 'invalid --session-gap "0 seconds": expected a positive duration'],
    [['--session-gap', 'a while'], `invalid --session-gap "a while": expected a duration such as '1 hour', '10 minutes' or a number of milliseconds`],
    [
      ['--session-gap', '5 minutes', '--output-mode', 'update'],
      '--output-mode update cannot be used with --session-gap: Spark refuses update mode for session windows; use --output-mode complete, or append with --watermark',
    ],
    [['--session-gap', '5 minutes', '--window', '1 hour'], "--window cannot be used with --session-gap: a session's length is set by its events and the gap, not by a window size"],
    [['--session-gap', '5 minutes', '--slide', '5 minutes'], "--slide cannot be used with --session-gap: a session's length is set by its events and the gap, not by a window size"],
    [['--drop-duplicates', 'id,,ts'], 'invalid --drop-duplicates "id,,ts": expected comma-separated column names, none empty'],
    [['--drop-duplicates', 'id,id'], 'invalid --drop-duplicates "id,id": expected distinct column names'],
    [['--drop-duplicates', 'id,nope'], 'invalid --drop-duplicates "id,nope": expected columns of the schema (id, ts, kind, latency, user); there is no "nope"'],
    [['--filter', 'kind = view'], `invalid --filter "kind = view": "view" is not a value (quote a text, as 'view', or give a number, true or false); ${FILTER_EXPECTED}`],
    [['--filter', "kind = 'view' and id = 1"], `invalid --filter "kind = 'view' and id = 1": unexpected "and id = 1" after the value (one comparison only); ${FILTER_EXPECTED}`],
    [['--filter', 'nope = 1'], `invalid --filter "nope = 1": there is no column "nope" in --schema (id, ts, kind, latency, user); ${FILTER_EXPECTED}`],
    [['--filter', "latency = 'x'"], `invalid --filter "latency = 'x'": latency is DOUBLE: compare it with a number; ${FILTER_EXPECTED}`],
    [['--filter', 'latency ~ 3'], `invalid --filter "latency ~ 3": unknown operator at "~ 3"; ${FILTER_EXPECTED}`],
    [['--filter', 'latency contains 3'], `invalid --filter "latency contains 3": contains takes a STRING column and a quoted text; latency is DOUBLE; ${FILTER_EXPECTED}`],
    [['--filter', "ts >= 'yesterday'"], `invalid --filter "ts >= 'yesterday'": ts is TIMESTAMP: compare it with a quoted date-time (UTC), as '2016-07-26 10:00:00'; ${FILTER_EXPECTED}`],
    [['--filter', 'kind'], `invalid --filter "kind": no operator after kind; ${FILTER_EXPECTED}`],
    [['--filter', "kind = 'view"], `invalid --filter "kind = 'view": unclosed quote in "'view"; ${FILTER_EXPECTED}`],
    [['--filter', ''], `invalid --filter "": it is empty; ${FILTER_EXPECTED}`],
  ];
  let results: Map<string, ReturnType<typeof runCommand>>;
  beforeAll(() => {
    results = new Map(cases.map(([args]) => [JSON.stringify(args), runCommand([dir, ...BASE, ...args])]));
  });
  it.each(cases)('%j', async (args, message) => {
    const r = await (results.get(JSON.stringify(args)) as ReturnType<typeof runCommand>);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`structured-rx: ${message}\n`);
    expect(r.code).toBe(2);
  });
});
