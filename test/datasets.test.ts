// Checks the bundled events dataset (datasets/events), its golden result tables
// (datasets/golden) and that the generator reproduces the committed files byte for byte.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const EVENTS = join(ROOT, 'datasets', 'events');
const GOLDEN = join(ROOT, 'datasets', 'golden');
const GENERATOR = join(ROOT, 'scripts', 'generate-events.mjs');
const MAKE_GOLDENS = join(ROOT, 'scripts', 'make-goldens.mjs');

const FILES = 50;
const LINES_PER_FILE = 2000;
const LINE = /^\{"time":(\d+),"action":"(Open|Close)"\}$/;

type Action = 'Open' | 'Close';
interface Event {
  time: number;
  action: Action;
}

const fileName = (n: number): string => `file-${n}.json`;

function readLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  if (!text.endsWith('\n')) throw new Error(`${path} does not end with a newline`);
  return text.slice(0, -1).split('\n');
}

function parseFile(path: string): Event[] {
  return readLines(path).map((line) => {
    const m = LINE.exec(line);
    if (m === null) throw new Error(`bad line in ${path}: ${JSON.stringify(line)}`);
    return { time: Number(m[1]), action: m[2] as Action };
  });
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** file-0 ... file-49, parsed, in file-number order. */
const perFile: Event[][] = [];
for (let n = 0; n < FILES; n++) perFile.push(parseFile(join(EVENTS, fileName(n))));
const all: Event[] = perFile.flat();

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'structured-rx-datasets-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('bundled events dataset', () => {
  it('has exactly file-0.json ... file-49.json', () => {
    const names = readdirSync(EVENTS).filter((n) => n.endsWith('.json')).sort();
    const expected = Array.from({ length: FILES }, (_, n) => fileName(n)).sort();
    expect(names).toEqual(expected);
  });

  it('has 2000 well-formed lines per file, each file ending with a newline', () => {
    for (let n = 0; n < FILES; n++) {
      const lines = readLines(join(EVENTS, fileName(n)));
      expect(lines).toHaveLength(LINES_PER_FILE);
      for (const line of lines) {
        if (!LINE.test(line)) throw new Error(`${fileName(n)}: bad line ${JSON.stringify(line)}`);
      }
    }
  });

  it('has 50,000 Opens and 50,000 Closes', () => {
    let open = 0;
    let close = 0;
    for (const e of all) {
      if (e.action === 'Open') open++;
      else close++;
    }
    expect({ open, close }).toEqual({ open: 50_000, close: 50_000 });
  });

  it('starts at 1469501107 with an Open and is in time order across files (ties: Open first)', () => {
    expect(all[0]).toEqual({ time: 1469501107, action: 'Open' });
    for (let i = 1; i < all.length; i++) {
      const prev = all[i - 1]!;
      const cur = all[i]!;
      if (cur.time < prev.time || (cur.time === prev.time && prev.action === 'Close' && cur.action === 'Open')) {
        throw new Error(`event ${i} out of order: ${JSON.stringify(prev)} then ${JSON.stringify(cur)}`);
      }
    }
  });

  it('never has more Closes than Opens in any prefix', () => {
    let balance = 0;
    for (let i = 0; i < all.length; i++) {
      balance += all[i]!.action === 'Open' ? 1 : -1;
      if (balance < 0) throw new Error(`more Closes than Opens after ${i + 1} events`);
    }
    expect(balance).toBe(0);
  });

  it('has files of about 73 KB', () => {
    for (let n = 0; n < FILES; n++) {
      const size = statSync(join(EVENTS, fileName(n))).size;
      expect(size).toBeGreaterThan(60_000);
      expect(size).toBeLessThan(90_000);
    }
  });

  it('has modification times strictly increasing in file-number order (the prepare step of npm ci ran)', () => {
    const mtimes = Array.from({ length: FILES }, (_, n) => statSync(join(EVENTS, fileName(n))).mtimeMs);
    for (let n = 1; n < FILES; n++) {
      if (!(mtimes[n]! > mtimes[n - 1]!)) {
        throw new Error(
          `${fileName(n)} is not newer than ${fileName(n - 1)}; run \`node scripts/restore-mtimes.mjs\``,
        );
      }
    }
  });
});

