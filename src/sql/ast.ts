/**
 * The statement tree the Spark SQL grammar (src/sql/grammar/spark.peggy) builds. Every node is a
 * plain, frozen-by-convention object with a `kind`; names are kept as written (resolution ignores
 * case later), string literals are already unescaped.
 */

export type LiteralType = 'int' | 'long' | 'double' | 'float' | 'decimal' | 'smallint' | 'tinyint' | 'string' | 'boolean' | 'null';

export interface Literal {
  readonly kind: 'literal';
  readonly type: LiteralType;
  /** The value: a number for the numeric types (a decimal's double value), else string, boolean or null. */
  readonly value: number | string | boolean | null;
  /** The literal as written (for a decimal, its exact digits). */
  readonly text: string;
}

export type BinaryOp =
  | 'OR'
  | 'AND'
  | '='
  | '<=>'
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'DIV'
  | '||'
  | '&'
  | '|'
  | '^';

export interface TypeName {
  /** Upper-case name as written: INT, BIGINT, STRING, DECIMAL ... */
  readonly name: string;
  readonly params: readonly number[];
}

export type FrameBound =
  | { readonly kind: 'unboundedPreceding' }
  | { readonly kind: 'unboundedFollowing' }
  | { readonly kind: 'currentRow' }
  | { readonly kind: 'preceding'; readonly offset: Expr }
  | { readonly kind: 'following'; readonly offset: Expr };

export interface WindowFrame {
  readonly unit: 'rows' | 'range';
  readonly start: FrameBound;
  readonly end: FrameBound;
}

export interface WindowSpec {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly SortItem[];
  readonly frame: WindowFrame | null;
}

export type Expr =
  | Literal
  | { readonly kind: 'column'; readonly parts: readonly string[] }
  | { readonly kind: 'star'; readonly qualifier: readonly string[] }
  | { readonly kind: 'unary'; readonly op: '-' | '+' | '~'; readonly operand: Expr }
  | { readonly kind: 'not'; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'between'; readonly operand: Expr; readonly low: Expr; readonly high: Expr; readonly negated: boolean }
  | { readonly kind: 'in'; readonly operand: Expr; readonly list: readonly Expr[]; readonly negated: boolean }
  | { readonly kind: 'inQuery'; readonly operand: Expr; readonly query: Query; readonly negated: boolean }
  | {
      readonly kind: 'like';
      readonly operand: Expr;
      readonly pattern: Expr;
      readonly escape: string | null;
      readonly negated: boolean;
      readonly regex: boolean;
    }
  | { readonly kind: 'isNull'; readonly operand: Expr; readonly negated: boolean }
  | { readonly kind: 'isBool'; readonly operand: Expr; readonly value: boolean | null; readonly negated: boolean }
  | { readonly kind: 'isDistinct'; readonly left: Expr; readonly right: Expr; readonly negated: boolean }
  | {
      readonly kind: 'case';
      readonly operand: Expr | null;
      readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
      readonly otherwise: Expr | null;
    }
  | { readonly kind: 'cast'; readonly operand: Expr; readonly target: TypeName }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: readonly Expr[];
      readonly distinct: boolean;
      readonly star: boolean;
      readonly over: WindowSpec | null;
    }
  | { readonly kind: 'exists'; readonly query: Query }
  | { readonly kind: 'subquery'; readonly query: Query }
  | { readonly kind: 'field'; readonly base: Expr; readonly name: string }
  | { readonly kind: 'typed'; readonly type: 'timestamp' | 'date'; readonly text: string };

export interface SortItem {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nulls: 'first' | 'last' | null;
}

export interface SelectItem {
  readonly expr: Expr;
  readonly alias: string | null;
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross' | 'semi' | 'anti';

export type Relation =
  | { readonly kind: 'table'; readonly name: readonly string[]; readonly alias: string | null }
  | { readonly kind: 'derived'; readonly query: Query; readonly alias: string | null }
  | {
      readonly kind: 'join';
      readonly type: JoinType;
      readonly left: Relation;
      readonly right: Relation;
      readonly on: Expr | null;
      readonly using: readonly string[] | null;
    };

export interface Select {
  readonly kind: 'select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: readonly Relation[];
  readonly where: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | null;
}

export interface SetOp {
  readonly kind: 'setop';
  readonly op: 'union' | 'except' | 'intersect';
  readonly all: boolean;
  readonly left: QueryBody;
  readonly right: QueryBody;
}

export type QueryBody = Select | SetOp | Query;

export interface Cte {
  readonly name: string;
  readonly query: Query;
}

export interface Query {
  readonly kind: 'query';
  readonly ctes: readonly Cte[];
  readonly body: QueryBody;
  readonly orderBy: readonly SortItem[];
  readonly limit: Expr | null;
  readonly offset: Expr | null;
}

/** What the grammar reads: a query, or the first word of another statement (refused later). */
export type Statement = Query | { readonly kind: 'other'; readonly keyword: string };

/** Every direct child expression of an expression (not looking into subqueries). */
export function childExprs(e: Expr): Expr[] {
  switch (e.kind) {
    case 'unary':
    case 'not':
    case 'isNull':
    case 'isBool':
    case 'cast':
      return [e.operand];
    case 'binary':
    case 'isDistinct':
      return [e.left, e.right];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'in':
      return [e.operand, ...e.list];
    case 'inQuery':
      return [e.operand];
    case 'like':
      return [e.operand, e.pattern];
    case 'case':
      return [...(e.operand === null ? [] : [e.operand]), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.otherwise === null ? [] : [e.otherwise])];
    case 'call':
      return [...e.args];
    case 'field':
      return [e.base];
    default:
      return [];
  }
}
