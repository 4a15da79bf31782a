// `--sql`: the notebook's %sql cells run verbatim from the command line, over the memory table
// the query writes: at the end when piped, in every --json line, after every trigger in a
// terminal; a bad statement is a usage error before anything is read.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Catalog, prepareSql } from '../../src/index.js';
import { runStatements } from '../../src/cli/pipeline.js';
import { ROOT, ensureBuilt, hasScript, renderScreen, runCommand, runInTerminal } from './helpers.js';

const TOTALS = 'select action, sum(count) as total_count from counts group by action order by action';
const TIMELINE = 'select action, date_format(window.end, "MMM-dd HH:mm") as time, count from counts order by time, action';
const golden = <T>(name: string): T => JSON.parse(readFileSync(path.join(ROOT, 'datasets', 'golden', name), 'utf8')) as T;
const PREFIX = golden<{ files: number; Close: number; Open: number }[]>('prefix_totals.json');
const TIMELINE_ROWS = golden<{ action: string; time: string; count: number }[]>('timeline.json');

beforeAll(() => ensureBuilt());

describe('--sql, piped', () => {
  it("prints each statement's result at the end, in place of the default tables", async () => {
    const r = await runCommand(['--sql', TOTALS, '--sql', TIMELINE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('Totals per');
    expect(r.stdout).toContain([TOTALS, 'action  total_count', '------  -----------', 'Close         50000', 'Open          50000'].join('\n'));
    const timeline = r.stdout.slice(r.stdout.indexOf(TIMELINE)).trim().split('\n').slice(3);
    expect(timeline).toHaveLength(TIMELINE_ROWS.length);
    timeline.forEach((line, i) => {
      const g = TIMELINE_ROWS[i];
      expect(line.split(/\s{2,}/)).toEqual([g?.action, g?.time, String(g?.count)]);
    });
  });
});

describe('--sql with --json', () => {
  it('adds "sql":[{statement, rows}] to every trigger line, over whole files only', async () => {
    const r = await runCommand(['--json', '--sql', TOTALS]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { batchId: number; sql: { statement: string; rows: unknown[] }[] });
    expect(lines).toHaveLength(50);
    lines.forEach((line, k) => {
      expect(line.sql).toEqual([
        {
          statement: TOTALS,
          rows: [
            { action: 'Close', total_count: PREFIX[k]?.Close },
            { action: 'Open', total_count: PREFIX[k]?.Open },
          ],
        },
      ]);
    });
  });

  it('has no "sql" key without --sql', async () => {
    const r = await runCommand(['--json', '--trigger', 'once']);
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout.trim()) as object)).toEqual(['batchId', 'files', 'numInputRows', 'watermark', 'lateRows', 'stateRows', 'malformedRows', 'droppedRows', 'rejectedLines', 'corruptFiles', 'missingFiles', 'rows']);
  });
});

describe('--sql errors', () => {
  it.each([
    ['select action from', /^structured-rx: invalid --sql "select action from": SQL syntax error at line 1, column 19: expected .+$/],
    ['select nope from counts', /^structured-rx: invalid --sql "select nope from counts": .*nope.*available: action, window/],
    ['select * from static_counts', /^structured-rx: invalid --sql "select \* from static_counts": .*static_counts.*counts/],
    ['drop table counts', /^structured-rx: invalid --sql "drop table counts": only SELECT statements/],
  ])('%s is a usage error: one line, exit 2, nothing on stdout', async (statement, message) => {
    const r = await runCommand(['--sql', statement]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
  });

  it('reports a statement that fails over a trigger without disturbing the query', () => {
    const outcomes = runStatements([prepareSql('select count(*) as n from counts'), prepareSql(TOTALS)], new Catalog());
    expect(outcomes).toEqual([
      { statement: 'select count(*) as n from counts', error: expect.stringContaining('counts') },
      { statement: TOTALS, error: expect.stringContaining('counts') },
    ]);
  });
});

describe('--sql in a terminal', () => {
  it("shows the statement's result after every trigger in place of the chart", async () => {
    if (!hasScript()) throw new Error('this test needs `script` from util-linux to run a pseudo-terminal');
    const { raw, code } = await runInTerminal(`--trigger once --sql '${TOTALS}'`);
    expect(code).toBe(0);
    const screen = renderScreen(raw, 80);
    const text = screen.join('\n');
    expect(text).toContain('structured-rx · counts [done]');
    expect(text).not.toContain('(counts per 1 hour window)'); // no chart legend: the SQL panel replaced it
    // The frame's panel and the final report both show the totals over all 50 files.
    expect(text.split('Close         50000').length - 1).toBe(2);
  });
});
