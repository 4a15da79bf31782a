#!/usr/bin/env node
// Bounded memory, shown: a windowed count over months of event time, run in `append` mode
// (withWatermark + tumblingWindow + groupCount: each window is emitted once the watermark
// passes its end, then removed from the state store) and in `complete` mode (nothing is ever
// evicted). Per trigger it records the rows in the state store (progress numRowsTotal) and,
// every --sample triggers, the heap used after a full GC. Append mode should stay flat; complete
// mode should grow with the number of windows seen.
//
// Two more append-mode queries run on a second dataset with a user and a latency per event:
//   sliding-append: withWatermark('time', '10 minutes') + slidingWindow('time', '1 hour', '10 minutes')
//                   + groupByAgg(['action', 'window'], agg.avg('latency').as('avg'))
//   session-append: withWatermark('time', '10 minutes') + sessionWindow('time', '5 minutes')
//                   + groupCount('user', 'session_window')
// Both should stay flat too: a window or a session leaves the state once the watermark passes its end.
//
//   npm run build
//   node --expose-gc bench/bounded-state.bench.mjs              # 5M events over 180 days, about a minute
//   node --expose-gc bench/bounded-state.bench.mjs --quick      # 500k events over 30 days, a few seconds
//
// Options: --events N (default 5,000,000), --days D (180), --lines-per-file L (2,000),
// --actions A (5), --seed S (7), --sample K (sample the heap, after a full GC, and write a CSV row
// every K triggers; 25), --users U (users in the second dataset; 50,000), --runs R,... (any of
// tumbling (append and complete), sliding, session; all three). The forced GCs are timed and left out of the events/s figure.
// Without --expose-gc the heap figures are taken without forcing a collection (noisier).
//
// The input is real JSON-lines files read by readJsonFiles (one file per trigger), generated
// once into datasets/large/ (git-ignored) and reused. Each mode runs in its own child process,
// so neither inherits the other's heap. Results: bench/results/bounded-state.csv (the sampled
// per-trigger series) and bench/results/bounded-state.json (parameters and summary); a run with
// other parameters (--quick included) writes them to the OS temp dir instead.
//
// The second dataset (time, action, user, latency) is generated the same way into its own
// directory; its events come from user sessions (see generateUsers). Its runs write
// bench/results/bounded-state-windows.csv and .json.
//
// The run checks itself: for every (action, hour) cell, the count emitted by the query plus
// the late rows dropped for that cell must equal the number of events generated for it, and
// the totals (emitted during the run + what was still in state when the input ended + late
// rows = events) are printed. The sliding run checks every (action, window) average against the
// generated latencies less the late rows'; the session run checks, per user, emitted counts +
// late rows = generated events. Any mismatch exits non-zero.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../scripts/generate-events.mjs';
import { restoreMtimes } from '../scripts/restore-mtimes.mjs';

const HERE = fileURLToPath(import.meta.url);
const ROOT = join(dirname(HERE), '..');
const HOUR = 3_600_000;
const MINUTE = 60_000;
const START_MS = Date.UTC(2016, 6, 26, 0, 0, 0); // 2016-07-26T00:00:00Z, as the bundled dataset
const ALL_ACTIONS = ['Open', 'Close', 'View', 'Share', 'Purchase', 'Like', 'Comment', 'Search'];
const ACTION_WEIGHTS = [30, 25, 25, 8, 5, 4, 2, 1];
const SCHEMA = 'time TIMESTAMP, action STRING';

// ---- options ----------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const VALUED = ['--events', '--days', '--lines-per-file', '--actions', '--seed', '--sample', '--users', '--runs', '--child'];
for (let i = 0; i < argv.length; i++) {
  if (VALUED.includes(argv[i])) i++;
  else if (argv[i] !== '--quick') throw new Error(`unknown option ${argv[i]}`);
}
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`invalid value for ${name}: ${argv[i + 1]} (a positive whole number)`);
  return v;
};
const quick = flag('--quick');
const params = {
  events: opt('--events', quick ? 500_000 : 5_000_000),
  days: opt('--days', quick ? 30 : 180),
  linesPerFile: opt('--lines-per-file', 2_000),
  actions: opt('--actions', 5),
  seed: opt('--seed', 7),
};
const sampleEvery = opt('--sample', 25);
const users = opt('--users', 50_000);
const GROUPS = { tumbling: ['append', 'complete'], sliding: ['sliding-append'], session: ['session-append'] };
const runsArg = argv.indexOf('--runs');
const groups = runsArg < 0 ? Object.keys(GROUPS) : argv[runsArg + 1].split(',');
for (const g of groups) if (!(g in GROUPS)) throw new Error(`--runs: unknown run ${g} (${Object.keys(GROUPS).join(', ')})`);
const ON_USERS = (run) => run === 'sliding-append' || run === 'session-append';
if (params.actions > ALL_ACTIONS.length) throw new Error(`--actions at most ${ALL_ACTIONS.length}`);
if (params.events % params.linesPerFile !== 0) throw new Error('--events must be a multiple of --lines-per-file');
const files = params.events / params.linesPerFile;
const dataDir = join(ROOT, 'datasets', 'large', `bounded-state-${params.events}e-${params.days}d-${params.actions}a-${params.linesPerFile}l-s${params.seed}`);
const truthFile = join(dataDir, '_truth.json'); // a leading '_' hides it from the file source, as Spark's _SUCCESS
const usersParams = { ...params, users };
const usersDir = join(ROOT, 'datasets', 'large', `bounded-state-users-${params.events}e-${params.days}d-${params.actions}a-${users}u-${params.linesPerFile}l-s${params.seed}`);
const usersTruthFile = join(usersDir, '_truth.json');
const USERS_SCHEMA = 'time TIMESTAMP, action STRING, user STRING, latency LONG';
const SLOT = 10 * MINUTE; // the sliding windows' slide
const SESSION_GAP = 5 * MINUTE;

