#!/usr/bin/env node
// What the monitor costs a query: the same query run alone, and with serveMonitor() watching
// it with one page connected (its event stream and an SQL stream over the result table) and
// /metrics scraped at the end. Paired, interleaved rounds; medians, and the median of the
// per-round ratios.
//
//   node bench/monitor.bench.mjs              # 7 rounds of both workloads
//   node bench/monitor.bench.mjs --rounds 3
//
// Workloads: the notebook query over the bundled dataset (50 triggers of 2,000 rows), and 1,000
// triggers of 10 rows each (the monitor's per-trigger work: totals, metrics, the page's queue).
// Needs the build (npm run build).
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog, groupCount, readJsonFiles, startQuery, throttleFiles, toMemoryTable, tumblingWindow } from '../dist/src/index.js';
import { serveMonitor } from '../dist/src/monitor/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 7;

const small = mkdtempSync(join(tmpdir(), 'structured-rx-monitor-bench-'));
for (let f = 0; f < 1000; f++) {
  const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ time: 1469501107 + f * 10 + i, action: i % 2 ? 'Open' : 'Close' }));
  const file = join(small, `file-${f}.json`);
  writeFileSync(file, lines.join('\n') + '\n');
  utimesSync(file, 1_700_000_000 + f, 1_700_000_000 + f);
}

/** Opens a page's stream and counts the bytes it gets; resolves with a closer. */
function openStream(url) {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const req = request(url, { agent: false }, (res) => {
      res.on('data', (d) => (bytes += d.length));
      res.on('error', () => undefined);
      resolve({ close: () => req.destroy(), bytes: () => bytes });
    });
    req.on('error', reject);
    req.end();
  });
}

async function run(dir, withMonitor) {
  const catalog = new Catalog();
  const query = startQuery(
    readJsonFiles(dir, { schema: 'time TIMESTAMP, action STRING', watch: false }).pipe(
      throttleFiles(1),
      tumblingWindow('time', '1 hour'),
      groupCount('action', 'window'),
      toMemoryTable('counts', { catalog, outputMode: 'complete' }),
    ),
  );
  let monitor;
  let streams = [];
  if (withMonitor) {
    monitor = await serveMonitor({ port: 0, catalog });
    streams = await Promise.all([openStream(`${monitor.url}events`), openStream(`${monitor.url}sql?q=${encodeURIComponent('select action, sum(count) from counts group by action')}`)]);
  }
  const start = process.hrtime.bigint();
  await query.awaitTermination();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (monitor !== undefined) {
    const metrics = await new Promise((resolve) => request(`${monitor.url}metrics`, { agent: false }, (res) => { let t = ''; res.on('data', (d) => (t += d)); res.on('end', () => resolve(t)); }).end());
    if (!metrics.includes('structured_rx_batches_total')) throw new Error('no metrics');
    for (const s of streams) s.close();
    await monitor.close();
  }
  return { ms, batches: query.recentProgress.length };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const workloads = [
  ['notebook query, bundled dataset (50 triggers x 2,000 rows)', join(ROOT, 'datasets', 'events')],
  ['1,000 triggers x 10 rows', small],
];
try {
  for (const [name, dir] of workloads) {
    await run(dir, false); // warm-up
    await run(dir, true);
    const alone = [];
    const watched = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [false, true] : [true, false];
      for (const m of order) (m ? watched : alone).push((await run(dir, m)).ms);
    }
    const a = median(alone);
    const w = median(watched);
    const ratio = median(alone.map((x, i) => watched[i] / x));
    console.log(`${name}: alone ${a.toFixed(1)} ms, with the monitor and a page ${w.toFixed(1)} ms (medians of ${rounds}; paired ratio x${ratio.toFixed(2)})`);
  }
} finally {
  rmSync(small, { recursive: true, force: true });
}
