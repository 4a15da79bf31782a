import type { Catalog, Row, TableSnapshot } from '../catalog.js';
import { InvalidArgumentError } from '../errors.js';
import { combinerFor, type AnyCombiner } from '../agg/combiners.js';
import { isArrayType, isStructType, type ColumnType } from '../schema.js';
import { type Node, child, children, containsAggregate, isNode, nodeType, str } from './ast.js';
import { type AggSpec, type ColumnInfo, type Ctx, type Expr, ExprCompiler, type Scope, type TableInfo } from './compile.js';
import { isValidZone } from './datetime.js';
import { SqlAnalysisError, SqlUnknownTableError, SqlUnsupportedError } from './errors.js';
import { type ParsedSelect, parseSelect } from './parse.js';
import { type SqlType, compareValues, groupKey, inferType, isWindow, tupleKey } from './values.js';

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

const tableInfos = new WeakMap<TableSnapshot, { columns: ColumnInfo[]; open: boolean }>();

/** The columns of a snapshot: its schema, else the keys and values of its rows (cached per snapshot). */
function describeSnapshot(snapshot: TableSnapshot): { columns: ColumnInfo[]; open: boolean } {
  const cached = tableInfos.get(snapshot);
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
  const info = {
    columns: [...types].map(([name, type]) => ({ name, type })),
    open: snapshot.schema === undefined && snapshot.rows.length === 0,
  };
  tableInfos.set(snapshot, info);
  return info;
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

interface SelectItem {
  readonly node: Node;
  readonly alias: string | null;
}

interface OrderItem {
  /** Index of the output column to sort by, or of the hidden sort key. */
  readonly output: boolean;
  readonly index: number;
  readonly descending: boolean;
}

function isBareColumn(node: Node): string | null {
  if (nodeType(node) !== 'column_ref' || str(node, 'table') !== null || str(node, 'db') !== null) return null;
  return str(node, 'column');
}

function ordinal(node: Node): number | null {
  if (nodeType(node) !== 'number') return null;
  const v = node['value'];
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

/** Replaces bare names that are no input column but a SELECT alias by the aliased expression (HAVING). */
function substituteAliases(value: unknown, compiler: ExprCompiler, items: readonly SelectItem[]): unknown {
  if (Array.isArray(value)) return value.map((v) => substituteAliases(v, compiler, items));
  if (!isNode(value)) return value;
  const name = isBareColumn(value);
  if (name !== null) {
    if (compiler.inputColumn(name) !== undefined) return value;
    const item = items.find((i) => i.alias !== null && i.alias.toLowerCase() === name.toLowerCase());
    return item === undefined ? value : item.node;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = substituteAliases(v, compiler, items);
  return out;
}

function nonNegativeInteger(node: Node, clause: string): number {
  const v = node['value'];
  if (nodeType(node) !== 'number' || typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new SqlAnalysisError(String(v), `${clause} takes a non-negative integer constant`);
  }
  return v;
}

/**
 * The aggregates of a statement as the streaming aggregation's combiners (src/agg): one
 * aggregation engine. `input` gives the value a spec adds for a row: count(*) adds anything;
 * count(a, b) counts rows where none is null (and count(DISTINCT a, b) distinct tuples).
 */
interface AggPlan {
  readonly combiner: AnyCombiner;
  readonly input: (ctx: Ctx) => unknown;
}

function aggPlan(spec: AggSpec): AggPlan {
  if (spec.distinct && spec.fn !== 'count') throw new SqlUnsupportedError(`${spec.fn}(DISTINCT ...)`);
  const first = spec.args[0];
  const type = first === undefined || first.type === 'null' ? undefined : first.type;
  const combiner = combinerFor(spec.distinct ? 'count_distinct' : spec.fn, type, { star: spec.star });
  if (spec.star) return { combiner, input: () => undefined };
  if (spec.args.length === 1) {
    const arg = first as Expr;
    return { combiner, input: (ctx) => arg.eval(ctx) };
  }
  const args = spec.args;
  return {
    combiner,
    input: (ctx) => {
      const values = args.map((a) => a.eval(ctx));
      if (values.some((x) => x === null)) return null;
      return spec.distinct ? tupleKey(values) : values[0];
    },
  };
}

function newStates(plans: readonly AggPlan[]): unknown[] {
  return plans.map((p) => p.combiner.create());
}

/** Sort order of Spark: ascending puts nulls first, descending puts them last. */
function compareForSort(a: unknown, b: unknown): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return a === null ? -1 : 1; // nulls are the smallest: first ascending, last descending
  }
  return compareValues(a, b);
}

/**
 * A statement parsed once, ready to run against any catalog. Column names and types are resolved
 * at each run against the snapshot it reads, so a prepared statement follows a table's schema.
 */
export class PreparedSql {
  /** The table the statement reads (as written), or none for `SELECT 1`. */
  readonly tables: readonly string[];
  private readonly parsed: ParsedSelect;
  private readonly zone: string;

  constructor(text: string, options?: SqlOptions) {
    this.zone = resolveZone(options, 'prepareSql');
    this.parsed = parseSelect(text);
    this.tables = this.parsed.table === null ? [] : [this.parsed.table.name];
  }

  get text(): string {
    return this.parsed.text;
  }

  /** Runs the statement over the catalog's current snapshot of its table (read once). */
  execute(catalog: Catalog): SqlResult {
    const ref = this.parsed.table;
    if (ref === null) return runSelect(this.parsed.ast, null, this.zone);
    const snapshot = findTable(catalog, ref.name);
    if (snapshot === undefined) throw new SqlUnknownTableError(ref.name, catalog.tableNames());
    const described = describeSnapshot(snapshot);
    return runSelect(this.parsed.ast, { snapshot, info: { name: snapshot.name, alias: ref.alias, ...described } }, this.zone);
  }
}

/** Parses (and checks) a SELECT once, to run it many times. */
export function prepareSql(text: string, options?: SqlOptions): PreparedSql {
  return new PreparedSql(text, options);
}

/** Runs one SELECT over one consistent snapshot of the catalog's tables. */
export function executeSql(text: string, catalog: Catalog, options?: SqlOptions): SqlResult {
  return new PreparedSql(text, options).execute(catalog);
}

function runSelect(ast: Node, source: { snapshot: TableSnapshot; info: TableInfo } | null, zone: string): SqlResult {
  const compiler = new ExprCompiler(source?.info ?? null, zone);
  const input: readonly Row[] = source === null ? [{}] : source.snapshot.rows;

  // SELECT list, with * expanded to the table's columns.
  const items: SelectItem[] = [];
  for (const col of children(ast, 'columns')) {
    const expr = child(col, 'expr') ?? {};
    const alias = str(col, 'as');
    if (nodeType(expr) === 'column_ref' && str(expr, 'column') === '*') {
      if (source === null) throw new SqlAnalysisError('*', 'SELECT * needs a FROM clause');
      const qualifier = str(expr, 'table');
      if (qualifier !== null) {
        const q = qualifier.toLowerCase();
        if (q !== source.info.name.toLowerCase() && q !== source.info.alias?.toLowerCase()) {
          throw new SqlAnalysisError(`${qualifier}.*`, `no table ${qualifier} in FROM`);
        }
      }
      for (const c of source.info.columns) items.push({ node: { type: 'column_ref', table: null, column: c.name }, alias: null });
      continue;
    }
    items.push({ node: expr, alias });
  }

  const whereNode = child(ast, 'where');
  const havingNode = child(ast, 'having');
  const groupNodes = children(child(ast, 'groupby') ?? {}, 'columns');
  const orderNodes = children(ast, 'orderby');
  const aggregated =
    groupNodes.length > 0 ||
    havingNode !== null ||
    items.some((i) => containsAggregate(i.node)) ||
    orderNodes.some((o) => containsAggregate(o['expr']));

  const where = whereNode === null ? null : compiler.compile(whereNode, { kind: 'row', clause: 'WHERE' });
  if (where !== null && !['boolean', 'null', 'unknown'].includes(where.type)) {
    throw new SqlAnalysisError(where.name, `WHERE needs a boolean condition, got ${where.type}`);
  }

  if (aggregated) {
    for (const g of groupNodes) {
      let node = g;
      const position = ordinal(g);
      const bare = isBareColumn(g);
      if (position !== null) {
        const item = items[position - 1];
        if (item === undefined) {
          throw new SqlAnalysisError(String(position), `GROUP BY position ${position} is not in the select list (valid range is [1, ${items.length}])`);
        }
        node = item.node;
      } else if (bare !== null && compiler.inputColumn(bare) === undefined) {
        const item = items.find((i) => i.alias !== null && i.alias.toLowerCase() === bare.toLowerCase());
        if (item !== undefined) node = item.node;
      }
      if (containsAggregate(node)) throw new SqlAnalysisError(String(bare ?? position), 'GROUP BY cannot refer to an aggregate');
      compiler.groupKeys.push(compiler.compile(node, { kind: 'row', clause: 'GROUP BY' }));
    }
  }

  const scope = (clause: string): Scope => ({ kind: aggregated ? 'group' : 'row', clause });
  const outputs: Expr[] = items.map((i) => compiler.compile(i.node, scope('SELECT')));
  // Spark names an unaliased column reference by its last part (`window.end` gives `end`).
  const columns = items.map(
    (item, k) => item.alias ?? (nodeType(item.node) === 'column_ref' ? str(item.node, 'column') : null) ?? (outputs[k] as Expr).name,
  );
  const seenNames = new Set<string>();
  for (const name of columns) {
    if (seenNames.has(name)) {
      throw new SqlAnalysisError(name, 'two result columns have the same name; give one of them an alias with AS');
    }
    seenNames.add(name);
  }

  const having =
    havingNode === null ? null : compiler.compile(substituteAliases(havingNode, compiler, items) as Node, scope('HAVING'));
  if (having !== null && !['boolean', 'null', 'unknown'].includes(having.type)) {
    throw new SqlAnalysisError(having.name, `HAVING needs a boolean condition, got ${having.type}`);
  }

  const sortKeys: Expr[] = [];
  const order: OrderItem[] = orderNodes.map((o) => {
    const node = child(o, 'expr') ?? {};
    const descending = String(o['type'] ?? '').toUpperCase() === 'DESC';
    const position = ordinal(node);
    if (position !== null) {
      if (position < 1 || position > items.length) {
        throw new SqlAnalysisError(String(position), `ORDER BY position ${position} is not in the select list (valid range is [1, ${items.length}])`);
      }
      return { output: true, index: position - 1, descending };
    }
    const bare = isBareColumn(node);
    if (bare !== null) {
      const index = columns.findIndex((c) => c.toLowerCase() === bare.toLowerCase());
      if (index >= 0) return { output: true, index, descending };
    }
    sortKeys.push(compiler.compile(node, scope('ORDER BY')));
    return { output: false, index: sortKeys.length - 1, descending };
  });

  let offset = 0;
  let limit = Infinity;
  const limitNode = child(ast, 'limit');
  if (limitNode !== null) {
    const values = children(limitNode, 'value');
    const separator = str(limitNode, 'seperator') ?? str(limitNode, 'separator') ?? '';
    if (values.length === 1) limit = nonNegativeInteger(values[0] as Node, 'LIMIT');
    else if (values.length === 2) {
      const [a, b] = values as [Node, Node];
      if (separator.toLowerCase() === 'offset') {
        limit = nonNegativeInteger(a, 'LIMIT');
        offset = nonNegativeInteger(b, 'OFFSET');
      } else {
        offset = nonNegativeInteger(a, 'OFFSET');
        limit = nonNegativeInteger(b, 'LIMIT');
      }
    } else if (values.length > 2) throw new SqlUnsupportedError('LIMIT with more than two values');
  }

  // Evaluate: filter, then either project each row or group, aggregate and project each group.
  const produced: Array<{ values: unknown[]; keys: unknown[] }> = [];
  const emit = (ctx: Ctx): void => {
    produced.push({ values: outputs.map((o) => o.eval(ctx)), keys: sortKeys.map((k) => k.eval(ctx)) });
  };
  const passes = (ctx: Ctx): boolean => where === null || where.eval(ctx) === true;

  if (!aggregated) {
    for (const row of input) {
      const ctx: Ctx = { row, keys: EMPTY, aggs: EMPTY };
      if (passes(ctx)) emit(ctx);
    }
  } else {
    const plans = compiler.aggs.map(aggPlan);
    const groups = new Map<string, { keys: unknown[]; states: unknown[] }>();
    for (const row of input) {
      const ctx: Ctx = { row, keys: EMPTY, aggs: EMPTY };
      if (!passes(ctx)) continue;
      const keys = compiler.groupKeys.map((g) => g.eval(ctx));
      const id = keys.length === 1 ? groupKey(keys[0]) : tupleKey(keys);
      let group = groups.get(id);
      if (group === undefined) {
        group = { keys, states: newStates(plans) };
        groups.set(id, group);
      }
      const states = group.states;
      for (let i = 0; i < plans.length; i += 1) {
        const plan = plans[i] as AggPlan;
        states[i] = plan.combiner.add(states[i], plan.input(ctx));
      }
    }
    // A global aggregate (no GROUP BY) over no rows still yields one row, as in Spark.
    if (groups.size === 0 && compiler.groupKeys.length === 0) groups.set('', { keys: [], states: newStates(plans) });
    for (const group of groups.values()) {
      const ctx: Ctx = { row: {}, keys: group.keys, aggs: plans.map((p, i) => p.combiner.result(group.states[i])) };
      if (having !== null && having.eval(ctx) !== true) continue;
      emit(ctx);
    }
  }

  let result = produced;
  if (str(ast, 'distinct') !== null) {
    const seen = new Set<string>();
    result = result.filter((r) => {
      const k = tupleKey(r.values);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  if (order.length > 0) {
    result = result.slice().sort((a, b) => {
      for (const o of order) {
        const x = o.output ? a.values[o.index] : a.keys[o.index];
        const y = o.output ? b.values[o.index] : b.keys[o.index];
        const c = compareForSort(x ?? null, y ?? null);
        if (c !== 0) return o.descending ? -c : c;
      }
      return 0;
    });
  }
  if (offset > 0 || limit !== Infinity) result = result.slice(offset, offset + limit);

  const rows: Row[] = result.map((r) => {
    const out: Record<string, unknown> = {};
    columns.forEach((name, k) => {
      const v = r.values[k] ?? null;
      // A struct that happens to have start and end fields is passed through whole.
      out[name] = isWindow(v) && !isStructType((outputs[k] as Expr).type) ? { start: v.start, end: v.end } : v;
    });
    return out;
  });
  const schema: Record<string, ColumnType> = {};
  columns.forEach((name, k) => {
    const t = (outputs[k] as Expr).type;
    if (COLUMN_TYPES.has(t) || isArrayType(t) || isStructType(t)) schema[name] = t as ColumnType;
  });
  return { columns, rows, schema };
}
