#!/usr/bin/env node
// Which container for the engine's columnar batches: apache-arrow or plain typed arrays?
// (decision 0021). Measured on the notebook's columns: a timestamp (epoch ms, float64) and an
// action (a dictionary-encoded string), 500 chunks of 20,000 rows (10 million rows).
//
//   node bench/columns.bench.mjs [--rounds 7]
//
// What is measured, each as paired rounds in one process (medians), after a warm-up:
//   build    the scanner's output made into a chunk: per row a time and a dictionary id
//            appended (Arrow: its builders, `makeBuilder`; typed: writes into preallocated
//            arrays), then the chunk made;
//   wrap     typed arrays made into an Arrow chunk without copying (`makeData` + `makeVector`);
//   read     the aggregation's inner loop over a chunk (per row: the window start from the
//            time, a group number from the start and the id): typed arrays indexed; Arrow
//            through `Vector.get(i)`; Arrow through its underlying arrays (`data[0].values`);
//   transfer a chunk sent to a worker and back: typed arrays with a transfer list, against
//            Arrow IPC (`tableToIPC`, its bytes transferred, `tableFromIPC`).
// And, as separate processes: the cost of importing apache-arrow (paired against `node -e 0`).
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { ARROW_DIR, importArrow } from './deps.mjs';

const arrow = await importArrow();
const { makeBuilder, makeData, makeVector, Float64, Int32, Utf8, Dictionary, vectorFromArray, tableToIPC, tableFromIPC, Table } = arrow;

const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1]) || 7;
const CHUNKS = 500;
const ROWS = 20000;
const HOUR = 3600000;
const DICT = ['Open', 'Close'];

// The input the scanner sees: times and ids per row (deterministic).
const times = new Float64Array(ROWS);
const ids = new Int32Array(ROWS);
for (let i = 0; i < ROWS; i++) {
  times[i] = (1469501107 + i * 3) * 1000;
  ids[i] = (i * 7919) % 3 === 0 ? 1 : 0;
}

function buildTyped() {
  const t = new Float64Array(ROWS);
  const a = new Int32Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    t[i] = times[i];
    a[i] = ids[i];
  }
  return { length: ROWS, time: t, action: a, dict: DICT };
}

const dictType = () => new Dictionary(new Utf8(), new Int32());
function buildArrow() {
  const tb = makeBuilder({ type: new Float64(), nullValues: [null] });
  const ab = makeBuilder({ type: dictType(), nullValues: [null] });
  for (let i = 0; i < ROWS; i++) {
    tb.append(times[i]);
    ab.append(DICT[ids[i]]);
  }
  return { time: tb.finish().toVector(), action: ab.finish().toVector() };
}

const dictionary = vectorFromArray(DICT, new Utf8());
function wrapArrow(chunk) {
  const time = makeVector(makeData({ type: new Float64(), length: chunk.length, data: chunk.time }));
  const action = makeVector(makeData({ type: dictType(), length: chunk.length, data: chunk.action, dictionary }));
  return { time, action };
}

function readTyped(chunk, counts) {
  const t = chunk.time;
  const a = chunk.action;
  for (let i = 0; i < ROWS; i++) {
    const x = t[i];
    const start = x - (x % HOUR);
    counts[((start / HOUR) % 64) * 2 + a[i]]++;
  }
}

function readArrowGet(chunk, counts) {
  const t = chunk.time;
  const a = chunk.action;
  for (let i = 0; i < ROWS; i++) {
    const x = t.get(i);
    const start = x - (x % HOUR);
    counts[((start / HOUR) % 64) * 2 + (a.get(i) === 'Close' ? 1 : 0)]++;
  }
}

function readArrowValues(chunk, counts) {
  const t = chunk.time.data[0].values;
  const a = chunk.action.data[0].values;
  for (let i = 0; i < ROWS; i++) {
    const x = t[i];
    const start = x - (x % HOUR);
    counts[((start / HOUR) % 64) * 2 + a[i]]++;
  }
}

// A worker that sends back what it gets: typed arrays moved, Arrow IPC bytes moved.
const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', (m) => parentPort.postMessage(m, m.transfer));`,
  { eval: true },
);
const roundTrip = (message) =>
  new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(message, message.transfer);
  });

