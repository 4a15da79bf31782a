#!/usr/bin/env node
// The notebook's query (count per action and 1-hour window) measured against real
// alternatives on the same files: a plain Node loop, hand-written RxJS (one emission per
// event, as RxJS code is usually written), DuckDB's read_json + GROUP BY, and structured-rx
// (static, and streaming with one file per trigger). Paired, interleaved rounds; medians and
// ratios to structured-rx (static). Every candidate's result is checked against the plain loop.
//
//   node bench/notebook.bench.mjs                 # the bundled 100,000 events, 7 rounds
//   node bench/notebook.bench.mjs --large         # 10 million events (generated into datasets/large/)
//   node bench/notebook.bench.mjs --rounds 3
//
// Needs the build (npm run build).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, concatMap, mergeMap, map, filter, reduce } from 'rxjs';
import { ensureDuckDB } from './deps.mjs';
import { Catalog, readJsonFiles, throttleFiles, tumblingWindow, groupCount, toMemoryTable } from '../dist/src/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDuckDB();
const { DuckDBInstance } = await import('@duckdb/node-api');
const args = process.argv.slice(2);
const large = args.includes('--large');
const rounds = Number(args[args.indexOf('--rounds') + 1]) || (large ? 3 : 7);
const HOUR = 3_600_000;

let dir = join(ROOT, 'datasets', 'events');
if (large) {
  dir = join(ROOT, 'datasets', 'large', 'events-10m');
  if (!existsSync(join(dir, 'file-499.json'))) {
    execFileSync('node', [join(ROOT, 'scripts', 'generate-events.mjs'), '--out', dir, '--files', '500', '--lines-per-file', '20000'], { stdio: 'inherit' });
  }
}
const files = readdirSync(dir).filter((n) => /^file-\d+\.json$/.test(n)).sort((a, b) => Number(a.slice(5, -5)) - Number(b.slice(5, -5))).map((n) => join(dir, n));
const SCHEMA = 'time TIMESTAMP, action STRING';

const key = (action, start) => `${action}|${start}`;
const normalize = (rows) => new Map(rows.map((r) => [key(r.action, r.start), r.count]));

const candidates = {
  async 'plain Node loop'() {
    const m = new Map();
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      let i = 0;
      while (i < text.length) {
        let j = text.indexOf('\n', i);
        if (j === -1) j = text.length;
        if (j > i) {
          const e = JSON.parse(text.slice(i, j));
          const t = e.time * 1000;
          const k = key(e.action, t - (t % HOUR));
          m.set(k, (m.get(k) ?? 0) + 1);
        }
        i = j + 1;
      }
    }
    return m;
  },
  async 'hand-written RxJS (emission per event)'() {
    return lastValueFrom(
      from(files).pipe(
        concatMap((f) => readFile(f, 'utf8')),
        mergeMap((text) => text.split('\n')),
        filter((l) => l !== ''),
        map((l) => JSON.parse(l)),
        reduce((m, e) => {
          const t = e.time * 1000;
          const k = key(e.action, t - (t % HOUR));
          m.set(k, (m.get(k) ?? 0) + 1);
          return m;
        }, new Map()),
      ),
    );
  },
  async 'DuckDB read_json + GROUP BY'() {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const reader = await conn.runAndReadAll(
      `select action, (epoch_ms(time_bucket(interval '1 hour', to_timestamp(time))))::BIGINT as start, count(*)::INTEGER as count
       from read_json('${dir}/file-*.json', format='newline_delimited', columns={time: 'BIGINT', action: 'VARCHAR'}) group by all`,
    );
    const rows = reader.getRowObjects().map((r) => ({ action: r.action, start: Number(r.start), count: Number(r.count) }));
    conn.closeSync?.();
    return normalize(rows);
  },
  async 'structured-rx (static)'() {
    const catalog = new Catalog();
    await lastValueFrom(
      readJsonFiles(dir, { schema: SCHEMA, watch: false }).pipe(
        tumblingWindow('time', '1 hour'),
        groupCount('action', 'window'),
        toMemoryTable('c', { catalog, outputMode: 'complete' }),
      ),
    );
    return normalize(catalog.table('c').rows.map((r) => ({ action: r.action, start: r.window.start, count: r.count })));
  },
  async 'structured-rx (stream, 1 file/trigger)'() {
    const catalog = new Catalog();
    await lastValueFrom(
      readJsonFiles(dir, { schema: SCHEMA, watch: false }).pipe(
        throttleFiles(1),
        tumblingWindow('time', '1 hour'),
        groupCount('action', 'window'),
        toMemoryTable('c', { catalog, outputMode: 'complete' }),
      ),
    );
    return normalize(catalog.table('c').rows.map((r) => ({ action: r.action, start: r.window.start, count: r.count })));
  },
};

const names = Object.keys(candidates);
const times = Object.fromEntries(names.map((n) => [n, []]));
let reference;
for (let r = 0; r < rounds + 1; r++) {
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (const n of order) {
    const t0 = performance.now();
    const result = await candidates[n]();
    const ms = performance.now() - t0;
    reference ??= result;
    if (result.size !== reference.size || [...reference].some(([k, v]) => result.get(k) !== v)) throw new Error(`${n} disagrees with the plain loop`);
    if (r > 0) times[n].push(ms); // round 0 warms up
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['structured-rx (static)']);
const events = files.length * (large ? 20000 : 2000);
console.log(`notebook query over ${files.length} files (${events.toLocaleString('en-US')} events), ${rounds} paired rounds, median ms; ratio = time / structured-rx (static)`);
console.log('| candidate | median ms | events/s | ratio |');
console.log('|---|---:|---:|---:|');
for (const n of names) {
  const m = median(times[n]);
  console.log(`| ${n} | ${m.toFixed(1)} | ${Math.round(events / (m / 1000)).toLocaleString('en-US')} | ${(m / base).toFixed(2)} |`);
}
