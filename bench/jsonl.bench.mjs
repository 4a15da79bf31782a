#!/usr/bin/env node
// Benchmark: how should the file source read JSON-lines files?
//
//   npm run build && node bench/jsonl.bench.mjs [--quick] [--rounds N] [--no-rss]
//
// Generates JSON-lines files (lines exactly like {"time":1469501107,"action":"Open"}) in a
// fresh directory under the OS temp dir, then times reading + parsing every file into an
// array of rows { time: epoch ms, action: string | null } with each candidate:
//
//   read    baseline: fs.promises.readFile(path) only (bytes, no decoding, no parsing)
//   text    baseline: fs.promises.readFile(path, 'utf8') only (bytes + UTF-8 decoding)
//   a       readFile(path, 'utf8'), split on '\n', JSON.parse, convert (parseJsonLines)
//   b       readline over fs.createReadStream + JSON.parse + convert
//   c       split2 stream + JSON.parse + convert
//   d       stream-json's jsonl/Parser + convert
//   e       readFile(path, 'utf8') + schema-driven scanner (scanJsonLines)
//   cur     for comparison: the reader the file source uses today (src/json-lines.ts), if built
//
// Files are read one after another (one file = one micro-batch). Runs are paired and
// interleaved: each round runs every candidate once over the whole dataset, in a rotated
// order; the table reports the median time per candidate, the median of the per-round ratios
// to candidate (a), and the ratio to the read-only baseline. Peak RSS is measured by
// running one pass of each candidate in a child process (maxRSS of that process).
// Before timing, all candidates are checked to return identical rows.
//
// Candidates (a) and (e) and the row conversion used by (b)-(d) come from the compiled
// library (dist/src/jsonl/fast-scan.js), so run `npm run build` first.

import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import split2 from 'split2';

const require = createRequire(import.meta.url);
const JsonlParser = require('stream-json/jsonl/Parser');

const lib = await import(new URL('../dist/src/jsonl/fast-scan.js', import.meta.url)).catch((e) => {
  console.error('Cannot load dist/src/jsonl/fast-scan.js: run `npm run build` first.\n' + e.message);
  process.exit(1);
});
const { parseJsonLinesReference, scanJsonLines, rowFromJsonValue } = lib;

// The reader the file source uses today (src/json-lines.ts), for comparison; skipped if absent.
const current = await Promise.all([
  import(new URL('../dist/src/json-lines.js', import.meta.url)),
  import(new URL('../dist/src/schema.js', import.meta.url)),
])
  .then(([jl, sc]) => ({ parse: jl.parseJsonLines, schema: sc.parseSchema('time TIMESTAMP, action STRING') }))
  .catch(() => null);

const SCHEMA = Object.freeze([
  Object.freeze({ name: 'time', type: 'timestamp' }),
  Object.freeze({ name: 'action', type: 'string' }),
]);

// ---------------------------------------------------------------------------------------
// Candidates: each takes a path and resolves to { rows, bad } for that file.

// (b)-(d) report bad lines with the same fields; the partial row is left out (null) here.
function pushParsed(line, lineNo, rows, bad) {
  let r;
  try {
    r = rowFromJsonValue(JSON.parse(line), SCHEMA);
  } catch (e) {
    r = `invalid JSON: ${e.message}`;
  }
  if (typeof r === 'string') bad.push({ line: lineNo, reason: r, raw: line, rowIndex: rows.length, row: null });
  else rows.push(r);
}

const isBlank = (s) => /^[ \t\r]*$/.test(s);

const candidates = {
  read: async (path) => {
    const buf = await readFile(path);
    return { rows: { length: buf.length }, bad: [] };
  },
  text: async (path) => {
    const text = await readFile(path, 'utf8');
    return { rows: { length: text.length }, bad: [] };
  },
  a: async (path) => parseJsonLinesReference(await readFile(path, 'utf8'), SCHEMA),
  cur: async (path) => {
    const { rows } = current.parse(await readFile(path, 'utf8'), current.schema, {
      path,
      mode: 'PERMISSIVE',
      columnNameOfCorruptRecord: '_corrupt_record',
    });
    return { rows, bad: [] };
  },
  b: async (path) => {
    const rows = [];
    const bad = [];
    const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const line of rl) {
      lineNo++;
      if (!isBlank(line)) pushParsed(line, lineNo, rows, bad);
    }
    return { rows, bad };
  },
  c: (path) =>
    new Promise((resolve, reject) => {
      const rows = [];
      const bad = [];
      let lineNo = 0;
      createReadStream(path)
        .on('error', reject)
        .pipe(split2())
        .on('data', (line) => {
          lineNo++;
          if (!isBlank(line)) pushParsed(line, lineNo, rows, bad);
        })
        .on('error', reject)
        .on('end', () => resolve({ rows, bad }));
    }),
  d: (path) =>
    new Promise((resolve, reject) => {
      const rows = [];
      const bad = [];
      createReadStream(path)
        .on('error', reject)
        .pipe(new JsonlParser())
        .on('data', ({ key, value }) => {
          const r = rowFromJsonValue(value, SCHEMA);
          if (typeof r === 'string') bad.push({ line: key + 1, reason: r, raw: JSON.stringify(value), rowIndex: rows.length, row: null });
          else rows.push(r);
        })
        .on('error', reject)
        .on('end', () => resolve({ rows, bad }));
    }),
  e: async (path) => scanJsonLines(await readFile(path, 'utf8'), SCHEMA),
};

