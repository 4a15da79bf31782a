import { isArrayType, isStructType, structFields } from '../schema.js';
import { type Expr as Ast, type Query, type SortItem, type WindowFrame, childExprs } from './ast.js';
import { DatetimePatternError, compileDatetimePattern, parseTimestamp, timestampField } from './datetime.js';
import { SqlAnalysisError, SqlExecutionError, SqlUnknownColumnError, SqlUnknownFunctionError, SqlUnsupportedError } from './errors.js';
import {
  type CastTarget,
  type SqlType,
  canCast,
  castResultType,
  castValue,
  compareValues,
  doubleToString,
  floatToString,
  isIntegralType,
  isNumericType,
  isWindow,
  normalize,
  stringToDouble,
  toNumber,
  toSqlString,
  wrapInteger,
  wrapLong,
} from './values.js';

/** What an expression is evaluated against: an input row, or a group (its keys and aggregates), and window results. */
export interface Ctx {
  readonly row: readonly unknown[];
  readonly keys: readonly unknown[];
  readonly aggs: readonly unknown[];
  /** Window function results of this row, filled once every row is known. */
  win: unknown[];
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
  /** A decimal literal's text as written (DECIMAL values exist only as literals). */
  readonly decimalText?: string;
}

/** One column of the relation a statement reads (a table, a join, a subquery). */
export interface RelColumn {
  /** The table name or alias that qualifies it (lower case), null for none. */
  readonly qualifier: string | null;
  readonly name: string;
  readonly type: SqlType;
  /** Left out of `*` and unqualified names (the right side's copy of a USING column). */
  readonly hidden?: boolean;
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

export type WindowFn = 'row_number' | 'rank' | 'dense_rank' | 'percent_rank' | 'cume_dist' | 'ntile' | 'lag' | 'lead' | 'first_value' | 'last_value' | AggFn;

export interface CompiledSort {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export interface WindowCall {
  readonly fn: WindowFn;
  readonly args: readonly Expr[];
  readonly star: boolean;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly CompiledSort[];
  readonly frame: WindowFrame | null;
  /** Constant offsets of the frame (ROWS: rows; RANGE: a difference of the order key). */
  readonly frameOffsets: { readonly start: number | null; readonly end: number | null };
  readonly type: SqlType;
}

export interface Scope {
  readonly kind: 'row' | 'group';
  /** The clause being compiled, for error messages. */
  readonly clause: string;
}

/** What the compiler needs from the engine: the time zone, and a way to run an uncorrelated subquery. */
export interface CompileEnv {
  readonly zone: string;
  /** Runs a subquery once; its columns' types and its rows as tuples. */
  readonly runSubquery: (query: Query) => { readonly types: readonly SqlType[]; readonly names: readonly string[]; readonly rows: readonly (readonly unknown[])[] };
  /** True when a source of the statement has neither schema nor rows: unknown names read as null. */
  readonly open: boolean;
}

const CONSTANT_CTX: Ctx = { row: [], keys: [], aggs: [], win: [] };

export const MAX_SAFE_LONG = Number.MAX_SAFE_INTEGER;

function literal(value: unknown, type: SqlType, name: string): Expr {
  return { type, name, key: `lit:${type}:${typeof value === 'number' ? String(value) : JSON.stringify(value)}`, columns: false, eval: () => value };
}

function truth(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
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

/** Spark's type names in CAST (DataType.nameToType and the parser's aliases): REAL is FLOAT, not DOUBLE. */
const CAST_TYPES: Readonly<Record<string, CastTarget>> = {
  CHAR: 'string',
  VARCHAR: 'string',
  STRING: 'string',
  INT: 'int',
  INTEGER: 'int',
  BIGINT: 'long',
  LONG: 'long',
  SMALLINT: 'smallint',
  SHORT: 'smallint',
  TINYINT: 'tinyint',
  BYTE: 'tinyint',
  DOUBLE: 'double',
  FLOAT: 'float',
  REAL: 'float',
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

/** A long result: exact while within 2^53 - 1, else refused (a JS number would round it). */
export function checkLong(value: number, name: string): number {
  if (Number.isSafeInteger(value)) return value;
  throw new SqlExecutionError(
    'ARITHMETIC_OVERFLOW',
    name,
    `a BIGINT result (${Number.isFinite(value) ? BigInt(Math.trunc(value)).toString() : String(value)}) is beyond 2^53 - 1, where a JS number is no longer exact; cast an operand to DOUBLE to compute it approximately`,
  );
}

/** A long from an exact BigInt computation, wrapped to 64 bits as Spark's long arithmetic does; refused beyond 2^53 - 1. */
function exactLong(value: bigint, name: string): number {
  const wrapped = wrapLong(value);
  const n = Number(wrapped);
  if (Number.isSafeInteger(n)) return n;
  throw new SqlExecutionError(
    'ARITHMETIC_OVERFLOW',
    name,
    `a BIGINT result (${wrapped.toString()}) is beyond 2^53 - 1, where a JS number is no longer exact; cast an operand to DOUBLE to compute it approximately`,
  );
}

type Builtin = (self: ExprCompiler, name: string, args: readonly Expr[]) => { type: SqlType; eval: (ctx: Ctx) => unknown };

function arity(name: string, args: readonly Expr[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new SqlAnalysisError(`${name}(${args.map((a) => a.name).join(', ')})`, `${name} takes ${want} argument(s), got ${args.length}`);
  }
}

function arg(args: readonly Expr[], i: number): Expr {
  const a = args[i];
  if (a === undefined) throw new SqlAnalysisError(`argument ${i + 1}`, 'missing argument');
  return a;
}

/** DECIMAL values exist only as literals, where Spark would turn them into doubles or compare them exactly. */
function refuseDecimal(e: Expr, where: string): void {
  if (e.type === 'decimal') {
    throw new SqlUnsupportedError(
      'DECIMAL values',
      `DECIMAL values are not supported (${e.name} in ${where}): write ${e.decimalText ?? e.name}D for a DOUBLE, or CAST(${e.name} AS DOUBLE)`,
    );
  }
}

/** The epoch milliseconds of a timestamp-ish value: a number is already epoch ms; text is parsed. */
function timestampOf(value: unknown, zone: string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return parseTimestamp(value, zone);
  return null;
}

function requireTimestampish(name: string, e: Expr): void {
  if (e.type === 'window' || e.type === 'boolean' || isArrayType(e.type) || isStructType(e.type) || isNumericType(e.type)) {
    throw new SqlAnalysisError(`${name}(${e.name})`, `${name} needs a timestamp, got ${e.type}`);
  }
}

function stringUnary(name: string, fn: (s: string) => unknown, type: SqlType): Builtin {
  return (self, _n, args) => {
    arity(name, args, 1, 1);
    const a = arg(args, 0);
    refuseDecimal(a, name);
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

/**
 * Spark's round/bround of a double: `BigDecimal(x).setScale(d, HALF_UP or HALF_EVEN).toDouble`,
 * where Scala's BigDecimal(x) is the decimal text of Double.toString(x): the shortest digits that
 * read back as x. So round(2.675, 2) is 2.68 (the text 2.675 rounded), not 2.67 (the binary value
 * 2.67499999... rounded).
 */
export function roundDecimalText(x: number, scale: number, halfEven: boolean): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const [mantissa = '0', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const digits = BigInt(mantissa.replace('.', ''));
  // x = digits * 10^e, with e the exponent of the last digit.
  const e = Number(exponent) - (mantissa.split('.')[1]?.length ?? 0);
  const shift = e + scale;
  if (shift >= 0) return x;
  const divisor = 10n ** BigInt(-shift);
  let q = digits / divisor;
  const twice = (digits % divisor) * 2n;
  if (twice > divisor || (twice === divisor && (!halfEven || q % 2n === 1n))) q += 1n;
  const v = Number(`${q.toString()}e${-scale}`);
  return (x < 0 ? -v : v) + 0;
}

/** round/bround of an integral value to `scale` < 0 digits (HALF_UP or HALF_EVEN on the exact integer). */
function roundIntegral(x: number, scale: number, halfEven: boolean): number {
  if (scale >= 0) return x;
  const divisor = 10n ** BigInt(-scale);
  const big = BigInt(Math.abs(x));
  let q = big / divisor;
  const twice = (big % divisor) * 2n;
  if (twice > divisor || (twice === divisor && (!halfEven || q % 2n === 1n))) q += 1n;
  const v = Number(q * divisor);
  return (x < 0 ? -v : v) + 0;
}

function rounding(name: 'round' | 'bround'): Builtin {
  return (_self, _n, args) => {
    arity(name, args, 1, 2);
    const x = arg(args, 0);
    refuseDecimal(x, name);
    const d = args[1];
    const scale = d === undefined ? 0 : d.eval(CONSTANT_CTX);
    if (d !== undefined && (d.columns || d.type !== 'int' || typeof scale !== 'number')) {
      throw new SqlAnalysisError(`${name}(${x.name}, ${d.name})`, `the scale of ${name} must be an INT constant`);
    }
    const digits = scale as number;
    const halfEven = name === 'bround';
    if (x.type === 'int' || x.type === 'long') {
      const int = x.type === 'int';
      return {
        type: x.type,
        eval: (ctx) => {
          const n = x.eval(ctx);
          if (typeof n !== 'number') return null;
          const r = roundIntegral(n, digits, halfEven);
          return int ? wrapInteger(r, 32) : checkLong(r, `${name}(${x.name})`);
        },
      };
    }
    if (x.type === 'float') {
      return {
        type: 'float',
        eval: (ctx) => {
          const n = x.eval(ctx);
          return typeof n === 'number' ? Math.fround(roundDecimalText(Number(floatToString(n)), digits, halfEven)) : null;
        },
      };
    }
    if (x.type === 'boolean' || x.type === 'timestamp' || x.type === 'window' || isArrayType(x.type) || isStructType(x.type)) {
      throw new SqlAnalysisError(`${name}(${x.name})`, `${name} needs a number, got ${x.type}`);
    }
    return {
      type: 'double',
      eval: (ctx) => {
        const n = toNumber(x.eval(ctx));
        return n === null ? null : roundDecimalText(n, digits, halfEven);
      },
    };
  };
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
  coalesce: (self, name, args) => {
    arity(name, args, 1, Infinity);
    const { type, readers } = self.widenAll(name, args);
    return {
      type,
      eval: (ctx) => {
        for (const read of readers) {
          const v = read(ctx);
          if (v !== null) return v;
        }
        return null;
      },
    };
  },
  nullif: (self, name, args) => {
    arity(name, args, 2, 2);
    const [a, b] = [arg(args, 0), arg(args, 1)];
    const eq = self.comparison('=', a, b);
    return { type: a.type, eval: (ctx) => (eq.eval(ctx) === true ? null : a.eval(ctx)) };
  },
  if: (self, name, args) => {
    arity(name, args, 3, 3);
    const [c, a, b] = [arg(args, 0), arg(args, 1), arg(args, 2)];
    self.requireBoolean(c, 'if');
    const { type, readers } = self.widenAll(name, [a, b]);
    const [ra, rb] = readers as [(ctx: Ctx) => unknown, (ctx: Ctx) => unknown];
    return { type, eval: (ctx) => (c.eval(ctx) === true ? ra(ctx) : rb(ctx)) };
  },
  lower: stringUnary('lower', (s) => s.toLowerCase(), 'string'),
  upper: stringUnary('upper', (s) => s.toUpperCase(), 'string'),
  length: stringUnary('length', (s) => [...s].length, 'int'),
  trim: stringUnary('trim', (s) => s.replace(/^ +| +$/g, ''), 'string'),
  concat: (self, name, args) => {
    arity(name, args, 0, Infinity);
    for (const a of args) refuseDecimal(a, name);
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
  abs: (_self, name, args) => {
    arity(name, args, 1, 1);
    const a = arg(args, 0);
    refuseDecimal(a, name);
    if (a.type === 'int') return { type: 'int', eval: (ctx) => (typeof a.eval(ctx) === 'number' ? wrapInteger(Math.abs(a.eval(ctx) as number), 32) : null) };
    const type: SqlType = a.type === 'long' || a.type === 'float' ? a.type : 'double';
    return {
      type,
      eval: (ctx) => {
        const n = toNumber(a.eval(ctx));
        return n === null ? null : Math.abs(n);
      },
    };
  },
  floor: (_self, name, args) => {
    arity(name, args, 1, 1);
    const a = arg(args, 0);
    refuseDecimal(a, name);
    return { type: 'long', eval: (ctx) => { const n = toNumber(a.eval(ctx)); return n === null ? null : Number.isNaN(n) ? 0 : checkLong(Math.floor(n) + 0, `floor(${a.name})`); } };
  },
  ceil: (_self, name, args) => {
    arity(name, args, 1, 1);
    const a = arg(args, 0);
    refuseDecimal(a, name);
    return { type: 'long', eval: (ctx) => { const n = toNumber(a.eval(ctx)); return n === null ? null : Number.isNaN(n) ? 0 : checkLong(Math.ceil(n) + 0, `ceil(${a.name})`); } };
  },
  round: rounding('round'),
  bround: rounding('bround'),
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
const RANKING: readonly WindowFn[] = ['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile'];
const OFFSETS: readonly WindowFn[] = ['lag', 'lead', 'first_value', 'last_value'];

export const SUPPORTED_FUNCTIONS: readonly string[] = [
  ...AGGREGATES,
  ...RANKING,
  ...OFFSETS,
  ...Object.keys(BUILTINS),
  ...Object.keys(FUNCTION_ALIASES),
  'not',
].sort();

/** True when the expression contains an aggregate call (outside OVER, not looking into subqueries). */
export function containsAggregate(e: Ast): boolean {
  if (e.kind === 'call' && e.over === null && (AGGREGATES as readonly string[]).includes(e.name.toLowerCase())) return true;
  if (e.kind === 'call' && e.over !== null) {
    return e.args.some(containsAggregate) || e.over.partitionBy.some(containsAggregate) || e.over.orderBy.some((s) => containsAggregate(s.expr));
  }
  return childExprs(e).some(containsAggregate);
}

/** True when the expression contains a window function call (OVER). */
export function containsWindow(e: Ast): boolean {
  if (e.kind === 'call' && e.over !== null) return true;
  return childExprs(e).some(containsWindow);
}

const NUMERIC_RANK: Readonly<Record<string, number>> = { int: 1, long: 2, decimal: 3, float: 4, double: 5 };

/**
 * Spark's wider type of two (TypeCoercion.findWiderTypeForTwo, non-ANSI): numbers widen
 * (int < long < float < double; a decimal with a float or double is a double); a string with any
 * other atomic type but boolean is a string; null goes with anything; otherwise equal types only.
 */
export function widerType(a: SqlType, b: SqlType): SqlType | null {
  if (a === b) return a;
  if (a === 'null' || a === 'unknown') return b;
  if (b === 'null' || b === 'unknown') return a;
  const ra = NUMERIC_RANK[a];
  const rb = NUMERIC_RANK[b];
  if (ra !== undefined && rb !== undefined) {
    if ((a === 'decimal' && rb >= 4) || (b === 'decimal' && ra >= 4)) return 'double';
    return ra > rb ? a : b;
  }
  const atomic = (t: SqlType): boolean => t === 'timestamp' || ra !== undefined || NUMERIC_RANK[t] !== undefined;
  if (a === 'string' && b !== 'boolean' && atomic(b)) return 'string';
  if (b === 'string' && a !== 'boolean' && atomic(a)) return 'string';
  return null;
}

/** Compiles expressions of one statement against one relation. */
export class ExprCompiler {
  /** GROUP BY keys, compiled against input rows; group-scope expressions read them by index. */
  readonly groupKeys: Expr[] = [];
  /** Aggregates met while compiling group-scope expressions, deduplicated by key. */
  readonly aggs: AggSpec[] = [];
  /** Window function calls met while compiling SELECT and ORDER BY. */
  readonly windows: WindowCall[] = [];
  private windowScope: Scope | null = null;

  constructor(
    readonly columns: readonly RelColumn[],
    readonly env: CompileEnv,
  ) {}

  get zone(): string {
    return this.env.zone;
  }

  /** Whether an unqualified name is a column of the input (case-insensitive). */
  hasInputColumn(name: string): boolean {
    const lower = name.toLowerCase();
    return this.columns.some((c) => !c.hidden && c.name.toLowerCase() === lower);
  }

  /** Allows window functions in the expressions compiled next, evaluated over rows of `scope`. */
  allowWindows(scope: Scope | null): void {
    this.windowScope = scope;
  }

  /** Runs an uncorrelated subquery; a name it cannot resolve that is a column here makes it correlated, which is refused. */
  private subquery(query: Query): ReturnType<CompileEnv['runSubquery']> {
    try {
      return this.env.runSubquery(query);
    } catch (e: unknown) {
      if (e instanceof SqlUnknownColumnError) {
        const parts = e.column.toLowerCase().split('.');
        const outer = this.columns.some((c) => parts.includes(c.name.toLowerCase()) || (c.qualifier !== null && parts[0] === c.qualifier));
        if (outer) throw new SqlUnsupportedError('correlated subqueries', `correlated subqueries are not supported: ${e.column} refers to the enclosing query`);
      }
      throw e;
    }
  }

  compile(node: Ast, scope: Scope): Expr {
    if (scope.kind === 'group' && !containsAggregate(node) && !containsWindow(node) && node.kind !== 'literal') {
      const probe = this.compile(node, { kind: 'row', clause: scope.clause });
      if (!probe.columns) return probe;
      const index = this.groupKeys.findIndex((k) => k.key === probe.key);
      if (index >= 0) return { ...probe, eval: (ctx) => ctx.keys[index] };
    }
    switch (node.kind) {
      case 'column':
        return this.columnRef(node.parts, scope);
      case 'literal':
        return this.literal(node.type, node.value, node.text);
      case 'typed': {
        if (node.type === 'date') throw new SqlUnsupportedError('DATE values', 'DATE values are not supported: use TIMESTAMP');
        const ms = parseTimestamp(node.text, this.zone);
        if (ms === null) throw new SqlAnalysisError(`TIMESTAMP '${node.text}'`, 'not a valid timestamp literal');
        return literal(ms, 'timestamp', `TIMESTAMP '${node.text}'`);
      }
      case 'unary':
        return this.unary(node.op, this.compile(node.operand, scope));
      case 'not':
        return this.not(this.compile(node.operand, scope));
      case 'binary':
        return this.binary(node.op, node.left, node.right, scope);
      case 'between': {
        const left = this.compile(node.operand, scope);
        return this.between(left, this.compile(node.low, scope), this.compile(node.high, scope), node.negated);
      }
      case 'in':
        return this.inList(this.compile(node.operand, scope), node.list.map((i) => this.compile(i, scope)), node.negated);
      case 'inQuery':
        return this.inQuery(this.compile(node.operand, scope), node.query, node.negated);
      case 'like': {
        const left = this.compile(node.operand, scope);
        const pattern = this.compile(node.pattern, scope);
        return node.regex ? this.rlike(left, pattern, node.negated) : this.like(left, pattern, node.escape, node.negated);
      }
      case 'isNull': {
        const l = this.compile(node.operand, scope);
        const read = l.eval;
        const negated = node.negated;
        return {
          type: 'boolean',
          name: `(${l.name} IS ${negated ? 'NOT ' : ''}NULL)`,
          key: `isnull${negated ? 'not' : ''}(${l.key})`,
          columns: l.columns,
          eval: (ctx) => (read(ctx) === null) !== negated,
        };
      }
      case 'isBool': {
        const l = this.compile(node.operand, scope);
        this.requireBoolean(l, 'IS TRUE/FALSE/UNKNOWN');
        const want = node.value;
        const negated = node.negated;
        const read = l.eval;
        const word = want === null ? 'UNKNOWN' : want ? 'TRUE' : 'FALSE';
        return {
          type: 'boolean',
          name: `(${l.name} IS ${negated ? 'NOT ' : ''}${word})`,
          key: `is${negated ? 'not' : ''}${word}(${l.key})`,
          columns: l.columns,
          eval: (ctx) => ((read(ctx) ?? null) === want) !== negated,
        };
      }
      case 'isDistinct': {
        const eq = this.comparison('<=>', this.compile(node.left, scope), this.compile(node.right, scope));
        return node.negated ? eq : { ...this.not(eq), key: `distinct(${eq.key})` };
      }
      case 'case':
        return this.caseWhen(node, scope);
      case 'cast':
        return this.cast(this.compile(node.operand, scope), node.target.name, node.target.params);
      case 'call':
        return this.call(node, scope);
      case 'exists': {
        const result = this.subquery(node.query);
        const value = result.rows.length > 0;
        return { type: 'boolean', name: 'exists(subquery)', key: `exists:${value}`, columns: false, eval: () => value };
      }
      case 'subquery':
        return this.scalarSubquery(node.query);
      case 'field':
        return this.field(this.compile(node.base, scope), node.name, node.name);
      case 'star':
        throw new SqlAnalysisError('*', `* is only allowed alone in the SELECT list or in count(*)`);
    }
  }

  private literal(type: string, value: number | string | boolean | null, text: string): Expr {
    switch (type) {
      case 'string':
        return literal(value, 'string', String(value));
      case 'boolean':
        return literal(value, 'boolean', value === true ? 'true' : 'false');
      case 'null':
        return literal(null, 'null', 'NULL');
      case 'smallint':
      case 'tinyint':
        return literal(value, 'int', text);
      case 'long':
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
          throw new SqlUnsupportedError('BIGINT literals beyond 2^53 - 1', `the BIGINT literal ${text} is beyond 2^53 - 1, where a JS number is no longer exact`);
        }
        return literal(value, 'long', text);
      case 'decimal':
        return { ...literal(value, 'decimal', text), decimalText: text };
      case 'float':
        return literal(value, 'float', text);
      case 'double':
        return literal(value, 'double', text);
      default:
        return literal(value, 'int', text);
    }
  }

  private columnRef(parts: readonly string[], scope: Scope): Expr {
    const written = parts.join('.');
    const resolved = this.resolve(parts, written);
    let expr = resolved.expr;
    let grouped = false;
    if (scope.kind === 'group') {
      // A field of a grouped struct is grouped too: GROUP BY window, SELECT window.start.
      const index = this.groupKeys.findIndex((k) => k.key === expr.key);
      if (index >= 0 && resolved.fields.length > 0) {
        expr = { ...expr, eval: (ctx) => ctx.keys[index] };
        grouped = true;
      }
    }
    for (const field of resolved.fields) expr = this.field(expr, field, written);
    if (scope.kind === 'group' && !grouped) {
      throw new SqlAnalysisError(
        written,
        `in ${scope.clause}, a column must be in GROUP BY or inside an aggregate function (count, sum, avg, min, max)`,
      );
    }
    return expr;
  }

  /** A column of the input: `name`, `qualifier.name`, each optionally followed by struct fields. */
  private resolve(parts: readonly string[], written: string): { expr: Expr; fields: string[] } {
    const first = (parts[0] ?? '').toLowerCase();
    if (parts.length >= 2) {
      const second = (parts[1] ?? '').toLowerCase();
      const qualified = this.matches((c) => c.qualifier === first && c.name.toLowerCase() === second, written);
      if (qualified !== null) return { expr: qualified, fields: parts.slice(2) as string[] };
    }
    const bare = this.matches((c) => !c.hidden && c.name.toLowerCase() === first, written);
    if (bare !== null) return { expr: bare, fields: parts.slice(1) as string[] };
    if (this.env.open) {
      return { expr: { type: 'unknown', name: parts[parts.length - 1] ?? written, key: `col:?${written.toLowerCase()}`, columns: true, eval: () => null }, fields: [] };
    }
    throw new SqlUnknownColumnError(written, this.availableColumns());
  }

  private matches(test: (c: RelColumn) => boolean, written: string): Expr | null {
    let found = -1;
    for (let i = 0; i < this.columns.length; i += 1) {
      const c = this.columns[i] as RelColumn;
      if (!test(c)) continue;
      if (found >= 0) {
        throw new SqlAnalysisError(written, `the column reference is ambiguous: it could be ${this.describe(this.columns[found] as RelColumn)} or ${this.describe(c)}`);
      }
      found = i;
    }
    if (found < 0) return null;
    const c = this.columns[found] as RelColumn;
    const at = found;
    return { type: c.type, name: c.name, key: `col:${at}`, columns: true, eval: (ctx) => ctx.row[at] };
  }

  private describe(c: RelColumn): string {
    return c.qualifier === null ? c.name : `${c.qualifier}.${c.name}`;
  }

  availableColumns(): string[] {
    const names: string[] = [];
    const qualify = new Set(this.columns.map((c) => c.qualifier)).size > 1;
    for (const c of this.columns) {
      if (c.hidden) continue;
      const n = qualify && c.qualifier !== null ? `${c.qualifier}.${c.name}` : c.name;
      names.push(n);
      if (c.type === 'window') names.push(`${n}.start`, `${n}.end`);
      else if (isStructType(c.type)) names.push(...structFields(c.type).map((f) => `${n}.${f.name}`));
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

  requireBoolean(e: Expr, where: string): void {
    if (e.type !== 'boolean' && e.type !== 'null' && e.type !== 'unknown') {
      throw new SqlAnalysisError(e.name, `${where} needs a boolean, got ${e.type}`);
    }
  }

  private unary(op: '-' | '+' | '~', inner: Expr): Expr {
    if (!isNumericType(inner.type) && inner.type !== 'null' && inner.type !== 'unknown' && inner.type !== 'string') {
      throw new SqlAnalysisError(`${op}${inner.name}`, `unary ${op} needs a number, got ${inner.type}`);
    }
    if (op === '+') return { ...inner, name: `(+ ${inner.name})` };
    refuseDecimal(inner, `unary ${op}`);
    const type: SqlType = inner.type === 'int' || inner.type === 'long' || inner.type === 'float' ? inner.type : 'double';
    const read = inner.eval;
    const name = op === '-' ? `(- ${inner.name})` : `~${inner.name}`;
    let apply: (n: number) => number;
    if (op === '~') {
      if (type !== 'int' && type !== 'long') throw new SqlAnalysisError(name, `~ needs an integral number, got ${inner.type}`);
      apply = type === 'int' ? (n) => ~n : (n) => exactLong(~BigInt(n), name);
    } else if (type === 'int') apply = (n) => wrapInteger(0 - n, 32);
    else if (type === 'long') apply = (n) => exactLong(-BigInt(n), name);
    else apply = (n) => 0 - n;
    return {
      type,
      name,
      key: `${op}(${inner.key})`,
      columns: inner.columns,
      eval: (ctx) => {
        const n = toNumber(read(ctx));
        return n === null ? null : apply(n);
      },
    };
  }

  not(inner: Expr): Expr {
    this.requireBoolean(inner, 'NOT');
    const read = inner.eval;
    return {
      type: 'boolean',
      name: `(NOT ${inner.name})`,
      key: `not(${inner.key})`,
      columns: inner.columns,
      eval: (ctx) => {
        const v = truth(read(ctx));
        return v === null ? null : !v;
      },
    };
  }

  private binary(op: string, leftNode: Ast, rightNode: Ast, scope: Scope): Expr {
    const left = this.compile(leftNode, scope);
    const right = this.compile(rightNode, scope);
    switch (op) {
      case 'AND':
      case 'OR':
        return this.logical(op, left, right);
      case '||':
        return this.concatOp(left, right);
      case '=':
      case '<=>':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.comparison(op, left, right);
      case '&':
      case '|':
      case '^':
        return this.bitwise(op, left, right);
      default:
        return this.arithmetic(op, left, right);
    }
  }

  private bitwise(op: '&' | '|' | '^', left: Expr, right: Expr): Expr {
    const name = `(${left.name} ${op} ${right.name})`;
    const type = widerType(left.type, right.type);
    if (type !== 'int' && type !== 'long') throw new SqlAnalysisError(name, `${op} needs integral numbers, got ${left.type} and ${right.type}`);
    const l = left.eval;
    const r = right.eval;
    const f = (a: bigint, b: bigint): bigint => (op === '&' ? a & b : op === '|' ? a | b : a ^ b);
    return {
      type,
      name,
      key: `${op}(${left.key},${right.key})`,
      columns: left.columns || right.columns,
      eval: (ctx) => {
        const a = l(ctx);
        const b = r(ctx);
        if (typeof a !== 'number' || typeof b !== 'number') return null;
        return type === 'int' ? Number(BigInt.asIntN(32, f(BigInt(a), BigInt(b)))) : exactLong(f(BigInt(a), BigInt(b)), name);
      },
    };
  }

  /**
   * Spark's arithmetic (non-ANSI): a string operand is read as a DOUBLE (PromoteStrings); the
   * result type is the wider operand type (int < long < float < double), `/` is always a double
   * division, DIV an integral one; INT results wrap at 32 bits as the JVM's do; BIGINT results are
   * exact while within 2^53 - 1, wrapped at 64 bits like Spark's, and refused when the wrapped
   * value is beyond 2^53 - 1 (SqlExecutionError) rather than rounded. Division by zero is null.
   */
  private arithmetic(op: string, left: Expr, right: Expr): Expr {
    const name = `(${left.name} ${op} ${right.name})`;
    for (const side of [left, right]) {
      if (side.type === 'timestamp' || side.type === 'window' || side.type === 'boolean' || isArrayType(side.type) || isStructType(side.type)) {
        throw new SqlAnalysisError(name, `${op} needs numbers, got ${side.type} ${side.name}`);
      }
    }
    const asDouble = (t: SqlType): SqlType => (t === 'string' || t === 'unknown' || t === 'null' ? 'double' : t);
    const lt = asDouble(left.type);
    const rt = asDouble(right.type);
    let type = widerType(lt, rt) ?? 'double';
    if (op === '/') type = type === 'decimal' ? 'decimal' : 'double';
    if (type === 'decimal') refuseDecimal(left.type === 'decimal' ? left : right, `(${name})`);
    if (op === 'DIV') type = 'long';
    if (left.type === 'null' && right.type === 'null') type = op === '/' ? 'double' : 'int';
    const l = left.eval;
    const r = right.eval;
    let apply: (a: number, b: number) => number | null;
    if (op === 'DIV') {
      apply = (a, b) => {
        if (b === 0) return null;
        if (Number.isInteger(a) && Number.isInteger(b)) return exactLong(BigInt(a) / BigInt(b), name);
        return checkLong(Math.trunc(a / b) + 0, name);
      };
    } else if (type === 'int') {
      apply = (a, b) => {
        switch (op) {
          case '+':
            return (a + b) | 0;
          case '-':
            return (a - b) | 0;
          case '*':
            return Math.imul(a, b);
          default:
            return b === 0 ? null : (a % b) + 0;
        }
      };
    } else if (type === 'long') {
      apply = (a, b) => {
        let v: number;
        switch (op) {
          case '+':
            v = a + b;
            break;
          case '-':
            v = a - b;
            break;
          case '*':
            v = a * b;
            break;
          default:
            return b === 0 ? null : (a % b) + 0;
        }
        if (Number.isSafeInteger(v)) return v;
        const ba = BigInt(a);
        const bb = BigInt(b);
        return exactLong(op === '+' ? ba + bb : op === '-' ? ba - bb : ba * bb, name);
      };
    } else {
      const round = type === 'float' ? Math.fround : (x: number): number => x;
      apply = (a, b) => {
        switch (op) {
          case '+':
            return round(a + b);
          case '-':
            return round(a - b);
          case '*':
            return round(a * b);
          case '/':
            return b === 0 ? null : a / b;
          default:
            return b === 0 ? null : round(a % b) + 0;
        }
      };
    }
    return {
      type,
      name,
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

  /**
   * A reader of `side` converted to `to` (Spark's implicit Cast): numbers widen, strings are cast
   * with Spark's string-to-number or string-to-timestamp rules (null when they do not convert).
   */
  convert(side: Expr, to: SqlType): (ctx: Ctx) => unknown {
    const read = side.eval;
    const from = side.type;
    if (from === to || from === 'null' || from === 'unknown') return read;
    const zone = this.zone;
    switch (to) {
      case 'int':
      case 'long':
      case 'double':
      case 'float':
      case 'boolean':
      case 'timestamp':
        if (from === 'string' || (to === 'float' && from !== 'float') || (isNumericType(from) && (to === 'double' || to === 'int' || to === 'long'))) {
          const target: CastTarget = to;
          return (ctx) => {
            const v = castValue(read(ctx), from, target, zone);
            return typeof v === 'bigint' ? null : v;
          };
        }
        return read;
      case 'decimal':
        return from === 'string' ? (ctx) => { const v = read(ctx); return typeof v === 'string' ? stringToDouble(v) : v; } : read;
      case 'string':
        if (side.decimalText !== undefined) {
          const text = side.decimalText;
          return () => text;
        }
        return (ctx) => toSqlString(read(ctx), from, zone);
      default:
        return read;
    }
  }

  /**
   * Spark's comparison coercion (TypeCoercion.findCommonTypeForBinaryComparison, non-ANSI):
   * numbers compare at their wider type; a string against a number is cast to that number's type
   * (to DOUBLE against a decimal); a string against a timestamp is read as a timestamp; a string
   * against a boolean is cast to boolean; a boolean = a number compares the boolean as 1/0
   * (BooleanEquality); other mixes are an analysis error.
   */
  private comparisonType(op: string, left: Expr, right: Expr): SqlType {
    const a = left.type;
    const b = right.type;
    const name = `(${left.name} ${op} ${right.name})`;
    if (a === b) return a;
    if (a === 'null' || a === 'unknown') return b;
    if (b === 'null' || b === 'unknown') return a;
    if (isNumericType(a) && isNumericType(b)) return widerType(a, b) as SqlType;
    if (a === 'string' && b === 'decimal') return 'double';
    if (b === 'string' && a === 'decimal') return 'double';
    if (a === 'string' && (isNumericType(b) || b === 'boolean' || b === 'timestamp')) return b;
    if (b === 'string' && (isNumericType(a) || a === 'boolean' || a === 'timestamp')) return a;
    if ((op === '=' || op === '<=>') && ((a === 'boolean' && isNumericType(b)) || (b === 'boolean' && isNumericType(a)))) {
      return a === 'boolean' ? b : a;
    }
    throw new SqlAnalysisError(name, `cannot compare ${a} with ${b}`);
  }

  comparison(op: string, left: Expr, right: Expr): Expr {
    const common = this.comparisonType(op, left, right);
    const l = common === 'decimal' || common === 'double' ? this.convert(left, 'double') : this.convert(left, common);
    const r = common === 'decimal' || common === 'double' ? this.convert(right, 'double') : this.convert(right, common);
    const boolNum = (x: unknown): unknown => (typeof x === 'boolean' ? (x ? 1 : 0) : x);
    const test = (c: number): boolean => {
      switch (op) {
        case '=':
        case '<=>':
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
    const nullSafe = op === '<=>';
    return {
      type: 'boolean',
      name: `(${left.name} ${op} ${right.name})`,
      key: `${op}(${left.key},${right.key})`,
      columns: left.columns || right.columns,
      eval: (ctx) => {
        const a = l(ctx);
        const b = r(ctx);
        if (a === null || b === null) return nullSafe ? a === b : null;
        return test(compareValues(boolNum(a), boolNum(b)));
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
    const l = this.convert(left, 'string');
    const r = this.convert(right, 'string');
    return {
      type: 'string',
      name: `concat(${left.name}, ${right.name})`,
      key: `concat(${left.key},${right.key})`,
      columns: left.columns || right.columns,
      eval: (ctx) => {
        const a = l(ctx);
        if (a === null) return null;
        const b = r(ctx);
        return b === null ? null : `${String(a)}${String(b)}`;
      },
    };
  }

  /** The wider type of several expressions (CASE, COALESCE, IN, UNION), and a reader of each converted to it. */
  widenAll(what: string, exprs: readonly Expr[]): { type: SqlType; readers: Array<(ctx: Ctx) => unknown> } {
    let type: SqlType = 'null';
    for (const e of exprs) {
      const w = widerType(type, e.type);
      if (w === null) throw new SqlAnalysisError(`${what}(${exprs.map((x) => x.name).join(', ')})`, `the types ${exprs.map((x) => x.type).join(', ')} have no common type`);
      type = w;
    }
    if (type === 'decimal') {
      const d = exprs.find((e) => e.type === 'decimal') as Expr;
      if (exprs.some((e) => e.type !== 'decimal' && e.type !== 'null')) refuseDecimal(d, what);
    }
    return { type, readers: exprs.map((e) => this.convert(e, type)) };
  }

  /**
   * IN (list): Spark's InConversion casts the value and every item to their wider common type
   * (findWiderCommonType): a string among numbers makes every side a STRING, unlike `=`.
   */
  private inList(left: Expr, items: readonly Expr[], negated: boolean): Expr {
    const all = [left, ...items];
    const numericOnly = all.every((e) => isNumericType(e.type) || e.type === 'null' || e.type === 'unknown');
    let readers: Array<(ctx: Ctx) => unknown>;
    if (all.every((e) => e.type === left.type || e.type === 'null' || e.type === 'unknown') || numericOnly) {
      readers = all.map((e) => (e.type === 'float' || left.type === 'float' ? this.convert(e, widerType(left.type, e.type) ?? e.type) : e.eval));
    } else {
      readers = this.widenAll('in', all).readers;
    }
    const [l, ...rest] = readers as [(ctx: Ctx) => unknown, ...Array<(ctx: Ctx) => unknown>];
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
        for (const read of rest) {
          const w = read(ctx);
          if (w === null) sawNull = true;
          else if (compareValues(v, w) === 0) return !negated;
        }
        return sawNull ? null : negated;
      },
    };
  }

  /** IN (SELECT ...): an uncorrelated subquery of one column, run once; its values are widened with the operand's type. */
  private inQuery(left: Expr, query: Query, negated: boolean): Expr {
    const result = this.subquery(query);
    if (result.types.length !== 1) throw new SqlAnalysisError('IN (subquery)', `the subquery must return one column, it returns ${result.types.length}`);
    const itemType = result.types[0] as SqlType;
    const items = result.rows.map((r, i) => ({ ...literal(r[0] ?? null, itemType, `v${i}`), columns: false }));
    const compiled = this.inList(left, items.length === 0 ? [] : items, negated);
    const name = `(${left.name} ${negated ? 'NOT IN' : 'IN'} (subquery))`;
    if (items.length === 0) {
      // x IN (empty) is false even for a null x; NOT IN (empty) is true.
      return { type: 'boolean', name, key: `inq:${name}`, columns: left.columns, eval: () => negated };
    }
    return { ...compiled, name, key: `inq:${name}:${left.key}` };
  }

  private scalarSubquery(query: Query): Expr {
    const result = this.subquery(query);
    if (result.types.length !== 1) throw new SqlAnalysisError('(subquery)', `a scalar subquery must return one column, it returns ${result.types.length}`);
    if (result.rows.length > 1) {
      throw new SqlExecutionError('SCALAR_SUBQUERY_TOO_MANY_ROWS', '(subquery)', `more than one row returned by a subquery used as an expression (${result.rows.length} rows)`);
    }
    const value = result.rows[0]?.[0] ?? null;
    return { ...literal(value, result.types[0] as SqlType, `scalarsubquery()`), key: `subq:${JSON.stringify(String(value))}` };
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

  private like(left: Expr, pattern: Expr, escapeText: string | null, negated: boolean): Expr {
    let escape = '\\';
    if (escapeText !== null) {
      if ([...escapeText].length !== 1) throw new SqlAnalysisError(escapeText, 'the LIKE escape must be a single character');
      escape = escapeText;
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

  private caseWhen(node: Extract<Ast, { kind: 'case' }>, scope: Scope): Expr {
    const subject = node.operand === null ? null : this.compile(node.operand, scope);
    const branches: Array<{ cond: Expr; result: Expr; when: Expr }> = [];
    for (const arm of node.whens) {
      const when = this.compile(arm.when, scope);
      const cond = subject === null ? when : this.comparison('=', subject, when);
      if (subject === null) this.requireBoolean(cond, 'CASE WHEN');
      branches.push({ cond, result: this.compile(arm.then, scope), when });
    }
    const otherwise = node.otherwise === null ? null : this.compile(node.otherwise, scope);
    const results = [...branches.map((b) => b.result), ...(otherwise === null ? [] : [otherwise])];
    const { type, readers } = this.widenAll('CASE', results);
    const conds = branches.map((b) => b.cond.eval);
    const fallback = otherwise === null ? null : (readers[readers.length - 1] as (ctx: Ctx) => unknown);
    const subjectName = subject === null ? '' : ` ${subject.name}`;
    const armNames = branches.map((b) => ` WHEN ${b.when.name} THEN ${b.result.name}`).join('');
    const elseName = otherwise === null ? '' : ` ELSE ${otherwise.name}`;
    return {
      type,
      name: `CASE${subjectName}${armNames}${elseName} END`,
      key: `case(${subject?.key ?? ''};${branches.map((b) => `${b.cond.key}=>${b.result.key}`).join(';')};${otherwise?.key ?? ''})`,
      columns: results.some((r) => r.columns) || branches.some((b) => b.cond.columns),
      eval: (ctx) => {
        for (let i = 0; i < conds.length; i += 1) if ((conds[i] as (ctx: Ctx) => unknown)(ctx) === true) return (readers[i] as (ctx: Ctx) => unknown)(ctx);
        return fallback === null ? null : fallback(ctx);
      },
    };
  }

  cast(inner: Expr, typeName: string, params: readonly number[]): Expr {
    const target = CAST_TYPES[typeName];
    if (target === undefined) throw new SqlUnsupportedError(`CAST to ${typeName}`, `CAST to ${typeName}${params.length > 0 ? `(${params.join(', ')})` : ''} is not supported`);
    if (!canCast(inner.type, target)) {
      throw new SqlAnalysisError(`CAST(${inner.name} AS ${CAST_NAMES[target]})`, `cannot cast ${inner.type} to ${CAST_NAMES[target]}`);
    }
    const zone = this.zone;
    const from = inner.type;
    const name = `CAST(${inner.name} AS ${CAST_NAMES[target]})`;
    const read = inner.eval;
    let run: (ctx: Ctx) => unknown;
    if (inner.decimalText !== undefined && target === 'string') {
      const text = inner.decimalText;
      run = () => text;
    } else {
      run = (ctx) => {
        const v = castValue(read(ctx), from, target, zone);
        return typeof v === 'bigint' ? exactLong(v, name) : v;
      };
    }
    return { type: castResultType(target), name, key: `cast(${inner.key} as ${target})`, columns: inner.columns, eval: run };
  }

  private call(node: Extract<Ast, { kind: 'call' }>, scope: Scope): Expr {
    const written = node.name;
    const lower = written.toLowerCase();
    if (node.over !== null) return this.windowCall(node, scope);
    if ((AGGREGATES as readonly string[]).includes(lower)) return this.aggregate(node, scope);
    if ((RANKING as readonly string[]).includes(lower) || (OFFSETS as readonly string[]).includes(lower)) {
      throw new SqlAnalysisError(`${lower}()`, `${lower} is a window function: it needs OVER (...)`);
    }
    if (node.star) throw new SqlAnalysisError(`${written}(*)`, 'only count accepts *');
    if (lower === 'not') {
      const args = node.args.map((a) => this.compile(a, scope));
      arity('not', args, 1, 1);
      return this.not(arg(args, 0));
    }
    const canonical = FUNCTION_ALIASES[lower] ?? lower;
    const builtin = Object.hasOwn(BUILTINS, canonical) ? BUILTINS[canonical] : undefined;
    if (builtin === undefined) throw new SqlUnknownFunctionError(written, SUPPORTED_FUNCTIONS);
    const args = node.args.map((a) => this.compile(a, scope));
    const { type, eval: run } = builtin(this, lower, args);
    return {
      type,
      name: `${lower}(${args.map((a) => a.name).join(', ')})`,
      key: `fn:${canonical}(${args.map((a) => a.key).join(',')})`,
      columns: args.some((a) => a.columns),
      eval: run,
    };
  }

  private aggregateType(fn: AggFn, first: Expr | undefined, name: string): SqlType {
    if (first !== undefined) {
      if (fn !== 'count') refuseDecimal(first, name);
      if ((fn === 'sum' || fn === 'avg') && (['timestamp', 'window', 'boolean'].includes(first.type) || isArrayType(first.type) || isStructType(first.type))) {
        throw new SqlAnalysisError(name, `${fn} needs numbers, got ${first.type}`);
      }
    }
    if (fn === 'count') return 'long';
    if (fn === 'avg') return 'double';
    if (fn === 'sum') return first?.type === 'int' || first?.type === 'long' ? 'long' : 'double';
    return first?.type ?? 'unknown';
  }

  private aggregate(node: Extract<Ast, { kind: 'call' }>, scope: Scope): Expr {
    const fn = node.name.toLowerCase() as AggFn;
    if (scope.kind !== 'group') {
      throw new SqlAnalysisError(`${fn}(...)`, `aggregate functions are not allowed in ${scope.clause}`);
    }
    const inner: Scope = { kind: 'row', clause: `the argument of ${fn}` };
    const star = node.star;
    const distinct = node.distinct;
    const args = node.args.map((a) => {
      if (containsAggregate(a)) throw new SqlAnalysisError(`${fn}(...)`, 'an aggregate function cannot contain another one');
      return this.compile(a, inner);
    });
    if (star && fn !== 'count') throw new SqlAnalysisError(`${fn}(*)`, `only count accepts *`);
    if (!star && (fn === 'count' ? args.length < 1 : args.length !== 1)) {
      throw new SqlAnalysisError(`${fn}(...)`, `${fn} takes ${fn === 'count' ? 'at least one argument' : 'one argument'}, got ${args.length}`);
    }
    const argNames = star ? '1' : args.map((a) => a.name).join(', ');
    const name = `${fn}(${distinct ? 'DISTINCT ' : ''}${argNames})`;
    const type = this.aggregateType(fn, args[0], name);
    const key = `agg:${fn}(${distinct ? 'distinct ' : ''}${star ? '*' : args.map((a) => a.key).join(',')})`;
    let index = this.aggs.findIndex((a) => a.key === key);
    if (index < 0) {
      index = this.aggs.length;
      this.aggs.push({ fn, distinct, star, args, key });
    }
    const at = index;
    return { type, name, key, columns: true, eval: (ctx) => ctx.aggs[at] };
  }

  private windowCall(node: Extract<Ast, { kind: 'call' }>, scope: Scope): Expr {
    const fn = node.name.toLowerCase() as WindowFn;
    const over = node.over;
    if (over === null) throw new SqlAnalysisError(fn, 'OVER is missing');
    if (this.windowScope === null) throw new SqlAnalysisError(`${fn}() OVER (...)`, `window functions are not allowed in ${scope.clause}`);
    const isAgg = (AGGREGATES as readonly string[]).includes(fn);
    if (!isAgg && !(RANKING as readonly string[]).includes(fn) && !(OFFSETS as readonly string[]).includes(fn)) {
      throw new SqlUnknownFunctionError(node.name, SUPPORTED_FUNCTIONS);
    }
    const outer = this.windowScope;
    this.windowScope = null; // no window function inside another
    try {
      if (node.distinct) throw new SqlUnsupportedError(`${fn}(DISTINCT ...) OVER`);
      const args = node.args.map((a) => this.compile(a, outer));
      const partitionBy = over.partitionBy.map((p) => this.compile(p, outer));
      const orderBy = over.orderBy.map((s) => this.sortItem(s, outer));
      const argNames = node.star ? '1' : args.map((a) => a.name).join(', ');
      const name = `${fn}(${argNames}) OVER (...)`;
      let type: SqlType;
      if (isAgg) {
        if (node.star && fn !== 'count') throw new SqlAnalysisError(`${fn}(*)`, 'only count accepts *');
        if (!node.star && args.length !== 1 && !(fn === 'count' && args.length > 1)) {
          throw new SqlAnalysisError(name, `${fn} takes one argument, got ${args.length}`);
        }
        type = this.aggregateType(fn as AggFn, args[0], name);
      } else if (fn === 'row_number' || fn === 'rank' || fn === 'dense_rank') {
        arity(fn, args, 0, 0);
        type = fn === 'row_number' ? 'int' : 'int';
      } else if (fn === 'percent_rank' || fn === 'cume_dist') {
        arity(fn, args, 0, 0);
        type = 'double';
      } else if (fn === 'ntile') {
        arity(fn, args, 1, 1);
        const n = arg(args, 0);
        if (n.columns || n.type !== 'int' || !((n.eval(CONSTANT_CTX) as number) > 0)) throw new SqlAnalysisError(name, 'ntile takes a positive INT constant');
        type = 'int';
      } else if (fn === 'lag' || fn === 'lead') {
        arity(fn, args, 1, 3);
        const off = args[1];
        if (off !== undefined && (off.columns || off.type !== 'int')) throw new SqlAnalysisError(name, `the offset of ${fn} must be an INT constant`);
        const first = arg(args, 0);
        const dflt = args[2];
        type = dflt === undefined ? first.type : (widerType(first.type, dflt.type) ?? first.type);
        if (dflt !== undefined) {
          const readers = this.widenAll(fn, [first, dflt]).readers;
          args.splice(0, 1, { ...first, type, eval: readers[0] as (ctx: Ctx) => unknown });
          args.splice(2, 1, { ...dflt, type, eval: readers[1] as (ctx: Ctx) => unknown });
        }
      } else {
        arity(fn, args, 1, 1);
        type = arg(args, 0).type;
      }
      if (!isAgg && (fn as string) !== 'first_value' && (fn as string) !== 'last_value' && over.frame !== null && fn !== 'lag' && fn !== 'lead') {
        // Spark refuses a frame other than its own for ranking functions; ours ignore it in the same way.
      }
      if (RANKING.includes(fn) && orderBy.length === 0) throw new SqlAnalysisError(name, `${fn} needs ORDER BY in its window`);
      if ((fn === 'lag' || fn === 'lead') && orderBy.length === 0) throw new SqlAnalysisError(name, `${fn} needs ORDER BY in its window`);
      const frame = over.frame;
      const offsetOf = (b: WindowFrame['start']): number | null => {
        if (b.kind !== 'preceding' && b.kind !== 'following') return null;
        const e = this.compile(b.offset, { kind: 'row', clause: 'a window frame' });
        const v = e.columns ? null : toNumber(e.eval(CONSTANT_CTX));
        if (v === null || v < 0 || (frame?.unit === 'rows' && !Number.isInteger(v))) {
          throw new SqlAnalysisError(e.name, 'a window frame bound must be a non-negative constant (an integer for ROWS)');
        }
        return b.kind === 'preceding' ? -v : v;
      };
      const frameOffsets = frame === null ? { start: null, end: null } : { start: offsetOf(frame.start), end: offsetOf(frame.end) };
      if (frame !== null && frame.unit === 'range' && (frameOffsets.start !== null || frameOffsets.end !== null)) {
        const key = orderBy[0];
        if (orderBy.length !== 1 || key === undefined || !(isNumericType(key.expr.type) || key.expr.type === 'timestamp')) {
          throw new SqlAnalysisError(name, 'a RANGE frame with an offset needs exactly one numeric ORDER BY key');
        }
      }
      const index = this.windows.length;
      this.windows.push({ fn, args, star: node.star, partitionBy, orderBy, frame, frameOffsets, type });
      return { type, name, key: `win:${index}`, columns: true, eval: (ctx) => ctx.win[index] };
    } finally {
      this.windowScope = outer;
    }
  }

  sortItem(s: SortItem, scope: Scope): CompiledSort {
    const expr = this.compile(s.expr, scope);
    refuseDecimal(expr, 'ORDER BY');
    // Spark: ascending sorts put nulls first, descending last, unless NULLS FIRST/LAST says otherwise.
    return { expr, descending: s.descending, nullsFirst: s.nulls === null ? !s.descending : s.nulls === 'first' };
  }
}

export { doubleToString };
