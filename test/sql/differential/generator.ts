/**
 * Random tables and random statements in the SQL this engine supports, each written twice: in
 * Spark's dialect (run by structured-rx) and translated to DuckDB's so that DuckDB computes what
 * Spark would. Every translation that is not the identity says which Spark rule it reproduces:
 *
 * | Spark (what the engine must do)                                  | DuckDB text                                  |
 * |------------------------------------------------------------------|----------------------------------------------|
 * | precedence NOT > comparison > AND > OR, `||` with `+`/`-` (SqlBaseParser.booleanExpression/valueExpression) | every operation fully parenthesized: DuckDB's own precedence never decides |
 * | `x / y` is a DOUBLE division, null when y is 0 (Divide, non-ANSI) | `CAST(x AS DOUBLE) / NULLIF(y, 0)`             |
 * | `x % y` is null when y is 0 (Remainder, non-ANSI)                  | `x % NULLIF(y, 0)`                             |
 * | `CAST(d AS INT)` truncates toward zero (Cast: Double.toInt)        | `CAST(trunc(d) AS INTEGER)`                    |
 * | `1.5D` is a DOUBLE literal (SqlBaseLexer DOUBLE_LITERAL)           | `CAST(1.5 AS DOUBLE)`                          |
 * | `CAST(x AS STRING)`                                               | `CAST(x AS VARCHAR)`                           |
 * | ascending sorts put nulls first, descending last (SortOrder defaults) | explicit `NULLS FIRST` / `NULLS LAST`       |
 * | strings compare by UTF-8 bytes (UTF8String.compareTo)              | DuckDB's default binary collation (the same)   |
 * | 'a' and "a" are both string literals (default dialect)             | single quotes, `'` doubled                     |
 * | `count(...)` and `sum(int)` are BIGINT                             | results compared as numbers                    |
 *
 * Integers stay small (|x| <= 50, products of two leaves only) so that neither engine overflows:
 * Spark wraps INT arithmetic and DuckDB raises, which the value tests cover instead.
 */

export type Category = 'int' | 'double' | 'string' | 'bool';

/** A random number source (mulberry32): the same seed gives the same tables and statements. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** An expression tree, rendered for both engines. `level` is its Spark precedence (higher binds tighter). */
export interface Node {
  readonly cat: Category;
  readonly level: number;
  readonly spark: (parent: number) => string;
  readonly duck: string;
  readonly kids: readonly Node[];
  readonly aggregate: boolean;
  /** Whether it reads a column (a constant GROUP BY key would be read as a position by DuckDB). */
  readonly refs: boolean;
}

const PRIMARY = 10;
const UNARY = 9;
const MUL = 8;
const ADD = 7;
const CMP = 5;
const PRED = 4;
const NOT = 3;
const AND = 2;
const OR = 1;

function node(cat: Category, level: number, sparkText: (p: (n: Node, min: number) => string) => string, duck: string, kids: readonly Node[], aggregate = false): Node {
  const wrap = (n: Node, min: number): string => n.spark(min);
  const text = sparkText(wrap);
  return {
    cat,
    level,
    spark: (min) => (level < min ? `(${text})` : text),
    duck,
    kids,
    aggregate: aggregate || kids.some((k) => k.aggregate),
    refs: kids.some((k) => k.refs),
  };
}

export function leaf(cat: Category, spark: string, duck: string, refs = false): Node {
  return { ...node(cat, PRIMARY, () => spark, duck, []), refs };
}

const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const duckString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export const STRINGS = ['a', 'b', 'ab', 'B', 'é', 'Z', '', 'ﬀ', '😀', 'a b', "it's"];
const DOUBLES = [0.5, -1.25, 2, 3.75, 0.1, -0.3, 10];

export interface Column {
  readonly name: string;
  readonly cat: Category;
  readonly sparkType: 'int' | 'long' | 'double' | 'string' | 'boolean';
  readonly duckType: string;
}

export interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly rows: Array<Record<string, unknown>>;
}

