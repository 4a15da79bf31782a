#!/usr/bin/env node
// Measures the candidates for the interactive SQL over live tables (decision 0005):
//   1. our parser (generated from src/sql/grammar/spark.peggy; node-sql-parser until decision 0017) + our evaluator (dist/src/sql, build first:
//      `npx tsc -p tsconfig.build.json`)
//   2. DuckDB through @duckdb/node-api (installed on first use into bench/node_modules, see deps.mjs)
// For each: install size on disk, time from a fresh `node` process start to the first query
// result, and the median time of a grouped query over a 10,000-row table.
// alasql is not measured: it cannot be installed here (see the decision record).
//
// DuckDB cannot run the notebook's statements as written. They are rewritten for it:
// single-quoted string literals, "window"."end" (window and end are reserved words), and
// strftime('%b-%d %H:%M') in place of Spark's date_format(..., "MMM-dd HH:mm").
//
// Usage: node bench/sql-candidates.mjs [--runs N]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_DIR, ensureDuckDB } from './deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const STARTS = 7;
const ROWS = 10_000;

const engineUrl = pathToFileURL(path.join(root, 'dist/src/sql/index.js')).href;
const catalogUrl = pathToFileURL(path.join(root, 'dist/src/catalog.js')).href;
if (!fs.existsSync(fileURLToPath(engineUrl))) {
  process.stderr.write('dist/src/sql/index.js is missing: run `npx tsc -p tsconfig.build.json` first\n');
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Install size: bytes of every file under each package directory (what `du -s --apparent-size` says).

function dirBytes(dir) {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop();
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) stack.push(p);
      else if (entry.isFile()) total += fs.statSync(p).size;
    }
  }
  return total;
}

function packagesBytes(names, base = root) {
  const found = names.filter((n) => fs.existsSync(path.join(base, 'node_modules', n)));
  return { packages: found, bytes: found.reduce((sum, n) => sum + dirBytes(path.join(base, 'node_modules', n)), 0) };
}

ensureDuckDB();
const duckdbPackages = fs
  .readdirSync(path.join(BENCH_DIR, 'node_modules/@duckdb'))
  .map((n) => `@duckdb/${n}`);
const sizes = {
  ours: packagesBytes(['luxon']),
  oursLoaded: fs.statSync(path.join(root, 'dist/src/sql/grammar/parser.js')).size,
  duckdb: packagesBytes(duckdbPackages, BENCH_DIR),
};

// ---------------------------------------------------------------------------------------------
// Time to first query: a fresh node process that loads the engine, registers 4 rows and prints
// the result of the notebook's timeline statement.

const H = 3_600_000;
const BASE = 1469498400000;

const oursFirstQuery = `
import { executeSql } from ${JSON.stringify(engineUrl)};
import { Catalog } from ${JSON.stringify(catalogUrl)};
const c = new Catalog();
const w = (h) => ({ start: ${BASE} + h * ${H}, end: ${BASE} + (h + 1) * ${H} });
c.createOrReplaceTempView('static_counts', [
  { action: 'Open', window: w(0), count: 179 }, { action: 'Close', window: w(0), count: 11 },
  { action: 'Open', window: w(1), count: 1001 }, { action: 'Close', window: w(1), count: 344 }]);
const r = executeSql('select action, date_format(window.end, "MMM-dd HH:mm") as time, count from static_counts order by time, action', c);
process.stdout.write(JSON.stringify(r.rows[0]));
`;

const duckdbFirstQuery = `
import { DuckDBInstance, STRUCT, TIMESTAMP, timestampValue } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const conn = await inst.connect();
await conn.run('create table static_counts (action varchar, "window" struct(start timestamp, "end" timestamp), count bigint)');
const app = await conn.createAppender('static_counts');
const wt = STRUCT({ start: TIMESTAMP, end: TIMESTAMP });
const ts = (ms) => timestampValue(BigInt(ms) * 1000n);
for (const [a, h, n] of [['Open', 0, 179], ['Close', 0, 11], ['Open', 1, 1001], ['Close', 1, 344]]) {
  app.appendVarchar(a);
  app.appendStruct({ start: ts(${BASE} + h * ${H}), end: ts(${BASE} + (h + 1) * ${H}) }, wt);
  app.appendBigInt(BigInt(n));
  app.endRow();
}
app.closeSync();
const r = await conn.runAndReadAll(\`select action, strftime("window"."end", '%b-%d %H:%M') as time, count from static_counts order by time, action\`);
process.stdout.write(JSON.stringify(r.getRowObjectsJson()[0]));
`;

function timeProcess(source) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolve({ ms, out });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function medianProcess(source) {
  const times = [];
  let out = '';
  for (let i = 0; i < STARTS; i += 1) {
    const r = await timeProcess(source);
    times.push(r.ms);
    out = r.out;
  }
  return { ms: median(times), out };
}

