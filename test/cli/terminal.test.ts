// Runs the built command inside a pseudo-terminal (util-linux `script`) over the bundled
// dataset with default options, rebuilds the screen from what it wrote, and checks the progress
// bar, the chart and the final tables.
import stringWidth from 'string-width';
import { ensureBuilt, hasScript, removeTempDirs, renderScreen, runCommand, runInTerminal, tempDir, writeEvents } from './helpers.js';

const COLUMNS = 80;
const ROWS = 30;

/** Epoch seconds of 2024-01-15 09:mm UTC. */
const at = (minutes: number): number => Date.UTC(2024, 0, 15, 9, minutes) / 1000;

/** The plot's y labels, top first ('' for a row without one): lines from `top` to the x axis. */
function yLabels(lines: readonly string[]): string[] {
  const plot = lines.filter((l) => /^\s*(-?\d+)? [┤┼]/.test(l));
  return plot.map((l) => /^\s*(-?\d+) /.exec(l)?.[1] ?? '');
}

/** The lines of the table titled `title` in `lines`: title, header, rule and rows, up to the next blank line. */
function tableAt(lines: readonly string[], title: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(title));
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

/** The screen after the last frame: from the line after the progress bar to the end, without trailing blank lines. */
function afterBar(screen: readonly string[]): string[] {
  const bar = screen.findIndex((l) => l.includes('files │'));
  const out = screen.slice(bar + 1);
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

describe('in a terminal', () => {
  let raw: string;
  let code: number | null;
  let screen: string[];

  beforeAll(async () => {
    ensureBuilt();
    if (!hasScript()) {
      throw new Error('this test runs the command in a pseudo-terminal with `script` from util-linux (apt-get install util-linux); it was not found');
    }
    ({ raw, code } = await runInTerminal('', COLUMNS, ROWS));
    screen = renderScreen(raw, COLUMNS);
  });

  it('exits 0', () => {
    expect(code).toBe(0);
  });

  it('redraws after every trigger, picking up one file at a time', () => {
    for (let i = 0; i < 50; i++) expect(raw).toContain(`batch ${i}: file-${i}.json, 2000 rows · datasets/events`);
  });

  it('draws the frame in place: one header, one chart and one bar on the final screen', () => {
    expect(screen.filter((l) => l.startsWith('structured-rx · counts'))).toEqual(['structured-rx · counts [done] · complete · 1 hour windows by action']);
    expect(screen.filter((l) => l.startsWith('watermark'))).toEqual([]); // only with --watermark
    expect(screen.filter((l) => l.includes('files │'))).toHaveLength(1);
  });

  it('shows the progress bar: done, files done / files known, rows per second, batch id, elapsed time', () => {
    const bar = screen.find((l) => l.includes('files │'));
    expect(bar).toMatch(/^done\s+▕█{20}▏ 50\/50 files │ \d+ rows\/s │ batch 49 │ \d+(\.\d+)?s$/);
  });

  it('shows the timeline chart with one series per action, within 80 columns', () => {
    const top = screen.findIndex((l) => l.startsWith('structured-rx · counts'));
    const bar = screen.findIndex((l) => l.includes('files │'));
    const frame = screen.slice(top, bar + 1);
    for (const l of frame) expect(l.length).toBeLessThan(COLUMNS);
    const plot = frame.filter((l) => /^\s*\d+ [┤┼]/.test(l));
    expect(plot.length).toBeGreaterThanOrEqual(5);
    expect(plot[plot.length - 1]).toMatch(/^\s*0 ┼/);
    expect(frame.some((l) => /^\s+Jul-26 03:00\s+Jul-28 11:00$/.test(l))).toBe(true);
    expect(frame.some((l) => /━━ Close {2}━━ Open {2}\(counts per 1 hour window\)/.test(l))).toBe(true);
    expect(raw).toContain('\x1b[9'); // the series are colored in a terminal
  });

  it('fills the terminal with the chart, labelled with round, distinct counts', () => {
    const top = screen.findIndex((l) => l.startsWith('structured-rx · counts'));
    const bar = screen.findIndex((l) => l.includes('files │'));
    // header, detail, plot, x axis, legend and bar: one row short of the terminal (the cursor's).
    expect(bar - top + 1).toBe(ROWS - 1);
    const labels = yLabels(screen.slice(top, bar)).map(Number);
    expect(labels).toHaveLength(ROWS - 1 - 5);
    const step = (labels[0] ?? 0) - (labels[1] ?? 0);
    expect(step % 10).toBe(0);
    labels.forEach((l, i) => expect(l).toBe((labels.length - 1 - i) * step));
    // The largest hourly count (1086) is inside, and takes more than two thirds of the height (round steps are at most 1.5 times apart).
    expect(labels[0]).toBeGreaterThanOrEqual(1086);
    expect(labels[0]).toBeLessThan(1086 * 1.5);
  });

  it("ends with the notebook's two tables", () => {
    const text = screen.join('\n');
    expect(text).toContain('Query counts finished: 50 triggers, 50 files, 100000 rows.');
    expect(text).toContain(['action  total_count', '------  -----------', 'Close         50000', 'Open          50000'].join('\n'));
    expect(text).toContain(['action  time          count', '------  ------------  -----', 'Close   Jul-26 03:00      9', 'Open    Jul-26 03:00    236'].join('\n'));
    expect(screen[screen.length - 1] === '' ? screen[screen.length - 2] : screen[screen.length - 1]).toBe('Close   Jul-28 11:00      1');
  });

  it('fits what it prints at the end to the screen: the first and last rows of the timeline, with how many are left out', async () => {
    const end = afterBar(screen);
    expect(end.length).toBeLessThanOrEqual(ROWS - 1); // and the prompt below
    const shown = tableAt(end, 'Timeline').slice(3);
    const marker = shown.findIndex((l) => l.startsWith('…'));
    expect(marker).toBeGreaterThan(0);
    // Every row, as piped output prints them: the screen shows the first and the last ones.
    const piped = await runCommand([]);
    const all = tableAt(piped.stdout.split('\n'), 'Timeline').slice(3);
    const head = shown.slice(0, marker);
    const tail = shown.slice(marker + 1);
    expect(shown[marker]).toBe(`… ${all.length - head.length - tail.length} more rows (--all-rows prints every row) …`);
    expect(head).toEqual(all.slice(0, head.length));
    expect(tail).toEqual(all.slice(all.length - tail.length));
  });
});

describe('in a terminal, with --all-rows', () => {
  it('prints every row of the timeline', async () => {
    if (!hasScript()) throw new Error('this test needs `script` from util-linux');
    const [{ raw, code }, piped] = await Promise.all([runInTerminal('--all-rows --trigger available-now', COLUMNS, 24), runCommand(['--trigger', 'available-now'])]);
    expect(code).toBe(0);
    const end = afterBar(renderScreen(raw, COLUMNS));
    const rows = tableAt(end, 'Timeline').slice(3);
    expect(rows.some((l) => l.startsWith('…'))).toBe(false);
    expect(rows).toEqual(tableAt(piped.stdout.split('\n'), 'Timeline').slice(3));
    expect(rows.length).toBeGreaterThan(24);
  });
});

describe('in a terminal, with small counts and wide characters', () => {
  afterAll(() => removeTempDirs());

  it('labels the y axis 0, 1, 2, 3, once each, and aligns tables by display width', async () => {
    if (!hasScript()) throw new Error('this test needs `script` from util-linux');
    const dir = tempDir();
    const events = [
      { ts: at(1), kind: '東京' },
      { ts: at(2), kind: '東京' },
      { ts: at(3), kind: '😀' },
      { ts: at(12), kind: '東京' },
      { ts: at(13), kind: '東京' },
      { ts: at(14), kind: '東京' },
      { ts: at(25), kind: 'ascii' },
    ];
    writeEvents(dir, 'a.json', events, 1_700_000_000);
    const flags = `--schema "ts TIMESTAMP, kind STRING" --time-column ts --window "10 minutes" --group-by kind`;
    const { raw, code } = await runInTerminal(`"${dir}" ${flags}`, COLUMNS, 24);
    expect(code).toBe(0);
    const screen = renderScreen(raw, COLUMNS);
    const top = screen.findIndex((l) => l.startsWith('structured-rx · counts'));
    const bar = screen.findIndex((l) => l.includes('files │'));
    expect(bar - top + 1).toBe(23);
    const labels = yLabels(screen.slice(top, bar)).filter((l) => l !== '');
    expect(labels).toEqual(['3', '2', '1', '0']);
    // Right-aligned totals end in the same terminal column whatever the width of the group's characters.
    const totals = tableAt(afterBar(screen), 'Totals per kind');
    expect(totals.slice(3)).toHaveLength(3);
    expect(new Set(totals.slice(1).map((l) => stringWidth(l))).size).toBe(1);
    const timeline = tableAt(afterBar(screen), 'Timeline');
    expect(new Set(timeline.slice(1).map((l) => stringWidth(l))).size).toBe(1);
  });
});

describe('in a terminal, with --watermark', () => {
  afterAll(() => removeTempDirs());

  it('shows the watermark (UTC), the rows dropped as late so far and the rows in state, under the header', async () => {
    if (!hasScript()) throw new Error('this test needs `script` from util-linux');
    const dir = tempDir();
    writeEvents(dir, 'a.json', [{ ts: at(1), kind: 'view' }, { ts: at(2), kind: 'buy' }], 1_700_000_000);
    writeEvents(dir, 'b.json', [{ ts: at(16), kind: 'view' }], 1_700_000_001);
    writeEvents(dir, 'c.json', [{ ts: at(17), kind: 'view' }], 1_700_000_002); // runs with 09:11
    writeEvents(dir, 'd.json', [{ ts: at(3), kind: 'view' }, { ts: at(18), kind: 'view' }], 1_700_000_003); // 09:03 is late
    const flags = `--schema "ts TIMESTAMP, kind STRING" --time-column ts --window "10 minutes" --group-by kind --watermark "5 minutes" --output-mode append`;
    const { raw, code } = await runInTerminal(`"${dir}" ${flags}`, COLUMNS, 24);
    expect(code).toBe(0);
    const screen = renderScreen(raw, COLUMNS);
    expect(raw).toContain('watermark none yet (delay 5 minutes) · 0 late rows dropped · 0 state rows');
    const top = screen.findIndex((l) => l.startsWith('structured-rx · counts'));
    expect(screen.slice(top, top + 3)).toEqual([
      'structured-rx · counts [done] · append · 10 minutes windows by kind',
      'batch 5: no files, 0 rows · ' + dir,
      'watermark Jan-15 09:13 (delay 5 minutes) · 1 late row dropped · 0 state rows',
    ]);
    expect(screen.filter((l) => l.startsWith('watermark'))).toHaveLength(1); // redrawn in place
    const bar = screen.findIndex((l) => l.includes('files │'));
    expect(bar - top + 1).toBeLessThanOrEqual(24); // the frame still fits the terminal
    expect(screen.join('\n')).toContain('Query counts finished: 6 triggers, 4 files, 6 rows, 1 late row dropped.');
  });
});
