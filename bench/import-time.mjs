#!/usr/bin/env node
// Start-up cost of importing structured-rx, paired against importing rxjs alone: each trial
// starts a fresh `node` that imports rxjs, then one that imports structured-rx as a user does
// (`import 'structured-rx'`: the package's bundled entry, dist/bundle/index.js; build first), then
// one that imports the unbundled compiled modules (dist/src/index.js), alternately, and the report
// gives the medians and the median of the paired differences (what each adds over rxjs). With
// `--before <dir>`, a further process per trial imports <dir>/dist/src/index.js (an older build of
// the library) for a before/after comparison.
// Then, in-process: the time to parse the first statement (which builds the SQL parser).
//
// Usage: node bench/import-time.mjs [--trials 31] [--before <dir>]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const TRIALS = Number(arg('--trials', '31'));
const before = arg('--before', null);


const targets = [
  ['rxjs', "import 'rxjs';"],
  ['structured-rx', "import 'structured-rx';"],
  ['dist/src', `import ${JSON.stringify(pathToFileURL(path.join(root, 'dist/src/index.js')).href)};`],
  ...(before === null ? [] : [['before', `import ${JSON.stringify(pathToFileURL(path.join(path.resolve(before), 'dist/src/index.js')).href)};`]]),
];

function run(source) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`exit ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const times = new Map(targets.map(([n]) => [n, []]));
for (let i = 0; i < TRIALS; i += 1) for (const [name, src] of targets) times.get(name).push(run(src));
const base = times.get('rxjs');
console.log(`${TRIALS} trials, node ${process.version}, ${process.platform}-${process.arch}`);
for (const [name] of targets) {
  const xs = times.get(name);
  const diff = xs.map((x, i) => x - base[i]);
  console.log(`${name.padEnd(14)} median ${median(xs).toFixed(1)} ms   paired difference to rxjs: median ${median(diff).toFixed(1)} ms`);
}

const { prepareSql } = await import(pathToFileURL(path.join(root, 'dist/src/index.js')).href);
const t0 = performance.now();
prepareSql('select action, sum(count) as total_count from counts group by action');
const first = performance.now() - t0;
const t1 = performance.now();
prepareSql('select action, date_format(window.end, "MMM-dd HH:mm") as time, count from counts order by time, action');
console.log(`first statement parsed (builds the parser): ${first.toFixed(1)} ms; next statement: ${(performance.now() - t1).toFixed(2)} ms`);