// ---------------------------------------------------------------------------------------------
// A grouped query over 10,000 rows of windowed counts (5,000 hourly windows x Open/Close).

const rows = [];
for (let i = 0; i < ROWS; i += 1) {
  const h = Math.floor(i / 2);
  rows.push({ action: i % 2 === 0 ? 'Open' : 'Close', window: { start: BASE + h * H, end: BASE + (h + 1) * H }, count: (i * 7919) % 1000 });
}

const QUERIES = {
  totals: {
    ours: 'select action, sum(count) as total_count from counts group by action order by action',
    duckdb: 'select action, sum(count) as total_count from counts group by action order by action',
  },
  timeline: {
    ours: 'select action, date_format(window.end, "MMM-dd HH:mm") as time, count from counts order by time, action',
    duckdb: `select action, strftime("window"."end", '%b-%d %H:%M') as time, count from counts order by time, action`,
  },
};

async function timeAsync(fn) {
  for (let i = 0; i < 3; i += 1) await fn(); // warm up
  const times = [];
  for (let i = 0; i < RUNS; i += 1) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

async function measureOurs() {
  const { executeSql } = await import(engineUrl);
  const { Catalog } = await import(catalogUrl);
  const catalog = new Catalog();
  const load = await timeAsync(() => catalog.replace('counts', rows, { batchId: 0, isStreaming: true, schema: { action: 'string', window: 'window', count: 'long' } }));
  const out = { load };
  for (const [name, q] of Object.entries(QUERIES)) {
    out[name] = await timeAsync(() => executeSql(q.ours, catalog));
    out[`${name}Check`] = executeSql(q.ours, catalog).rows.length;
  }
  return out;
}

async function measureDuckdb() {
  const { DuckDBInstance, STRUCT, TIMESTAMP, timestampValue } = await import('@duckdb/node-api');
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  const wt = STRUCT({ start: TIMESTAMP, end: TIMESTAMP });
  const ts = (ms) => timestampValue(BigInt(ms) * 1000n);
  // What a memory sink would do at each trigger: replace the table's content with the new rows.
  const load = async () => {
    await conn.run('create or replace table counts (action varchar, "window" struct(start timestamp, "end" timestamp), count bigint)');
    const app = await conn.createAppender('counts');
    for (const r of rows) {
      app.appendVarchar(r.action);
      app.appendStruct({ start: ts(r.window.start), end: ts(r.window.end) }, wt);
      app.appendBigInt(BigInt(r.count));
      app.endRow();
    }
    app.closeSync();
  };
  const out = { load: await timeAsync(load) };
  for (const [name, q] of Object.entries(QUERIES)) {
    // Reading the rows back as JS objects is part of the cost: the notebook displays them.
    out[name] = await timeAsync(async () => (await conn.runAndReadAll(q.duckdb)).getRowObjectsJS());
    out[`${name}Check`] = (await conn.runAndReadAll(q.duckdb)).getRowObjectsJS().length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

const baseline = await medianProcess('process.stdout.write("0")');
const oursStart = await medianProcess(oursFirstQuery);
const duckStart = await medianProcess(duckdbFirstQuery);
const ours = await measureOurs();
const duck = await measureDuckdb();

const lines = [
  `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), ${mb(os.totalmem())} RAM, node ${process.version}, ${os.platform()}-${os.arch()}`,
  `runs: fresh-process starts median of ${STARTS}; in-process queries median of ${RUNS} after 3 warm-up runs; ${ROWS} rows`,
  '',
  'candidate                      | install size | first query (fresh node) | load 10k rows | grouped totals | timeline (10k rows sorted)',
  '-------------------------------|--------------|--------------------------|---------------|----------------|---------------------------',
  `own parser + evaluator         | ${mb(sizes.ours.bytes)} (${sizes.ours.packages.join(', ')}; parser file loaded: ${mb(sizes.oursLoaded)}) | ${ms(oursStart.ms)} | ${ms(ours.load)} | ${ms(ours.totals)} | ${ms(ours.timeline)}`,
  `DuckDB (@duckdb/node-api)      | ${mb(sizes.duckdb.bytes)} (${sizes.duckdb.packages.join(', ')}) | ${ms(duckStart.ms)} | ${ms(duck.load)} | ${ms(duck.totals)} | ${ms(duck.timeline)}`,
  `node start alone (baseline)    | -            | ${ms(baseline.ms)} | - | - | -`,
  '',
  `first rows: ours ${oursStart.out} | duckdb ${duckStart.out}`,
  `result sizes: ours totals=${ours.totalsCheck} timeline=${ours.timelineCheck}; duckdb totals=${duck.totalsCheck} timeline=${duck.timelineCheck}`,
  'alasql: not installed (its optional dependency react-native-fs brings react-native peers, >400 MB); not measured.',
];
process.stdout.write(`${lines.join('\n')}\n`);
