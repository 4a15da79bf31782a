// Differential test: random tables and random statements run by structured-rx (Spark's dialect)
// and by DuckDB (the same statement translated so that DuckDB computes Spark's answer; every
// translation is listed in differential/generator.ts next to the Spark rule it reproduces).
// A disagreement is shrunk to a minimal table and statement and fails the test.
//
// DuckDB ships native bindings per platform, so it cannot be in the lockfile: it is installed on
// first use into bench/node_modules (git-ignored), as the benchmarks do (bench/deps.mjs).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../src/catalog.js';
import type { ColumnType } from '../../src/schema.js';
import { executeSql } from '../../src/sql/index.js';
import { Rng, type Table, T1_COLUMNS, T2_COLUMNS, duckTable, randomTable, subtrees } from './differential/generator.js';
import { type Statement, randomStatement } from './differential/statements.js';

const ROOT = join(__dirname, '..', '..');
const BENCH = join(ROOT, 'bench');
/** Fixed seeds run by CI: SEEDS x STATEMENTS_PER_SEED statements. */
const SEEDS = Array.from({ length: 50 }, (_, i) => 1000 + i);
const STATEMENTS_PER_SEED = 110;

interface DuckReader {
  getRowsJS(): unknown[][];
}
interface DuckConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<DuckReader>;
  closeSync(): void;
}
interface DuckModule {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckConnection>; closeSync(): void }> };
}

function loadDuckDB(): DuckModule {
  const dir = join(BENCH, 'node_modules', '@duckdb', 'node-api');
  if (!existsSync(dir)) {
    // The version the benchmarks use, read from bench/deps.mjs so that there is one place to change it.
    const pkg = /DUCKDB_PACKAGE = '([^']+)'/.exec(readFileSync(join(BENCH, 'deps.mjs'), 'utf8'))?.[1];
    if (pkg === undefined) throw new Error('bench/deps.mjs does not name the DuckDB package');
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', BENCH, pkg], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(dir) as DuckModule;
}

type Outcome = { rows: unknown[][] } | { error: string };

function catalogOf(tables: readonly Table[]): Catalog {
  const catalog = new Catalog();
  for (const t of tables) {
    const schema: Record<string, ColumnType> = {};
    for (const c of t.columns) schema[c.name] = c.sparkType;
    catalog.createOrReplaceTempView(t.name, t.rows, schema);
  }
  return catalog;
}

function ours(catalog: Catalog, sql: string): Outcome {
  try {
    const result = executeSql(sql, catalog);
    return { rows: result.rows.map((r) => result.columns.map((c) => r[c] ?? null)) };
  } catch (e: unknown) {
    return { error: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e) };
  }
}

async function duck(conn: DuckConnection, tables: readonly Table[], sql: string, load: boolean): Promise<Outcome> {
  if (load) for (const t of tables) await conn.run(duckTable(t));
  try {
    const reader = await conn.runAndReadAll(sql);
    return { rows: reader.getRowsJS().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : (v ?? null)))) };
  } catch (e: unknown) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return true;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return false;
}

