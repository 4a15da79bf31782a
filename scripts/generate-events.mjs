#!/usr/bin/env node
// Generates a look-alike of Databricks' `/databricks-datasets/structured-streaming/events/`
// dataset: JSON-lines files `file-0.json` ... `file-{N-1}.json`, each line exactly
// `{"time":<epoch seconds>,"action":"Open"|"Close"}`, events in time order across files
// (ties: Open before Close), half of them Opens and half Closes.
//
// Model (deterministic for a given seed; see datasets/README.md):
//   - Opens form a Poisson process at --opens-per-hour (default 1000/hour, whatever the
//     dataset size, so larger sets simply cover a longer span); the first Open is at
//     1469501107 (2016-07-26T02:45:07Z). Times are floored to whole seconds.
//   - Every Open is closed once: Close time = Open time + a delay drawn from a gamma
//     distribution with shape 2 and mean 66 minutes, rounded to whole seconds and at least
//     1 second, so each Close comes strictly after its own Open.
//   - Exactly (files * lines-per-file) / 2 Opens are generated; all of their Closes are
//     written, so the trailing events are Closes only.
//   - Random numbers come from mulberry32 seeded with --seed; per Open the draws are, in
//     order: the gap since the previous Open (none for the first), then the two exponential
//     draws whose sum is the delay.
// Events are merged in time order with a small min-heap of pending Closes, and each file is
// written as one string, so memory stays small even for tens of millions of events.
//
// Usage: node scripts/generate-events.mjs [--out DIR] [--files 50] [--lines-per-file 2000]
//                                          [--seed 42] [--opens-per-hour 1000]
// After writing, file modification times are set to increase strictly in file-number order
// (the rule of scripts/restore-mtimes.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { restoreMtimes } from './restore-mtimes.mjs';
import { isMain } from './is-main.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULTS = Object.freeze({
  out: join(REPO, 'datasets', 'events'),
  files: 50,
  linesPerFile: 2000,
  seed: 42,
  opensPerHour: 1000,
});
export const FIRST_TIME = 1469501107; // 2016-07-26T02:45:07Z
export const DELAY_SHAPE = 2;
export const DELAY_MEAN_SECONDS = 66 * 60;

/** mulberry32: a tiny 32-bit seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binary min-heap of Close times (plain numbers; equal times are identical lines). */
class MinHeap {
  constructor() {
    this.a = [];
  }
  get size() {
    return this.a.length;
  }
  peek() {
    return this.a[0];
  }
  push(v) {
    const a = this.a;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  pop() {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0) {
      let i = 0;
      const n = a.length;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1] < a[c]) c++;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * Yields the events in output order as [time, isOpen] pairs (the same array object is
 * reused between yields).
 */
function checkTotal(totalEvents) {
  if (!Number.isInteger(totalEvents) || totalEvents <= 0 || totalEvents % 2 !== 0) {
    throw new Error(`total number of events (files * lines-per-file) must be a positive even integer, got ${totalEvents}`);
  }
}

export function* events({ totalEvents, seed, opensPerHour }) {
  checkTotal(totalEvents);
  const rand = mulberry32(seed);
  const exp = (mean) => -Math.log(1 - rand()) * mean;
  const meanGap = 3600 / opensPerHour;
  const delayScale = DELAY_MEAN_SECONDS / DELAY_SHAPE;

  let opensLeft = totalEvents / 2;
  let openClock = FIRST_TIME; // fractional seconds
  let nextOpen = FIRST_TIME; // whole seconds, valid while opensLeft > 0
  const closes = new MinHeap();
  const ev = [0, true];

  while (opensLeft > 0 || closes.size > 0) {
    if (opensLeft > 0 && (closes.size === 0 || nextOpen <= closes.peek())) {
      // Emit the Open and schedule its Close.
      let d = 0;
      for (let k = 0; k < DELAY_SHAPE; k++) d += exp(delayScale);
      closes.push(nextOpen + Math.max(1, Math.round(d)));
      ev[0] = nextOpen;
      ev[1] = true;
      yield ev;
      opensLeft--;
      if (opensLeft > 0) {
        openClock += exp(meanGap);
        nextOpen = Math.floor(openClock);
      }
    } else {
      ev[0] = closes.pop();
      ev[1] = false;
      yield ev;
    }
  }
}

/** Writes the dataset; returns { files, events, ms }. */
export function generate({
  out = DEFAULTS.out,
  files = DEFAULTS.files,
  linesPerFile = DEFAULTS.linesPerFile,
  seed = DEFAULTS.seed,
  opensPerHour = DEFAULTS.opensPerHour,
} = {}) {
  const started = Date.now();
  checkTotal(files * linesPerFile);
  mkdirSync(out, { recursive: true });
  const it = events({ totalEvents: files * linesPerFile, seed, opensPerHour });
  const OPEN = ',"action":"Open"}\n';
  const CLOSE = ',"action":"Close"}\n';
  for (let f = 0; f < files; f++) {
    let text = '';
    for (let i = 0; i < linesPerFile; i++) {
      const r = it.next();
      if (r.done) throw new Error('ran out of events'); // cannot happen: counts match
      const [t, isOpen] = r.value;
      text += '{"time":' + t + (isOpen ? OPEN : CLOSE);
    }
    writeFileSync(join(out, `file-${f}.json`), text);
  }
  if (!it.next().done) throw new Error('events left over'); // cannot happen: counts match
  restoreMtimes(out);
  return { files, events: files * linesPerFile, ms: Date.now() - started };
}

function parseArgs(argv) {
  const opts = {};
  const names = {
    '--out': 'out',
    '--files': 'files',
    '--lines-per-file': 'linesPerFile',
    '--seed': 'seed',
    '--opens-per-hour': 'opensPerHour',
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        'Usage: node scripts/generate-events.mjs [--out DIR] [--files 50] [--lines-per-file 2000]\n' +
          '                                        [--seed 42] [--opens-per-hour 1000]\n',
      );
      process.exit(0);
    }
    const key = names[arg];
    if (key === undefined) throw new Error(`unknown option ${arg}`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`missing value for ${arg}`);
    }
    if (key === 'out') {
      opts.out = resolve(value);
    } else {
      const n = Number(value);
      const ok = key === 'opensPerHour' ? Number.isFinite(n) && n > 0 : Number.isInteger(n) && n >= (key === 'seed' ? 0 : 1);
      if (!ok) throw new Error(`invalid value for ${arg}: ${value}`);
      opts[key] = n;
    }
  }
  return opts;
}

if (isMain(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const r = generate(opts);
    process.stderr.write(`wrote ${r.events} events in ${r.files} files to ${opts.out ?? DEFAULTS.out} (${r.ms} ms)\n`);
  } catch (err) {
    process.stderr.write(`generate-events: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