// ---- the data ---------------------------------------------------------------------------------
//
// Events arrive as a Poisson process (constant rate, events/days). Each event's time is its
// arrival time minus a delay: 99% of events are a little out of order (exponential delay, mean
// 90 s, capped at 20 minutes); 1% are stragglers, delayed uniformly between 10 minutes and
// 3 hours, so some land behind the 10-minute watermark and are dropped as late. Files hold
// consecutive arrivals, so within and across files event time is roughly, not strictly, in
// order. Actions are drawn with fixed weights. Lines are `{"time":<epoch seconds>,"action":"..."}`.
// The exact count per (action, 1-hour window) is kept as the ground truth.

function generate() {
  const rand = mulberry32(params.seed);
  const actions = ALL_ACTIONS.slice(0, params.actions);
  const weights = ACTION_WEIGHTS.slice(0, params.actions);
  const cumulative = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w));
  const meanGapMs = (params.days * 24 * HOUR) / params.events;
  const baseHourMs = Math.floor((START_MS - 4 * HOUR) / HOUR) * HOUR;
  const counts = []; // (hour index * actions + action index) -> events
  const started = Date.now();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  let arrival = START_MS;
  let maxHour = 0;
  const lines = actions.map((a) => `,"action":"${a}"}\n`);
  for (let f = 0; f < files; f++) {
    let text = '';
    for (let i = 0; i < params.linesPerFile; i++) {
      arrival += -Math.log(1 - rand()) * meanGapMs;
      const delay = rand() < 0.01 ? 10 * MINUTE + rand() * 170 * MINUTE : Math.min(20 * MINUTE, -Math.log(1 - rand()) * 1.5 * MINUTE);
      const sec = Math.floor((arrival - delay) / 1000);
      const u = rand() * acc;
      let a = 0;
      while (u >= cumulative[a]) a++;
      text += '{"time":' + sec + lines[a];
      const hour = Math.floor((sec * 1000 - baseHourMs) / HOUR);
      if (hour < 0) throw new Error('event before the base hour');
      if (hour > maxHour) maxHour = hour;
      const cell = hour * actions.length + a;
      counts[cell] = (counts[cell] ?? 0) + 1;
    }
    writeFileSync(join(dataDir, `file-${f}.json`), text);
  }
  restoreMtimes(dataDir); // file-N gets mtime base + N seconds: the source reads them in order
  const hours = maxHour + 1;
  const dense = Array.from({ length: hours * actions.length }, (_, i) => counts[i] ?? 0);
  writeFileSync(truthFile, JSON.stringify({ params, actions, baseHourMs, hours, counts: dense }));
  return Date.now() - started;
}

// ---- the second dataset: users and latencies ---------------------------------------------------
//
// Events come from user sessions. Sessions start as a Poisson process (events/days/8 of them
// per unit of time); each belongs to one of --users users, drawn with a skew (user index =
// floor(users * u^2), so low indices are the heavy users), has a geometric number of events
// (mean 8) and exponential think times between them (mean 90 s, so about 3.6% of the pauses
// exceed the 5-minute gap and split a visit in two). Concurrent sessions interleave in arrival
// order. Event time = arrival minus the same delay as above (99% exponential, mean 90 s, at most
// 20 minutes; 1% stragglers of 10 minutes to 3 hours). Actions are drawn with the same weights;
// latency (ms, an integer) is exponential around a per-action mean. Lines are
// `{"time":1469501107,"action":"View","user":"u1234","latency":57}`. Kept as the truth: per
// (action, 10-minute slot) the events and their latency sum, per user the events, and the
// sessions an offline pass over all events (none dropped as late) finds per user.

const LATENCY_MEAN_MS = [40, 30, 60, 90, 250, 45, 70, 35];
const EVENTS_PER_SESSION = 8;
const THINK_MS = 1.5 * MINUTE;