describe('golden tables agree with a recomputation from the files', () => {
  const HOUR = 3600;
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
  const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

  // counts[windowStart][action]
  const counts = new Map<number, { Open: number; Close: number }>();
  for (const e of all) {
    const start = e.time - (((e.time % HOUR) + HOUR) % HOUR);
    let c = counts.get(start);
    if (c === undefined) {
      c = { Open: 0, Close: 0 };
      counts.set(start, c);
    }
    c[e.action]++;
  }
  const starts = [...counts.keys()].sort((a, b) => a - b);
  const rows: { start: number; action: Action; count: number }[] = [];
  for (const start of starts) {
    const c = counts.get(start)!;
    if (c.Close > 0) rows.push({ start, action: 'Close', count: c.Close });
    if (c.Open > 0) rows.push({ start, action: 'Open', count: c.Open });
  }

  it('static_counts.json', () => {
    const expected = rows.map((r) => ({
      action: r.action,
      window: {
        start: new Date(r.start * 1000).toISOString(),
        end: new Date((r.start + HOUR) * 1000).toISOString(),
      },
      count: r.count,
    }));
    expect(readJson(join(GOLDEN, 'static_counts.json'))).toEqual(expected);
    // The published notebook's first window is the partial hour ending 03:00.
    expect(expected[0]!.window).toEqual({ start: '2016-07-26T02:00:00.000Z', end: '2016-07-26T03:00:00.000Z' });
  });

  it('totals.json', () => {
    let close = 0;
    let open = 0;
    for (const r of rows) {
      if (r.action === 'Close') close += r.count;
      else open += r.count;
    }
    expect(readJson(join(GOLDEN, 'totals.json'))).toEqual([
      { action: 'Close', total_count: close },
      { action: 'Open', total_count: open },
    ]);
    expect(close).toBe(50_000);
    expect(open).toBe(50_000);
  });

  it('timeline.json', () => {
    const expected = rows
      .map((r) => {
        const end = new Date((r.start + HOUR) * 1000);
        const time = `${MONTHS[end.getUTCMonth()]}-${two(end.getUTCDate())} ${two(end.getUTCHours())}:${two(end.getUTCMinutes())}`;
        return { action: r.action, time, count: r.count };
      })
      .sort((a, b) => byString(a.time, b.time) || byString(a.action, b.action));
    expect(readJson(join(GOLDEN, 'timeline.json'))).toEqual(expected);
    expect(expected[0]).toMatchObject({ action: 'Close', time: 'Jul-26 03:00' });
  });

  it('prefix_totals.json', () => {
    const expected: { files: number; Close: number; Open: number }[] = [];
    let close = 0;
    let open = 0;
    perFile.forEach((events, n) => {
      for (const e of events) {
        if (e.action === 'Close') close++;
        else open++;
      }
      expected.push({ files: n + 1, Close: close, Open: open });
    });
    expect(readJson(join(GOLDEN, 'prefix_totals.json'))).toEqual(expected);
  });
});

describe('generator and golden script', () => {
  it('regenerate the committed dataset and goldens byte for byte with the default seed', () => {
    // The first files depend on the total number of files (exactly half the events are
    // Opens, so a smaller set stops opening sooner), so generate the full default set.
    const out = tempDir();
    execFileSync(process.execPath, [GENERATOR, '--out', out], { stdio: 'pipe' });
    const names = readdirSync(out).sort();
    expect(names).toEqual(Array.from({ length: FILES }, (_, n) => fileName(n)).sort());
    for (let n = 0; n < FILES; n++) {
      const generated = readFileSync(join(out, fileName(n)));
      const committed = readFileSync(join(EVENTS, fileName(n)));
      if (!generated.equals(committed)) throw new Error(`${fileName(n)} differs from the committed file`);
    }
    for (let n = 1; n < FILES; n++) {
      expect(statSync(join(out, fileName(n))).mtimeMs).toBeGreaterThan(statSync(join(out, fileName(n - 1))).mtimeMs);
    }

    const goldens = tempDir();
    execFileSync(process.execPath, [MAKE_GOLDENS, '--dir', out, '--out', goldens], { stdio: 'pipe' });
    for (const name of ['static_counts.json', 'totals.json', 'timeline.json', 'prefix_totals.json']) {
      expect(readFileSync(join(goldens, name), 'utf8')).toBe(readFileSync(join(GOLDEN, name), 'utf8'));
    }
  });

  it('writes smaller sets of the same shape (--files 3 --lines-per-file 500 --seed 7)', () => {
    const out = tempDir();
    const args = [GENERATOR, '--out', out, '--files', '3', '--lines-per-file', '500', '--seed', '7'];
    execFileSync(process.execPath, args, { stdio: 'pipe' });
    const events: Event[] = [];
    for (let n = 0; n < 3; n++) {
      const lines = parseFile(join(out, fileName(n)));
      expect(lines).toHaveLength(500);
      events.push(...lines);
    }
    expect(readdirSync(out)).toHaveLength(3);
    expect(events[0]).toEqual({ time: 1469501107, action: 'Open' });
    let balance = 0;
    for (let i = 0; i < events.length; i++) {
      if (i > 0) expect(events[i]!.time).toBeGreaterThanOrEqual(events[i - 1]!.time);
      balance += events[i]!.action === 'Open' ? 1 : -1;
      expect(balance).toBeGreaterThanOrEqual(0);
    }
    expect(balance).toBe(0);
    // A different seed gives different data.
    expect(readFileSync(join(out, fileName(0)), 'utf8')).not.toBe(
      readFileSync(join(EVENTS, fileName(0)), 'utf8').split('\n').slice(0, 500).join('\n') + '\n',
    );
  });
});