export const T1_COLUMNS: readonly Column[] = [
  { name: 'id', cat: 'int', sparkType: 'int', duckType: 'INTEGER' },
  { name: 'a', cat: 'int', sparkType: 'int', duckType: 'INTEGER' },
  { name: 'b', cat: 'int', sparkType: 'long', duckType: 'BIGINT' },
  { name: 'c', cat: 'double', sparkType: 'double', duckType: 'DOUBLE' },
  { name: 's', cat: 'string', sparkType: 'string', duckType: 'VARCHAR' },
  { name: 'f', cat: 'bool', sparkType: 'boolean', duckType: 'BOOLEAN' },
];
export const T2_COLUMNS: readonly Column[] = [
  { name: 'id', cat: 'int', sparkType: 'int', duckType: 'INTEGER' },
  { name: 'a', cat: 'int', sparkType: 'int', duckType: 'INTEGER' },
  { name: 'd', cat: 'double', sparkType: 'double', duckType: 'DOUBLE' },
  { name: 's', cat: 'string', sparkType: 'string', duckType: 'VARCHAR' },
];

function value(rng: Rng, c: Column): unknown {
  if (c.name === 'id') return null;
  if (rng.chance(0.2)) return null;
  switch (c.cat) {
    case 'int':
      return rng.int(-6, 6);
    case 'double':
      return rng.pick(DOUBLES);
    case 'string':
      return rng.pick(STRINGS);
    default:
      return rng.chance(0.5);
  }
}

export function randomTable(rng: Rng, name: string, columns: readonly Column[]): Table {
  const n = rng.int(0, 9);
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i += 1) {
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c.name] = c.name === 'id' ? i + 1 : value(rng, c);
    rows.push(row);
  }
  return { name, columns, rows };
}

function duckValue(v: unknown, c: Column): string {
  if (v === null) return 'NULL';
  if (c.cat === 'string') return duckString(String(v));
  if (c.cat === 'double') return `CAST(${String(v)} AS DOUBLE)`;
  return String(v);
}

/** The DuckDB statements that create and fill a table. */
export function duckTable(t: Table): string {
  const create = `CREATE OR REPLACE TABLE ${t.name} (${t.columns.map((c) => `${c.name} ${c.duckType}`).join(', ')})`;
  if (t.rows.length === 0) return `${create};`;
  const values = t.rows.map((r) => `(${t.columns.map((c) => duckValue(r[c.name] ?? null, c)).join(', ')})`).join(', ');
  return `${create}; INSERT INTO ${t.name} VALUES ${values};`;
}

export function literal(rng: Rng, cat: Category): Node {
  switch (cat) {
    case 'int': {
      const v = rng.int(-20, 20);
      return leaf('int', String(v), v < 0 ? `(${v})` : String(v));
    }
    case 'double': {
      const v = rng.pick(DOUBLES);
      return leaf('double', `${v}D`, `CAST(${v} AS DOUBLE)`);
    }
    case 'string': {
      const s = rng.pick(STRINGS);
      // Spark reads double-quoted text as a string literal too.
      return leaf('string', rng.chance(0.3) && !s.includes('"') ? `"${s}"` : sqlString(s), duckString(s));
    }
    default: {
      const b = rng.chance(0.5);
      return leaf('bool', String(b), String(b));
    }
  }
}

/** The expressions a generator may reference: columns (qualified or not) of the relation in scope. */
export interface ScopeColumn {
  readonly spark: string;
  readonly duck: string;
  readonly cat: Category;
}

export class ExprGen {
  constructor(
    private readonly rng: Rng,
    private readonly columns: readonly ScopeColumn[],
  ) {}

  column(cat: Category): Node | null {
    const matching = this.columns.filter((c) => c.cat === cat);
    if (matching.length === 0) return null;
    const c = this.rng.pick(matching);
    return leaf(cat, c.spark, c.duck, true);
  }

  leaf(cat: Category): Node {
    if (this.rng.chance(0.65)) {
      const c = this.column(cat);
      if (c !== null) return c;
    }
    return literal(this.rng, cat);
  }

  expr(cat: Category, depth: number): Node {
    if (depth <= 0 || this.rng.chance(0.3)) return this.leaf(cat);
    switch (cat) {
      case 'int':
        return this.intExpr(depth);
      case 'double':
        return this.doubleExpr(depth);
      case 'string':
        return this.stringExpr(depth);
      default:
        return this.boolExpr(depth);
    }
  }

  private binary(cat: Category, level: number, op: string, l: Node, r: Node, duckOp = op): Node {
    return node(cat, level, (p) => `${p(l, level)} ${op} ${p(r, level + 1)}`, `(${l.duck} ${duckOp} ${r.duck})`, [l, r]);
  }

