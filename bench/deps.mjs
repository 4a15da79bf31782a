// DuckDB is measured against, never used by the library. Its npm package ships native
// bindings per platform, and a lockfile cannot record the other platforms' bindings here, so it
// is not a devDependency: the benchmarks install it on first use into bench/node_modules
// (git-ignored), where Node's resolution from bench/*.mjs finds it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const DUCKDB_PACKAGE = '@duckdb/node-api@1.5.6-r.1';

export function ensureDuckDB() {
  if (existsSync(join(BENCH_DIR, 'node_modules', '@duckdb', 'node-api'))) return;
  process.stderr.write(`installing ${DUCKDB_PACKAGE} into bench/node_modules for the comparison...\n`);
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', BENCH_DIR, DUCKDB_PACKAGE], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export const ARROW_PACKAGE = 'apache-arrow@21.2.0';
/** apache-arrow goes to a prefix of its own: an install into bench/ (DuckDB's) removes packages it did not name. */
export const ARROW_DIR = join(BENCH_DIR, 'node_modules', '.arrow');

/** apache-arrow, measured as a column container in bench/columns.bench.mjs (decision 0021); installed on first use, as DuckDB. Returns the module. */
export async function importArrow() {
  const entry = join(ARROW_DIR, 'node_modules', 'apache-arrow', 'Arrow.node.mjs');
  if (!existsSync(entry)) {
    process.stderr.write(`installing ${ARROW_PACKAGE} into bench/node_modules/.arrow for the comparison...\n`);
    mkdirSync(ARROW_DIR, { recursive: true });
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', ARROW_DIR, ARROW_PACKAGE], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return import(pathToFileURL(entry).href);
}
