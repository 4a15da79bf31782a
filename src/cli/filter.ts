/**
 * `--filter`: one predicate `column op literal`, parsed strictly and checked against the
 * schema, turned into the row predicate of the library's `filterRows`.
 *
 * ```
 * predicate := column op literal
 * column    := identifier | `back-quoted name`
 * op        := = | == | != | <> | < | <= | > | >= | contains
 * literal   := 'text' (a quote doubled inside: 'it''s') | "text" | number | true | false
 * ```
 *
 * As Spark's SQL: a row whose column is null matches nothing (the comparison is null, and
 * `filter` keeps only true). The literal must fit the column's type: a number for INT, BIGINT and
 * DOUBLE columns, true or false for BOOLEAN, a quoted text for STRING, and for TIMESTAMP a quoted
 * date-time read as UTC (`'2016-07-26 10:00'`, `'2016-07-26T10:00:00Z'`). `contains` takes a
 * STRING column and a quoted text.
 */
import { luxon } from '../lazy-dependencies.js';
import type { ColumnType, Schema } from '../schema.js';
import { CliUsageError } from './errors.js';

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains';

/** A parsed `--filter`, before it is checked against the schema. */
export interface FilterSpec {
  readonly text: string;
  readonly column: string;
  readonly op: FilterOp;
  readonly literal: { readonly kind: 'string'; readonly value: string } | { readonly kind: 'number'; readonly value: number } | { readonly kind: 'boolean'; readonly value: boolean };
}

const FLAG = '--filter';
const EXPECTED = "a predicate column op literal, op one of = != < <= > >= contains, e.g. \"action = 'Open'\"";

function bad(raw: string, why: string): CliUsageError {
  return new CliUsageError(`invalid ${FLAG} ${JSON.stringify(raw)}: ${why}; expected ${EXPECTED}`, FLAG, raw);
}

/** Parses the predicate's text (no schema yet). */
export function parseFilter(raw: string): FilterSpec {
  let rest = raw.trim();
  if (rest === '') throw bad(raw, 'it is empty');
  // The column.
  let column: string;
  const quoted = /^`([^`]+)`/.exec(rest);
  const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
  if (quoted !== null) {
    column = quoted[1] as string;
    rest = rest.slice(quoted[0].length).trimStart();
  } else if (plain !== null) {
    column = plain[0];
    rest = rest.slice(plain[0].length).trimStart();
  } else {
    throw bad(raw, `expected a column name at ${JSON.stringify(rest)}`);
  }
  // The operator.
  const opMatch = /^(<=|>=|==|!=|<>|=|<|>|contains\b)/i.exec(rest);
  if (opMatch === null) throw bad(raw, rest === '' ? `no operator after ${column}` : `unknown operator at ${JSON.stringify(rest)}`);
  const opText = (opMatch[1] as string).toLowerCase();
  const op: FilterOp = opText === '==' ? '=' : opText === '<>' ? '!=' : (opText as FilterOp);
  rest = rest.slice(opMatch[0].length).trimStart();
  // The literal, which must end the predicate.
  let literal: FilterSpec['literal'];
  let after: string;
  if (rest.startsWith("'") || rest.startsWith('"')) {
    const q = rest[0] as string;
    let value = '';
    let i = 1;
    for (;;) {
      const j = rest.indexOf(q, i);
      if (j < 0) throw bad(raw, `unclosed quote in ${JSON.stringify(rest)}`);
      value += rest.slice(i, j);
      if (rest[j + 1] === q) {
        value += q;
        i = j + 2;
      } else {
        i = j + 1;
        break;
      }
    }
    literal = { kind: 'string', value };
    after = rest.slice(i);
  } else {
    const m = /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|true\b|false\b)/i.exec(rest);
    if (m === null) throw bad(raw, rest === '' ? `no value after ${opText}` : `${JSON.stringify(rest)} is not a value (quote a text, as '${rest.replace(/'/g, "''")}', or give a number, true or false)`);
    const t = (m[1] as string).toLowerCase();
    literal = t === 'true' || t === 'false' ? { kind: 'boolean', value: t === 'true' } : { kind: 'number', value: Number(t) };
    after = rest.slice(m[0].length);
  }
  if (after.trim() !== '') throw bad(raw, `unexpected ${JSON.stringify(after.trim())} after the value (one comparison only)`);
  return { text: raw, column, op, literal };
}