function generateUsers() {
  const rand = mulberry32(params.seed);
  const actions = ALL_ACTIONS.slice(0, params.actions);
  const weights = ACTION_WEIGHTS.slice(0, params.actions);
  const cumulative = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w));
  const meanSessionGapMs = (params.days * 24 * HOUR * EVENTS_PER_SESSION) / params.events;
  const baseSlotMs = Math.floor((START_MS - 4 * HOUR) / SLOT) * SLOT;
  const counts = []; // (slot * actions + action) -> events
  const latencySums = []; // (slot * actions + action) -> sum of latency
  const userCounts = new Int32Array(users);
  const userTimes = Array.from({ length: users }, () => []);
  const started = Date.now();
  rmSync(usersDir, { recursive: true, force: true });
  mkdirSync(usersDir, { recursive: true });
  const suffix = actions.map((a) => `,"action":"${a}","user":"u`);
  const active = []; // { user, next, remaining }
  let nextStart = START_MS;
  let maxSlot = 0;
  for (let f = 0; f < files; f++) {
    let text = '';
    for (let i = 0; i < params.linesPerFile; ) {
      let s = -1;
      for (let k = 0; k < active.length; k++) if (s < 0 || active[k].next < active[s].next) s = k;
      if (s < 0 || nextStart < active[s].next) {
        // A new session: its first event arrives now.
        let remaining = 1;
        while (rand() >= 1 / EVENTS_PER_SESSION) remaining++;
        active.push({ user: Math.floor(users * rand() ** 2), next: nextStart, remaining });
        nextStart += -Math.log(1 - rand()) * meanSessionGapMs;
        continue;
      }
      const session = active[s];
      const arrival = session.next;
      if (--session.remaining === 0) active.splice(s, 1);
      else session.next += -Math.log(1 - rand()) * THINK_MS;
      const delay = rand() < 0.01 ? 10 * MINUTE + rand() * 170 * MINUTE : Math.min(20 * MINUTE, -Math.log(1 - rand()) * 1.5 * MINUTE);
      const sec = Math.floor((arrival - delay) / 1000);
      const u = rand() * acc;
      let a = 0;
      while (u >= cumulative[a]) a++;
      const latency = 5 + Math.round(-Math.log(1 - rand()) * LATENCY_MEAN_MS[a]);
      text += '{"time":' + sec + suffix[a] + session.user + '","latency":' + latency + '}\n';
      const slot = Math.floor((sec * 1000 - baseSlotMs) / SLOT);
      if (slot < 0) throw new Error('event before the base slot');
      if (slot > maxSlot) maxSlot = slot;
      const cell = slot * actions.length + a;
      counts[cell] = (counts[cell] ?? 0) + 1;
      latencySums[cell] = (latencySums[cell] ?? 0) + latency;
      userCounts[session.user]++;
      userTimes[session.user].push(sec * 1000);
      i++;
    }
    writeFileSync(join(usersDir, `file-${f}.json`), text);
  }
  restoreMtimes(usersDir);
  // Offline sessionization of every event (a session ends when the next event is more than the gap after the last).
  let sessions = 0;
  for (const times of userTimes) {
    times.sort((x, y) => x - y);
    let end = -Infinity;
    for (const t of times) {
      if (t > end) sessions++;
      end = Math.max(end, t + SESSION_GAP);
    }
  }
  const slots = maxSlot + 1;
  const dense = (xs) => Array.from({ length: slots * actions.length }, (_, i) => xs[i] ?? 0);
  writeFileSync(usersTruthFile, JSON.stringify({ params: usersParams, actions, baseSlotMs, slots, counts: dense(counts), latencySums: dense(latencySums), userCounts: Array.from(userCounts), offlineSessions: sessions }));
  return Date.now() - started;
}

// ---- one mode, in a child process --------------------------------------------------------------

