#!/usr/bin/env node
// Many small files, in-process: the notebook query (count per action and 1-hour window, complete
// mode, into a memory table) over 20,000 files of 10 lines with `throttleFiles(100)` (200
// triggers), as `npm run bench`'s srx-stream program runs it on its small set, timed inside one
// process; beside it, what the same files cost with bare system calls (the floor).
//
//   node bench/small-files.bench.mjs [--base REF [--base-files F,...]] [--rounds N] [--files N] [--lines N]
//                                    [--per-trigger N] [--dir DIR] [--profile] [--quick]
//
// The library is bundled from its TypeScript sources with esbuild-wasm (nothing is built into
// dist/, so another build there cannot change what is measured): "now" is the working tree;
// with --base REF, "base" is src/ and operators/ as of git REF (with --base-files a.ts,b.ts,
// only those files as of REF, the rest as in the working tree, so that other work in progress
// is in both), and the two alternate round by round in one process (paired: each round's ratio
// now/base, then the median of the ratios).
// Both versions' tables are checked equal to each other and to a plain count of the lines.
//
// Floors, over the same files, also alternating: `readdir` (names and types only),
// `readdir + stat` (as a listing with sizes and times), `readFileSync` per file (open, fstat,
// read, close inside Node) and `open + read + close` into one buffer (no fstat).
//
// --profile: "now" in a child process under `node --cpu-prof` (a warm-up run, then three); prints the
// functions with the most self time (and garbage collection, idle) and keeps the profile in
// bench/node_modules/.small-files/small-files.cpuprofile (open it in Chrome's DevTools).
//
// Files are generated with scripts/generate-events.mjs into a new directory under the OS temp
// directory (removed at the end), or read from --dir (for example the set `npm run bench`
// generates, datasets/large/small-20k).
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleSources, fromRef } from './bundle-sources.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const quick = args.includes('--quick');
const FILES = Number(opt('--files', quick ? 5000 : 20000));
const LINES = Number(opt('--lines', 10));
const PER_TRIGGER = Number(opt('--per-trigger', 100));
const ROUNDS = Number(opt('--rounds', quick ? 3 : 7));
const BASE = opt('--base', undefined);
const SCHEMA = 'time TIMESTAMP, action STRING';
/** Internal: the child process of --profile runs the query once on a bundle and exits. */
const CHILD = opt('--child', undefined);

// ---------------------------------------------------------------------------------------
// The library, bundled from a source tree. Bundles are written under bench/node_modules (ignored
// by git) so that their bare imports (rxjs, luxon) resolve to the project's node_modules.

const BUNDLES = join(ROOT, 'bench', 'node_modules', '.small-files');

async function bundle(name, plugins) {
  mkdirSync(BUNDLES, { recursive: true });
  return bundleSources({
    contents: "export { Catalog, readJsonFiles, throttleFiles, tumblingWindow, groupCount, toMemoryTable } from './src/index.ts'; export { lastValueFrom } from 'rxjs';",
    resolveDir: ROOT,
    outfile: join(BUNDLES, `${name}.mjs`),
    plugins,
  });
}

/** The query, as bench/programs/notebook-query.mjs runs it (srx-stream): its table's rows. */
async function query(lib, dir) {
  const { Catalog, readJsonFiles, throttleFiles, tumblingWindow, groupCount, toMemoryTable, lastValueFrom } = lib;
  const catalog = new Catalog();
  const source = readJsonFiles(dir, { schema: SCHEMA, watch: false });
  const windowed = source.pipe(throttleFiles(PER_TRIGGER), tumblingWindow('time', '1 hour'));
  await lastValueFrom(windowed.pipe(groupCount('action', 'window'), toMemoryTable('counts', { catalog, outputMode: 'complete' })));
  return catalog.table('counts').rows;
}

const digest = (rows) =>
  rows
    .map((r) => `${r.action}\t${r.window.start}\t${r.count}`)
    .sort()
    .join('\n');

