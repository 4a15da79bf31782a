#!/usr/bin/env node
// Checkpoint size over a long run: a checkpointed query (withWatermark + tumblingWindow +
// groupCount in append mode, into the JSON-lines file sink) reads one file per trigger for
// thousands of triggers while its files keep arriving, and every --sample batches the benchmark
// measures the checkpoint directory (bytes and files, by part: offsets, commits, sources, state,
// metadata) and the sink's log (`_spark_metadata`). What must hold: the checkpoint stays flat
// (offsets and commits keep 100 batches, the source log is incremental with a whole log every
// 10 batches that forgets paths older than maxFileAge, the state holds the open windows only),
// and with the sink's `retention` its log stays flat too.
//
//   npm run build
//   node bench/checkpoint-size.bench.mjs            # 2,000 batches, about a minute
//   node bench/checkpoint-size.bench.mjs --quick    # 300 batches
//
// Options: --batches N (2,000), --sample K (200), --lines L (events per file, 20).
// Files are 1 minute of event time and modification time apart; maxFileAge is '1 hour', the
// watermark 10 minutes, windows 5 minutes; the sink's retention is 30 seconds of wall time (the
// run is fast, so that is a few hundred batches). Writes bench/results/checkpoint-size.json.
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { groupCount, readJsonFiles, startQuery, throttleFiles, toJsonFiles, tumblingWindow, withWatermark } from '../dist/src/index.js';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '2000' },
    sample: { type: 'string', default: '200' },
    lines: { type: 'string', default: '20' },
    quick: { type: 'boolean', default: false },
  },
});
const batches = values.quick ? 300 : Number(values.batches);
const sample = values.quick ? 50 : Number(values.sample);
const lines = Number(values.lines);

const root = mkdtempSync(join(tmpdir(), 'structured-rx-checkpoint-size-'));
const input = join(root, 'in');
const cp = join(root, 'cp');
const out = join(root, 'out');
mkdirSync(input);
const t0 = Date.UTC(2026, 0, 1);
const actions = ['Open', 'Close', 'Login', 'Logout'];

/** Writes file n: `lines` events in minute n, with modification time minute n. */
function writeInput(n) {
  const path = join(input, `file-${n}.json`);
  const rows = [];
  for (let i = 0; i < lines; i++) rows.push(JSON.stringify({ time: (t0 + n * 60_000 + i * 1000) / 1000, action: actions[(n + i) % actions.length] }));
  writeFileSync(path, rows.join('\n') + '\n');
  utimesSync(path, (t0 + n * 60_000) / 1000, (t0 + n * 60_000) / 1000);
}

/** Bytes and files under `dir`, temp files included. */
function du(dir) {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const s = du(p);
      bytes += s.bytes;
      files += s.files;
    } else {
      bytes += statSync(p).size;
      files++;
    }
  }
  return { bytes, files };
}

function measure(batchId) {
  const parts = {};
  for (const part of readdirSync(cp)) {
    const p = join(cp, part);
    parts[part] = statSync(p).isDirectory() ? du(p) : { bytes: statSync(p).size, files: 1 };
  }
  const total = du(cp);
  const sinkLog = du(join(out, '_spark_metadata'));
  return { batchId, checkpoint: total, parts, sinkLog };
}

// The files arrive ahead of the query, a window's worth at a time, so it always has input.
let written = 0;
const writeAhead = (upTo) => {
  for (; written < Math.min(upTo, batches); written++) writeInput(written);
};
writeAhead(30);

const samples = [];
const started = performance.now();
const query = startQuery(
  readJsonFiles(input, { schema: 'time TIMESTAMP, action STRING', maxFileAge: '1 hour', pollInterval: '10 ms' }).pipe(
    throttleFiles(1),
    withWatermark('time', '10 minutes'),
    tumblingWindow('time', '5 minutes'),
    groupCount('action', 'window'),
    toJsonFiles(out, { retention: '30 seconds' }),
  ),
  { checkpointLocation: cp },
);
await new Promise((resolve, reject) => {
  query.progress.subscribe((p) => {
    writeAhead(p.batchId + 30);
    if (p.batchId > 0 && p.batchId % sample === 0) {
      const m = measure(p.batchId);
      samples.push(m);
      console.log(
        `batch ${String(p.batchId).padStart(5)}: checkpoint ${(m.checkpoint.bytes / 1024).toFixed(1).padStart(7)} KiB in ${String(m.checkpoint.files).padStart(4)} files ` +
          `(offsets ${m.parts.offsets?.files ?? 0}, commits ${m.parts.commits?.files ?? 0}, sources ${(m.parts.sources?.bytes / 1024).toFixed(1)} KiB/${m.parts.sources?.files ?? 0}, ` +
          `state ${(m.parts.state?.bytes / 1024).toFixed(1)} KiB/${m.parts.state?.files ?? 0}); sink log ${(m.sinkLog.bytes / 1024).toFixed(1)} KiB in ${m.sinkLog.files} files`,
      );
    }
    if (p.batchId >= batches - 1) resolve();
  });
  query.awaitTermination().catch(reject);
});
await query.stop();
const seconds = (performance.now() - started) / 1000;

const first = samples[Math.min(1, samples.length - 1)];
const last = samples[samples.length - 1];
const growth = last.checkpoint.bytes / first.checkpoint.bytes;
const sinkGrowth = last.sinkLog.bytes / first.sinkLog.bytes;
console.log(
  `\n${batches} batches in ${seconds.toFixed(1)} s. Checkpoint ${(first.checkpoint.bytes / 1024).toFixed(1)} KiB at batch ${first.batchId} -> ` +
    `${(last.checkpoint.bytes / 1024).toFixed(1)} KiB at batch ${last.batchId} (x${growth.toFixed(2)}); ` +
    `sink log x${sinkGrowth.toFixed(2)}. ${growth < 1.25 ? 'FLAT' : 'GROWING'}`,
);
if (!values.quick) {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/checkpoint-size.json', import.meta.url), JSON.stringify({ batches, lines, seconds, samples }, null, 2) + '\n');
}
rmSync(root, { recursive: true, force: true });
process.exitCode = growth < 1.25 ? 0 : 1;
