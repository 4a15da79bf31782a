// The crash test: a checkpointed query with the file sink is killed (SIGKILL) at random moments and
// restarted until its input is processed; what its sink committed must equal, as a multiset of
// rows, what an uninterrupted run over the same input committed (and what the input predicts).
//
//   npm run crash-test -- --trials 20 [--files 200] [--parallel 2] [--seed 42] [--keep]
//
// Per trial, in a new temp directory:
// - the input: `--files` JSON-lines files of `{time, key}` rows, written one after another with
//   random gaps, bursts and pauses while the queries run, each atomically (a `.`-named temp file,
//   then a rename) with increasing modification times; then the `_DONE` marker;
// - the uninterrupted run: scripts/crash-test-query.mjs on its own output and checkpoint, never killed;
// - the crashed run: the same query on another output and checkpoint, started again after each
//   kill. A run is killed either by this process after a random delay (sometimes during start-up
//   and recovery, mostly while it runs batches), or by itself at an internal crash point enabled
//   by STRUCTURED_RX_CRASH_POINT=<name>:<probability>: in a checkpoint write between the temp
//   file and its rename, after the rename before the directory's fsync (these two also in the
//   sink's log), and in the file sink between a batch's data file and its log entry.
// Each query run ends, once `_DONE` is there, with processAllAvailable() and stop(): every file is
// read and the windows the last watermark passed are emitted. Kills go on during that last
// phase too, until a run finishes.
//
// The end state is deterministic: the query is readJsonFiles → throttleFiles(1) → withWatermark →
// tumblingWindow → groupCount(key, window) → toJsonFiles (append), so each data batch reads one
// file, in the order the files were written. Whether a row is late depends on the watermark of
// the batch before it, which is the watermark after the file before, or, if a no-data batch ran
// in between, after that file itself — a matter of timing. The input avoids rows whose fate
// would depend on it: a row is either on time under both (its window ends after the watermark
// after the previous file) or late under both (its window ended at or before the watermark after
// the file before that). So the committed rows are exactly the windows that end at or before the
// final watermark, each with the count of its on-time rows, whatever the kills and the timing.
//
// Prints a line per trial and a summary (trials, kills by cause, restarts, rows compared, time);
// exits 1 if any trial's committed rows differ or a run failed other than by a kill.
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, utimesSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonFileSink, SINK_LOG_DIR } from '../dist/src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const QUERY_SCRIPT = join(here, 'crash-test-query.mjs');
const WATERMARK_DELAY_S = 5;
const WINDOW_S = 10;
const KEYS = ['a', 'b', 'c', 'd', 'e'];
const BASE_TIME_S = 1_700_000_000; // event time of file 0, a multiple of the window
const BASE_MTIME_S = 1_600_000_000; // modification time of file 0; file i gets i seconds more
const CRASH_POINTS = ['checkpoint-before-rename', 'checkpoint-before-dir-fsync', 'sink-before-log'];
/** After this many kills once the input is complete, the crashed run is let finish. */
const MAX_KILLS_AFTER_DONE = 30;

// ---- arguments -------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { trials: 5, files: 200, parallel: 1, seed: Math.floor(Math.random() * 2 ** 31), keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (name) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${name} needs a whole number, got ${argv[i]}`);
      return v;
    };
    if (a === '--trials') opts.trials = num(a);
    else if (a === '--files') opts.files = num(a);
    else if (a === '--parallel') opts.parallel = num(a);
    else if (a === '--seed') opts.seed = num(a);
    else if (a === '--keep') opts.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run crash-test -- [--trials N] [--files N] [--parallel N] [--seed N] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (opts.trials < 1 || opts.files < 1 || opts.parallel < 1) throw new Error('--trials, --files and --parallel must be at least 1');
  return opts;
}

/** mulberry32: a small seeded generator, so a trial's input can be made again from its seed. */
function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const iso = (s) => new Date(s * 1000).toISOString();
const windowEnd = (t) => Math.floor(t / WINDOW_S) * WINDOW_S + WINDOW_S;

