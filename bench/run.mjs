#!/usr/bin/env node
// `npm run bench`: the notebook's query (count per action and 1-hour window) as whole
// processes, structured-rx against DuckDB, a plain Node loop and hand-written RxJS, on three
// datasets: the large set (10 million events in 500 files, generated into datasets/large/ if
// missing), the bundled set (100,000 events in 50 files) and many small files (20,000 files of
// 10 lines, read 100 files per trigger). The large set's rounds also run structured-rx over 1
// million events (50 files of the same size), for scaling.
//
// Each program is one process (bench/programs/notebook-query.mjs); rounds alternate the order of
// the programs (forward, then backward), after one warm-up round that is not counted. For each
// program: wall time (measured here, the whole process), CPU time (user + system, all threads)
// and peak RSS (reported by the process), as medians with min-max, and the wall and CPU ratios
// to DuckDB paired by round (the median over rounds of program / DuckDB in the same round). Every
// program's table must be the same as every other's on the same data, or the run fails.
// Writes bench/RESULTS.md (machine, versions, load, commands, figures; each dataset between its own
// markers) and bench/results/bench.json.
//
//   npm run bench                                # everything: about 5-10 minutes on 2 cores
//   node bench/run.mjs --sets bundled,small      # some datasets only (large, bundled, small)
//   node bench/run.mjs --rounds 3 --no-write     # fewer rounds; print only
//   node bench/run.mjs --programs srx-stream,duckdb
//   node bench/run.mjs --baseline <dist dir>     # adds the structured-rx programs of another build
//                                                # (a copy of an older dist/ under bench/node_modules/, so
//                                                # that it resolves the project's dependencies), paired
//
// Needs the build (npm run build; `npm run bench` builds first). DuckDB is installed into
// bench/node_modules on first use (bench/deps.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DUCKDB_PACKAGE, ensureDuckDB } from './deps.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const PROGRAM = join(BENCH, 'programs', 'notebook-query.mjs');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const write = !args.includes('--no-write');
const wantedSets = arg('--sets', 'large,bundled,small').split(',');
const wantedPrograms = arg('--programs', undefined)?.split(',');
const baseline = arg('--baseline', undefined);

/** With --baseline, each structured-rx entry gets a twin run by the baseline build. */
function withBaseline(entries) {
  if (baseline === undefined) return entries;
  return entries.flatMap((e) => (e.program.startsWith('srx-') ? [e, { ...e, label: `${e.label} [baseline]`, env: { SRX_DIST: baseline }, baseline: true }] : [e]));
}

/** Generates a dataset with the project's generator unless its last file is there. */
function dataset(name, files, linesPerFile) {
  const dir = join(ROOT, 'datasets', 'large', name);
  if (!existsSync(join(dir, `file-${files - 1}.json`))) {
    process.stderr.write(`generating ${relative(ROOT, dir)} (${files} files of ${linesPerFile} lines)...\n`);
    execNode([join(ROOT, 'scripts', 'generate-events.mjs'), '--out', dir, '--files', String(files), '--lines-per-file', String(linesPerFile)], 'inherit');
  }
  return dir;
}

