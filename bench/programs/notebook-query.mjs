#!/usr/bin/env node
// One program of `npm run bench`, run as a whole process: the notebook's query (count per
// action and 1-hour window over every file of a directory) by one of several programs.
//
//   node bench/programs/notebook-query.mjs <program> <dir> [--files-per-trigger N]
//
// Programs: srx-stream (structured-rx, N files per trigger, default 1), srx-static (structured-rx,
// one batch of every file), plain (readFileSync + JSON.parse + a Map), rxjs (hand-written RxJS, one
// emission per event), duckdb (read_json + time_bucket + group by, 2 threads), bytes (reads the
// bytes and counts newlines: the floor, no table).
//
// Prints one JSON line: the table's digest (sorted `action, window start ms, count` lines,
// sha256) and row count, the in-process time of the query, and the process's CPU time (user +
// system, every thread, since the process started) and peak RSS. The query's time excludes
// importing the libraries; the parent measures the whole process.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [program, dirArg, ...rest] = process.argv.slice(2);
const dir = resolve(dirArg ?? '');
const opt = (name, dflt) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : dflt;
};
const filesPerTrigger = Number(opt('--files-per-trigger', '1'));
const HOUR = 3_600_000;
const SCHEMA = 'time TIMESTAMP, action STRING';

/** The data files in file-number order (the order their modification times give). */
function dataFiles() {
  return readdirSync(dir)
    .filter((n) => /^file-\d+\.json$/.test(n))
    .sort((a, b) => Number(a.slice(5, -5)) - Number(b.slice(5, -5)))
    .map((n) => join(dir, n));
}

/** rows: [action, start ms, count] */
function digest(rows) {
  const lines = rows.map(([a, s, c]) => `${a}\t${s}\t${c}`).sort();
  return { rows: lines.length, digest: createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16) };
}

const fromMap = (m) => [...m].map(([k, count]) => {
  const i = k.lastIndexOf('|');
  return [k.slice(0, i), Number(k.slice(i + 1)), count];
});

// Libraries are imported before the query's clock starts (the process's wall time includes them).
// structured-rx as a user imports it: the package's entry (the bundled dist/bundle/index.js).
// SRX_DIST: another build of structured-rx (its dist directory), for before/after comparisons:
// its bundled entry, or its compiled modules for a build from before the bundle.
const distEntry = (dist) => (existsSync(join(dist, 'bundle', 'index.js')) ? join(dist, 'bundle', 'index.js') : join(dist, 'src', 'index.js'));
const srxEntry = process.env.SRX_DIST ? pathToFileURL(distEntry(resolve(process.env.SRX_DIST))).href : 'structured-rx';
const srx = program.startsWith('srx-') ? await import(srxEntry) : undefined;
const rx = program.startsWith('srx-') || program === 'rxjs' ? await import('rxjs') : undefined;
const duck = program === 'duckdb' ? await import('@duckdb/node-api') : undefined;

async function structuredRx(throttle) {
  const { Catalog, readJsonFiles, throttleFiles, tumblingWindow, groupCount, toMemoryTable } = srx;
  const { lastValueFrom } = rx;
  const catalog = new Catalog();
  const source = readJsonFiles(dir, { schema: SCHEMA, watch: false });
  const windowed = throttle === undefined ? source.pipe(tumblingWindow('time', '1 hour')) : source.pipe(throttleFiles(throttle), tumblingWindow('time', '1 hour'));
  await lastValueFrom(windowed.pipe(groupCount('action', 'window'), toMemoryTable('counts', { catalog, outputMode: 'complete' })));
  return catalog.table('counts').rows.map((r) => [r.action, r.window.start, r.count]);
}

const programs = {
  'srx-stream': () => structuredRx(filesPerTrigger),
  'srx-static': () => structuredRx(undefined),
  plain() {
    const m = new Map();
    for (const f of dataFiles()) {
      const text = readFileSync(f, 'utf8');
      let i = 0;
      while (i < text.length) {
        let j = text.indexOf('\n', i);
        if (j === -1) j = text.length;
        if (j > i) {
          const e = JSON.parse(text.slice(i, j));
          const t = e.time * 1000;
          const k = `${e.action}|${t - (t % HOUR)}`;
          m.set(k, (m.get(k) ?? 0) + 1);
        }
        i = j + 1;
      }
    }
    return fromMap(m);
  },
  async rxjs() {
    const { from, lastValueFrom, concatMap, mergeMap, map, filter, reduce } = rx;
    const m = await lastValueFrom(
      from(dataFiles()).pipe(
        concatMap((f) => readFile(f, 'utf8')),
        mergeMap((text) => text.split('\n')),
        filter((l) => l !== ''),
        map((l) => JSON.parse(l)),
        reduce((acc, e) => {
          const t = e.time * 1000;
          const k = `${e.action}|${t - (t % HOUR)}`;
          acc.set(k, (acc.get(k) ?? 0) + 1);
          return acc;
        }, new Map()),
      ),
    );
    return fromMap(m);
  },
  async duckdb() {
    const { DuckDBInstance } = duck;
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await instance.connect();
    const glob = join(dir, 'file-*.json').replaceAll("'", "''");
    const reader = await conn.runAndReadAll(
      `select action, epoch_ms(time_bucket(interval '1 hour', to_timestamp(time)))::BIGINT as start, count(*)::BIGINT as count
       from read_json('${glob}', format = 'newline_delimited', columns = {time: 'BIGINT', action: 'VARCHAR'}) group by all`,
    );
    const rows = reader.getRowObjects().map((r) => [r.action, Number(r.start), Number(r.count)]);
    conn.closeSync?.();
    return rows;
  },
  bytes() {
    let lines = 0;
    for (const f of dataFiles()) {
      const b = readFileSync(f);
      for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
    }
    return { lines };
  },
};

const run = programs[program];
if (run === undefined) {
  process.stderr.write(`unknown program ${program}; one of ${Object.keys(programs).join(', ')}\n`);
  process.exit(2);
}
const t0 = performance.now();
const result = await run();
const queryMs = performance.now() - t0;
const table = Array.isArray(result) ? digest(result) : { rows: null, digest: null, ...result };
const cpu = process.cpuUsage();
const usage = process.resourceUsage();
process.stdout.write(
  JSON.stringify({ program, ...table, queryMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: usage.maxRSS / 1024 }) + '\n',
);
