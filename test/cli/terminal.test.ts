// Runs the built command inside a pseudo-terminal (util-linux `script`) over the bundled
// dataset with default options, rebuilds the screen from what it wrote, and checks the progress
// bar, the chart and the final tables.
import { ensureBuilt, hasScript, removeTempDirs, renderScreen, runInTerminal, tempDir, writeEvents } from './helpers.js';

const COLUMNS = 80;

describe('in a terminal', () => {
  let raw: string;
  let code: number | null;
  let screen: string[];

  beforeAll(async () => {
    ensureBuilt();
    if (!hasScript()) {
      throw new Error('this test runs the command in a pseudo-terminal with `script` from util-linux (apt-get install util-linux); it was not found');
    }
    ({ raw, code } = await runInTerminal(''));
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

  it("ends with the notebook's two tables", () => {
    const text = screen.join('\n');
    expect(text).toContain('Query counts finished: 50 triggers, 50 files, 100000 rows.');
    expect(text).toContain(['action  total_count', '------  -----------', 'Close         50000', 'Open          50000'].join('\n'));
    expect(text).toContain(['action  time          count', '------  ------------  -----', 'Close   Jul-26 03:00      9', 'Open    Jul-26 03:00    236'].join('\n'));
    expect(screen[screen.length - 1] === '' ? screen[screen.length - 2] : screen[screen.length - 1]).toBe('Close   Jul-28 11:00      1');
  });
});

describe('in a terminal, with --watermark', () => {
  afterAll(() => removeTempDirs());

  it('shows the watermark (UTC), the rows dropped as late so far and the rows in state, under the header', async () => {
    if (!hasScript()) throw new Error('this test needs `script` from util-linux');
    const dir = tempDir();
    const at = (minutes: number): number => Date.UTC(2024, 0, 15, 9, minutes) / 1000;
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
