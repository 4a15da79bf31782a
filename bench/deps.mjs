// DuckDB is measured against, never used by the library. Its npm package ships native
// bindings per platform, and a lockfile cannot record the other platforms' bindings here, so it
// is not a devDependency: the benchmarks install it on first use into bench/node_modules
// (git-ignored), where Node's resolution from bench/*.mjs finds it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const DUCKDB_PACKAGE = '@duckdb/node-api@1.5.6-r.1';

export function ensureDuckDB() {
  if (existsSync(join(BENCH_DIR, 'node_modules', '@duckdb', 'node-api'))) return;
  process.stderr.write(`installing ${DUCKDB_PACKAGE} into bench/node_modules for the comparison...\n`);
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', BENCH_DIR, DUCKDB_PACKAGE], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