/** A TIMESTAMP literal as epoch ms: ISO-8601 or `yyyy-MM-dd[ HH:mm[:ss[.SSS]]]`, UTC unless it says otherwise. */
function timestampMs(text: string): number | undefined {
  const t = text.trim();
  const iso = luxon().DateTime.fromISO(t.replace(' ', 'T'), { zone: 'utc' });
  return iso.isValid ? iso.toMillis() : undefined;
}

const NUMERIC: readonly ColumnType[] = ['int', 'long', 'double'];

/**
 * Checks the predicate against the schema and returns the row predicate. Throws a
 * {@link CliUsageError} when the column is not in the schema or the literal does not fit its type.
 */
export function filterPredicate(spec: FilterSpec, schema: Schema): (row: Readonly<Record<string, unknown>>) => boolean {
  const raw = spec.text;
  const field = schema.fields.find((f) => f.name === spec.column);
  if (field === undefined) throw bad(raw, `there is no column ${JSON.stringify(spec.column)} in --schema (${schema.fields.map((f) => f.name).join(', ')})`);
  const type = field.type;
  const { op, literal } = spec;
  const typeName = type.toUpperCase();
  let value: string | number | boolean;
  if (op === 'contains') {
    if (type !== 'string' || literal.kind !== 'string') throw bad(raw, `contains takes a STRING column and a quoted text${type !== 'string' ? `; ${spec.column} is ${typeName}` : ''}`);
    value = literal.value;
  } else if (NUMERIC.includes(type)) {
    if (literal.kind !== 'number') throw bad(raw, `${spec.column} is ${typeName}: compare it with a number`);
    value = literal.value;
  } else if (type === 'string') {
    if (literal.kind !== 'string') throw bad(raw, `${spec.column} is STRING: compare it with a quoted text, as '${String(literal.value)}'`);
    value = literal.value;
  } else if (type === 'boolean') {
    if (literal.kind !== 'boolean') throw bad(raw, `${spec.column} is BOOLEAN: compare it with true or false`);
    if (op !== '=' && op !== '!=') throw bad(raw, `${spec.column} is BOOLEAN: only = and != compare it`);
    value = literal.value;
  } else if (type === 'timestamp') {
    const ms = literal.kind === 'string' ? timestampMs(literal.value) : undefined;
    if (ms === undefined) throw bad(raw, `${spec.column} is TIMESTAMP: compare it with a quoted date-time (UTC), as '2016-07-26 10:00:00'`);
    value = ms;
  } else {
    throw bad(raw, `${spec.column} is ${typeName}, which --filter cannot compare`);
  }
  const column = spec.column;
  const compare = (a: string | number | boolean, b: string | number | boolean): number => (a < b ? -1 : a > b ? 1 : 0);
  const test = (x: string | number | boolean): boolean => {
    switch (op) {
      case 'contains':
        return typeof x === 'string' && x.includes(value as string);
      case '=':
        return compare(x, value) === 0;
      case '!=':
        return compare(x, value) !== 0;
      case '<':
        return compare(x, value) < 0;
      case '<=':
        return compare(x, value) <= 0;
      case '>':
        return compare(x, value) > 0;
      case '>=':
        return compare(x, value) >= 0;
    }
  };
  const kind = typeof value;
  // Null (or a value of another type, which the source never gives for a declared column) matches nothing.
  return (row) => {
    const x = row[column];
    return typeof x === kind && test(x as string | number | boolean);
  };
}