/** Null when the outcomes agree, else what differs. */
function difference(x: Outcome, y: Outcome): string | null {
  if ('error' in x || 'error' in y) {
    if ('error' in x && 'error' in y) return null;
    return 'error' in x ? `structured-rx failed: ${x.error}` : `DuckDB failed: ${(y as { error: string }).error}`;
  }
  if (x.rows.length !== y.rows.length) return `${x.rows.length} rows vs ${y.rows.length}`;
  for (let i = 0; i < x.rows.length; i += 1) {
    const a = x.rows[i] as unknown[];
    const b = y.rows[i] as unknown[];
    if (a.length !== b.length || a.some((v, k) => !sameValue(v, b[k]))) return `row ${i + 1}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  return null;
}

interface Failure {
  readonly seed: number;
  readonly shape: string;
  readonly spark: string;
  readonly duck: string;
  readonly tables: readonly Table[];
  readonly difference: string;
}

/** Shrinks a disagreement: fewer rows, then simpler expressions (a subtree of the same type in place of a tree). */
async function shrink(conn: DuckConnection, tables: Table[], stmt: Statement): Promise<{ tables: Table[]; parts: readonly import('./differential/generator.js').Node[]; difference: string }> {
  let parts = stmt.parts;
  let current = tables.map((t) => ({ ...t, rows: [...t.rows] }));
  const check = async (ts: Table[], ps: readonly import('./differential/generator.js').Node[]): Promise<string | null> => {
    const { spark, duck: d } = stmt.render(ps);
    return difference(ours(catalogOf(ts), spark), await duck(conn, ts, d, true));
  };
  let diff = (await check(current, parts)) ?? 'no longer reproduces';
  for (const t of current.keys()) {
    for (let i = (current[t] as Table).rows.length - 1; i >= 0; i -= 1) {
      const candidate = current.map((x, k) => (k === t ? { ...x, rows: x.rows.filter((_, j) => j !== i) } : x));
      const d = await check(candidate, parts);
      if (d !== null) {
        current = candidate;
        diff = d;
      }
    }
  }
  let progress = true;
  for (let round = 0; progress && round < 20; round += 1) {
    progress = false;
    for (let p = 0; p < parts.length && !progress; p += 1) {
      const part = parts[p] as import('./differential/generator.js').Node;
      for (const sub of subtrees(part).slice(1)) {
        if (sub.cat !== part.cat || sub.aggregate !== part.aggregate) continue;
        const candidate = parts.map((x, k) => (k === p ? sub : x));
        const d = await check(current, candidate);
        if (d !== null) {
          parts = candidate;
          diff = d;
          progress = true;
          break;
        }
      }
    }
  }
  return { tables: current, parts, difference: diff };
}

describe('differential test against DuckDB (Spark semantics)', () => {
  let instance: { connect(): Promise<DuckConnection>; closeSync(): void } | null = null;
  let conn: DuckConnection | null = null;

  beforeAll(async () => {
    const duckdb = loadDuckDB();
    instance = await duckdb.DuckDBInstance.create(':memory:');
    conn = await instance.connect();
  }, 300_000);

  afterAll(() => {
    conn?.closeSync();
    instance?.closeSync();
  });

  test(`${SEEDS.length * STATEMENTS_PER_SEED} random statements agree`, async () => {
    const c = conn as DuckConnection;
    const failures: Failure[] = [];
    const shapes = new Map<string, number>();
    let bothFailed = 0;
    let rowsCompared = 0;
    for (const seed of SEEDS) {
      const rng = new Rng(seed);
      const tables = [randomTable(rng, 't1', T1_COLUMNS), randomTable(rng, 't2', T2_COLUMNS)];
      for (const t of tables) await c.run(duckTable(t));
      const catalog = catalogOf(tables);
      for (let k = 0; k < STATEMENTS_PER_SEED; k += 1) {
        const stmt = randomStatement(rng);
        const { spark, duck: d } = stmt.render(stmt.parts);
        const mine = ours(catalog, spark);
        const theirs = await duck(c, tables, d, false);
        shapes.set(stmt.shape.split(' ')[0] as string, (shapes.get(stmt.shape.split(' ')[0] as string) ?? 0) + 1);
        if ('error' in mine && 'error' in theirs) bothFailed += 1;
        if ('rows' in mine) rowsCompared += mine.rows.length;
        const diff = difference(mine, theirs);
        if (diff !== null && failures.length < 5) {
          const small = await shrink(c, tables, stmt);
          const rendered = stmt.render(small.parts);
          failures.push({ seed, shape: stmt.shape, spark: rendered.spark, duck: rendered.duck, tables: small.tables, difference: small.difference });
          for (const t of tables) await c.run(duckTable(t));
        } else if (diff !== null) failures.push({ seed, shape: stmt.shape, spark, duck: d, tables, difference: diff });
      }
    }
    const report = failures
      .slice(0, 5)
      .map((f) => `seed ${f.seed} (${f.shape}): ${f.difference}\n  spark: ${f.spark}\n  duckdb: ${f.duck}\n  tables: ${JSON.stringify(f.tables.map((t) => ({ [t.name]: t.rows })))}`)
      .join('\n\n');
    expect(`${failures.length} disagreements\n${report}`).toBe('0 disagreements\n');
    // The statements exercise every shape, and they are mostly valid: a generator that only made
    // statements both engines refuse would agree vacuously.
    expect([...shapes.keys()].sort()).toEqual(['aggregate', 'join', 'projection', 'set', 'subquery', 'window']);
    expect(bothFailed).toBeLessThan(SEEDS.length * STATEMENTS_PER_SEED * 0.01);
    expect(rowsCompared).toBeGreaterThan(SEEDS.length * STATEMENTS_PER_SEED);
  }, 300_000);
});