async function runMode(mode) {
  const { readJsonFiles, throttleFiles, withWatermark, tumblingWindow, groupCount, foreachBatch, startQuery, END_OF_TIME_MS } = await import('../dist/src/index.js');
  const truth = JSON.parse(readFileSync(truthFile, 'utf8'));
  const { actions, baseHourMs, hours } = truth;
  const actionIndex = new Map(actions.map((a, i) => [a, i]));
  const expected = Int32Array.from(truth.counts);
  // Preallocated tallies (one cell per action and hour), so the bench itself holds no memory
  // that grows with the windows emitted.
  const emitted = new Int32Array(hours * actions.length); // append: emitted counts; complete: the last table
  const late = new Int32Array(hours * actions.length);
  const cell = (action, windowStart) => ((windowStart - baseHourMs) / HOUR) * actions.length + actionIndex.get(action);
  let emittedDuringRun = 0;
  let flushedAtEnd = 0; // append: what the end-of-input batch emitted, i.e. what was still in state
  let lastTableTotal = 0; // complete: the sum of the last table's counts
  const endOfTime = new Date(END_OF_TIME_MS).toISOString();

  // foreachBatch, not toMemoryTable: the memory sink in append mode keeps every emitted row (it
  // is the result table), which grows with the windows whatever the engine does. Here the sink
  // only tallies into the fixed arrays above, so the heap shows the engine's own memory.
  let batchTotal = 0; // this batch's emitted counts; its progress, which follows, says whether it was the end-of-input batch
  const sink = (rows) => {
    let total = 0;
    if (mode === 'complete') {
      emitted.fill(0);
      for (const r of rows) {
        emitted[cell(r.action, r.window.start)] = r.count;
        total += r.count;
      }
      lastTableTotal = total;
      return;
    }
    for (const r of rows) {
      emitted[cell(r.action, r.window.start)] += r.count;
      total += r.count;
    }
    batchTotal = total;
  };

  const pipeline = readJsonFiles(dataDir, { schema: SCHEMA, watch: false }).pipe(
    throttleFiles(1),
    withWatermark('time', '10 minutes'),
    tumblingWindow('time', '1 hour'),
    groupCount('action', 'window'),
    foreachBatch(sink, { outputMode: mode }),
  );

  const series = []; // sampled triggers
  const all = []; // every trigger: [fraction of input read, state rows]
  let eventsRead = 0;
  let lateFromProgress = 0;
  let lateFromChannel = 0;
  let stateRowsBeforeFlush = 0;
  let flushBatch;
  let batches = 0;
  let gcMs = 0;
  const gc = globalThis.gc;
  const t0 = performance.now();
  const query = startQuery(pipeline, { name: `bounded-state-${mode}` });
  query.lateRows.subscribe((ev) => {
    for (const lr of ev.rows) {
      late[cell(lr.row.action, lr.windows[0].start)]++;
      lateFromChannel++;
    }
  });
  query.progress.subscribe((p) => {
    const st = p.stateOperators[0];
    batches++;
    eventsRead += p.numInputRows;
    lateFromProgress += st.numLateInputRows;
    const isFlush = p.eventTime.watermark === endOfTime;
    if (isFlush) {
      flushBatch = { batchId: p.batchId, outputRows: p.sink.numOutputRows, removed: st.numRowsRemoved, stateRowsBefore: stateRowsBeforeFlush };
      flushedAtEnd += batchTotal;
    } else {
      stateRowsBeforeFlush = st.numRowsTotal;
      emittedDuringRun += batchTotal;
    }
    batchTotal = 0;
    all.push([eventsRead / params.events, st.numRowsTotal, isFlush]);
    if (p.batchId % sampleEvery === 0 || isFlush) {
      if (gc !== undefined) {
        const g0 = performance.now();
        gc();
        gcMs += performance.now() - g0;
      }
      const mem = process.memoryUsage();
      series.push({
        mode,
        batchId: p.batchId,
        isDataBatch: p.numInputRows > 0,
        eventsRead,
        watermark: p.eventTime.watermark,
        stateRows: st.numRowsTotal,
        stateMemoryUsedBytes: st.memoryUsedBytes,
        rowsRemoved: st.numRowsRemoved,
        lateInputRows: st.numLateInputRows,
        outputRows: p.sink.numOutputRows,
        heapUsedBytes: mem.heapUsed,
        rssBytes: mem.rss,
        endOfInput: isFlush,
      });
    }
  });
  await query.awaitTermination();
  const wallMs = performance.now() - t0;

  // How much of the heap the driver's offset and commit logs hold at the end: they keep one
  // entry per batch for the whole run. Read through the handle's internal driver, then emptied.
  let logsBytes = null;
  const ex = query.execution;
  if (gc !== undefined && ex?.offsetLog instanceof Map && ex?.commitLog instanceof Map) {
    gc();
    const before = process.memoryUsage().heapUsed;
    ex.offsetLog.clear();
    ex.commitLog.clear();
    gc();
    logsBytes = before - process.memoryUsage().heapUsed;
  }

  // ---- checks ----
  const problems = [];
  if (eventsRead !== params.events) problems.push(`read ${eventsRead} events, expected ${params.events}`);
  if (lateFromChannel !== lateFromProgress) problems.push(`late rows: ${lateFromChannel} on lateRows, ${lateFromProgress} in progress`);
  let badCells = 0;
  for (let i = 0; i < expected.length; i++) if (emitted[i] + late[i] !== expected[i]) badCells++;
  if (badCells > 0) problems.push(`${badCells} (action, hour) cells where emitted + late != generated`);
  let totals;
  if (mode === 'append') {
    const sum = emittedDuringRun + flushedAtEnd + lateFromProgress;
    totals = { emittedDuringRun, inStateAtEndOfInput: flushedAtEnd, late: lateFromProgress, sum };
    if (sum !== params.events) problems.push(`emitted ${emittedDuringRun} + in state ${flushedAtEnd} + late ${lateFromProgress} = ${sum} != ${params.events}`);
    if (flushBatch === undefined) problems.push('no end-of-input batch');
    else if (flushBatch.outputRows !== flushBatch.stateRowsBefore || flushBatch.removed !== flushBatch.stateRowsBefore) {
      problems.push(`end-of-input batch emitted ${flushBatch.outputRows} rows and removed ${flushBatch.removed}, state held ${flushBatch.stateRowsBefore}`);
    }
  } else {
    totals = { lastTable: lastTableTotal, late: lateFromProgress, sum: lastTableTotal + lateFromProgress };
    if (lateFromProgress !== 0) problems.push(`complete mode dropped ${lateFromProgress} late rows`);
    if (lastTableTotal !== params.events) problems.push(`complete table sums to ${lastTableTotal} != ${params.events}`);
  }
  const result = { mode, wallMs, gcMs, logsBytes, batches, totals, flushBatch, problems, all, series };
  process.stdout.write(JSON.stringify(result));
}

// ---- the sliding-window average and the session count, in a child process ----------------------

