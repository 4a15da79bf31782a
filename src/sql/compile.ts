import type { Row } from '../catalog.js';
import { isArrayType, isStructType, structFields } from '../schema.js';
import { type Node, child, children, containsAggregate, isNode, nodeType, str } from './ast.js';
import { DatetimePatternError, compileDatetimePattern, parseTimestamp, timestampField } from './datetime.js';
import { SqlAnalysisError, SqlUnknownColumnError, SqlUnknownFunctionError, SqlUnsupportedError } from './errors.js';
import {
  type CastTarget,
  type SqlType,
  canCast,
  castResultType,
  castValue,
  compareValues,
  isNumericType,
  isWindow,
  normalize,
  toNumber,
  toSqlString,
} from './values.js';

/** What an expression is evaluated against: an input row, or a group (its keys and aggregates). */
export interface Ctx {
  readonly row: Row;
  readonly keys: readonly unknown[];
  readonly aggs: readonly unknown[];
}

/** A compiled expression. */
export interface Expr {
  readonly type: SqlType;
  /** The column name Spark gives the expression when it has no alias. */
  readonly name: string;
  /** Identity of the expression, to match a SELECT item against a GROUP BY key. */
  readonly key: string;
  /** False for constants: their value does not depend on the row. */
  readonly columns: boolean;
  readonly eval: (ctx: Ctx) => unknown;
}

export interface ColumnInfo {
  readonly name: string;
  readonly type: SqlType;
}

export interface TableInfo {
  readonly name: string;
  readonly alias: string | null;
  readonly columns: readonly ColumnInfo[];
  /**
   * True for a table with neither schema nor rows: nothing tells its columns, so any column name
   * reads as null instead of failing (a live table before its first trigger).
   */
  readonly open: boolean;
}

export type AggFn = 'count' | 'sum' | 'avg' | 'min' | 'max';

export interface AggSpec {
  readonly fn: AggFn;
  readonly distinct: boolean;
  /** count(*): counts rows, whatever their values. */
  readonly star: boolean;
  readonly args: readonly Expr[];
  readonly key: string;
}

export interface Scope {
  readonly kind: 'row' | 'group';
  /** The clause being compiled, for error messages. */
  readonly clause: string;
}

const CONSTANT_CTX: Ctx = { row: {}, keys: [], aggs: [] };

function literal(value: unknown, type: SqlType, name: string): Expr {
  return { type, name, key: `lit:${type}:${JSON.stringify(value)}`, columns: false, eval: () => value };
}

function truth(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** Spark's unescaping of a string literal's body. */
export function unescapeString(raw: string, quote: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw.charAt(i);
    if (c === quote && raw.charAt(i + 1) === quote) {
      out += quote;
      i += 1;
    } else if (c === '\\' && i + 1 < raw.length) {
      const d = raw.charAt(i + 1);
      i += 1;
      switch (d) {
        case '0':
          out += '\u0000';
          break;
        case 'b':
          out += '\b';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'Z':
          out += '\u001a';
          break;
        case '%':
        case '_':
          // Kept escaped, so LIKE still sees a literal % or _.
          out += `\\${d}`;
          break;
        case 'u': {
          const hex = raw.slice(i + 1, i + 5);
          if (/^[0-9a-fA-F]{4}$/.test(hex)) {
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
          } else out += 'u';
          break;
        }
        default:
          out += d;
      }
    } else out += c;
  }
  return out;
}

/** A LIKE pattern as a regular expression: % any run, _ one character, `escape` quotes the next. */
export function likeToRegExp(pattern: string, escape: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    if (c === escape && i + 1 < pattern.length) {
      re += pattern.charAt(i + 1).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i += 1;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'su');
}

const CAST_TYPES: Readonly<Record<string, CastTarget>> = {
  CHAR: 'string',
  VARCHAR: 'string',
  TEXT: 'string',
  STRING: 'string',
  INT: 'int',
  INTEGER: 'int',
  BIGINT: 'long',
  LONG: 'long',
  SMALLINT: 'smallint',
  TINYINT: 'tinyint',
  DOUBLE: 'double',
  FLOAT: 'float',
  BOOLEAN: 'boolean',
  TIMESTAMP: 'timestamp',
};