if (CHILD !== undefined) {
  const lib = await import(pathToFileURL(CHILD).href);
  await query(lib, opt('--dir', '')); // warm-up: the profile is mostly the runs after it
  const t0 = performance.now();
  const runs = 3;
  for (let i = 0; i < runs; i++) await query(lib, opt('--dir', ''));
  process.stdout.write(JSON.stringify({ ms: (performance.now() - t0) / runs }) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------------------------------
// Files.

const work = mkdtempSync(join(tmpdir(), 'small-files-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let dir = opt('--dir', undefined);
if (dir === undefined) {
  dir = join(work, 'files');
  const { generate } = await import('../scripts/generate-events.mjs');
  generate({ out: dir, files: FILES, linesPerFile: LINES });
} else {
  dir = resolve(dir);
}
const names = readdirSync(dir).filter((n) => !n.startsWith('.') && !n.startsWith('_'));
const fileCount = names.length;

/** Lines per action and hour, counted plainly: what the query's table must hold. */
function expected() {
  const m = new Map();
  for (const n of names) {
    for (const line of readFileSync(join(dir, n), 'utf8').split('\n')) {
      if (line === '') continue;
      const e = JSON.parse(line);
      const t = e.time * 1000;
      const k = `${e.action}\t${t - (t % 3_600_000)}`;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
  }
  return [...m].map(([k, c]) => `${k}\t${c}`).sort().join('\n');
}

// ---------------------------------------------------------------------------------------
// Floors: the same files with bare system calls.

const scratch = Buffer.allocUnsafe(64 * 1024);
const floors = {
  readdir: () => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).length,
  'readdir + stat': () => {
    let n = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) n += statSync(join(dir, e.name)).size > 0 ? 1 : 0;
    return n;
  },
  readFileSync: () => {
    let bytes = 0;
    for (const n of names) bytes += readFileSync(join(dir, n)).length;
    return bytes;
  },
  'open + read + close': () => {
    let bytes = 0;
    for (const n of names) {
      const fd = openSync(join(dir, n), 'r');
      bytes += readSync(fd, scratch, 0, scratch.length, 0);
      closeSync(fd);
    }
    return bytes;
  },
};

// ---------------------------------------------------------------------------------------
// Runs.

const versions = [{ name: 'now', file: await bundle('now', []) }];
if (BASE !== undefined) {
  const only = opt('--base-files', undefined)?.split(',');
  versions.push({ name: `base (${BASE}${only === undefined ? '' : `: ${only.join(', ')}`})`, file: await bundle('base', [fromRef(ROOT, BASE, only)]) });
}
for (const v of versions) v.lib = await import(pathToFileURL(v.file).href);

const want = expected();
for (const v of versions) {
  const got = digest(await query(v.lib, dir)); // also the warm-up
  if (got !== want) throw new Error(`${v.name}: the table differs from a plain count of the files' lines`);
}
for (const f of Object.values(floors)) f();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const times = new Map([...versions.map((v) => [v.name, []]), ...Object.keys(floors).map((k) => [k, []])]);
const cpus = new Map([...times.keys()].map((k) => [k, []]));
/** Runs f, keeping its wall time and the process's CPU time (user + system, every thread). */
async function timed(name, f) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  times.get(name).push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpus.get(name).push((c.user + c.system) / 1000);
}
const load0 = loadavg();
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? versions : [...versions].reverse();
  for (const v of order) await timed(v.name, () => query(v.lib, dir));
  for (const [name, f] of Object.entries(floors)) await timed(name, f);
}
const load1 = loadavg();

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const lines = [
  `${fmt(fileCount)} files of ${LINES} lines, ${PER_TRIGGER} files per trigger (${Math.ceil(fileCount / PER_TRIGGER)} triggers); ${ROUNDS} rounds, alternating; ` +
    `Node ${process.version}, ${availableParallelism()} cores, load ${load0.map((l) => l.toFixed(1)).join(' / ')} before, ${load1.map((l) => l.toFixed(1)).join(' / ')} after`,
  '',
  '| what | wall ms, median (min-max) | files/s | µs per file | CPU ms, median |',
  '|---|---:|---:|---:|---:|',
];
for (const [name, ts] of times) {
  const m = median(ts);
  lines.push(`| ${name} | ${fmt(m)} (${fmt(Math.min(...ts))}-${fmt(Math.max(...ts))}) | ${fmt((fileCount / m) * 1000)} | ${((m * 1000) / fileCount).toFixed(1)} | ${fmt(median(cpus.get(name)))} |`);
}
if (versions.length === 2) {
  const ratio = (m) => {
    const [a, b] = versions.map((v) => m.get(v.name));
    return median(a.map((x, i) => x / b[i])).toFixed(2);
  };
  lines.push('', `now ÷ base, median of the paired ratios: wall ${ratio(times)}, CPU ${ratio(cpus)}`);
}
process.stdout.write(lines.join('\n') + '\n');

// ---------------------------------------------------------------------------------------
// --profile: where one run of "now" spends its time.

if (args.includes('--profile')) {
  const profDir = join(work, 'prof');
  const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, fileURLToPath(import.meta.url), '--child', versions[0].file, '--dir', dir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`the profiled run failed: ${r.stderr}`);
  const file = readdirSync(profDir).find((n) => n.endsWith('.cpuprofile'));
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
  copyFileSync(join(profDir, file), join(BUNDLES, 'small-files.cpuprofile'));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const self = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    total += us;
    const cf = node.callFrame;
    const where = cf.url === '' ? '' : ` ${cf.url.replace(/^.*\//, '')}:${cf.lineNumber + 1}`;
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + us);
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 20);
  const run = JSON.parse(r.stdout.trim().split('\n').pop());
  process.stdout.write(`\nProfile of a warm-up run and three timed runs (${fmt(run.ms)} ms a run, ${fmt((fileCount / run.ms) * 1000)} files/s; profile ${fmt(total / 1000)} ms), self time:\n\n| function | ms | % |\n|---|---:|---:|\n`);
  for (const [k, us] of top) process.stdout.write(`| ${k} | ${fmt(us / 1000)} | ${((100 * us) / total).toFixed(1)} |\n`);
}