async function runUsers(run) {
  const { readJsonFiles, throttleFiles, withWatermark, slidingWindow, sessionWindow, groupByAgg, groupCount, agg, foreachBatch, startQuery, END_OF_TIME_MS } = await import('../dist/src/index.js');
  const truth = JSON.parse(readFileSync(usersTruthFile, 'utf8'));
  const { actions, baseSlotMs, slots } = truth;
  const A = actions.length;
  const actionIndex = new Map(actions.map((a, i) => [a, i]));
  const sliding = run === 'sliding-append';
  // Sliding: one cell per (action, 1-hour window); window index w starts at baseSlotMs + (w - 5) * SLOT,
  // so it covers slots w - 5 .. w. Expected count and latency sum per cell, from the per-slot truth.
  const windows = slots + 5;
  const expCount = sliding ? new Float64Array(windows * A) : null;
  const expSum = sliding ? new Float64Array(windows * A) : null;
  if (sliding) {
    for (let w = 0; w < windows; w++) {
      for (let s = Math.max(0, w - 5); s <= Math.min(slots - 1, w); s++) {
        for (let a = 0; a < A; a++) {
          expCount[w * A + a] += truth.counts[s * A + a];
          expSum[w * A + a] += truth.latencySums[s * A + a];
        }
      }
    }
  }
  const wcell = (action, windowStart) => ((windowStart - baseSlotMs) / SLOT + 5) * A + actionIndex.get(action);
  const emittedAvg = sliding ? new Float64Array(windows * A) : null;
  const emittedTimes = sliding ? new Int32Array(windows * A) : null;
  const lateCount = sliding ? new Float64Array(windows * A) : null;
  const lateSum = sliding ? new Float64Array(windows * A) : null;
  // Sessions: per user (index from "u<index>"), emitted events and late rows.
  const userIndex = (u) => Number(u.slice(1));
  const emittedUser = sliding ? null : new Int32Array(users);
  const lateUser = sliding ? null : new Int32Array(users);
  let badSessions = 0;
  let sessionsEmitted = 0;
  let sessionSpanMs = 0;
  const endOfTime = new Date(END_OF_TIME_MS).toISOString();

  let batchTotal = 0; // sliding: windows emitted this batch; session: events in the sessions emitted this batch
  let batchSessions = 0;
  const sink = (rows) => {
    let total = 0;
    if (sliding) {
      for (const r of rows) {
        const c = wcell(r.action, r.window.start);
        emittedAvg[c] = r.avg;
        emittedTimes[c]++;
        total++;
      }
    } else {
      for (const r of rows) {
        const span = r.session_window.end - r.session_window.start;
        if (!(r.count >= 1 && span >= SESSION_GAP && span <= r.count * SESSION_GAP)) badSessions++;
        emittedUser[userIndex(r.user)] += r.count;
        sessionSpanMs += span;
        total += r.count;
      }
      batchSessions = rows.length;
    }
    batchTotal = total;
  };

  const source = readJsonFiles(usersDir, { schema: USERS_SCHEMA, watch: false }).pipe(throttleFiles(1), withWatermark('time', '10 minutes'));
  const pipeline = sliding
    ? source.pipe(slidingWindow('time', '1 hour', '10 minutes'), groupByAgg(['action', 'window'], agg.avg('latency').as('avg')), foreachBatch(sink, { outputMode: 'append' }))
    : source.pipe(sessionWindow('time', '5 minutes'), groupCount('user', 'session_window'), foreachBatch(sink, { outputMode: 'append' }));

  const series = [];
  const all = [];
  let eventsRead = 0;
  let lateFromProgress = 0;
  let lateFromChannel = 0;
  let stateRowsBeforeFlush = 0;
  let emittedDuringRun = 0;
  let flushedAtEnd = 0;
  let sessionsAtEnd = 0;
  let flushBatch;
  let batches = 0;
  let gcMs = 0;
  const gc = globalThis.gc;
  const t0 = performance.now();
  const query = startQuery(pipeline, { name: `bounded-state-${run}` });
  query.lateRows.subscribe((ev) => {
    for (const lr of ev.rows) {
      lateFromChannel++;
      if (sliding) {
        const c = wcell(lr.row.action, lr.windows[0].start);
        lateCount[c]++;
        lateSum[c] += lr.row.latency;
      } else lateUser[userIndex(lr.row.user)]++;
    }
  });
  query.progress.subscribe((p) => {
    const st = p.stateOperators[0];
    batches++;
    eventsRead += p.numInputRows;
    lateFromProgress += st.numLateInputRows;
    const isFlush = p.eventTime.watermark === endOfTime;
    if (isFlush) {
      flushBatch = { batchId: p.batchId, outputRows: p.sink.numOutputRows, removed: st.numRowsRemoved, stateRowsBefore: stateRowsBeforeFlush };
      flushedAtEnd += batchTotal;
      sessionsAtEnd += batchSessions;
    } else {
      stateRowsBeforeFlush = st.numRowsTotal;
      emittedDuringRun += batchTotal;
    }
    sessionsEmitted += batchSessions;
    batchTotal = 0;
    batchSessions = 0;
    all.push([eventsRead / params.events, st.numRowsTotal, isFlush]);
    if (p.batchId % sampleEvery === 0 || isFlush) {
      if (gc !== undefined) {
        const g0 = performance.now();
        gc();
        gcMs += performance.now() - g0;
      }
      const mem = process.memoryUsage();
      series.push({
        mode: run,
        batchId: p.batchId,
        isDataBatch: p.numInputRows > 0,
        eventsRead,
        watermark: p.eventTime.watermark,
        stateRows: st.numRowsTotal,
        stateMemoryUsedBytes: st.memoryUsedBytes,
        rowsRemoved: st.numRowsRemoved,
        lateInputRows: st.numLateInputRows,
        outputRows: p.sink.numOutputRows,
        heapUsedBytes: mem.heapUsed,
        rssBytes: mem.rss,
        endOfInput: isFlush,
      });
    }
  });
  await query.awaitTermination();
  const wallMs = performance.now() - t0;

  // ---- checks ----
  const problems = [];
  if (eventsRead !== params.events) problems.push(`read ${eventsRead} events, expected ${params.events}`);
  if (lateFromChannel !== lateFromProgress) problems.push(`late rows: ${lateFromChannel} on lateRows, ${lateFromProgress} in progress`);
  if (flushBatch === undefined) problems.push('no end-of-input batch');
  else if (flushBatch.outputRows !== flushBatch.stateRowsBefore || flushBatch.removed !== flushBatch.stateRowsBefore) {
    problems.push(`end-of-input batch emitted ${flushBatch.outputRows} rows and removed ${flushBatch.removed}, state held ${flushBatch.stateRowsBefore}`);
  }
  let totals;
  if (sliding) {
    // Every (action, window) cell with rows left after the late ones is emitted exactly once, with
    // the average of those rows; a cell with none is never emitted.
    let cells = 0;
    let missing = 0;
    let twice = 0;
    let spurious = 0;
    let wrongAvg = 0;
    let maxRelErr = 0;
    let rowsAggregated = 0;
    for (let c = 0; c < windows * A; c++) {
      const n = expCount[c] - lateCount[c];
      rowsAggregated += n;
      if (n === 0) {
        if (emittedTimes[c] !== 0) spurious++;
        continue;
      }
      cells++;
      if (emittedTimes[c] === 0) missing++;
      else if (emittedTimes[c] > 1) twice++;
      const want = (expSum[c] - lateSum[c]) / n;
      const err = Math.abs(emittedAvg[c] - want) / Math.abs(want);
      if (err > maxRelErr) maxRelErr = err;
      if (!(err <= 1e-12)) wrongAvg++;
    }
    const windowRows = Array.from(expCount).reduce((t, x) => t + x, 0);
    totals = { windowsEmittedDuringRun: emittedDuringRun, windowsInStateAtEndOfInput: flushedAtEnd, cells, missing, emittedTwice: twice, spurious, wrongAvg, maxRelErr, windowRows, windowRowsAggregated: rowsAggregated, lateWindowRows: lateFromProgress };
    if (missing + twice + spurious + wrongAvg > 0) problems.push(`(action, window) cells: ${missing} missing, ${twice} emitted more than once, ${spurious} emitted with no rows, ${wrongAvg} with a wrong average`);
    if (emittedDuringRun + flushedAtEnd !== cells) problems.push(`emitted ${emittedDuringRun + flushedAtEnd} windows, expected ${cells}`);
    if (windowRows !== 6 * params.events) problems.push(`window rows ${windowRows} != 6 x events`);
    if (rowsAggregated + lateFromProgress !== windowRows) problems.push(`aggregated ${rowsAggregated} + late ${lateFromProgress} != ${windowRows} window rows`);
  } else {
    let badUsers = 0;
    for (let u = 0; u < users; u++) if (emittedUser[u] + lateUser[u] !== truth.userCounts[u]) badUsers++;
    const sum = emittedDuringRun + flushedAtEnd + lateFromProgress;
    totals = { emittedDuringRun, inStateAtEndOfInput: flushedAtEnd, late: lateFromProgress, sum, sessionsEmitted, sessionsAtEndOfInput: sessionsAtEnd, offlineSessions: truth.offlineSessions, meanSessionMinutes: sessionSpanMs / sessionsEmitted / MINUTE, badSessions, badUsers };
    if (sum !== params.events) problems.push(`emitted ${emittedDuringRun} + in state ${flushedAtEnd} + late ${lateFromProgress} = ${sum} != ${params.events}`);
    if (badUsers > 0) problems.push(`${badUsers} users where emitted + late != generated`);
    if (badSessions > 0) problems.push(`${badSessions} sessions with count < 1 or a span outside [gap, count x gap]`);
  }
  const result = { mode: run, wallMs, gcMs, logsBytes: null, batches, totals, flushBatch, problems, all, series };
  process.stdout.write(JSON.stringify(result));
}

