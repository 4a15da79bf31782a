import nodeSqlParser from 'node-sql-parser/build/mariadb.js';
import { SqlNotAQueryError, SqlSyntaxError, SqlUnsupportedError } from './errors.js';
import { type Node, child, isNode, nodeType, str } from './ast.js';

// The MariaDB grammar of node-sql-parser reads the notebook's statements as written: double-quoted
// string literals, `window.end`, and `window` as a bare column name (the MySQL grammar reserves it).
const parser = new nodeSqlParser.Parser();
const PARSE_OPTIONS = { database: 'mariadb' };

/**
 * Spark type names in `CAST(x AS ...)` that the MariaDB grammar does not know, with the MariaDB
 * name the cast is re-read as. Applied only at the exact position where the parser failed, right
 * after `AS`, so the rest of the statement is untouched.
 */
const CAST_TYPE_ALIASES: Readonly<Record<string, string>> = {
  string: 'CHAR',
  long: 'BIGINT',
  bool: 'BOOLEAN',
  real: 'DOUBLE',
  byte: 'TINYINT',
  short: 'SMALLINT',
};

interface Edit {
  /** Offset in the rewritten text where the replacement starts. */
  readonly at: number;
  readonly delta: number;
}

/** A parsed SELECT: its AST, and the table it reads (null for `SELECT 1`). */
export interface ParsedSelect {
  readonly text: string;
  readonly ast: Node;
  readonly table: { readonly name: string; readonly alias: string | null } | null;
}

interface PegSyntaxError {
  readonly location: { readonly start: { readonly offset: number } };
  readonly expected: readonly unknown[] | null;
  readonly found: string | null;
}

function isPegSyntaxError(e: unknown): e is PegSyntaxError {
  if (!(e instanceof Error) || !('location' in e)) return false;
  const loc = e.location;
  return isNode(loc) && isNode(loc['start']) && typeof loc['start']['offset'] === 'number';
}

function describeExpectation(e: unknown): string | null {
  if (!isNode(e)) return null;
  switch (nodeType(e)) {
    case 'literal': {
      const text = str(e, 'text') ?? '';
      // Comment openers are always acceptable and say nothing about the mistake.
      if (text === '#' || text === '--' || text === '/*') return null;
      return JSON.stringify(text);
    }
    case 'end':
      return 'end of input';
    case 'other':
      return str(e, 'description');
    case 'class': {
      const parts = e['parts'];
      const flat = JSON.stringify(parts);
      if (flat.includes('" "') || flat.includes('"\\t"')) return null; // whitespace
      if (flat.includes('"A","Z"') || flat.includes('"a","z"')) return 'an identifier';
      if (flat.includes('"0","9"')) return 'a digit';
      return null;
    }
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

function astify(text: string): unknown {
  let rewritten = text;
  const edits: Edit[] = [];
  for (;;) {
    try {
      return parser.astify(rewritten, PARSE_OPTIONS);
    } catch (e: unknown) {
      if (!isPegSyntaxError(e)) throw e;
      const at = e.location.start.offset;
      const word = /^[A-Za-z]+\b/.exec(rewritten.slice(at))?.[0];
      const replacement = word === undefined ? undefined : CAST_TYPE_ALIASES[word.toLowerCase()];
      if (word !== undefined && replacement !== undefined && /\bas\s+$/i.test(rewritten.slice(0, at)) && edits.length < 64) {
        rewritten = rewritten.slice(0, at) + replacement + rewritten.slice(at + word.length);
        edits.push({ at, delta: replacement.length - word.length });
        continue;
      }
      // Map the position back to the text as the caller wrote it.
      let offset = at;
      for (let i = edits.length - 1; i >= 0; i -= 1) {
        const edit = edits[i];
        if (edit !== undefined && edit.at < offset) offset -= edit.delta;
      }
      const { line, column } = positionOf(text, offset);
      const expected = [...new Set((e.expected ?? []).map(describeExpectation).filter((d): d is string => d !== null))];
      throw new SqlSyntaxError(text, offset, line, column, expected, e.found);
    }
  }
}

const CLAUSES_NOT_RUN: ReadonlyArray<readonly [string, string]> = [
  ['with', 'WITH (common table expressions)'],
  ['_next', 'UNION / INTERSECT / EXCEPT'],
  ['window', 'named WINDOW clauses'],
  ['locking_read', 'locking reads'],
  ['options', 'SELECT options'],
  ['qualify', 'QUALIFY'],
];

/** Parses one SELECT statement; throws a typed error for anything else. */
export function parseSelect(text: string): ParsedSelect {
  if (typeof text !== 'string') throw new SqlUnsupportedError('statement', `SQL text must be a string, got ${typeof text}`);
  const result = astify(text);
  const statements = (Array.isArray(result) ? result : [result]).filter(isNode);
  if (statements.length === 0) {
    // Only blanks, comments or semicolons: what is missing is the statement itself.
    const { line, column } = positionOf(text, text.length);
    throw new SqlSyntaxError(text, text.length, line, column, ['"SELECT"'], null);
  }
  if (statements.length !== 1) {
    throw new SqlUnsupportedError(
      'multiple statements',
      `expected exactly one statement, found ${statements.length}; run statements one at a time`,
    );
  }
  const ast = statements[0] as Node;
  const type = nodeType(ast);
  if (type !== 'select') throw new SqlNotAQueryError(type === '' ? 'unknown' : type);
  for (const [key, feature] of CLAUSES_NOT_RUN) {
    const value = ast[key];
    if (value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      throw new SqlUnsupportedError(feature);
    }
  }
  const into = child(ast, 'into');
  if (into !== null && into['position'] !== null && into['position'] !== undefined) {
    throw new SqlUnsupportedError('SELECT ... INTO');
  }
  const groupby = child(ast, 'groupby');
  const modifiers = groupby === null ? [] : groupby['modifiers'];
  if (Array.isArray(modifiers) && modifiers.some((m) => m !== null && m !== undefined)) {
    throw new SqlUnsupportedError('GROUP BY modifiers (WITH ROLLUP)');
  }
  const from = Array.isArray(ast['from']) ? (ast['from'] as unknown[]) : [];
  if (from.length > 1) throw new SqlUnsupportedError('joins', 'joins are not supported: a statement reads one table');
  const source = from[0];
  if (source === undefined) return { text, ast, table: null };
  if (!isNode(source) || str(source, 'table') === null) {
    throw new SqlUnsupportedError('subqueries in FROM');
  }
  const name = str(source, 'table') as string;
  const db = str(source, 'db');
  if (db !== null) {
    throw new SqlUnsupportedError('qualified table names', `tables live in one catalog: write ${name}, not ${db}.${name}`);
  }
  return { text, ast, table: { name, alias: str(source, 'as') } };
}