// ---- input and its expected result -----------------------------------------------------------

/**
 * The files of a trial and the rows the sink must hold at the end. File i's rows lie around
 * BASE + i seconds (on time), some far behind (late, unless their window is still open under the
 * lowest watermark the batch can run its lateness check with, then on time; never in between).
 */
function makeInput(r, nFiles) {
  const files = [];
  const counts = new Map(); // key|windowStart -> on-time rows
  let late = 0;
  let maxTime = -Infinity; // over the files so far
  const wmAfter = [0]; // wmAfter[i + 1]: the watermark (s) after file i; wmAfter[0] before any
  for (let i = 0; i < nFiles; i++) {
    const nominal = BASE_TIME_S + i;
    const highWm = wmAfter[i]; // after the previous file (a no-data batch ran in between)
    const lowWm = wmAfter[Math.max(0, i - 1)]; // after the file before it (no no-data batch)
    const rows = [];
    for (let n = r.int(1, 12); n > 0; n--) {
      const key = r.pick(KEYS);
      let time = nominal + r.int(-3, 3);
      if (r.next() < 0.15) {
        // Far behind: late or on time, but never one that depends on timing.
        for (let tries = 0; tries < 20; tries++) {
          const t = nominal - r.int(6, 40);
          const end = windowEnd(t);
          if (end > highWm || end <= lowWm) {
            time = t;
            break;
          }
        }
      }
      const end = windowEnd(time);
      if (end <= lowWm) late++;
      else if (end > highWm) counts.set(`${key}|${end - WINDOW_S}`, (counts.get(`${key}|${end - WINDOW_S}`) ?? 0) + 1);
      else throw new Error('internal: a row whose lateness depends on timing');
      rows.push({ time, key });
    }
    for (const row of rows) maxTime = Math.max(maxTime, row.time);
    wmAfter.push(Math.max(wmAfter[i], maxTime - WATERMARK_DELAY_S));
    files.push(rows);
  }
  const finalWm = wmAfter[nFiles];
  const expected = [];
  for (const [k, count] of counts) {
    const [key, start] = k.split('|');
    const s = Number(start);
    if (s + WINDOW_S <= finalWm) expected.push({ key, window: { start: iso(s), end: iso(s + WINDOW_S) }, count });
  }
  const rowsIn = files.reduce((n, f) => n + f.length, 0);
  return { files, expected, rowsIn, late };
}

