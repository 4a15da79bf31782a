import type { Query, Statement } from './ast.js';
import { createSqlParser } from './grammar/parser.js';
import { SqlLimitError, SqlNotAQueryError, SqlSyntaxError, SqlUnsupportedError } from './errors.js';

/** The longest statement text read, in characters. */
export const MAX_STATEMENT_LENGTH = 100_000;
/** The deepest nesting of parentheses, subqueries and expressions a statement may have. */
export const MAX_EXPRESSION_DEPTH = 100;

interface PeggyExpectation {
  readonly type: string;
  readonly text?: string;
  readonly description?: string;
}

interface PeggyError {
  readonly location: { readonly start: { readonly offset: number; readonly line: number; readonly column: number } };
  readonly expected: readonly PeggyExpectation[] | null;
  readonly found: string | null;
}

function describeExpectation(e: PeggyExpectation): string | null {
  switch (e.type) {
    case 'literal':
      return JSON.stringify(e.text ?? '');
    case 'end':
      return 'end of input';
    case 'other':
      // Blanks and comments are always acceptable and say nothing about the mistake.
      return e.description === 'blank' ? null : (e.description ?? null);
    case 'class':
      return null;
    default:
      return null;
  }
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function syntaxError(text: string, e: PeggyError): SqlSyntaxError {
  const offset = e.location.start.offset;
  const { line, column } = positionOf(text, offset);
  const expected = [...new Set((e.expected ?? []).map(describeExpectation).filter((d): d is string => d !== null))];
  return new SqlSyntaxError(text, offset, line, column, expected, e.found);
}

/**
 * The deepest nesting of parentheses in the text, outside strings, quoted names and comments:
 * checked before parsing, so a hostile statement is refused before the parser recurses into it.
 */
function parenthesisDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      for (i += 1; i < text.length && text[i] !== c; i += 1) if (text[i] === '\\' && c !== '`') i += 1;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '(') {
      depth += 1;
      if (depth > max) max = depth;
    } else if (c === ')') depth -= 1;
  }
  return max;
}

/** The depth of the statement's tree, counted without recursion. */
function treeDepth(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    const isNode = !Array.isArray(node) && 'kind' in node;
    const d = isNode ? depth + 1 : depth;
    if (d > max) max = d;
    for (const v of Object.values(node)) if (typeof v === 'object' && v !== null) stack.push([v, d]);
  }
  return max;
}

interface SqlParser {
  readonly parse: (text: string, options: { readonly startRule: 'Start' | 'Empty' }) => unknown;
  readonly SyntaxError: abstract new (...args: never[]) => Error;
}

let parser: SqlParser | null = null;

/** The generated parser, built at the first statement (importing the library does not compile it). */
function sqlParser(): SqlParser {
  if (parser === null) parser = createSqlParser() as SqlParser;
  return parser;
}

function peggyParse(text: string, options: { readonly startRule: 'Start' | 'Empty' }): unknown {
  return sqlParser().parse(text, options);
}

function isPeggyError(e: unknown): e is PeggyError {
  return e instanceof sqlParser().SyntaxError && 'location' in e;
}

interface Parsed {
  readonly statement: Statement;
  readonly count: number;
}

/**
 * Parses one Spark SQL query (SELECT, WITH ... SELECT, set operations, parenthesized queries).
 * Throws SqlSyntaxError with the position and what was expected, SqlNotAQueryError for another
 * statement, SqlLimitError for a statement too long or too deep.
 */
export function parseQuery(text: string): Query {
  if (typeof text !== 'string') throw new SqlUnsupportedError('statement', `SQL text must be a string, got ${typeof text}`);
  if (text.length > MAX_STATEMENT_LENGTH) throw new SqlLimitError('statement size', MAX_STATEMENT_LENGTH, text.length);
  const parens = parenthesisDepth(text);
  // A level of parentheses is at least two levels of the tree: the limit is on the tree.
  if (parens > MAX_EXPRESSION_DEPTH) throw new SqlLimitError('expression depth', MAX_EXPRESSION_DEPTH, parens);
  let parsed: Parsed;
  try {
    parsed = peggyParse(text, { startRule: 'Start' }) as Parsed;
  } catch (e: unknown) {
    if (e instanceof RangeError) throw new SqlLimitError('expression depth', MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_DEPTH + 1);
    if (!isPeggyError(e)) throw e;
    let empty = false;
    try {
      empty = peggyParse(text, { startRule: 'Empty' }) === true;
    } catch {
      empty = false;
    }
    if (empty) {
      // Only blanks, comments or semicolons: what is missing is the statement itself.
      const { line, column } = positionOf(text, text.length);
      throw new SqlSyntaxError(text, text.length, line, column, ['"SELECT"'], null);
    }
    throw syntaxError(text, e);
  }
  if (parsed.count !== 1) {
    throw new SqlUnsupportedError('multiple statements', `expected exactly one statement, found ${parsed.count}; run statements one at a time`);
  }
  const statement = parsed.statement;
  if (statement.kind === 'other') throw new SqlNotAQueryError(statement.keyword);
  const depth = treeDepth(statement);
  if (depth > 2 * MAX_EXPRESSION_DEPTH) throw new SqlLimitError('expression depth', 2 * MAX_EXPRESSION_DEPTH, depth);
  return statement;
}