  private call(cat: Category, name: string, args: readonly Node[], duckName = name): Node {
    return node(cat, PRIMARY, (p) => `${name}(${args.map((a) => p(a, 0)).join(', ')})`, `${duckName}(${args.map((a) => a.duck).join(', ')})`, args);
  }

  private caseWhen(cat: Category, depth: number): Node {
    const cond = this.boolExpr(depth - 1);
    const a = this.expr(cat, depth - 1);
    const b = this.expr(cat, depth - 1);
    if (this.rng.chance(0.4) && cat !== 'bool') {
      // A simple CASE with an operand.
      const subject = this.expr('int', depth - 1);
      const w = literal(this.rng, 'int');
      return node(cat, PRIMARY, (p) => `CASE ${p(subject, 0)} WHEN ${p(w, 0)} THEN ${p(a, 0)} ELSE ${p(b, 0)} END`, `(CASE ${subject.duck} WHEN ${w.duck} THEN ${a.duck} ELSE ${b.duck} END)`, [subject, w, a, b]);
    }
    return node(cat, PRIMARY, (p) => `CASE WHEN ${p(cond, 0)} THEN ${p(a, 0)} ELSE ${p(b, 0)} END`, `(CASE WHEN ${cond.duck} THEN ${a.duck} ELSE ${b.duck} END)`, [cond, a, b]);
  }

  private intExpr(depth: number): Node {
    const d = depth - 1;
    switch (this.rng.int(0, 8)) {
      case 0:
        return this.binary('int', ADD, this.rng.pick(['+', '-']), this.expr('int', d), this.expr('int', d));
      case 1:
        return this.binary('int', MUL, '*', this.leaf('int'), this.leaf('int'));
      case 2: {
        const l = this.expr('int', d);
        const r = this.expr('int', d);
        return node('int', MUL, (p) => `${p(l, MUL)} % ${p(r, MUL + 1)}`, `(${l.duck} % NULLIF(${r.duck}, 0))`, [l, r]);
      }
      case 3:
        return this.call('int', 'abs', [this.expr('int', d)]);
      case 4:
        return this.call('int', 'coalesce', [this.expr('int', d), this.expr('int', d)]);
      case 5:
        return this.caseWhen('int', depth);
      case 6: {
        const x = this.expr('double', d);
        return node('int', PRIMARY, (p) => `CAST(${p(x, 0)} AS INT)`, `CAST(trunc(${x.duck}) AS INTEGER)`, [x]);
      }
      case 7:
        return this.call('int', 'length', [this.expr('string', d)]);
      default: {
        const x = this.expr('int', d);
        return node('int', UNARY, (p) => `- ${p(x, UNARY)}`, `(- ${x.duck})`, [x]);
      }
    }
  }

  private doubleExpr(depth: number): Node {
    const d = depth - 1;
    switch (this.rng.int(0, 5)) {
      case 0:
        return this.binary('double', ADD, this.rng.pick(['+', '-']), this.expr('double', d), this.expr(this.rng.pick(['double', 'int'] as const), d));
      case 1:
        return this.binary('double', MUL, '*', this.expr('double', d), this.leaf(this.rng.pick(['double', 'int'] as const)));
      case 2: {
        const l = this.expr(this.rng.pick(['double', 'int'] as const), d);
        const r = this.expr(this.rng.pick(['double', 'int'] as const), d);
        return node('double', MUL, (p) => `${p(l, MUL)} / ${p(r, MUL + 1)}`, `(CAST(${l.duck} AS DOUBLE) / NULLIF(${r.duck}, 0))`, [l, r]);
      }
      case 3: {
        const x = this.expr('int', d);
        return node('double', PRIMARY, (p) => `CAST(${p(x, 0)} AS DOUBLE)`, `CAST(${x.duck} AS DOUBLE)`, [x]);
      }
      case 4:
        return this.caseWhen('double', depth);
      default:
        return this.call('double', 'coalesce', [this.expr('double', d), this.expr('double', d)]);
    }
  }

  private stringExpr(depth: number): Node {
    const d = depth - 1;
    switch (this.rng.int(0, 3)) {
      case 0:
        return this.binary('string', ADD, '||', this.expr('string', d), this.expr('string', d));
      case 1: {
        const x = this.expr('int', d);
        return node('string', PRIMARY, (p) => `CAST(${p(x, 0)} AS STRING)`, `CAST(${x.duck} AS VARCHAR)`, [x]);
      }
      case 2:
        return this.call('string', 'coalesce', [this.expr('string', d), this.expr('string', d)]);
      default:
        return this.caseWhen('string', depth);
    }
  }

