import { AnalysisError, StructuredRxError } from '../errors.js';

/**
 * The statement is not valid SQL. `line` and `column` are 1-based positions in the text as the
 * caller wrote it; `expected` lists what the grammar would have accepted there.
 */
export class SqlSyntaxError extends StructuredRxError {
  constructor(
    readonly sql: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    readonly expected: readonly string[],
    readonly found: string | null,
  ) {
    const wanted = expected.length === 0 ? 'a valid statement' : `one of ${expected.join(', ')}`;
    const got = found === null ? 'end of input' : JSON.stringify(found);
    super(`SQL syntax error at line ${line}, column ${column}: expected ${wanted} but found ${got}`);
  }
}

/** The statement names a table the catalog does not hold (Spark: TABLE_OR_VIEW_NOT_FOUND). */
export class SqlUnknownTableError extends AnalysisError {
  constructor(
    readonly table: string,
    readonly available: readonly string[],
  ) {
    super(
      `table or view not found: ${table}; the catalog holds ${
        available.length === 0 ? 'no tables' : available.join(', ')
      }`,
    );
  }
}

/** The statement names a column (or a struct field) that does not exist (Spark: UNRESOLVED_COLUMN). */
export class SqlUnknownColumnError extends AnalysisError {
  constructor(
    readonly column: string,
    readonly available: readonly string[],
  ) {
    super(
      `cannot resolve column ${column}; available: ${available.length === 0 ? '(none)' : available.join(', ')}`,
    );
  }
}

/**
 * The statement parses and its names resolve, but it cannot run as written: a column that is
 * neither grouped nor aggregated, an aggregate inside WHERE, a non-boolean condition, a cast
 * between types that do not convert, a bad argument to a function.
 */
export class SqlAnalysisError extends AnalysisError {
  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`${reason}: ${expression}`);
  }
}

/** Valid SQL that this engine does not run: a statement other than SELECT, a join, a subquery... */
export class SqlUnsupportedError extends StructuredRxError {
  constructor(
    readonly feature: string,
    message?: string,
  ) {
    super(message ?? `unsupported SQL: ${feature}`);
  }
}

/** Only SELECT is run: statements that would change or create tables are refused. */
export class SqlNotAQueryError extends SqlUnsupportedError {
  constructor(readonly statement: string) {
    super(
      statement,
      `only SELECT statements can be run over the catalog; ${statement.toUpperCase()} is refused (tables are written by streaming queries and createOrReplaceTempView, not by SQL)`,
    );
  }
}

/** A function this engine does not implement. `supported` lists the ones it does. */
export class SqlUnknownFunctionError extends SqlUnsupportedError {
  constructor(
    readonly functionName: string,
    readonly supported: readonly string[],
  ) {
    super(
      functionName,
      `unsupported function ${functionName}; supported functions: ${supported.join(', ')}`,
    );
  }
}

/**
 * A statement that parses and resolves but fails while it runs: a long result beyond 2^53 - 1
 * (where a JS number stops being exact; Spark's long would still hold it), a scalar subquery that
 * returns more than one row. `errorClass` is Spark's where it has one.
 */
export class SqlExecutionError extends StructuredRxError {
  constructor(
    readonly errorClass: string,
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`[${errorClass}] ${reason}: ${expression}`);
  }
}

/** A statement beyond this engine's limits: its text too long, or its expressions nested too deep. */
export class SqlLimitError extends StructuredRxError {
  constructor(
    readonly limit: 'statement size' | 'expression depth',
    readonly max: number,
    readonly actual: number,
  ) {
    super(
      limit === 'statement size'
        ? `the statement is ${actual} characters long; at most ${max} are read`
        : `the statement nests expressions or queries ${actual} levels deep; at most ${max} are allowed`,
    );
  }
}