const LABELS = {
  read: 'baseline: readFile bytes only',
  text: 'baseline: readFile utf8 (decode)',
  a: '(a) readFile + split + JSON.parse',
  b: '(b) readline + JSON.parse',
  c: '(c) split2 + JSON.parse',
  d: '(d) stream-json jsonl/Parser',
  e: '(e) readFile + schema scanner',
  cur: 'today: src/json-lines.ts (JSON.parse)',
};

// ---------------------------------------------------------------------------------------
// Data.

function generate(dir, files, linesPerFile) {
  let t = 1469501107;
  const paths = [];
  for (let f = 0; f < files; f++) {
    const lines = new Array(linesPerFile);
    for (let i = 0; i < linesPerFile; i++) {
      t += (i * 7919) % 3; // non-decreasing times, varying digits
      lines[i] = `{"time":${t},"action":"${(i * 31 + f) % 2 === 0 ? 'Open' : 'Close'}"}`;
    }
    const path = join(dir, `file-${f}.json`);
    writeFileSync(path, lines.join('\n') + '\n');
    paths.push(path);
  }
  return paths;
}

async function pass(name, paths) {
  const fn = candidates[name];
  let n = 0;
  for (const p of paths) n += (await fn(p)).rows.length;
  return n;
}

// ---------------------------------------------------------------------------------------
// Child mode: one pass of one candidate, report peak RSS.

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const [, name, listFile] = argv;
  const paths = JSON.parse(await readFile(listFile, 'utf8'));
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const n = await pass(name, paths);
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ n, ms, maxRssKb: process.resourceUsage().maxRSS, startRss: before }) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------------------------------
// Main.

const quick = argv.includes('--quick');
const noRss = argv.includes('--no-rss');
const roundsArg = argv.indexOf('--rounds');
const ORDER = ['read', 'text', 'a', 'b', 'c', 'd', 'e', ...(current ? ['cur'] : [])];

const DATASETS = quick
  ? [
      { label: '20 files x 500 lines', files: 20, lines: 500, rounds: 5 },
      { label: '20 files x 5,000 lines', files: 20, lines: 5000, rounds: 3 },
    ]
  : [
      { label: '50 files x 2,000 lines (notebook shape, 100k lines)', files: 50, lines: 2000, rounds: 15 },
      { label: '500 files x 20,000 lines (10M lines)', files: 500, lines: 20000, rounds: 5 },
    ];
if (roundsArg >= 0) for (const d of DATASETS) d.rounds = Number(argv[roundsArg + 1]);

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function verify(paths) {
  for (const p of paths.slice(0, 3)) {
    const ref = JSON.stringify(await candidates.a(p));
    for (const name of ['b', 'c', 'd', 'e']) {
      const got = JSON.stringify(await candidates[name](p));
      if (got !== ref) throw new Error(`candidate ${name} disagrees with (a) on ${p}`);
    }
    if (current && JSON.stringify((await candidates.cur(p)).rows) !== JSON.stringify(JSON.parse(ref).rows)) {
      throw new Error(`src/json-lines.ts disagrees with (a) on ${p}`);
    }
  }
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

const root = mkdtempSync(join(tmpdir(), 'structured-rx-jsonl-bench-'));
const cleanup = () => rmSync(root, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  console.log(
    `Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'})`,
  );
  for (const ds of DATASETS) {
    const dataDir = mkdtempSync(join(root, 'data-'));
    const paths = generate(dataDir, ds.files, ds.lines);
    const total = ds.files * ds.lines;
    await verify(paths);

    // Warm-up: one pass each (JIT, page cache).
    for (const name of ORDER) await pass(name, paths);

    const times = Object.fromEntries(ORDER.map((k) => [k, []]));
    for (let r = 0; r < ds.rounds; r++) {
      const order = ORDER.map((_, i) => ORDER[(i + r) % ORDER.length]);
      for (const name of order) {
        const t0 = performance.now();
        const n = await pass(name, paths);
        times[name].push(performance.now() - t0);
        if (name !== 'read' && name !== 'text' && n !== total) throw new Error(`${name}: ${n} rows, expected ${total}`);
      }
    }

    let rss = null;
    if (!noRss) {
      rss = {};
      const listFile = join(dataDir, 'paths.json');
      writeFileSync(listFile, JSON.stringify(paths));
      for (const name of ORDER) {
        const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, listFile], {
          encoding: 'utf8',
        });
        if (child.status !== 0) throw new Error(`child ${name} failed: ${child.stderr}`);
        rss[name] = JSON.parse(child.stdout).maxRssKb / 1024;
      }
    }

    const medRead = median(times.read);
    console.log(`\n${ds.label}: ${total.toLocaleString('en-US')} lines, ${ds.rounds} rounds (median)`);
    console.log(
      `${pad('candidate', 36)} ${lpad('median ms', 10)} ${lpad('ns/line', 8)} ${lpad('Mlines/s', 9)} ${lpad('vs (a)', 7)} ${lpad('vs read', 8)}${rss ? lpad('peak RSS MB', 12) : ''}`,
    );
    for (const name of ORDER) {
      const med = median(times[name]);
      const paired = median(times[name].map((t, i) => t / times.a[i]));
      console.log(
        `${pad(LABELS[name], 36)} ${lpad(med.toFixed(1), 10)} ${lpad(((med * 1e6) / total).toFixed(0), 8)} ${lpad((total / med / 1000).toFixed(2), 9)} ${lpad(paired.toFixed(2) + 'x', 7)} ${lpad((med / medRead).toFixed(1) + 'x', 8)}${rss ? lpad(rss[name].toFixed(0), 12) : ''}`,
      );
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
} finally {
  cleanup();
}