async function transferTyped(chunk) {
  const m = { time: chunk.time, action: chunk.action, dict: chunk.dict, length: chunk.length, transfer: [chunk.time.buffer, chunk.action.buffer] };
  const back = await roundTrip(m);
  return { length: back.length, time: back.time, action: back.action, dict: back.dict };
}

async function transferArrow(chunk) {
  const bytes = tableToIPC(new Table({ time: chunk.time, action: chunk.action }));
  const back = await roundTrip({ bytes, transfer: [bytes.buffer] });
  const table = tableFromIPC(back.bytes);
  return { time: table.getChild('time'), action: table.getChild('action') };
}

const candidates = {
  'build: typed arrays': () => {
    for (let c = 0; c < CHUNKS; c++) buildTyped();
  },
  'build: Arrow builders': () => {
    for (let c = 0; c < CHUNKS; c++) buildArrow();
  },
  'build: typed arrays wrapped as Arrow (no copy)': () => {
    for (let c = 0; c < CHUNKS; c++) wrapArrow(buildTyped());
  },
  'read: typed arrays': () => {
    const chunk = buildTyped();
    const counts = new Float64Array(128);
    for (let c = 0; c < CHUNKS; c++) readTyped(chunk, counts);
    return counts[0];
  },
  'read: Arrow Vector.get(i)': () => {
    const chunk = wrapArrow(buildTyped());
    const counts = new Float64Array(128);
    for (let c = 0; c < CHUNKS; c++) readArrowGet(chunk, counts);
    return counts[0];
  },
  'read: Arrow data[0].values': () => {
    const chunk = wrapArrow(buildTyped());
    const counts = new Float64Array(128);
    for (let c = 0; c < CHUNKS; c++) readArrowValues(chunk, counts);
    return counts[0];
  },
  'transfer: typed arrays, transfer list': async () => {
    for (let c = 0; c < CHUNKS / 10; c++) await transferTyped(buildTyped());
  },
  'transfer: Arrow IPC bytes': async () => {
    for (let c = 0; c < CHUNKS / 10; c++) await transferArrow(wrapArrow(buildTyped()));
  },
};

// Results must agree before anything is timed.
{
  const a = new Float64Array(128);
  const b = new Float64Array(128);
  const c = new Float64Array(128);
  readTyped(buildTyped(), a);
  readArrowGet(buildArrow(), b);
  readArrowValues((await transferArrow(wrapArrow(buildTyped()))), c);
  const d = new Float64Array(128);
  readTyped(await transferTyped(buildTyped()), d);
  if (String(a) !== String(b) || String(a) !== String(c) || String(a) !== String(d)) throw new Error('the candidates disagree');
}

const names = Object.keys(candidates);
const times_ = new Map(names.map((n) => [n, []]));
for (let r = 0; r <= ROUNDS; r++) {
  for (const n of r % 2 ? names : [...names].reverse()) {
    const t0 = performance.now();
    await candidates[n]();
    if (r > 0) times_.get(n).push(performance.now() - t0);
  }
}
await worker.terminate();
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

// Import cost, whole processes, paired.
const run = (code) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: new URL('.', import.meta.url).pathname, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`exit ${r.status}`);
  return performance.now() - t0;
};
const diffs = [];
for (let k = 0; k < 15; k++) {
  const base = run('0');
  diffs.push(run(`await import(${JSON.stringify(new URL(`file://${ARROW_DIR}/node_modules/apache-arrow/Arrow.node.mjs`).href)})`) - base);
}

console.log(`${CHUNKS} chunks of ${ROWS.toLocaleString('en-US')} rows (a float64 time, a dictionary-encoded action), ${ROUNDS} rounds, median ms; transfer: ${CHUNKS / 10} chunks there and back`);
console.log('| candidate | median ms |');
console.log('|---|---:|');
for (const n of names) console.log(`| ${n} | ${median(times_.get(n)).toFixed(1)} |`);
console.log(`| import apache-arrow (a new process, paired against node -e 0, 15 trials) | ${median(diffs).toFixed(1)} |`);