// ---- summary ----------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs), n: xs.length });

function summarize(r) {
  // Tenths by input read, so both modes are cut at the same events; the end-of-input batch is left out.
  const rows = r.all.filter(([, , flush]) => !flush);
  const firstRows = rows.filter(([f]) => f <= 0.1).map(([, s]) => s);
  const lastRows = rows.filter(([f]) => f > 0.9).map(([, s]) => s);
  const samples = r.series.filter((s) => !s.endOfInput);
  const firstHeap = samples.filter((s) => s.eventsRead / params.events <= 0.1).map((s) => s.heapUsedBytes);
  const lastHeap = samples.filter((s) => s.eventsRead / params.events > 0.9).map((s) => s.heapUsedBytes);
  // Heap growth: least-squares slope of heap against trigger, past the first tenth (warm-up).
  const fit = samples.filter((s) => s.eventsRead / params.events > 0.1);
  const mx = fit.reduce((t, s) => t + s.batchId, 0) / fit.length;
  const my = fit.reduce((t, s) => t + s.heapUsedBytes, 0) / fit.length;
  let sxy = 0;
  let sxx = 0;
  for (const s of fit) {
    sxy += (s.batchId - mx) * (s.heapUsedBytes - my);
    sxx += (s.batchId - mx) ** 2;
  }
  return {
    state: { first: stats(firstRows), last: stats(lastRows) },
    heap: { first: stats(firstHeap), last: stats(lastHeap) },
    heapBytesPerTrigger: sxx > 0 ? sxy / sxx : NaN,
  };
}

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMB = (b) => (b / 1048576).toFixed(1);