/** Writes a file atomically: a `.`-named temp file (which the source never reads), fsync, mtime, rename. */
function writeInputFile(dir, i, rows) {
  const name = `file-${String(i).padStart(5, '0')}.json`;
  const temp = join(dir, `.${name}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  utimesSync(temp, BASE_MTIME_S + i, BASE_MTIME_S + i);
  renameSync(temp, join(dir, name));
}

/** Writes the files with random gaps (mostly a few ms, sometimes a burst, sometimes a pause), then `_DONE`. */
async function writeInput(r, dir, files, state) {
  for (let i = 0; i < files.length; i++) {
    writeInputFile(dir, i, files[i]);
    const u = r.next();
    if (u < 0.1) continue; // a burst: the next file at once
    await sleep(u < 0.95 ? r.int(1, 8) : r.int(30, 120));
  }
  const fd = openSync(join(dir, '_DONE'), 'w');
  closeSync(fd);
  state.done = true;
}

// ---- query runs ------------------------------------------------------------------------------

/**
 * One run of the query. `kill`: undefined (never killed), { afterMs } (killed by this process),
 * or { point, probability } (it may kill itself there). Resolves with how it ended.
 */
function runQuery(dirs, kill) {
  const env = { ...process.env };
  delete env.STRUCTURED_RX_CRASH_POINT;
  if (kill?.point !== undefined) env.STRUCTURED_RX_CRASH_POINT = `${kill.point}:${kill.probability}`;
  const child = spawn(process.execPath, [QUERY_SCRIPT, dirs.input, dirs.out, dirs.cp, String(WATERMARK_DELAY_S), String(WINDOW_S)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let killedByUs = false;
  const timer =
    kill?.afterMs === undefined
      ? undefined
      : setTimeout(() => {
          killedByUs = child.kill('SIGKILL');
        }, kill.afterMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code, signal, killedByUs, stdout, stderr });
    });
  });
}

/** The crashed run: killed and restarted until a run finishes. */
async function runCrashed(r, dirs, input, stats) {
  let killsAfterDone = 0;
  for (let run = 0; ; run++) {
    if (run > 0) stats.restarts++;
    let kill;
    if (input.done && killsAfterDone >= MAX_KILLS_AFTER_DONE) kill = undefined;
    else if (r.next() < 0.4) {
      // Killed from outside: mostly while it runs batches, sometimes while it starts and recovers.
      kill = { afterMs: r.next() < 0.2 ? r.int(0, 400) : r.int(350, 800) };
    } else {
      const point = r.pick(CRASH_POINTS);
      // About 5 checkpoint writes per batch; a sink data file only in a batch that emits rows.
      const batches = r.int(1, 25);
      const probability = point === 'sink-before-log' ? 1 / r.int(1, 4) : 1 / (5 * batches);
      // And a kill from outside later on, should the crash point not come.
      kill = { point, probability: Number(probability.toPrecision(3)), afterMs: r.int(1500, 4000) };
    }
    const doneBefore = input.done;
    const res = await runQuery(dirs, kill);
    if (res.code === 0) return { ok: true, last: res.stdout.trim() };
    if (res.signal === 'SIGKILL') {
      stats.kills++;
      const cause = res.killedByUs ? 'parent' : (kill?.point ?? 'unknown');
      stats.byCause[cause] = (stats.byCause[cause] ?? 0) + 1;
      if (doneBefore) killsAfterDone++;
      continue;
    }
    return { ok: false, error: `run ${run} (${JSON.stringify(kill ?? 'no kill')}) ended with ${res.signal ?? `exit code ${res.code}`}:\n${res.stderr}${res.stdout}` };
  }
}

// ---- comparison ------------------------------------------------------------------------------

/** A row as a canonical string (keys sorted), so rows compare by value. */
function canonical(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
    .join(',')}}`;
}

function multiset(rows) {
  const m = new Map();
  for (const row of rows) {
    const k = canonical(row);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** The rows whose multiplicity differs, as `row: actual × vs reference ×`; empty when equal. */
function differences(actual, reference) {
  const a = multiset(actual);
  const b = multiset(reference);
  const out = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k) ?? 0;
    const y = b.get(k) ?? 0;
    if (x !== y) out.push(`${k}: ${x}× here, ${y}× in the reference (${x > y ? 'duplicated' : 'lost'})`);
  }
  return out;
}

/** Data files in the sink's directory that no log entry names (a crash between the data file and the log). */
function orphans(out) {
  const named = new Set();
  let logDir;
  try {
    logDir = readdirSync(join(out, SINK_LOG_DIR)).filter((n) => !n.startsWith('.'));
  } catch {
    return 0;
  }
  for (const n of logDir) {
    // The log entries are checkpoint files: {formatVersion, value: {batchId, files}}.
    const entry = JSON.parse(readFileSync(join(out, SINK_LOG_DIR, n), 'utf8'));
    for (const f of entry.value.files) named.add(f.path);
  }
  return readdirSync(out).filter((n) => n.startsWith('part-') && !named.has(n)).length;
}

// ---- main ------------------------------------------------------------------------------------

async function trial(index, seed, opts, totals) {
  const started = Date.now();
  const r = rng(seed);
  const root = mkdtempSync(join(tmpdir(), 'structured-rx-crash-'));
  const input = join(root, 'input');
  mkdirSync(input);
  const crashed = { input, out: join(root, 'crashed', 'out'), cp: join(root, 'crashed', 'checkpoint') };
  const reference = { input, out: join(root, 'reference', 'out'), cp: join(root, 'reference', 'checkpoint') };
  const data = makeInput(r, opts.files);
  const inputState = { done: false };
  const stats = { kills: 0, restarts: 0, byCause: {} };

  const referenceRun = runQuery(reference, undefined);
  const crashedRun = runCrashed(rng(seed ^ 0x5bd1e995), crashed, inputState, stats);
  await writeInput(rng(seed + 1), input, data.files, inputState);
  const [ref, crash] = await Promise.all([referenceRun, crashedRun]);

  const problems = [];
  if (ref.code !== 0) problems.push(`the uninterrupted run ended with ${ref.signal ?? `exit code ${ref.code}`}:\n${ref.stderr}${ref.stdout}`);
  if (!crash.ok) problems.push(`the crashed run failed: ${crash.error}`);
  let compared = 0;
  let orphanFiles = 0;
  if (problems.length === 0) {
    const crashRows = readJsonFileSink(crashed.out);
    const refRows = readJsonFileSink(reference.out);
    compared = crashRows.length;
    orphanFiles = orphans(crashed.out);
    const vsRef = differences(crashRows, refRows);
    if (vsRef.length > 0) problems.push(`the crashed run's committed rows differ from the uninterrupted run's:\n  ${vsRef.slice(0, 20).join('\n  ')}${vsRef.length > 20 ? `\n  ... ${vsRef.length - 20} more` : ''}`);
    const refVsExpected = differences(refRows, data.expected);
    if (refVsExpected.length > 0) problems.push(`the uninterrupted run's rows differ from the input's prediction:\n  ${refVsExpected.slice(0, 20).join('\n  ')}`);
  }
  totals.trials++;
  totals.kills += stats.kills;
  totals.restarts += stats.restarts;
  totals.rows += compared;
  totals.orphans += orphanFiles;
  for (const [k, v] of Object.entries(stats.byCause)) totals.byCause[k] = (totals.byCause[k] ?? 0) + v;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const causes = Object.entries(stats.byCause)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(
    `trial ${index + 1}/${opts.trials} (seed ${seed}): ${opts.files} files, ${data.rowsIn} input rows (${data.late} late), ` +
      `${stats.kills} kills (${causes || 'none'}), ${stats.restarts} restarts, ${compared} rows compared, ${orphanFiles} orphan data files, ${secs} s: ` +
      (problems.length === 0 ? 'equal' : 'DIFFERENT'),
  );
  if (problems.length > 0) {
    totals.failures++;
    for (const p of problems) console.log(`  ${p}`);
    console.log(`  kept for inspection: ${root}`);
  } else if (opts.keep) console.log(`  kept: ${root}`);
  else rmSync(root, { recursive: true, force: true });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const totals = { trials: 0, kills: 0, restarts: 0, rows: 0, orphans: 0, failures: 0, byCause: {} };
  console.log(`crash test: ${opts.trials} trials of ${opts.files} files, ${opts.parallel} at a time, seed ${opts.seed}`);
  let nextTrial = 0;
  const worker = async () => {
    while (nextTrial < opts.trials) {
      const i = nextTrial++;
      await trial(i, (opts.seed + i * 7919) >>> 0, opts, totals);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.parallel, opts.trials) }, worker));
  const secs = (Date.now() - started) / 1000;
  const causes = Object.entries(totals.byCause)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(
    `crash test: ${totals.trials} trials, ${totals.kills} kills (${causes || 'none'}), ${totals.restarts} restarts, ` +
      `${totals.rows} rows compared, ${totals.orphans} orphan data files, ${totals.failures} failed, ${secs.toFixed(1)} s`,
  );
  console.log(`CRASH_TEST_SUMMARY ${JSON.stringify({ ...totals, seconds: Number(secs.toFixed(1)) })}`);
  process.exit(totals.failures === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(2);
});
