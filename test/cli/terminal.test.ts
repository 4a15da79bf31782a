// Runs the built command inside a pseudo-terminal (util-linux `script`) over the bundled
// dataset with default options, rebuilds the screen from what it wrote, and checks the progress
// bar, the chart and the final tables.
import { ensureBuilt, hasScript, renderScreen, runInTerminal } from './helpers.js';

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
