#!/usr/bin/env node
// Micro-benchmark: the byte scanner (src/jsonl/byte-scan.ts, `parseJsonLinesToColumns`) before
// and after a change, in one process, over blocks of lines held in memory (as a file in the page
// cache is read into one buffer and parsed).
//
//   node bench/byte-scan.bench.mjs [--base REF] [--rounds N] [--lines N] [--only notebook,wide,shuffled,extra,small] [--quick]
//
// "before" is src/jsonl/byte-scan.ts as of git REF (default: the commit before the specialised
// scanner), "after" is the working tree's; each is bundled with esbuild-wasm together with the
// working tree's other modules (columns.ts, fast-scan.ts, ...), so only the scanner differs.
// Nothing is built into dist/.
//
// Datasets (cut into blocks of 20,000 lines, one block = one file of the notebook set, unless said):
//   notebook  {"time":1469501107,"action":"Open"}: scripts/generate-events.mjs's events
//   wide      7 columns (int, string of 1,000 values, long, double, boolean, timestamp, string
//             of 2 values), keys in schema order
//   shuffled  the notebook lines with the keys in the other order
//   extra     the notebook lines with three more keys the schema does not read (a number, an
//             object, a boolean)
//   small     the notebook lines in blocks of 10 lines (many small files: the per-block set-up)
//
// Method: paired and alternating. Each round parses every block of a dataset once with each
// version, the order swapped every round; reported per version: the median ns per line and
// MB/s over rounds, and the median of the per-round ratios after/before. Both versions' columns
// are checked equal before timing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { events } from '../scripts/generate-events.mjs';
import { bundleSources, fromRef } from './bundle-sources.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNER = join(ROOT, 'src', 'jsonl', 'byte-scan.ts');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const quick = args.includes('--quick');
const BASE = opt('--base', '1d60e5b5f96e');
const ROUNDS = Number(opt('--rounds', quick ? 3 : 15));
const LINES = Number(opt('--lines', quick ? 100_000 : 1_000_000));
const LINES_PER_BLOCK = 20_000;

// ---------------------------------------------------------------------------------------
// The two versions.

