import type { Catalog, Row, TableSnapshot } from '../catalog.js';
import { InvalidArgumentError } from '../errors.js';
import { combinerFor, type AnyCombiner } from '../agg/combiners.js';
import { isArrayType, isStructType, type ColumnType } from '../schema.js';
import type { Expr as Ast, JoinType, Query, QueryBody, Relation, Select, SortItem } from './ast.js';
import {
  type AggSpec,
  type CompileEnv,
  type CompiledSort,
  type Ctx,
  type Expr,
  ExprCompiler,
  type RelColumn,
  type Scope,
  containsAggregate,
  containsWindow,
  widerType,
} from './compile.js';
import { isValidZone } from './datetime.js';
import { SqlAnalysisError, SqlUnknownTableError, SqlUnsupportedError } from './errors.js';
import { parseQuery } from './parse.js';
import { type SqlType, castValue, groupKey, inferType, isWindow, normalize, toSqlString, tupleKey } from './values.js';
import { compareSortValues, computeWindows } from './window-functions.js';

/** The result of one statement: column names in SELECT order, and one plain object per row. */
export interface SqlResult {
  readonly columns: string[];
  readonly rows: Row[];
  /** The type of each result column where known, in the form a catalog table takes. */
  readonly schema: Readonly<Record<string, ColumnType>>;
}

export interface SqlOptions {
  /** IANA zone for date_format, casts between timestamps and text, hour() ...; default UTC. */
  readonly timeZone?: string;
}

const EMPTY: readonly unknown[] = [];
const COLUMN_TYPES: ReadonlySet<SqlType> = new Set<SqlType>(['timestamp', 'string', 'long', 'int', 'double', 'boolean', 'window']);

/** Sets an own property, also for names such as `__proto__` that an assignment would not create. */
function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

interface TableData {
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  readonly rows: readonly (readonly unknown[])[];
  readonly open: boolean;
}

const tableData = new WeakMap<TableSnapshot, TableData>();

/**
 * A snapshot as columns and rows of values (cached per snapshot, which never changes): its
 * schema, else the keys and values of its rows. Values are read as own properties only, so a
 * column named `constructor` or `__proto__` reads the row's own value, or null.
 */
function tableOf(snapshot: TableSnapshot): TableData {
  const cached = tableData.get(snapshot);
  if (cached !== undefined) return cached;
  const types = new Map<string, SqlType>();
  if (snapshot.schema !== undefined) {
    for (const [name, type] of Object.entries(snapshot.schema)) types.set(name, type);
  }
  // A declared schema is the table's whole description; rows are scanned only without one.
  for (const row of snapshot.schema === undefined ? snapshot.rows : []) {
    for (const [name, value] of Object.entries(row)) {
      const seen = types.get(name);
      const t = inferType(value);
      if (seen === undefined || seen === 'unknown') types.set(name, t);
      else if (seen === 'long' && t === 'double') types.set(name, 'double');
    }
  }
  const columns = [...types].map(([name, type]) => ({ name, type }));
  const names = columns.map((c) => c.name);
  const rows = snapshot.rows.map((row) => names.map((n) => (Object.hasOwn(row, n) ? normalize(row[n]) : null)));
  const data = { columns, rows, open: snapshot.schema === undefined && snapshot.rows.length === 0 };
  tableData.set(snapshot, data);
  return data;
}

function resolveZone(options: SqlOptions | undefined, operator: string): string {
  const zone = options?.timeZone ?? 'UTC';
  if (typeof zone !== 'string' || !isValidZone(zone)) {
    throw new InvalidArgumentError(operator, 'timeZone', zone, 'an IANA time zone name such as "UTC" or "Asia/Kolkata"');
  }
  return zone;
}