async function main() {
  const started = performance.now();
  const tumbling = groups.includes('tumbling');
  const userRuns = [...(groups.includes('sliding') ? GROUPS.sliding : []), ...(groups.includes('session') ? GROUPS.session : [])];
  const generation = {};
  const prepare = (name, file, want, gen, what) => {
    if (existsSync(file) && JSON.stringify(JSON.parse(readFileSync(file, 'utf8')).params) === JSON.stringify(want)) generation[name] = 'reused';
    else {
      process.stderr.write(`generating ${what}...\n`);
      generation[name] = gen();
    }
  };
  if (tumbling) prepare('actions', truthFile, params, generate, `${fmtInt(params.events)} events over ${params.days} days into ${files} files`);
  if (userRuns.length > 0) prepare('users', usersTruthFile, usersParams, generateUsers, `${fmtInt(params.events)} events of ${fmtInt(users)} users over ${params.days} days into ${files} files`);
  const gcOn = typeof globalThis.gc === 'function';
  if (!gcOn) process.stderr.write('note: run with node --expose-gc for heap figures after a full collection\n');

  const results = {};
  for (const mode of [...(tumbling ? GROUPS.tumbling : []), ...userRuns]) {
    process.stderr.write(`running ${mode}...\n`);
    const out = execFileSync(process.execPath, [...process.execArgv, HERE, '--child', mode, ...argv], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
    results[mode] = JSON.parse(out.toString('utf8'));
  }
  const totalMs = performance.now() - started;

  // ---- outputs ----
  // Only a run with the default parameters updates the committed results; others go to the temp dir.
  const isDefault = !quick && argv.every((a) => !VALUED.includes(a));
  const resultsDir = isDefault ? join(ROOT, 'bench', 'results') : join(tmpdir(), 'structured-rx-bounded-state');
  mkdirSync(resultsDir, { recursive: true });
  const cols = ['mode', 'batchId', 'isDataBatch', 'eventsRead', 'watermark', 'stateRows', 'stateMemoryUsedBytes', 'rowsRemoved', 'lateInputRows', 'outputRows', 'heapUsedBytes', 'rssBytes', 'endOfInput'];
  const writeCsv = (name, modes) => {
    const csv = [cols.join(',')];
    for (const mode of modes) for (const s of results[mode].series) csv.push(cols.map((c) => String(s[c])).join(','));
    writeFileSync(join(resultsDir, name), csv.join('\n') + '\n');
  };
  const summary = {};
  for (const mode of Object.keys(results)) summary[mode] = summarize(results[mode]);
  const machine = { node: process.version, cpus: cpus().length, platform: `${process.platform} ${process.arch}` };
  const st = (x) => `${fmtInt(x.min)} / ${fmtInt(x.median)} / ${fmtInt(x.max)}`;
  const hp = (x) => `${fmtMB(x.min)} / ${fmtMB(x.median)} / ${fmtMB(x.max)}`;
  const tableHead = () => {
    console.log('| run | triggers | wall s (forced GC s) | events/s | state rows, first tenth (min / median / max) | state rows, last tenth | heap MB, first tenth | heap MB, last tenth | heap growth KB per 1,000 triggers |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  };
  const tableRow = (mode) => {
    const r = results[mode];
    const s = summary[mode];
    const rate = params.events / ((r.wallMs - r.gcMs) / 1000);
    const wall = `${(r.wallMs / 1000).toFixed(1)} (${(r.gcMs / 1000).toFixed(1)})`;
    console.log(`| ${mode} | ${fmtInt(r.batches)} | ${wall} | ${fmtInt(rate)} | ${st(s.state.first)} | ${st(s.state.last)} | ${hp(s.heap.first)} | ${hp(s.heap.last)} | ${fmtInt(s.heapBytesPerTrigger)} |`);
  };
  const first = new Date(START_MS).toISOString().slice(0, 10);
  const outputs = [];

  if (tumbling) {
    writeCsv('bounded-state.csv', GROUPS.tumbling);
    const truth = JSON.parse(readFileSync(truthFile, 'utf8'));
    const report = {
      params: { ...params, files, windowsInData: truth.hours, gcForced: gcOn, sampleEvery },
      machine,
      wallMs: {
        total: Math.round(totalMs),
        generate: typeof generation.actions === 'number' ? Math.round(generation.actions) : 'reused',
        append: Math.round(results.append.wallMs),
        appendForcedGc: Math.round(results.append.gcMs),
        complete: Math.round(results.complete.wallMs),
        completeForcedGc: Math.round(results.complete.gcMs),
      },
      offsetAndCommitLogBytesAtEnd: { append: results.append.logsBytes, complete: results.complete.logsBytes },
      batches: { append: results.append.batches, complete: results.complete.batches },
      totals: { append: results.append.totals, complete: results.complete.totals },
      summary: { append: summary.append, complete: summary.complete },
      finalStateRows: { append: results.append.flushBatch?.stateRowsBefore, complete: results.complete.all.at(-1)[1] },
    };
    writeFileSync(join(resultsDir, 'bounded-state.json'), JSON.stringify(report, null, 2) + '\n');
    outputs.push('bounded-state.csv', 'bounded-state.json');

    console.log(`${fmtInt(params.events)} events, ${params.days} days of event time from ${first} (${truth.hours.toLocaleString('en-US')} hourly windows x ${params.actions} actions), ${fmtInt(files)} files, 1 file per trigger`);
    console.log(`withWatermark('time', '10 minutes') + tumblingWindow('time', '1 hour') + groupCount('action', 'window'); heap sampled every ${sampleEvery} triggers${gcOn ? ' after global.gc()' : ' (no forced GC)'}`);
    console.log('');
    tableHead();
    for (const mode of GROUPS.tumbling) tableRow(mode);
    console.log('');
    const a = results.append.totals;
    console.log(`append check: emitted ${fmtInt(a.emittedDuringRun)} + in state at end of input ${fmtInt(a.inStateAtEndOfInput)} + late ${fmtInt(a.late)} = ${fmtInt(a.sum)} (events ${fmtInt(params.events)}) ${a.sum === params.events ? 'OK' : 'MISMATCH'}`);
    const c = results.complete.totals;
    console.log(`complete check: last table sums to ${fmtInt(c.lastTable)}, late ${fmtInt(c.late)} (events ${fmtInt(params.events)}) ${c.lastTable === params.events ? 'OK' : 'MISMATCH'}`);
    console.log(`state rows at end of input: append ${fmtInt(report.finalStateRows.append)}, complete ${fmtInt(report.finalStateRows.complete)}`);
    const perRow = (summary.complete.heapBytesPerTrigger - summary.append.heapBytesPerTrigger) / ((report.finalStateRows.complete - report.finalStateRows.append) / results.complete.batches);
    console.log(`complete mode's extra heap growth per state row: ${fmtInt(perRow)} bytes`);
    const logs = report.offsetAndCommitLogBytesAtEnd;
    if (logs.append !== null) console.log(`held by the driver's offset and commit logs (one entry per batch) at the end: append ${fmtMB(logs.append)} MB, complete ${fmtMB(logs.complete)} MB`);
    console.log('');
  }

  if (userRuns.length > 0) {
    writeCsv('bounded-state-windows.csv', userRuns);
    const truth = JSON.parse(readFileSync(usersTruthFile, 'utf8'));
    const report = {
      params: { ...usersParams, files, slotsInData: truth.slots, offlineSessions: truth.offlineSessions, gcForced: gcOn, sampleEvery },
      machine,
      wallMs: { total: Math.round(totalMs), generate: typeof generation.users === 'number' ? Math.round(generation.users) : 'reused' },
      batches: {},
      totals: {},
      summary: {},
      finalStateRows: {},
    };
    for (const mode of userRuns) {
      report.wallMs[mode] = Math.round(results[mode].wallMs);
      report.wallMs[`${mode}ForcedGc`] = Math.round(results[mode].gcMs);
      report.batches[mode] = results[mode].batches;
      report.totals[mode] = results[mode].totals;
      report.summary[mode] = summary[mode];
      report.finalStateRows[mode] = results[mode].flushBatch?.stateRowsBefore;
    }
    writeFileSync(join(resultsDir, 'bounded-state-windows.json'), JSON.stringify(report, null, 2) + '\n');
    outputs.push('bounded-state-windows.csv', 'bounded-state-windows.json');

    console.log(`${fmtInt(params.events)} events of ${fmtInt(users)} users, ${params.days} days of event time from ${first}, ${fmtInt(files)} files, 1 file per trigger`);
    console.log(`sliding-append: withWatermark('time', '10 minutes') + slidingWindow('time', '1 hour', '10 minutes') + groupByAgg(['action', 'window'], agg.avg('latency').as('avg'))`);
    console.log(`session-append: withWatermark('time', '10 minutes') + sessionWindow('time', '5 minutes') + groupCount('user', 'session_window')`);
    console.log('');
    tableHead();
    for (const mode of userRuns) tableRow(mode);
    console.log('');
    if (results['sliding-append']) {
      const t = results['sliding-append'].totals;
      const ok = t.missing + t.emittedTwice + t.spurious + t.wrongAvg === 0;
      console.log(`sliding check: ${fmtInt(t.cells)} (action, window) cells, emitted ${fmtInt(t.windowsEmittedDuringRun)} + in state at end of input ${fmtInt(t.windowsInStateAtEndOfInput)}; window rows aggregated ${fmtInt(t.windowRowsAggregated)} + late ${fmtInt(t.lateWindowRows)} = ${fmtInt(t.windowRowsAggregated + t.lateWindowRows)} (6 x events ${fmtInt(6 * params.events)}); averages off by at most ${t.maxRelErr.toExponential(1)} (relative) ${ok ? 'OK' : 'MISMATCH'}`);
    }
    if (results['session-append']) {
      const t = results['session-append'].totals;
      console.log(`session check: emitted ${fmtInt(t.emittedDuringRun)} + in state at end of input ${fmtInt(t.inStateAtEndOfInput)} + late ${fmtInt(t.late)} = ${fmtInt(t.sum)} (events ${fmtInt(params.events)}), per user ${t.badUsers === 0 ? 'OK' : `${t.badUsers} MISMATCHES`}; ${fmtInt(t.sessionsEmitted)} sessions emitted (${fmtInt(t.sessionsAtEndOfInput)} at end of input; ${fmtInt(t.offlineSessions)} when all events are sessionized offline), mean ${t.meanSessionMinutes.toFixed(1)} minutes ${t.sum === params.events ? 'OK' : 'MISMATCH'}`);
    }
    console.log(`state rows at end of input: ${userRuns.map((m) => `${m} ${fmtInt(results[m].flushBatch?.stateRowsBefore)}`).join(', ')}`);
    console.log('');
  }
  const gen = Object.entries(generation).map(([k, v]) => `${k} ${v === 'reused' ? 'reused' : (v / 1000).toFixed(1) + ' s'}`).join(', ');
  console.log(`wall time: ${(totalMs / 1000).toFixed(1)} s in all (generation: ${gen})`);
  console.log(`series and summaries: ${outputs.map((o) => join(resultsDir, o)).join(', ')}`);
  const problems = Object.values(results).flatMap((r) => r.problems.map((p) => `${r.mode}: ${p}`));
  for (const p of problems) console.error(`FAIL ${p}`);
  if (problems.length > 0) process.exit(1);
}

const child = argv.indexOf('--child');
if (child >= 0) await (ON_USERS(argv[child + 1]) ? runUsers(argv[child + 1]) : runMode(argv[child + 1]));
else await main();