  boolExpr(depth: number): Node {
    if (depth <= 0) return this.rng.chance(0.5) ? this.leaf('bool') : this.comparison(0);
    const d = depth - 1;
    switch (this.rng.int(0, 8)) {
      case 0:
      case 1:
        return this.comparison(d);
      case 2:
        return this.binary('bool', AND, 'AND', this.boolExpr(d), this.boolExpr(d));
      case 3:
        return this.binary('bool', OR, 'OR', this.boolExpr(d), this.boolExpr(d));
      case 4: {
        const x = this.boolExpr(d);
        return node('bool', NOT, (p) => `NOT ${p(x, NOT)}`, `(NOT ${x.duck})`, [x]);
      }
      case 5: {
        const x = this.expr(this.rng.pick(['int', 'double', 'string', 'bool'] as const), d);
        const neg = this.rng.chance(0.5) ? 'NOT ' : '';
        return node('bool', PRED, (p) => `${p(x, CMP)} IS ${neg}NULL`, `(${x.duck} IS ${neg}NULL)`, [x]);
      }
      case 6: {
        const cat = this.rng.pick(['int', 'string', 'double'] as const);
        const x = this.expr(cat, d);
        const items = Array.from({ length: this.rng.int(1, 4) }, () => (this.rng.chance(0.15) ? leaf(cat, 'NULL', 'NULL') : literal(this.rng, cat)));
        const neg = this.rng.chance(0.4) ? 'NOT ' : '';
        return node('bool', PRED, (p) => `${p(x, CMP)} ${neg}IN (${items.map((i) => p(i, 0)).join(', ')})`, `(${x.duck} ${neg}IN (${items.map((i) => i.duck).join(', ')}))`, [x, ...items]);
      }
      case 7: {
        const cat = this.rng.pick(['int', 'double'] as const);
        const x = this.expr(cat, d);
        const lo = this.leaf(cat);
        const hi = this.leaf(cat);
        const neg = this.rng.chance(0.3) ? 'NOT ' : '';
        return node('bool', PRED, (p) => `${p(x, CMP)} ${neg}BETWEEN ${p(lo, CMP)} AND ${p(hi, CMP)}`, `(${x.duck} ${neg}BETWEEN ${lo.duck} AND ${hi.duck})`, [x, lo, hi]);
      }
      default:
        return this.caseWhen('bool', depth);
    }
  }

  comparison(depth: number): Node {
    const cat = this.rng.pick(['int', 'double', 'string', 'int'] as const);
    const l = this.expr(cat, depth);
    const r = this.expr(cat === 'double' && this.rng.chance(0.5) ? 'int' : cat, depth);
    const op = this.rng.pick(['=', '<>', '<', '<=', '>', '>=', '!=', '==']);
    const duckOp = op === '==' ? '=' : op;
    return node('bool', CMP, (p) => `${p(l, CMP)} ${op} ${p(r, CMP + 1)}`, `(${l.duck} ${duckOp} ${r.duck})`, [l, r]);
  }

  aggregate(cat: Category, depth: number): Node {
    const fn = this.rng.pick(['count', 'sum', 'avg', 'min', 'max', 'count*', 'countd']);
    if (fn === 'count*') return leaf('int', 'count(*)', 'count(*)');
    const argCat = fn === 'sum' || fn === 'avg' ? this.rng.pick(['int', 'double'] as const) : cat;
    const x = this.expr(argCat, depth);
    const out: Category = fn === 'count' || fn === 'countd' ? 'int' : fn === 'avg' ? 'double' : fn === 'sum' ? argCat : argCat;
    if (fn === 'countd') return node('int', PRIMARY, (p) => `count(DISTINCT ${p(x, 0)})`, `count(DISTINCT ${x.duck})`, [x], true);
    return node(out, PRIMARY, (p) => `${fn}(${p(x, 0)})`, `${fn}(${x.duck})`, [x], true);
  }
}

/** Every node of a tree, each with a function that rebuilds the tree with that node replaced. */
export function subtrees(n: Node): Node[] {
  return [n, ...n.kids.flatMap(subtrees)];
}