const CAST_NAMES: Readonly<Record<CastTarget, string>> = {
  string: 'STRING',
  int: 'INT',
  long: 'BIGINT',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

type Builtin = (self: ExprCompiler, name: string, args: readonly Expr[]) => { type: SqlType; eval: (ctx: Ctx) => unknown };

function arity(name: string, args: readonly Expr[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new SqlAnalysisError(`${name}(${args.map((a) => a.name).join(', ')})`, `${name} takes ${want} argument(s), got ${args.length}`);
  }
}

function arg(args: readonly Expr[], i: number): Expr {
  const a = args[i];
  if (a === undefined) throw new RangeError(`missing argument ${i}`);
  return a;
}

/** The epoch milliseconds of a timestamp-ish value: a number is already epoch ms; text is parsed. */
function timestampOf(value: unknown, zone: string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return parseTimestamp(value, zone);
  return null;
}

function requireTimestampish(name: string, e: Expr): void {
  if (e.type === 'window' || e.type === 'boolean' || isArrayType(e.type) || isStructType(e.type)) {
    throw new SqlAnalysisError(`${name}(${e.name})`, `${name} needs a timestamp, got ${e.type}`);
  }
}

function numericUnary(name: string, fn: (n: number) => number, type: (t: SqlType) => SqlType): Builtin {
  return (_self, _n, args) => {
    arity(name, args, 1, 1);
    const a = arg(args, 0);
    return {
      type: type(a.type),
      eval: (ctx) => {
        const n = toNumber(a.eval(ctx));
        return n === null ? null : fn(n);
      },
    };
  };
}

function stringUnary(name: string, fn: (s: string) => unknown, type: SqlType): Builtin {
  return (self, _n, args) => {
    arity(name, args, 1, 1);
    const a = arg(args, 0);
    return {
      type,
      eval: (ctx) => {
        const s = toSqlString(a.eval(ctx), a.type, self.zone);
        return s === null ? null : fn(s);
      },
    };
  };
}

function timestampPart(name: string, field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'): Builtin {
  return (self, _n, args) => {
    arity(name, args, 1, 1);
    const a = arg(args, 0);
    requireTimestampish(name, a);
    return {
      type: 'int',
      eval: (ctx) => {
        const ms = timestampOf(a.eval(ctx), self.zone);
        return ms === null ? null : timestampField(ms, self.zone, field);
      },
    };
  };
}

function roundHalfUp(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  const r = (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
  return r + 0;
}

const BUILTINS: Readonly<Record<string, Builtin>> = {
  date_format: (self, name, args) => {
    arity(name, args, 2, 2);
    const ts = arg(args, 0);
    const fmt = arg(args, 1);
    requireTimestampish(name, ts);
    const zone = self.zone;
    const formatterFor = (pattern: string): ((ms: number, zone: string) => string) => {
      try {
        return compileDatetimePattern(pattern);
      } catch (e: unknown) {
        if (e instanceof DatetimePatternError) {
          throw new SqlAnalysisError(`${name}(${ts.name}, ${fmt.name})`, `invalid datetime pattern: ${e.reason}`);
        }
        throw e;
      }
    };
    if (!fmt.columns) {
      const pattern = fmt.eval(CONSTANT_CTX);
      if (pattern === null) return { type: 'string', eval: () => null };
      const format = formatterFor(toSqlString(pattern, fmt.type, zone) ?? '');
      // Rows of windowed counts share their window ends: remember the text of each instant.
      const memo = new Map<number, string>();
      return {
        type: 'string',
        eval: (ctx) => {
          const ms = timestampOf(ts.eval(ctx), zone);
          if (ms === null) return null;
          let text = memo.get(ms);
          if (text === undefined) {
            text = format(ms, zone);
            if (memo.size >= 65536) memo.clear();
            memo.set(ms, text);
          }
          return text;
        },
      };
    }
    return {
      type: 'string',
      eval: (ctx) => {
        const ms = timestampOf(ts.eval(ctx), zone);
        const pattern = toSqlString(fmt.eval(ctx), fmt.type, zone);
        return ms === null || pattern === null ? null : formatterFor(pattern)(ms, zone);
      },
    };
  },
  coalesce: (_self, name, args) => {
    arity(name, args, 1, Infinity);
    const type = args.find((a) => a.type !== 'null')?.type ?? 'null';
    return {
      type,
      eval: (ctx) => {
        for (const a of args) {
          const v = a.eval(ctx);
          if (v !== null) return v;
        }
        return null;
      },
    };
  },
  if: (_self, name, args) => {
    arity(name, args, 3, 3);
    const [c, a, b] = [arg(args, 0), arg(args, 1), arg(args, 2)];
    return { type: a.type === 'null' ? b.type : a.type, eval: (ctx) => (c.eval(ctx) === true ? a.eval(ctx) : b.eval(ctx)) };
  },
  lower: stringUnary('lower', (s) => s.toLowerCase(), 'string'),
  upper: stringUnary('upper', (s) => s.toUpperCase(), 'string'),
  length: stringUnary('length', (s) => [...s].length, 'int'),
  trim: stringUnary('trim', (s) => s.replace(/^ +| +$/g, ''), 'string'),
  concat: (self, name, args) => {
    arity(name, args, 0, Infinity);
    return {
      type: 'string',
      eval: (ctx) => {
        let out = '';
        for (const a of args) {
          const s = toSqlString(a.eval(ctx), a.type, self.zone);
          if (s === null) return null;
          out += s;
        }
        return out;
      },
    };
  },
  abs: numericUnary('abs', Math.abs, (t) => (isNumericType(t) ? t : 'double')),
  floor: numericUnary('floor', (n) => Math.floor(n) + 0, () => 'long'),
  ceil: numericUnary('ceil', (n) => Math.ceil(n) + 0, () => 'long'),
  round: (_self, name, args) => {
    arity(name, args, 1, 2);
    const x = arg(args, 0);
    const d = args[1];
    if (d !== undefined && (d.columns || !Number.isInteger(d.eval(CONSTANT_CTX)))) {
      throw new SqlAnalysisError(`${name}(${x.name}, ${d.name})`, 'the scale of round must be an integer constant');
    }
    const digits = d === undefined ? 0 : (d.eval(CONSTANT_CTX) as number);
    return {
      type: isNumericType(x.type) ? x.type : 'double',
      eval: (ctx) => {
        const n = toNumber(x.eval(ctx));
        return n === null ? null : roundHalfUp(n, digits);
      },
    };
  },
  year: timestampPart('year', 'year'),
  month: timestampPart('month', 'month'),
  day: timestampPart('day', 'day'),
  dayofmonth: timestampPart('dayofmonth', 'day'),
  hour: timestampPart('hour', 'hour'),
  minute: timestampPart('minute', 'minute'),
  second: timestampPart('second', 'second'),
};

const FUNCTION_ALIASES: Readonly<Record<string, string>> = {
  ifnull: 'coalesce',
  nvl: 'coalesce',
  lcase: 'lower',
  ucase: 'upper',
  char_length: 'length',
  character_length: 'length',
  ceiling: 'ceil',
};

const AGGREGATES: readonly AggFn[] = ['count', 'sum', 'avg', 'min', 'max'];

export const SUPPORTED_FUNCTIONS: readonly string[] = [
  ...AGGREGATES,
  ...Object.keys(BUILTINS),
  ...Object.keys(FUNCTION_ALIASES),
  'not',
].sort();

function functionName(node: Node): string {
  const name = node['name'];
  if (typeof name === 'string') return name;
  if (isNode(name)) {
    const parts = children(name, 'name');
    return parts.map((p) => String(p['value'] ?? '')).join('.');
  }
  return '';
}

function functionArgs(node: Node): Node[] {
  const args = child(node, 'args');
  if (args === null) return [];
  return children(args, 'value');
}

/** Compiles expressions of one statement against one table. */
export class ExprCompiler {
  /** GROUP BY keys, compiled against input rows; group-scope expressions read them by index. */
  readonly groupKeys: Expr[] = [];
  /** Aggregates met while compiling group-scope expressions, deduplicated by key. */
  readonly aggs: AggSpec[] = [];
  private readonly byLower = new Map<string, ColumnInfo>();

  constructor(
    readonly table: TableInfo | null,
    readonly zone: string,
  ) {
    for (const c of table?.columns ?? []) {
      if (!this.byLower.has(c.name.toLowerCase())) this.byLower.set(c.name.toLowerCase(), c);
    }
  }

  /** The input column of that name (case-insensitive), if any. */
  inputColumn(name: string): ColumnInfo | undefined {
    return this.byLower.get(name.toLowerCase());
  }

  compile(node: Node, scope: Scope): Expr {
    if (scope.kind === 'group' && !containsAggregate(node)) {
      const probe = this.compile(node, { kind: 'row', clause: scope.clause });
      if (!probe.columns) return probe;
      const index = this.groupKeys.findIndex((k) => k.key === probe.key);
      if (index >= 0) return { ...probe, eval: (ctx) => ctx.keys[index] };
    }
    const type = nodeType(node);
    switch (type) {
      case 'column_ref':
        return this.columnRef(node, scope);
      case 'number':
      case 'bigint':
        return this.numberLiteral(node['value']);
      case 'single_quote_string':
      case 'double_quote_string':
      case 'string': {
        const raw = str(node, 'value') ?? '';
        const value = unescapeString(raw, type === 'single_quote_string' ? "'" : '"');
        return literal(value, 'string', value);
      }
      case 'bool':
        return literal(node['value'] === true, 'boolean', node['value'] === true ? 'true' : 'false');
      case 'null':
        return literal(null, 'null', 'NULL');
      case 'timestamp': {
        const text = str(node, 'value') ?? '';
        const ms = parseTimestamp(text, this.zone);
        if (ms === null) throw new SqlAnalysisError(`TIMESTAMP '${text}'`, 'not a valid timestamp literal');
        return literal(ms, 'timestamp', `TIMESTAMP '${text}'`);
      }
      case 'unary_expr':
        return this.unary(node, scope);
      case 'binary_expr':
        return this.binary(node, scope);
      case 'function':
        return this.call(node, scope);
      case 'aggr_func':
        return this.aggregate(node, scope);
      case 'case':
        return this.caseWhen(node, scope);
      case 'cast':
        return this.cast(node, scope);
      case 'star':
        throw new SqlAnalysisError('*', `* is only allowed alone in the SELECT list or in count(*)`);
      default:
        throw new SqlUnsupportedError(`expression of kind ${type || 'unknown'}`);
    }
  }

  private numberLiteral(raw: unknown): Expr {
    const text = String(raw);
    const value = Number(text);
    if (/^-?\d+$/.test(text)) {
      return literal(value, Math.abs(value) <= 2147483647 ? 'int' : 'long', text);
    }
    return literal(value, 'double', text);
  }

  private columnRef(node: Node, scope: Scope): Expr {
    const columnField = node['column'];
    let column: string;
    if (typeof columnField === 'string') column = columnField;
    else if (isNode(columnField) && isNode(columnField['expr'])) column = String(columnField['expr']['value'] ?? '');
    else throw new SqlUnsupportedError('column reference');
    let parts = [str(node, 'db'), str(node, 'table'), column].filter((p): p is string => p !== null);
    const written = parts.join('.');
    if (column === '*') throw new SqlAnalysisError(written, `* is only allowed alone in the SELECT list or in count(*)`);
    const table = this.table;
    if (parts.length >= 2 && table !== null) {
      const q = (parts[0] ?? '').toLowerCase();
      if (q === table.name.toLowerCase() || (table.alias !== null && q === table.alias.toLowerCase())) {
        parts = parts.slice(1);
      }
    }
    const base = this.resolveColumn(parts[0] ?? '', written);
    if (base === null) {
      return this.numberLiteral(parts[0]);
    }
    let expr = base;
    let grouped = false;
    if (scope.kind === 'group') {
      // A field of a grouped struct is grouped too: GROUP BY window, SELECT window.start.
      const index = this.groupKeys.findIndex((k) => k.key === base.key);
      if (index >= 0 && parts.length > 1) {
        expr = { ...base, eval: (ctx) => ctx.keys[index] };
        grouped = true;
      }
    }
    for (const field of parts.slice(1)) expr = this.field(expr, field, written);
    if (scope.kind === 'group' && !grouped) {
      throw new SqlAnalysisError(
        written,
        `in ${scope.clause}, a column must be in GROUP BY or inside an aggregate function (count, sum, avg, min, max)`,
      );
    }
    return expr;
  }

  /** A column of the input, or null when the name is a number literal the grammar read as a name (1e3). */
  private resolveColumn(name: string, written: string): Expr | null {
    const info = this.inputColumn(name);
    if (info === undefined) {
      if (/^\d+(\.\d*)?[eE][+-]?\d+$/.test(name)) return null;
      if (this.table?.open === true) {
        return { type: 'unknown', name, key: `col:${name.toLowerCase()}`, columns: true, eval: (ctx) => normalize(ctx.row[name]) };
      }
      throw new SqlUnknownColumnError(written, this.availableColumns());
    }
    const key = info.name;
    return {
      type: info.type,
      name,
      key: `col:${key.toLowerCase()}`,
      columns: true,
      eval: (ctx) => normalize(ctx.row[key]),
    };
  }

  availableColumns(): string[] {
    const names: string[] = [];
    for (const c of this.table?.columns ?? []) {
      names.push(c.name);
      if (c.type === 'window') names.push(`${c.name}.start`, `${c.name}.end`);
      else if (isStructType(c.type)) names.push(...structFields(c.type).map((f) => `${c.name}.${f.name}`));
    }
    return names;
  }

  private field(base: Expr, field: string, written: string): Expr {
    const lower = field.toLowerCase();
    if (isStructType(base.type)) {
      // Spark resolves a struct's field ignoring case (spark.sql.caseSensitive=false); the schema keeps names unique that way.
      const fields = structFields(base.type);
      const f = fields.find((x) => x.name.toLowerCase() === lower);
      if (f === undefined) throw new SqlUnknownColumnError(written, fields.map((x) => `${base.name}.${x.name}`));
      const read = base.eval;
      const name = f.name;
      return {
        type: f.type,
        name: `${base.name}.${name}`,
        key: `${base.key}.${lower}`,
        columns: true,
        eval: (ctx) => {
          const v = read(ctx);
          return typeof v === 'object' && v !== null && Object.hasOwn(v, name) ? normalize((v as Record<string, unknown>)[name]) : null;
        },
      };
    }
    if (base.type === 'unknown' || base.type === 'window') {
      if (base.type === 'window' && lower !== 'start' && lower !== 'end') {
        throw new SqlUnknownColumnError(written, [`${base.name}.start`, `${base.name}.end`]);
      }
      const read = base.eval;
      return {
        type: base.type === 'window' ? 'timestamp' : 'unknown',
        name: `${base.name}.${field}`,
        key: `${base.key}.${lower}`,
        columns: true,
        eval: (ctx) => {
          const v = read(ctx);
          if (isWindow(v)) return lower === 'start' ? v.start : lower === 'end' ? v.end : null;
          if (typeof v === 'object' && v !== null && Object.hasOwn(v, field)) return normalize((v as Record<string, unknown>)[field]);
          return null;
        },
      };
    }
    throw new SqlAnalysisError(written, `cannot read field ${field} of ${base.name}: it is a ${base.type}, not a struct`);
  }

  private requireBoolean(e: Expr, where: string): void {
    if (e.type !== 'boolean' && e.type !== 'null' && e.type !== 'unknown') {
      throw new SqlAnalysisError(e.name, `${where} needs a boolean, got ${e.type}`);
    }
  }

  private unary(node: Node, scope: Scope): Expr {
    const op = (str(node, 'operator') ?? '').toUpperCase();
    const inner = this.compile(child(node, 'expr') ?? {}, scope);
    if (op === 'NOT' || op === '!') return this.not(inner);
    if (op === '-' || op === '+') {
      if (!isNumericType(inner.type) && inner.type !== 'null' && inner.type !== 'unknown' && inner.type !== 'string') {
        throw new SqlAnalysisError(`${op}${inner.name}`, `unary ${op} needs a number, got ${inner.type}`);
      }
      const negate = op === '-';
      return {
        type: isNumericType(inner.type) ? inner.type : 'double',
        name: negate ? `(- ${inner.name})` : `(+ ${inner.name})`,
        key: `${op}(${inner.key})`,
        columns: inner.columns,
        eval: (ctx) => {
          const n = toNumber(inner.eval(ctx));
          return n === null ? null : negate ? 0 - n : n;
        },
      };
    }
    throw new SqlUnsupportedError(`operator ${op}`);
  }

  private not(inner: Expr): Expr {
    this.requireBoolean(inner, 'NOT');
    return {
      type: 'boolean',
      name: `(NOT ${inner.name})`,
      key: `not(${inner.key})`,
      columns: inner.columns,
      eval: (ctx) => {
        const v = truth(inner.eval(ctx));
        return v === null ? null : !v;
      },
    };
  }

  private list(node: Node | null, scope: Scope): Expr[] {
    if (node === null || nodeType(node) !== 'expr_list') throw new SqlUnsupportedError('expression list');
    const items = node['value'];
    if (!Array.isArray(items)) throw new SqlUnsupportedError('expression list');
    return items.map((item: unknown) => {
      if (!isNode(item) || 'ast' in item) throw new SqlUnsupportedError('subqueries');
      return this.compile(item, scope);
    });
  }

  private binary(node: Node, scope: Scope): Expr {
    const op = (str(node, 'operator') ?? '').toUpperCase();
    const leftNode = child(node, 'left') ?? {};
    const rightNode = child(node, 'right') ?? {};
    if (isNode(leftNode) && 'ast' in leftNode) throw new SqlUnsupportedError('subqueries');
    const left = this.compile(leftNode, scope);
    switch (op) {
      case 'IN':
      case 'NOT IN':
        return this.inList(left, this.list(rightNode, scope), op === 'NOT IN');
      case 'BETWEEN':
      case 'NOT BETWEEN': {
        const [lo, hi] = this.list(rightNode, scope);
        if (lo === undefined || hi === undefined) throw new SqlUnsupportedError('BETWEEN without two bounds');
        return this.between(left, lo, hi, op === 'NOT BETWEEN');
      }
      case 'IS':
      case 'IS NOT':
        return this.is(left, rightNode, op === 'IS NOT');
      case 'LIKE':
      case 'NOT LIKE':
        return this.like(left, rightNode, scope, op === 'NOT LIKE');
      case 'RLIKE':
      case 'REGEXP':
      case 'NOT RLIKE':
      case 'NOT REGEXP':
        return this.rlike(left, this.compile(rightNode, scope), op.startsWith('NOT'));
      default:
        break;
    }
    if (isNode(rightNode) && 'ast' in rightNode) throw new SqlUnsupportedError('subqueries');
    const right = this.compile(rightNode, scope);
    switch (op) {
      case 'AND':
      case '&&':
      case 'OR':
        return this.logical(op === 'OR' ? 'OR' : 'AND', left, right);
      case '||':
        return this.concatOp(left, right);
      case '=':
      case '!=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.comparison(op === '<>' ? '!=' : op, left, right);
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case 'MOD':
      case 'DIV':
        return this.arithmetic(op === 'MOD' ? '%' : op, left, right);
      default:
        throw new SqlUnsupportedError(`operator ${op}`);
    }
  }

  private arithmetic(op: string, left: Expr, right: Expr): Expr {
    for (const side of [left, right]) {
      if (side.type === 'timestamp' || side.type === 'window' || side.type === 'boolean' || isArrayType(side.type) || isStructType(side.type)) {
        throw new SqlAnalysisError(`(${left.name} ${op} ${right.name})`, `${op} needs numbers, got ${side.type} ${side.name}`);
      }
    }
    let type: SqlType;
    if (op === '/') type = 'double';
    else if (op === 'DIV') type = 'long';
    else if (left.type === 'int' && right.type === 'int') type = 'int';
    else if ((left.type === 'int' || left.type === 'long') && (right.type === 'int' || right.type === 'long')) type = 'long';
    else type = 'double';
    const apply = (a: number, b: number): number | null => {
      switch (op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return b === 0 ? null : a / b;
        case '%':
          return b === 0 ? null : (a % b) + 0;
        default:
          return b === 0 ? null : Math.trunc(a / b) + 0;
      }
    };
    const l = left.eval;
    const r = right.eval;
    return {
      type,
      name: `(${left.name} ${op} ${right.name})`,
      key: `${op}(${left.key},${right.key})`,
      columns: left.columns || right.columns,
      eval: (ctx) => {
        const a = toNumber(l(ctx));
        if (a === null) return null;
        const b = toNumber(r(ctx));
        if (b === null) return null;
        return apply(a, b);
      },
    };
  }

  /** Spark's implicit casts for a comparison: a string against a timestamp is read as a timestamp. */
  private coerce(side: Expr, other: Expr): (ctx: Ctx) => unknown {
    if (side.type === 'string' && other.type === 'timestamp') {
      const zone = this.zone;
      return (ctx) => {
        const v = side.eval(ctx);
        return typeof v === 'string' ? parseTimestamp(v, zone) : v;
      };
    }
    return side.eval;
  }

  private comparison(op: string, left: Expr, right: Expr): Expr {
    const l = this.coerce(left, right);
    const r = this.coerce(right, left);
    const test = (c: number): boolean => {
      switch (op) {
        case '=':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        default:
          return c >= 0;
      }
    };
    return {
      type: 'boolean',
      name: `(${left.name} ${op} ${right.name})`,
      key: `${op}(${left.key},${right.key})`,
      columns: left.columns || right.columns,
      eval: (ctx) => {
        const a = l(ctx);
        if (a === null) return null;
        const b = r(ctx);
        if (b === null) return null;
        return test(compareValues(a, b));
      },
    };
  }

  private logical(op: 'AND' | 'OR', left: Expr, right: Expr): Expr {
    this.requireBoolean(left, op);
    this.requireBoolean(right, op);
    const l = left.eval;
    const r = right.eval;
    const dominant = op === 'OR'; // the value that decides alone: true for OR, false for AND
    return {
      type: 'boolean',
      name: `(${left.name} ${op} ${right.name})`,
      key: `${op}(${left.key},${right.key})`,
      columns: left.columns || right.columns,
      eval: (ctx) => {
        const a = truth(l(ctx));
        if (a === dominant) return dominant;
        const b = truth(r(ctx));
        if (b === dominant) return dominant;
        return a === null || b === null ? null : !dominant;
      },
    };
  }

  private concatOp(left: Expr, right: Expr): Expr {
    const zone = this.zone;
    return {
      type: 'string',
      name: `concat(${left.name}, ${right.name})`,
      key: `concat(${left.key},${right.key})`,
      columns: left.columns || right.columns,
      eval: (ctx) => {
        const a = toSqlString(left.eval(ctx), left.type, zone);
        const b = toSqlString(right.eval(ctx), right.type, zone);
        return a === null || b === null ? null : a + b;
      },
    };
  }

  private inList(left: Expr, items: readonly Expr[], negated: boolean): Expr {
    const l = left.eval;
    const readers = items.map((item) => this.coerce(item, left));
    const name = `(${left.name} ${negated ? 'NOT IN' : 'IN'} (${items.map((i) => i.name).join(', ')}))`;
    return {
      type: 'boolean',
      name,
      key: `${negated ? 'notin' : 'in'}(${left.key};${items.map((i) => i.key).join(',')})`,
      columns: left.columns || items.some((i) => i.columns),
      eval: (ctx) => {
        const v = l(ctx);
        if (v === null) return null;
        let sawNull = false;
        for (const read of readers) {
          const w = read(ctx);
          if (w === null) sawNull = true;
          else if (compareValues(v, w) === 0) return !negated;
        }
        return sawNull ? null : negated;
      },
    };
  }

  private between(left: Expr, lo: Expr, hi: Expr, negated: boolean): Expr {
    const ge = this.comparison('>=', left, lo);
    const le = this.comparison('<=', left, hi);
    const both = this.logical('AND', ge, le);
    const expr: Expr = {
      ...both,
      name: `(${left.name} ${negated ? 'NOT BETWEEN' : 'BETWEEN'} ${lo.name} AND ${hi.name})`,
      key: `between(${left.key},${lo.key},${hi.key})`,
    };
    return negated ? { ...this.not(expr), key: `notbetween(${left.key},${lo.key},${hi.key})` } : expr;
  }

  private is(left: Expr, rightNode: Node, negated: boolean): Expr {
    const rt = nodeType(rightNode);
    const l = left.eval;
    if (rt === 'null') {
      return {
        type: 'boolean',
        name: `(${left.name} IS ${negated ? 'NOT ' : ''}NULL)`,
        key: `isnull${negated ? 'not' : ''}(${left.key})`,
        columns: left.columns,
        eval: (ctx) => (l(ctx) === null) !== negated,
      };
    }
    if (rt === 'bool') {
      const want = rightNode['value'] === true;
      this.requireBoolean(left, 'IS TRUE/FALSE');
      return {
        type: 'boolean',
        name: `(${left.name} IS ${negated ? 'NOT ' : ''}${want ? 'TRUE' : 'FALSE'})`,
        key: `is${negated ? 'not' : ''}${want}(${left.key})`,
        columns: left.columns,
        eval: (ctx) => (l(ctx) === want) !== negated,
      };
    }
    throw new SqlUnsupportedError(`IS ${rt}`);
  }

  private like(left: Expr, rightNode: Node, scope: Scope, negated: boolean): Expr {
    const pattern = this.compile(rightNode, scope);
    const escapeNode = child(rightNode, 'escape');
    let escape = '\\';
    if (escapeNode !== null) {
      const e = this.compile(child(escapeNode, 'value') ?? {}, scope);
      const text = e.columns ? null : e.eval(CONSTANT_CTX);
      if (typeof text !== 'string' || [...text].length !== 1) {
        throw new SqlAnalysisError(e.name, 'the LIKE escape must be a single-character string constant');
      }
      escape = text;
    }
    const zone = this.zone;
    const cache = new Map<string, RegExp>();
    const regexFor = (p: string): RegExp => {
      let re = cache.get(p);
      if (re === undefined) {
        re = likeToRegExp(p, escape);
        if (cache.size > 64) cache.clear();
        cache.set(p, re);
      }
      return re;
    };
    return {
      type: 'boolean',
      name: `${negated ? 'NOT ' : ''}${left.name} LIKE ${pattern.name}`,
      key: `like${negated ? 'not' : ''}(${left.key},${pattern.key},${escape})`,
      columns: left.columns || pattern.columns,
      eval: (ctx) => {
        const s = toSqlString(left.eval(ctx), left.type, zone);
        const p = toSqlString(pattern.eval(ctx), pattern.type, zone);
        if (s === null || p === null) return null;
        return regexFor(p).test(s) !== negated;
      },
    };
  }

  private rlike(left: Expr, pattern: Expr, negated: boolean): Expr {
    const zone = this.zone;
    const cache = new Map<string, RegExp>();
    return {
      type: 'boolean',
      name: `${negated ? 'NOT ' : ''}RLIKE(${left.name}, ${pattern.name})`,
      key: `rlike${negated ? 'not' : ''}(${left.key},${pattern.key})`,
      columns: left.columns || pattern.columns,
      eval: (ctx) => {
        const s = toSqlString(left.eval(ctx), left.type, zone);
        const p = toSqlString(pattern.eval(ctx), pattern.type, zone);
        if (s === null || p === null) return null;
        let re = cache.get(p);
        if (re === undefined) {
          try {
            re = new RegExp(p, 'u');
          } catch (e: unknown) {
            throw new SqlAnalysisError(pattern.name, `invalid regular expression: ${e instanceof Error ? e.message : String(e)}`);
          }
          cache.set(p, re);
        }
        return re.test(s) !== negated;
      },
    };
  }

  private caseWhen(node: Node, scope: Scope): Expr {
    const subjectNode = child(node, 'expr');
    const subject = subjectNode === null ? null : this.compile(subjectNode, scope);
    const branches: Array<{ cond: Expr; result: Expr }> = [];
    let otherwise: Expr | null = null;
    for (const arm of children(node, 'args')) {
      const result = this.compile(child(arm, 'result') ?? {}, scope);
      if (nodeType(arm) === 'else') {
        otherwise = result;
        continue;
      }
      const condValue = this.compile(child(arm, 'cond') ?? {}, scope);
      const cond = subject === null ? condValue : this.comparison('=', subject, condValue);
      if (subject === null) this.requireBoolean(cond, 'CASE WHEN');
      branches.push({ cond, result });
    }
    const results = [...branches.map((b) => b.result), ...(otherwise === null ? [] : [otherwise])];
    const type = results.find((r) => r.type !== 'null')?.type ?? 'null';
    const subjectName = subject === null ? '' : ` ${subject.name}`;
    const armNames = branches.map((b) => ` WHEN ${subject === null ? b.cond.name : (b.cond.name.match(/ = (.*)\)$/)?.[1] ?? b.cond.name)} THEN ${b.result.name}`).join('');
    const elseName = otherwise === null ? '' : ` ELSE ${otherwise.name}`;
    const fallback = otherwise;
    return {
      type,
      name: `CASE${subjectName}${armNames}${elseName} END`,
      key: `case(${branches.map((b) => `${b.cond.key}=>${b.result.key}`).join(';')};${fallback?.key ?? ''})`,
      columns: results.some((r) => r.columns) || branches.some((b) => b.cond.columns),
      eval: (ctx) => {
        for (const b of branches) if (b.cond.eval(ctx) === true) return b.result.eval(ctx);
        return fallback === null ? null : fallback.eval(ctx);
      },
    };
  }

  private cast(node: Node, scope: Scope): Expr {
    const inner = this.compile(child(node, 'expr') ?? {}, scope);
    const targets = children(node, 'target');
    const dataType = String(targets[0]?.['dataType'] ?? '').toUpperCase();
    const target = CAST_TYPES[dataType];
    if (target === undefined || targets.length !== 1) throw new SqlUnsupportedError(`CAST to ${dataType || 'this type'}`);
    if (!canCast(inner.type, target)) {
      throw new SqlAnalysisError(`CAST(${inner.name} AS ${CAST_NAMES[target]})`, `cannot cast ${inner.type} to ${CAST_NAMES[target]}`);
    }
    const zone = this.zone;
    const from = inner.type;
    return {
      type: castResultType(target),
      name: `CAST(${inner.name} AS ${CAST_NAMES[target]})`,
      key: `cast(${inner.key} as ${target})`,
      columns: inner.columns,
      eval: (ctx) => castValue(inner.eval(ctx), from, target, zone),
    };
  }

  private call(node: Node, scope: Scope): Expr {
    if (node['over'] !== null && node['over'] !== undefined) throw new SqlUnsupportedError('window functions (OVER)');
    const written = functionName(node);
    const lower = written.toLowerCase();
    if (lower === 'not') {
      const args = functionArgs(node).map((a) => this.compile(a, scope));
      arity('not', args, 1, 1);
      return this.not(arg(args, 0));
    }
    const builtin = BUILTINS[FUNCTION_ALIASES[lower] ?? lower];
    if (builtin === undefined) throw new SqlUnknownFunctionError(written, SUPPORTED_FUNCTIONS);
    const args = functionArgs(node).map((a) => {
      if ('ast' in a) throw new SqlUnsupportedError('subqueries');
      return this.compile(a, scope);
    });
    const { type, eval: run } = builtin(this, lower, args);
    return {
      type,
      name: `${lower}(${args.map((a) => a.name).join(', ')})`,
      key: `fn:${FUNCTION_ALIASES[lower] ?? lower}(${args.map((a) => a.key).join(',')})`,
      columns: args.some((a) => a.columns),
      eval: run,
    };
  }

  private aggregate(node: Node, scope: Scope): Expr {
    const fn = (str(node, 'name') ?? '').toLowerCase();
    if (!AGGREGATES.includes(fn as AggFn)) throw new SqlUnknownFunctionError(fn, SUPPORTED_FUNCTIONS);
    const agg = fn as AggFn;
    if (node['over'] !== null && node['over'] !== undefined) throw new SqlUnsupportedError('window functions (OVER)');
    if (scope.kind !== 'group') {
      throw new SqlAnalysisError(`${fn}(...)`, `aggregate functions are not allowed in ${scope.clause}`);
    }
    const argsNode = child(node, 'args') ?? {};
    const distinct = typeof argsNode['distinct'] === 'string' && argsNode['distinct'].toUpperCase() === 'DISTINCT';
    const exprNode = child(argsNode, 'expr');
    const inner: Scope = { kind: 'row', clause: `the argument of ${fn}` };
    let args: Expr[];
    let star = false;
    if (exprNode === null) args = [];
    else if (nodeType(exprNode) === 'star') {
      star = true;
      args = [];
    } else if (nodeType(exprNode) === 'expr_list') args = this.list(exprNode, inner);
    else args = [this.compile(exprNode, inner)];
    if (star && agg !== 'count') throw new SqlAnalysisError(`${fn}(*)`, `only count accepts *`);
    if (star && distinct) throw new SqlAnalysisError('count(DISTINCT *)', 'count(DISTINCT *) is not allowed; name the columns');
    if (!star && (agg === 'count' ? args.length < 1 : args.length !== 1)) {
      throw new SqlAnalysisError(`${fn}(...)`, `${fn} takes ${agg === 'count' ? 'at least one argument' : 'one argument'}, got ${args.length}`);
    }
    const first = args[0];
    let type: SqlType;
    if (agg === 'count') type = 'long';
    else if (agg === 'avg') type = 'double';
    else if (agg === 'sum') type = first?.type === 'int' || first?.type === 'long' ? 'long' : 'double';
    else type = first?.type ?? 'unknown';
    if ((agg === 'sum' || agg === 'avg') && first !== undefined && (['timestamp', 'window', 'boolean'].includes(first.type) || isArrayType(first.type) || isStructType(first.type))) {
      throw new SqlAnalysisError(`${fn}(${first.name})`, `${fn} needs numbers, got ${first.type}`);
    }
    const argNames = star ? '1' : args.map((a) => a.name).join(', ');
    const name = `${fn}(${distinct ? 'DISTINCT ' : ''}${argNames})`;
    const key = `agg:${fn}(${distinct ? 'distinct ' : ''}${star ? '*' : args.map((a) => a.key).join(',')})`;
    let index = this.aggs.findIndex((a) => a.key === key);
    if (index < 0) {
      index = this.aggs.length;
      this.aggs.push({ fn: agg, distinct, star, args, key });
    }
    const at = index;
    return { type, name, key, columns: true, eval: (ctx) => ctx.aggs[at] };
  }
}
