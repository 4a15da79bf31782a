#!/usr/bin/env node
// Computes the golden result tables for the bundled events dataset with plain loops (no
// library code), so tests can compare the library's answers against them.
//
// Usage: node scripts/make-goldens.mjs [--dir datasets/events] [--out datasets/golden]
//
// Writes (see datasets/README.md):
//   static_counts.json  groupBy(action, window(time, "1 hour")).count(), sorted by window
//                       start then action; windows are [start, end) aligned to the epoch.
//   totals.json         select action, sum(count) as total_count from static_counts
//                       group by action, sorted by action.
//   timeline.json       select action, date_format(window.end, "MMM-dd HH:mm") as time, count
//                       from static_counts order by time, action (UTC; plain string order).
//   prefix_totals.json  for k = 1..N, the count per action over files 0..k-1.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain } from './is-main.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const WINDOW_SECONDS = 3600;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LINE = /^\{"time":(\d+),"action":"(Open|Close)"\}$/;

/** Code-unit string order, as Spark/SQL compares strings (not locale order). */
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

const floorMod = (a, b) => ((a % b) + b) % b;

const pad2 = (n) => String(n).padStart(2, '0');

/** date_format(ts, "MMM-dd HH:mm") in UTC. */
function formatMMMddHHmm(epochSeconds) {
  const d = new Date(epochSeconds * 1000);
  return `${MONTHS[d.getUTCMonth()]}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

/** The file names file-0.json ... in file-number order. */
function dataFiles(dir) {
  return readdirSync(dir)
    .map((name) => /^file-(\d+)\.json$/.exec(name))
    .filter((m) => m !== null)
    .map((m) => ({ n: Number(m[1]), name: m[0] }))
    .sort((a, b) => a.n - b.n)
    .map((f) => f.name);
}

export function computeGoldens(dir) {
  const names = dataFiles(dir);
  if (names.length === 0) throw new Error(`no file-N.json files in ${dir}`);

  const counts = new Map(); // "windowStart|action" -> count
  const prefixTotals = [];
  let open = 0;
  let close = 0;
  names.forEach((name, index) => {
    const text = readFileSync(join(dir, name), 'utf8');
    const lines = text.split('\n');
    if (lines.pop() !== '') throw new Error(`${name} does not end with a newline`);
    for (const line of lines) {
      const m = LINE.exec(line);
      if (m === null) throw new Error(`${name}: bad line ${JSON.stringify(line)}`);
      const t = Number(m[1]);
      const action = m[2];
      const start = t - floorMod(t, WINDOW_SECONDS);
      const key = `${start}|${action}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (action === 'Open') open++;
      else close++;
    }
    prefixTotals.push({ files: index + 1, Close: close, Open: open });
  });

  const groups = [...counts].map(([key, count]) => {
    const [start, action] = key.split('|');
    return { start: Number(start), action, count };
  });
  groups.sort((a, b) => a.start - b.start || cmp(a.action, b.action));

  const staticCounts = groups.map((g) => ({
    action: g.action,
    window: {
      start: new Date(g.start * 1000).toISOString(),
      end: new Date((g.start + WINDOW_SECONDS) * 1000).toISOString(),
    },
    count: g.count,
  }));

  const totalsByAction = new Map();
  for (const g of groups) totalsByAction.set(g.action, (totalsByAction.get(g.action) ?? 0) + g.count);
  const totals = [...totalsByAction]
    .map(([action, total_count]) => ({ action, total_count }))
    .sort((a, b) => cmp(a.action, b.action));

  const timeline = groups
    .map((g) => ({ action: g.action, time: formatMMMddHHmm(g.start + WINDOW_SECONDS), count: g.count }))
    .sort((a, b) => cmp(a.time, b.time) || cmp(a.action, b.action));

  return { staticCounts, totals, timeline, prefixTotals };
}

/** A JSON array with one compact row per line (readable diffs), ending with a newline. */
export function formatRows(rows) {
  if (rows.length === 0) return '[]\n';
  return '[\n' + rows.map((r) => '  ' + JSON.stringify(r)).join(',\n') + '\n]\n';
}

export function writeGoldens(dir, out) {
  const g = computeGoldens(dir);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'static_counts.json'), formatRows(g.staticCounts));
  writeFileSync(join(out, 'totals.json'), formatRows(g.totals));
  writeFileSync(join(out, 'timeline.json'), formatRows(g.timeline));
  writeFileSync(join(out, 'prefix_totals.json'), formatRows(g.prefixTotals));
  return g;
}

if (isMain(import.meta.url)) {
  let dir = join(REPO, 'datasets', 'events');
  let out = join(REPO, 'datasets', 'golden');
  const argv = process.argv.slice(2);
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '--dir' || arg === '--out') {
        const value = argv[++i];
        if (value === undefined) throw new Error(`missing value for ${arg}`);
        if (arg === '--dir') dir = resolve(value);
        else out = resolve(value);
      } else {
        throw new Error(`unknown option ${arg}`);
      }
    }
    const g = writeGoldens(dir, out);
    process.stderr.write(
      `wrote goldens for ${g.prefixTotals.length} files (${g.staticCounts.length} window/action groups) to ${out}\n`,
    );
  } catch (err) {
    process.stderr.write(`make-goldens: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