/** Finds a table by name: exact first, then ignoring case as Spark does. */
function findTable(catalog: Catalog, name: string): TableSnapshot | undefined {
  const exact = catalog.table(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const match = catalog.tableNames().find((n) => n.toLowerCase() === lower);
  return match === undefined ? undefined : catalog.table(match);
}

/** A relation while a statement runs: its columns and its rows as arrays of values. */
interface Rel {
  readonly columns: readonly RelColumn[];
  readonly rows: readonly (readonly unknown[])[];
  readonly open: boolean;
}

/** A query's result inside the engine. */
interface QueryResult {
  readonly names: readonly string[];
  readonly types: readonly SqlType[];
  readonly rows: readonly (readonly unknown[])[];
}

interface CteEntry {
  readonly query: Query;
  result: QueryResult | null;
  readonly scope: CteScope;
}
type CteScope = ReadonlyMap<string, CteEntry>;

/** One run of one statement: the catalog's snapshots, each read once, and the time zone. */
class Run {
  private readonly snapshots = new Map<string, TableSnapshot>();

  constructor(
    readonly catalog: Catalog,
    readonly zone: string,
  ) {}

  /** The snapshot of a table, fetched at its first mention: every mention reads the same one. */
  snapshot(name: string): TableSnapshot {
    const key = name.toLowerCase();
    const seen = this.snapshots.get(key);
    if (seen !== undefined) return seen;
    const snapshot = findTable(this.catalog, name);
    if (snapshot === undefined) throw new SqlUnknownTableError(name, this.catalog.tableNames());
    this.snapshots.set(key, snapshot);
    return snapshot;
  }

  query(q: Query, ctes: CteScope): QueryResult {
    let scope = ctes;
    if (q.ctes.length > 0) {
      const next = new Map(ctes);
      for (const cte of q.ctes) {
        const key = cte.name.toLowerCase();
        if (q.ctes.filter((c) => c.name.toLowerCase() === key).length > 1) {
          throw new SqlAnalysisError(cte.name, 'the WITH clause names two queries alike');
        }
        next.set(key, { query: cte.query, result: null, scope: new Map(next) });
      }
      scope = next;
    }
    if (q.body.kind === 'select') return this.select(q.body, q.orderBy, q.limit, q.offset, scope);
    const body = this.body(q.body, scope);
    return this.organize(body, q.orderBy, q.limit, q.offset);
  }

  private body(b: QueryBody, ctes: CteScope): QueryResult {
    switch (b.kind) {
      case 'select':
        return this.select(b, [], null, null, ctes);
      case 'query':
        return this.query(b, ctes);
      case 'setop':
        return this.setOp(b.op, b.all, this.body(b.left, ctes), this.body(b.right, ctes));
    }
  }

  /** ORDER BY (output columns, by name or position), LIMIT and OFFSET over a set operation's result. */
  private organize(result: QueryResult, orderBy: readonly SortItem[], limit: Ast | null, offset: Ast | null): QueryResult {
    let rows = result.rows;
    if (orderBy.length > 0) {
      const columns: RelColumn[] = result.names.map((name, i) => ({ qualifier: null, name, type: result.types[i] as SqlType }));
      const compiler = new ExprCompiler(columns, this.env(false));
      const keys = orderBy.map((s) => {
        const position = ordinal(s.expr);
        if (position === null) return compiler.sortItem(s, { kind: 'row', clause: 'ORDER BY' });
        if (position < 1 || position > columns.length) throw positionError('ORDER BY', position, columns.length);
        const index = position - 1;
        const c = columns[index] as RelColumn;
        const expr: Expr = { type: c.type, name: c.name, key: `col:${index}`, columns: true, eval: (ctx) => ctx.row[index] };
        return { expr, descending: s.descending, nullsFirst: s.nulls === null ? !s.descending : s.nulls === 'first' };
      });
      rows = sortRows(rows, (row) => keys.map((k) => k.expr.eval({ row, keys: EMPTY, aggs: EMPTY, win: [] })), keys);
    }
    return { ...result, rows: this.limitRows(rows, limit, offset) };
  }

  private limitRows<T>(rows: readonly T[], limit: Ast | null, offset: Ast | null): readonly T[] {
    const at = offset === null ? 0 : this.constantCount(offset, 'OFFSET');
    const count = limit === null ? Infinity : this.constantCount(limit, 'LIMIT');
    return at > 0 || count !== Infinity ? rows.slice(at, at + count) : rows;
  }

  private constantCount(node: Ast, clause: string): number {
    const e = new ExprCompiler([], this.env(false)).compile(node, { kind: 'row', clause });
    const v = e.columns ? null : e.eval({ row: EMPTY, keys: EMPTY, aggs: EMPTY, win: [] });
    if ((e.type !== 'int' && e.type !== 'long') || typeof v !== 'number' || v < 0) {
      throw new SqlAnalysisError(e.name, `${clause} takes a non-negative integer constant`);
    }
    return v;
  }

  private env(open: boolean): CompileEnv {
    return { zone: this.zone, open, runSubquery: (q) => this.query(q, this.currentCtes) };
  }

  private currentCtes: CteScope = new Map();

  /** UNION / EXCEPT / INTERSECT [ALL]: columns by position, at their wider types; names from the left. */
  private setOp(op: 'union' | 'except' | 'intersect', all: boolean, left: QueryResult, right: QueryResult): QueryResult {
    const word = op.toUpperCase();
    if (left.names.length !== right.names.length) {
      throw new SqlAnalysisError(word, `${word} needs the same number of columns on both sides; the left has ${left.names.length}, the right ${right.names.length}`);
    }
    const types = left.types.map((t, i) => {
      const w = widerType(t, right.types[i] as SqlType);
      if (w === null) throw new SqlAnalysisError(`${word} column ${i + 1}`, `${t} and ${right.types[i] as string} have no common type`);
      if (w === 'decimal') throw new SqlUnsupportedError('DECIMAL values', `DECIMAL values are not supported (column ${i + 1} of ${word})`);
      return w;
    });
    const convert = (rows: readonly (readonly unknown[])[], from: readonly SqlType[]): (readonly unknown[])[] =>
      rows.map((r) => r.map((v, i) => convertValue(v, from[i] as SqlType, types[i] as SqlType, this.zone)));
    const l = convert(left.rows, left.types);
    const r = convert(right.rows, right.types);
    let rows: (readonly unknown[])[];
    if (op === 'union') rows = all ? [...l, ...r] : distinctRows([...l, ...r]);
    else {
      const counts = new Map<string, number>();
      for (const row of r) {
        const k = tupleKey(row);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      rows = [];
      const seen = new Set<string>();
      for (const row of l) {
        const k = tupleKey(row);
        const c = counts.get(k) ?? 0;
        if (all) {
          if (op === 'except' ? c === 0 : c > 0) rows.push(row);
          else if (op === 'except') counts.set(k, c - 1);
          if (op === 'intersect' && c > 0) counts.set(k, c - 1);
        } else if (!seen.has(k) && (op === 'except' ? c === 0 : c > 0)) {
          seen.add(k);
          rows.push(row);
        }
      }
    }
    return { names: left.names, types, rows };
  }

  /** The relation FROM names: tables, subqueries, CTEs and joins; several are cross-joined. */
  private relation(r: Relation, ctes: CteScope): Rel {
    switch (r.kind) {
      case 'table': {
        if (r.name.length > 1) {
          throw new SqlUnsupportedError('qualified table names', `tables live in one catalog: write ${r.name[r.name.length - 1] ?? ''}, not ${r.name.join('.')}`);
        }
        const name = r.name[0] as string;
        const qualifier = (r.alias ?? name).toLowerCase();
        const cte = ctes.get(name.toLowerCase());
        if (cte !== undefined) {
          if (cte.result === null) cte.result = this.withCtes(cte.scope, () => this.query(cte.query, cte.scope));
          return resultRel(cte.result, qualifier);
        }
        const data = tableOf(this.snapshot(name));
        return { columns: data.columns.map((c) => ({ qualifier, name: c.name, type: c.type })), rows: data.rows, open: data.open };
      }
      case 'derived':
        return resultRel(this.query(r.query, ctes), r.alias === null ? null : r.alias.toLowerCase());
      case 'join':
        return this.join(r.type, this.relation(r.left, ctes), this.relation(r.right, ctes), r.on, r.using);
    }
  }

  private withCtes<T>(ctes: CteScope, run: () => T): T {
    const saved = this.currentCtes;
    this.currentCtes = ctes;
    try {
      return run();
    } finally {
      this.currentCtes = saved;
    }
  }

  /**
   * A join. Rows pair up where the ON condition is true (an equality of a left and a right
   * column is looked up in a hash of the right rows); outer joins add the unmatched rows with
   * nulls; USING (c) joins on equal c and keeps one c, first (coalesced for a FULL join).
   */
  private join(type: JoinType, left: Rel, right: Rel, on: Ast | null, using: readonly string[] | null): Rel {
    const width = left.columns.length;
    let columns: RelColumn[] = [...left.columns, ...right.columns];
    const open = left.open || right.open;
    const compiler = new ExprCompiler(columns, this.env(open));
    let cond: Expr | null = null;
    let usingPairs: Array<[number, number]> = [];
    if (using !== null) {
      usingPairs = using.map((name) => {
        const find = (cols: readonly RelColumn[], side: string): number => {
          const matches = cols.map((c, i) => (!c.hidden && c.name.toLowerCase() === name.toLowerCase() ? i : -1)).filter((i) => i >= 0);
          if (matches.length !== 1) throw new SqlAnalysisError(name, `USING column ${name} ${matches.length === 0 ? 'is not' : 'is ambiguous'} in the ${side} side of the join`);
          return matches[0] as number;
        };
        return [find(left.columns, 'left'), find(right.columns, 'right')];
      });
      const conds = usingPairs.map(([li, ri]) => compiler.comparison('=', columnExpr(columns, li), columnExpr(columns, width + ri)));
      cond = conds.reduce((a, b) => ({ ...a, eval: (ctx: Ctx) => { const x = a.eval(ctx); if (x === false) return false; const y = b.eval(ctx); return y === false ? false : x === null || y === null ? null : true; } }));
    } else if (on !== null) {
      if (containsAggregate(on) || containsWindow(on)) throw new SqlAnalysisError('ON', 'a join condition cannot contain aggregate or window functions');
      cond = compiler.compile(on, { kind: 'row', clause: 'ON' });
      compiler.requireBoolean(cond, 'ON');
    }
    if (cond === null && type !== 'cross' && type !== 'inner') throw new SqlAnalysisError(type.toUpperCase(), `a ${type.toUpperCase()} JOIN needs ON or USING`);
    const rightNulls: unknown[] = right.columns.map(() => null);
    const leftNulls: unknown[] = left.columns.map(() => null);
    const out: (readonly unknown[])[] = [];
    const rightMatched = new Uint8Array(right.rows.length);
    const candidates = this.hashProbe(cond === null ? null : on, usingPairs, compiler, left, right);
    const test = cond === null ? null : cond.eval;
    for (const l of left.rows) {
      let matched = false;
      const pool = candidates === null ? null : candidates(l);
      const count = pool === null ? right.rows.length : pool.length;
      for (let k = 0; k < count; k += 1) {
        const j = pool === null ? k : (pool[k] as number);
        const r = right.rows[j] as readonly unknown[];
        const row = [...l, ...r];
        if (test !== null && test({ row, keys: EMPTY, aggs: EMPTY, win: [] }) !== true) continue;
        matched = true;
        rightMatched[j] = 1;
        if (type === 'semi' || type === 'anti') break;
        out.push(row);
      }
      if (type === 'semi' && matched) out.push(l);
      else if (type === 'anti' && !matched) out.push(l);
      else if (!matched && (type === 'left' || type === 'full')) out.push([...l, ...rightNulls]);
    }
    if (type === 'right' || type === 'full') {
      right.rows.forEach((r, j) => {
        if (rightMatched[j] === 0) out.push([...leftNulls, ...r]);
      });
    }
    if (type === 'semi' || type === 'anti') return { columns: left.columns, rows: out, open };
    if (usingPairs.length === 0) return { columns, rows: out, open };
    // USING: the joined columns first, once each; the sides' own copies stay reachable by qualifier.
    const usingColumns: RelColumn[] = usingPairs.map(([li, ri]) => {
      const lc = left.columns[li] as RelColumn;
      const rc = right.columns[ri] as RelColumn;
      return { qualifier: null, name: lc.name, type: widerType(lc.type, rc.type) ?? lc.type };
    });
    const hide = new Set<number>([...usingPairs.map(([li]) => li), ...usingPairs.map(([, ri]) => width + ri)]);
    columns = [...usingColumns, ...columns.map((c, i) => (hide.has(i) ? { ...c, hidden: true } : c))];
    const rows = out.map((row) => [
      ...usingPairs.map(([li, ri]) => {
        const a = row[li] ?? null;
        const b = row[width + ri] ?? null;
        if (type === 'right') return b;
        return type === 'full' && a === null ? b : a;
      }),
      ...row,
    ]);
    return { columns, rows, open };
  }

  /**
   * For an equi-join, a function from a left row to the right rows whose key is equal: the first
   * `left.col = right.col` conjunct of ON (or the first USING column) between two columns of one
   * type, hashed as GROUP BY hashes. Null when the condition has no such equality.
   */
  private hashProbe(on: Ast | null, usingPairs: ReadonlyArray<[number, number]>, compiler: ExprCompiler, left: Rel, right: Rel): ((l: readonly unknown[]) => readonly number[]) | null {
    const width = left.columns.length;
    let pair: [number, number] | null = usingPairs[0] ?? null;
    if (pair === null && on !== null) {
      const conjuncts: Ast[] = [];
      const flatten = (e: Ast): void => {
        if (e.kind === 'binary' && e.op === 'AND') {
          flatten(e.left);
          flatten(e.right);
        } else conjuncts.push(e);
      };
      flatten(on);
      for (const c of conjuncts) {
        if (c.kind !== 'binary' || c.op !== '=' || c.left.kind !== 'column' || c.right.kind !== 'column') continue;
        const a = indexOf(compiler.compile(c.left, { kind: 'row', clause: 'ON' }));
        const b = indexOf(compiler.compile(c.right, { kind: 'row', clause: 'ON' }));
        if (a === null || b === null) continue;
        if (a < width && b >= width) pair = [a, b - width];
        else if (b < width && a >= width) pair = [b, a - width];
        if (pair !== null) break;
      }
    }
    if (pair === null) return null;
    const [li, ri] = pair;
    const lt = (left.columns[li] as RelColumn).type;
    const rt = (right.columns[ri] as RelColumn).type;
    const hashable = (t: SqlType): boolean => t === 'int' || t === 'long' || t === 'double' || t === 'string' || t === 'boolean' || t === 'timestamp';
    if (lt !== rt && !((lt === 'int' || lt === 'long') && (rt === 'int' || rt === 'long'))) return null;
    if (!hashable(lt)) return null;
    const table = new Map<string, number[]>();
    right.rows.forEach((r, j) => {
      const v = r[ri] ?? null;
      if (v === null) return;
      const k = groupKey(v);
      const list = table.get(k);
      if (list === undefined) table.set(k, [j]);
      else list.push(j);
    });
    const none: readonly number[] = [];
    return (l) => {
      const v = l[li] ?? null;
      return v === null ? none : (table.get(groupKey(v)) ?? none);
    };
  }

  /** One SELECT with the ORDER BY, LIMIT and OFFSET of its query. */
  private select(ast: Select, orderBy: readonly SortItem[], limit: Ast | null, offset: Ast | null, ctes: CteScope): QueryResult {
    return this.withCtes(ctes, () => this.selectIn(ast, orderBy, limit, offset, ctes));
  }

  private selectIn(ast: Select, orderBy: readonly SortItem[], limit: Ast | null, offset: Ast | null, ctes: CteScope): QueryResult {
    let source: Rel;
    if (ast.from.length === 0) source = { columns: [], rows: [[]], open: false };
    else {
      source = this.relation(ast.from[0] as Relation, ctes);
      for (const r of ast.from.slice(1)) source = this.join('cross', source, this.relation(r, ctes), null, null);
    }
    const compiler = new ExprCompiler(source.columns, this.env(source.open));

    // SELECT list, with * and t.* expanded to the relation's columns.
    const items: Array<{ ast: Ast | null; expr: Expr | null; index: number; alias: string | null }> = [];
    for (const item of ast.items) {
      if (item.expr.kind === 'star') {
        if (ast.from.length === 0) throw new SqlAnalysisError('*', 'SELECT * needs a FROM clause');
        const q = item.expr.qualifier.map((p) => p.toLowerCase()).join('.');
        const picked = source.columns.map((c, i) => ({ c, i })).filter(({ c }) => !c.hidden && (q === '' || c.qualifier === q));
        if (q !== '' && !source.columns.some((c) => c.qualifier === q)) throw new SqlAnalysisError(`${item.expr.qualifier.join('.')}.*`, `no table ${item.expr.qualifier.join('.')} in FROM`);
        for (const { i } of picked) items.push({ ast: null, expr: null, index: i, alias: null });
        continue;
      }
      items.push({ ast: item.expr, expr: null, index: -1, alias: item.alias });
    }
    const itemAst = (k: number): Ast => {
      const it = items[k];
      if (it === undefined) throw new SqlAnalysisError(String(k + 1), 'no such item');
      if (it.ast !== null) return it.ast;
      const c = source.columns[it.index] as RelColumn;
      return { kind: 'column', parts: c.qualifier === null ? [c.name] : [c.qualifier, c.name] };
    };
    const aliasOf = (name: string): number => items.findIndex((i) => i.alias !== null && i.alias.toLowerCase() === name.toLowerCase());

    const aggregated =
      ast.groupBy.length > 0 ||
      ast.having !== null ||
      items.some((i) => i.ast !== null && containsAggregate(i.ast)) ||
      orderBy.some((o) => containsAggregate(o.expr));

    let where: Expr | null = null;
    if (ast.where !== null) {
      if (containsAggregate(ast.where)) throw new SqlAnalysisError(describeAggregate(ast.where), 'aggregate functions are not allowed in WHERE');
      if (containsWindow(ast.where)) throw new SqlAnalysisError('OVER', 'window functions are not allowed in WHERE');
      where = compiler.compile(ast.where, { kind: 'row', clause: 'WHERE' });
      if (!['boolean', 'null', 'unknown'].includes(where.type)) throw new SqlAnalysisError(where.name, `WHERE needs a boolean condition, got ${where.type}`);
    }

    if (aggregated) {
      for (const g of ast.groupBy) {
        let node = g;
        const position = ordinal(g);
        if (position !== null) {
          if (position < 1 || position > items.length) throw positionError('GROUP BY', position, items.length);
          node = itemAst(position - 1);
        } else if (g.kind === 'column' && g.parts.length === 1 && !compiler.hasInputColumn(g.parts[0] as string)) {
          const k = aliasOf(g.parts[0] as string);
          if (k >= 0) node = itemAst(k);
        }
        if (containsAggregate(node)) throw new SqlAnalysisError(position === null ? 'GROUP BY' : String(position), 'GROUP BY cannot refer to an aggregate');
        compiler.groupKeys.push(compiler.compile(node, { kind: 'row', clause: 'GROUP BY' }));
      }
    }

    const scope = (clause: string): Scope => ({ kind: aggregated ? 'group' : 'row', clause });
    compiler.allowWindows(scope('SELECT'));
    const outputs: Expr[] = items.map((_, k) => compiler.compile(itemAst(k), scope('SELECT')));
    compiler.allowWindows(null);
    // Spark names an unaliased column reference by its last part (`window.end` gives `end`).
    const names = items.map((item, k) => {
      if (item.alias !== null) return item.alias;
      const node = item.ast;
      if (node === null) return (source.columns[item.index] as RelColumn).name;
      if (node.kind === 'column') return node.parts[node.parts.length - 1] as string;
      return (outputs[k] as Expr).name;
    });

    let having: Expr | null = null;
    if (ast.having !== null) {
      having = compiler.compile(substituteAliases(ast.having, compiler, (name) => {
        const k = aliasOf(name);
        return k < 0 ? null : itemAst(k);
      }), scope('HAVING'));
      if (!['boolean', 'null', 'unknown'].includes(having.type)) throw new SqlAnalysisError(having.name, `HAVING needs a boolean condition, got ${having.type}`);
    }

    // ORDER BY: a position or an output name sorts by that output; anything else is a hidden key.
    const hidden: CompiledSort[] = [];
    const order = orderBy.map((o) => {
      const nullsFirst = o.nulls === null ? !o.descending : o.nulls === 'first';
      const position = ordinal(o.expr);
      if (position !== null) {
        if (position < 1 || position > items.length) throw positionError('ORDER BY', position, items.length);
        return { output: true, index: position - 1, descending: o.descending, nullsFirst };
      }
      if (o.expr.kind === 'column' && o.expr.parts.length === 1) {
        const bare = (o.expr.parts[0] as string).toLowerCase();
        const index = names.findIndex((c) => c.toLowerCase() === bare);
        if (index >= 0) return { output: true, index, descending: o.descending, nullsFirst };
      }
      compiler.allowWindows(scope('ORDER BY'));
      const sort = compiler.sortItem(o, scope('ORDER BY'));
      compiler.allowWindows(null);
      const same = outputs.findIndex((e) => e.key === sort.expr.key);
      if (same >= 0) return { output: true, index: same, descending: o.descending, nullsFirst };
      if (ast.distinct) throw new SqlAnalysisError(sort.expr.name, 'with SELECT DISTINCT, ORDER BY can only use selected columns');
      hidden.push(sort);
      return { output: false, index: hidden.length - 1, descending: o.descending, nullsFirst };
    });

    // Evaluate: filter, then either each row or each group (aggregated), then window functions.
    const passes = (ctx: Ctx): boolean => where === null || where.eval(ctx) === true;
    let ctxs: Ctx[] = [];
    if (!aggregated) {
      for (const row of source.rows) {
        const ctx: Ctx = { row, keys: EMPTY, aggs: EMPTY, win: [] };
        if (passes(ctx)) ctxs.push(ctx);
      }
    } else {
      const plans = compiler.aggs.map(aggPlan);
      const groups = new Map<string, { keys: unknown[]; states: unknown[] }>();
      for (const row of source.rows) {
        const ctx: Ctx = { row, keys: EMPTY, aggs: EMPTY, win: [] };
        if (!passes(ctx)) continue;
        const keys = compiler.groupKeys.map((g) => g.eval(ctx));
        const id = keys.length === 1 ? groupKey(keys[0]) : tupleKey(keys);
        let group = groups.get(id);
        if (group === undefined) {
          group = { keys, states: plans.map((p) => p.create()) };
          groups.set(id, group);
        }
        const states = group.states;
        for (let i = 0; i < plans.length; i += 1) states[i] = (plans[i] as AggPlan).add(states[i], ctx);
      }
      // A global aggregate (no GROUP BY) over no rows still yields one row, as in Spark.
      if (groups.size === 0 && compiler.groupKeys.length === 0) groups.set('', { keys: [], states: plans.map((p) => p.create()) });
      for (const group of groups.values()) {
        const ctx: Ctx = { row: EMPTY, keys: group.keys, aggs: plans.map((p, i) => p.result(group.states[i])), win: [] };
        if (having !== null && having.eval(ctx) !== true) continue;
        ctxs.push(ctx);
      }
    }
    if (compiler.windows.length > 0) computeWindows(ctxs, compiler.windows);

    let produced = ctxs.map((ctx) => ({ values: outputs.map((o) => o.eval(ctx)), keys: hidden.map((h) => h.expr.eval(ctx)) }));
    ctxs = [];
    if (ast.distinct) {
      const seen = new Set<string>();
      produced = produced.filter((r) => {
        const k = tupleKey(r.values);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    if (order.length > 0) {
      produced = produced.slice().sort((a, b) => {
        for (const o of order) {
          const x = o.output ? a.values[o.index] : a.keys[o.index];
          const y = o.output ? b.values[o.index] : b.keys[o.index];
          const c = compareSortValues(x ?? null, y ?? null, o.descending, o.nullsFirst);
          if (c !== 0) return c;
        }
        return 0;
      });
    }
    const rows = this.limitRows(produced, limit, offset).map((r) => r.values);
    for (const [k, o] of outputs.entries()) if (o.type === 'decimal') throw decimalOutput(o, names[k] as string);
    return { names, types: outputs.map((o) => (o.type === 'null' ? 'null' : o.type)), rows };
  }
}

function decimalOutput(o: Expr, name: string): SqlUnsupportedError {
  return new SqlUnsupportedError(
    'DECIMAL values',
    `DECIMAL values are not supported (${name}): write ${o.decimalText ?? o.name}D for a DOUBLE, or CAST(${o.name} AS DOUBLE)`,
  );
}

function describeAggregate(e: Ast): string {
  if (e.kind === 'call' && e.over === null) return `${e.name.toLowerCase()}(...)`;
  for (const c of childExprsAll(e)) if (containsAggregate(c)) return describeAggregate(c);
  return 'aggregate';
}

function positionError(clause: string, position: number, size: number): SqlAnalysisError {
  return new SqlAnalysisError(String(position), `${clause} position ${position} is not in the select list (valid range is [1, ${size}])`);
}

/** An INT literal in ORDER BY or GROUP BY is a position (Spark's ordinals); any other constant is a constant. */
function ordinal(node: Ast | null): number | null {
  if (node === null || node.kind !== 'literal' || node.type !== 'int' || typeof node.value !== 'number') return null;
  return node.value;
}

function columnExpr(columns: readonly RelColumn[], i: number): Expr {
  const c = columns[i] as RelColumn;
  return { type: c.type, name: c.name, key: `col:${i}`, columns: true, eval: (ctx) => ctx.row[i] };
}

function indexOf(e: Expr): number | null {
  const m = /^col:(\d+)$/.exec(e.key);
  return m === null ? null : Number(m[1]);
}

function resultRel(result: QueryResult, qualifier: string | null): Rel {
  return { columns: result.names.map((name, i) => ({ qualifier, name, type: result.types[i] as SqlType })), rows: result.rows, open: false };
}

/** A value converted to a set operation's column type (Spark's widening casts). */
function convertValue(v: unknown, from: SqlType, to: SqlType, zone: string): unknown {
  if (v === null || from === to) return v;
  if (to === 'string') return toSqlString(v, from, zone);
  if (to === 'float') return castValue(v, from, 'float', zone);
  return v;
}

function distinctRows(rows: readonly (readonly unknown[])[]): (readonly unknown[])[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = tupleKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function sortRows(rows: readonly (readonly unknown[])[], keysOf: (row: readonly unknown[]) => unknown[], sorts: readonly CompiledSort[]): (readonly unknown[])[] {
  const keyed = rows.map((row) => ({ row, keys: keysOf(row) }));
  keyed.sort((a, b) => {
    for (let k = 0; k < sorts.length; k += 1) {
      const s = sorts[k] as CompiledSort;
      const c = compareSortValues(a.keys[k] ?? null, b.keys[k] ?? null, s.descending, s.nullsFirst);
      if (c !== 0) return c;
    }
    return 0;
  });
  return keyed.map((k) => k.row);
}

/** Replaces bare names that are no input column but a SELECT alias by the aliased expression (HAVING). */
function substituteAliases(e: Ast, compiler: ExprCompiler, alias: (name: string) => Ast | null): Ast {
  const sub = (x: Ast): Ast => substituteAliases(x, compiler, alias);
  switch (e.kind) {
    case 'column': {
      if (e.parts.length !== 1 || compiler.hasInputColumn(e.parts[0] as string)) return e;
      return alias(e.parts[0] as string) ?? e;
    }
    case 'binary':
      return { ...e, left: sub(e.left), right: sub(e.right) };
    case 'not':
    case 'unary':
    case 'isNull':
    case 'isBool':
    case 'cast':
      return { ...e, operand: sub(e.operand) };
    case 'between':
      return { ...e, operand: sub(e.operand), low: sub(e.low), high: sub(e.high) };
    case 'in':
      return { ...e, operand: sub(e.operand), list: e.list.map(sub) };
    case 'like':
      return { ...e, operand: sub(e.operand), pattern: sub(e.pattern) };
    case 'isDistinct':
      return { ...e, left: sub(e.left), right: sub(e.right) };
    case 'case':
      return {
        ...e,
        operand: e.operand === null ? null : sub(e.operand),
        whens: e.whens.map((w) => ({ when: sub(w.when), then: sub(w.then) })),
        otherwise: e.otherwise === null ? null : sub(e.otherwise),
      };
    default:
      return e;
  }
}

/**
 * The aggregates of a statement as the streaming aggregation's combiners (src/agg): one
 * aggregation engine. count(*) adds anything; count(a, b) counts rows where none is null (and
 * count(DISTINCT a, b) distinct tuples); other DISTINCT aggregates add each distinct value once.
 */
interface AggPlan {
  readonly create: () => unknown;
  readonly add: (state: unknown, ctx: Ctx) => unknown;
  readonly result: (state: unknown) => unknown;
}

function aggPlan(spec: AggSpec): AggPlan {
  const first = spec.args[0];
  const type = first === undefined || first.type === 'null' || first.type === 'float' || first.type === 'decimal' ? undefined : first.type;
  const combiner: AnyCombiner = combinerFor(spec.distinct && spec.fn === 'count' ? 'count_distinct' : spec.fn, type, { star: spec.star });
  const args = spec.args;
  const input = spec.star
    ? (): unknown => undefined
    : args.length === 1
      ? (ctx: Ctx): unknown => (args[0] as Expr).eval(ctx)
      : (ctx: Ctx): unknown => {
          const values = args.map((a) => a.eval(ctx));
          if (values.some((x) => x === null)) return null;
          return spec.distinct ? tupleKey(values) : values[0];
        };
  if (!spec.distinct || spec.fn === 'count') {
    return { create: () => combiner.create(), add: (s, ctx) => combiner.add(s, input(ctx)), result: (s) => combiner.result(s) };
  }
  // sum/avg/min/max(DISTINCT x): the combiner sees each distinct value once.
  return {
    create: () => ({ seen: new Set<string>(), acc: combiner.create() }),
    add: (s, ctx) => {
      const state = s as { seen: Set<string>; acc: unknown };
      const v = input(ctx);
      if (v === null) return state;
      const k = groupKey(v);
      if (!state.seen.has(k)) {
        state.seen.add(k);
        state.acc = combiner.add(state.acc, v);
      }
      return state;
    },
    result: (s) => combiner.result((s as { acc: unknown }).acc),
  };
}

/** The catalog tables a query reads (CTE names excluded), as written. */
function tablesOf(q: Query): string[] {
  const names = new Set<string>();
  const cteNames = new Set<string>();
  const visitQuery = (x: Query): void => {
    for (const c of x.ctes) {
      cteNames.add(c.name.toLowerCase());
      visitQuery(c.query);
    }
    visitBody(x.body);
    for (const s of x.orderBy) visitExpr(s.expr);
  };
  const visitBody = (b: QueryBody): void => {
    if (b.kind === 'query') visitQuery(b);
    else if (b.kind === 'setop') {
      visitBody(b.left);
      visitBody(b.right);
    } else {
      b.from.forEach(visitRel);
      for (const i of b.items) visitExpr(i.expr);
      if (b.where !== null) visitExpr(b.where);
      if (b.having !== null) visitExpr(b.having);
    }
  };
  const visitRel = (r: Relation): void => {
    if (r.kind === 'table') names.add(r.name.join('.'));
    else if (r.kind === 'derived') visitQuery(r.query);
    else {
      visitRel(r.left);
      visitRel(r.right);
      if (r.on !== null) visitExpr(r.on);
    }
  };
  const visitExpr = (e: Ast): void => {
    if (e.kind === 'exists' || e.kind === 'subquery' || e.kind === 'inQuery') visitQuery(e.query);
    for (const c of childExprsAll(e)) visitExpr(c);
  };
  visitQuery(q);
  return [...names].filter((n) => !cteNames.has(n.toLowerCase()));
}

/** The expressions directly under `e` (its operands, arguments and window specification). */
function childExprsAll(e: Ast): Ast[] {
  switch (e.kind) {
    case 'binary':
    case 'isDistinct':
      return [e.left, e.right];
    case 'not':
    case 'unary':
    case 'cast':
    case 'isNull':
    case 'isBool':
    case 'inQuery':
      return [e.operand];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'in':
      return [e.operand, ...e.list];
    case 'like':
      return [e.operand, e.pattern];
    case 'case':
      return [...(e.operand === null ? [] : [e.operand]), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.otherwise === null ? [] : [e.otherwise])];
    case 'call':
      return [...e.args, ...(e.over === null ? [] : [...e.over.partitionBy, ...e.over.orderBy.map((s) => s.expr)])];
    case 'field':
      return [e.base];
    default:
      return [];
  }
}

/**
 * A statement parsed once, ready to run against any catalog. Column names and types are resolved
 * at each run against the snapshots it reads, so a prepared statement follows a table's schema.
 */
export class PreparedSql {
  /** The catalog tables the statement reads (as written). */
  readonly tables: readonly string[];
  readonly text: string;
  private readonly query: Query;
  private readonly zone: string;

  constructor(text: string, options?: SqlOptions) {
    this.zone = resolveZone(options, 'prepareSql');
    this.query = parseQuery(text);
    this.text = text;
    this.tables = tablesOf(this.query);
  }

  /** Runs the statement over one snapshot of each table it names (each read once). */
  execute(catalog: Catalog): SqlResult {
    const result = new Run(catalog, this.zone).query(this.query, new Map());
    const seen = new Set<string>();
    for (const name of result.names) {
      if (seen.has(name)) throw new SqlAnalysisError(name, 'two result columns have the same name; give one of them an alias with AS');
      seen.add(name);
    }
    const names = result.names;
    const types = result.types;
    const rows: Row[] = result.rows.map((values) => {
      const out: Record<string, unknown> = {};
      names.forEach((name, k) => {
        const v = values[k] ?? null;
        // A struct that happens to have start and end fields is passed through whole.
        setOwn(out, name, isWindow(v) && !isStructType(types[k] as SqlType) ? { start: v.start, end: v.end } : v);
      });
      return out;
    });
    const schema: Record<string, ColumnType> = {};
    names.forEach((name, k) => {
      const t = types[k] as SqlType;
      if (COLUMN_TYPES.has(t) || isArrayType(t) || isStructType(t)) setOwn(schema, name, t);
      else if (t === 'float') setOwn(schema, name, 'double');
    });
    return { columns: [...names], rows, schema };
  }
}

/** Parses (and checks) a SELECT once, to run it many times. */
export function prepareSql(text: string, options?: SqlOptions): PreparedSql {
  return new PreparedSql(text, options);
}

/** Runs one query over one consistent snapshot of the catalog's tables. */
export function executeSql(text: string, catalog: Catalog, options?: SqlOptions): SqlResult {
  return new PreparedSql(text, options).execute(catalog);
}