const work = mkdtempSync(join(tmpdir(), 'byte-scan-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** The columnar reader, bundled from the working tree, or with the scanner of git REF when given. */
async function bundle(name, ref) {
  const outfile = await bundleSources({
    contents: "export { parseJsonLinesToColumns } from './columns.js';",
    resolveDir: join(ROOT, 'src', 'jsonl'),
    outfile: join(work, `${name}.mjs`),
    plugins: ref === undefined ? [] : [fromRef(ROOT, ref, [SCANNER])],
  });
  return import(pathToFileURL(outfile).href);
}

const versions = {
  before: (await bundle('before', BASE)).parseJsonLinesToColumns,
  after: (await bundle('after', undefined)).parseJsonLinesToColumns,
};

// ---------------------------------------------------------------------------------------
// Datasets.

function notebookLines(n, shape) {
  const out = [];
  for (const [time, isOpen] of events({ totalEvents: n, seed: 42, opensPerHour: 1000 })) {
    const action = isOpen ? 'Open' : 'Close';
    if (shape === 'shuffled') out.push(`{"action":"${action}","time":${time}}`);
    else if (shape === 'extra') out.push(`{"id":${out.length},"time":${time},"device":{"os":"ios","v":[1,2]},"action":"${action}","ok":true}`);
    else out.push(`{"time":${time},"action":"${action}"}`);
  }
  return out;
}

function wideLines(n) {
  let a = 7;
  const rand = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 4294967296);
  const out = [];
  for (let i = 0; i < n; i++) {
    const user = `user-${Math.floor(rand() * 1000)}`;
    const amount = (Math.floor(rand() * 1e6) / 100).toString();
    out.push(`{"id":${i},"user":"${user}","bytes":${Math.floor(rand() * 1e12)},"amount":${amount},"ok":${rand() < 0.5},"time":${1469501107 + i},"kind":"${rand() < 0.5 ? 'get' : 'put'}"}`);
  }
  return out;
}

const field = (name, type) => ({ name, type });
const NOTEBOOK = { fields: [field('time', 'timestamp'), field('action', 'string')] };
const WIDE = {
  fields: [field('id', 'int'), field('user', 'string'), field('bytes', 'long'), field('amount', 'double'), field('ok', 'boolean'), field('time', 'timestamp'), field('kind', 'string')],
};

function blocksOf(lines, size = LINES_PER_BLOCK) {
  const blocks = [];
  for (let i = 0; i < lines.length; i += size) blocks.push(Buffer.from(lines.slice(i, i + size).join('\n') + '\n'));
  return blocks;
}

const only = opt('--only', 'notebook,wide,shuffled,extra,small').split(',');
const datasets = [
  { name: 'notebook', schema: NOTEBOOK, make: () => blocksOf(notebookLines(LINES, 'notebook')) },
  { name: 'wide', schema: WIDE, make: () => blocksOf(wideLines(Math.floor(LINES / 4))) },
  { name: 'shuffled', schema: NOTEBOOK, make: () => blocksOf(notebookLines(Math.floor(LINES / 4), 'shuffled')) },
  { name: 'extra', schema: NOTEBOOK, make: () => blocksOf(notebookLines(Math.floor(LINES / 4), 'extra')) },
  { name: 'small', schema: NOTEBOOK, make: () => blocksOf(notebookLines(Math.floor(LINES / 10), 'notebook'), 10) },
]
  .filter((ds) => only.includes(ds.name))
  .map(({ make, ...ds }) => ({ ...ds, blocks: make() }));

const options = { path: 'bench.json', mode: 'FAILFAST', columnNameOfCorruptRecord: '_corrupt_record' };

function run(parse, ds) {
  let rows = 0;
  for (const block of ds.blocks) rows += parse(block, ds.schema, options).chunk.length;
  return rows;
}

// ---------------------------------------------------------------------------------------
// Equal results, then timing.

function sameColumns(a, b, where) {
  const eq = (x, y) => x === y || (x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => Object.is(v, y[i])));
  if (a.length !== b.length || a.names.join() !== b.names.join()) throw new Error(`${where}: different shapes`);
  for (const name of a.names) {
    const ca = a.column(name);
    const cb = b.column(name);
    const ok = ca.kind === cb.kind && eq(ca.values, cb.values) && eq(ca.ids, cb.ids) && eq(ca.dict, cb.dict) && eq(ca.validity, cb.validity);
    if (!ok) throw new Error(`${where}: column ${name} differs`);
  }
}

for (const ds of datasets) {
  ds.blocks.forEach((block, i) => sameColumns(versions.before(block, ds.schema, options).chunk, versions.after(block, ds.schema, options).chunk, `${ds.name} block ${i}`));
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`byte scanner, before (${BASE}) and after (working tree); Node ${process.version}; ${ROUNDS} rounds; blocks of ${LINES_PER_BLOCK.toLocaleString('en-US')} lines\n`);
console.log('| dataset | lines | bytes/line | before ns/line | after ns/line | before MB/s | after MB/s | after ÷ before (median of rounds) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const ds of datasets) {
  const lines = ds.blocks.reduce((n, b) => n + b.toString('latin1').split('\n').length - 1, 0);
  const bytes = ds.blocks.reduce((n, b) => n + b.length, 0);
  for (let w = 0; w < 3; w++) for (const v of Object.values(versions)) run(v, ds); // warm-up
  const times = { before: [], after: [] };
  const ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    const t = {};
    for (const name of order) {
      const t0 = process.hrtime.bigint();
      const rows = run(versions[name], ds);
      t[name] = Number(process.hrtime.bigint() - t0);
      if (rows !== lines) throw new Error(`${ds.name}: ${name} gave ${rows} rows, not ${lines}`);
      times[name].push(t[name]);
    }
    ratios.push(t.after / t.before);
  }
  const ns = (name) => median(times[name]) / lines;
  const mbs = (name) => bytes / 1e6 / (median(times[name]) / 1e9);
  console.log(
    `| ${ds.name} | ${lines.toLocaleString('en-US')} | ${(bytes / lines).toFixed(1)} | ${ns('before').toFixed(1)} | ${ns('after').toFixed(1)} | ${mbs('before').toFixed(0)} | ${mbs('after').toFixed(0)} | ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}) |`,
  );
}