function execNode(argv, stdio = 'pipe', env = {}) {
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', stdio, 'inherit'], encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`node ${argv.map((a) => relative(ROOT, a) || a).join(' ')} exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

const PROGRAMS = {
  'srx-stream': 'structured-rx streaming, 1 file per trigger',
  'srx-static': 'structured-rx static (one batch)',
  plain: 'plain Node loop (readFileSync, JSON.parse, a Map)',
  rxjs: 'hand-written RxJS (one emission per event)',
  duckdb: 'DuckDB read_json + time_bucket + group by (2 threads)',
  bytes: 'only reading the bytes and finding newlines',
};

const SETS = {
  large: {
    title: 'Large set: 10,000,000 events, 500 files of 20,000 lines (365 MB)',
    rounds: 5,
    entries: () => {
      const big = dataset('events-10m', 500, 20000);
      const small = dataset('events-1m', 50, 20000);
      return [
        ...['srx-stream', 'srx-static', 'plain', 'rxjs', 'duckdb', 'bytes'].map((p) => ({ label: p, program: p, dir: big, data: '10m' })),
        { label: 'srx-stream (1M)', program: 'srx-stream', dir: small, data: '1m', scaling: true },
        { label: 'srx-static (1M)', program: 'srx-static', dir: small, data: '1m', scaling: true },
      ];
    },
  },
  bundled: {
    title: 'Bundled set: 100,000 events, 50 files of 2,000 lines (3.6 MB), whole process with start-up',
    rounds: 9,
    entries: () => ['srx-stream', 'srx-static', 'plain', 'rxjs', 'duckdb', 'bytes'].map((p) => ({ label: p, program: p, dir: join(ROOT, 'datasets', 'events'), data: 'bundled' })),
  },
  small: {
    title: 'Many small files: 20,000 files of 10 lines (200,000 events); structured-rx streaming takes 100 files per trigger',
    rounds: 5,
    entries: () => {
      const dir = dataset('small-20k', 20000, 10);
      return [
        { label: 'srx-stream (100 files/trigger)', program: 'srx-stream', dir, data: 'small', args: ['--files-per-trigger', '100'], files: 20000 },
        ...['srx-static', 'plain', 'rxjs', 'duckdb', 'bytes'].map((p) => ({ label: p, program: p, dir, data: 'small', files: 20000 })),
      ];
    },
  },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runOnce(entry) {
  const t0 = performance.now();
  const out = execNode([PROGRAM, entry.program, entry.dir, ...(entry.args ?? [])], 'pipe', entry.env);
  const wallMs = performance.now() - t0;
  const line = out.trim().split('\n').pop();
  return { wallMs, ...JSON.parse(line) };
}

function measureSet(key) {
  const set = SETS[key];
  const rounds = Number(arg('--rounds', set.rounds));
  const entries = withBaseline(set.entries()).filter((e) => wantedPrograms === undefined || wantedPrograms.includes(e.program));
  const runs = new Map(entries.map((e) => [e.label, []]));
  const loadBefore = os.loadavg();
  process.stderr.write(`${set.title}: ${rounds} rounds after a warm-up, load ${loadBefore.map((l) => l.toFixed(1)).join(' ')}\n`);
  for (let r = 0; r <= rounds; r++) {
    const order = r % 2 === 0 ? entries : [...entries].reverse();
    for (const e of order) {
      const result = runOnce(e);
      if (r > 0) runs.get(e.label).push(result);
      process.stderr.write(`  ${r === 0 ? 'warm-up' : `round ${r}`} ${e.label}: ${result.wallMs.toFixed(0)} ms wall, ${result.cpuMs.toFixed(0)} ms CPU, ${result.maxRssMb.toFixed(0)} MB\n`);
    }
  }
  // Every program's table on the same data is the same table.
  const byData = new Map();
  for (const e of entries) {
    for (const run of runs.get(e.label)) {
      if (run.digest === null) continue;
      const seen = byData.get(e.data);
      if (seen === undefined) byData.set(e.data, { label: e.label, digest: run.digest, rows: run.rows });
      else if (seen.digest !== run.digest) throw new Error(`${e.label} gave another table (${run.rows} rows, ${run.digest}) than ${seen.label} (${seen.rows} rows, ${seen.digest}) on the same data`);
    }
  }
  const duck = entries.find((e) => e.program === 'duckdb' && e.data === entries[0].data);
  const stats = entries.map((e) => {
    const xs = runs.get(e.label);
    const pick = (f) => ({ median: median(xs.map(f)), min: Math.min(...xs.map(f)), max: Math.max(...xs.map(f)) });
    const paired = (f) => (duck === undefined || e.data !== duck.data ? undefined : median(xs.map((x, i) => f(x) / f(runs.get(duck.label)[i]))));
    return {
      label: e.label,
      program: e.program,
      data: e.data,
      scaling: e.scaling === true,
      files: e.files,
      wallMs: pick((x) => x.wallMs),
      queryMs: pick((x) => x.queryMs),
      cpuMs: pick((x) => x.cpuMs),
      maxRssMb: pick((x) => x.maxRssMb),
      wallVsDuckdb: paired((x) => x.wallMs),
      cpuVsDuckdb: paired((x) => x.cpuMs),
      rows: xs[0]?.rows ?? null,
    };
  });
  return { key, title: set.title, rounds, loadBefore, loadAfter: os.loadavg(), stats, tableRows: [...byData.values()][0]?.rows };
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const range = (s, d = 0) => `${fmt(s.median, d)} (${fmt(s.min, d)}-${fmt(s.max, d)})`;

function tableOf(result) {
  const lines = [
    `### ${result.title}`,
    '',
    `${result.rounds} rounds, alternating order; load average ${result.loadBefore.map((l) => l.toFixed(1)).join(' / ')} before, ${result.loadAfter.map((l) => l.toFixed(1)).join(' / ')} after (1 / 5 / 15 min). Every program's table: ${result.tableRows} rows, identical.`,
    '',
    '| program | wall ms, median (min-max) | wall ÷ DuckDB | CPU ms | CPU ÷ DuckDB | peak RSS MB | query ms in-process |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of result.stats) {
    const label = s.label === s.program ? `${s.label}: ${PROGRAMS[s.program]}` : s.label;
    const vs = (x) => (x === undefined ? '' : `${x.toFixed(2)}`);
    lines.push(`| ${label} | ${range(s.wallMs)} | ${vs(s.wallVsDuckdb)} | ${range(s.cpuMs)} | ${vs(s.cpuVsDuckdb)} | ${range(s.maxRssMb)} | ${range(s.queryMs)} |`);
  }
  const scaled = result.stats.filter((s) => s.scaling);
  for (const s of scaled) {
    const big = result.stats.find((b) => b.program === s.program && !b.scaling && b.label.endsWith('[baseline]') === s.label.endsWith('[baseline]'));
    if (big === undefined) continue;
    lines.push('', `Scaling, ${s.label.replace(' (1M)', '')}: 10M / 1M events: wall ×${(big.wallMs.median / s.wallMs.median).toFixed(2)}, in-process query ×${(big.queryMs.median / s.queryMs.median).toFixed(2)} (linear: ×10), peak RSS ${fmt(s.maxRssMb.median)} → ${fmt(big.maxRssMb.median)} MB (×${(big.maxRssMb.median / s.maxRssMb.median).toFixed(2)}).`);
  }
  const many = result.stats.filter((s) => s.files !== undefined && s.program.startsWith('srx'));
  for (const s of many) lines.push('', `${s.label}: ${fmt(s.files / (s.wallMs.median / 1000))} files/s for the whole process, ${fmt(s.files / (s.queryMs.median / 1000))} files/s in-process (listed, read, parsed, aggregated).`);
  return lines.join('\n');
}

ensureDuckDB();
const results = [];
for (const key of wantedSets) {
  if (SETS[key] === undefined) throw new Error(`unknown set ${key}; one of ${Object.keys(SETS).join(', ')}`);
  const result = measureSet(key);
  results.push(result);
  console.log(tableOf(result) + '\n');
}

const pkg = (name, from = ROOT) => {
  try {
    return JSON.parse(readFileSync(join(from, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
};
const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'operators'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
const cpus = os.cpus();
const machine = [
  `- Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB memory, ${os.type()} ${os.release()} ${os.arch()}`,
  `- Node ${process.version}; rxjs ${pkg('rxjs')}; DuckDB ${pkg('@duckdb/node-api', BENCH)} (${DUCKDB_PACKAGE}); structured-rx at commit ${git}${dirty ? ' with uncommitted changes' : ''}`,
  `- Command: \`node bench/run.mjs ${args.join(' ')}\`.trim() (npm run bench builds first); ${new Date().toISOString().slice(0, 10)}`,
].join('\n').replace('`.trim()', '`');

if (write) {
  mkdirSync(join(BENCH, 'results'), { recursive: true });
  writeFileSync(join(BENCH, 'results', 'bench.json'), JSON.stringify({ machine, results }, null, 2) + '\n');
  // bench/RESULTS.md: each dataset's figures go between its own markers (a run of some datasets
  // leaves the others' as they were); what is written around them (the analysis, the profiles)
  // is kept.
  const path = join(BENCH, 'RESULTS.md');
  let md = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results: the notebook query, whole processes\n';
  for (const r of results) {
    const START = `<!-- figures written by npm run bench (${r.key}): start -->`;
    const END = `<!-- figures written by npm run bench (${r.key}): end -->`;
    const figures = [START, '', machine, '', tableOf(r), '', END].join('\n');
    const a = md.indexOf(START);
    const b = md.indexOf(END);
    md = a < 0 || b < a ? `${md.trimEnd()}\n\n${figures}\n` : md.slice(0, a) + figures + md.slice(b + END.length);
  }
  writeFileSync(path, md);
  process.stderr.write('wrote bench/RESULTS.md and bench/results/bench.json\n');
}
