/**
 * `--agg`: a comma-separated list of Spark aggregate calls, each with an optional `as name`,
 * parsed by a small strict tokenizer and parser (no SQL engine: the grammar is a handful of
 * function calls) into the library's {@link Aggregate}s.
 *
 * ```
 * list   := item (',' item)*
 * item   := call [AS name]
 * call   := COUNT '(' '*' ')' | COUNT '(' [DISTINCT] column ')'
 *         | (SUM | AVG | MEAN | MIN | MAX | APPROX_COUNT_DISTINCT) '(' column ')'
 * column := identifier | `back-quoted name`
 * ```
 *
 * Function names and keywords are case-insensitive. Without `as`, a column is named as Spark
 * names it (`count(1)`, `avg(latency)`, `count(DISTINCT user)`).
 */
import { agg, type Aggregate } from '../agg/functions.js';
import { CliUsageError } from './errors.js';

/** The default of `--agg`, as typed: the notebook's count. */
export const DEFAULT_AGG = 'count(*) as count';

/** The functions `--agg` knows, as the help and errors list them. */
export const AGG_FUNCTIONS = 'count(*), count(c), count(distinct c), sum(c), avg(c), mean(c), min(c), max(c) or approx_count_distinct(c), each optionally followed by "as name"';

/** One parsed aggregate: the library's aggregate and the text it came from (for errors). */
export interface ParsedAggregate {
  readonly aggregate: Aggregate;
  /** The item as typed, trimmed (e.g. `avg(latency) as avg_latency`). */
  readonly text: string;
}

type Token = { readonly kind: 'ident' | 'quoted' | 'punct'; readonly text: string; readonly at: number };

const FLAG = '--agg';

/** Splits the flag's value into identifiers, back-quoted names and the punctuation `( ) , *`. */
function tokenize(raw: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(raw.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', text: m[0], at: i });
      i += m[0].length;
    } else if (ch === '`') {
      const end = raw.indexOf('`', i + 1);
      if (end < 0) throw bad(raw, `unclosed back-quote in ${JSON.stringify(raw.slice(i))}`);
      const name = raw.slice(i + 1, end);
      if (name === '') throw bad(raw, 'an empty back-quoted name');
      tokens.push({ kind: 'quoted', text: name, at: i });
      i = end + 1;
    } else if ('(),*'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, at: i });
      i++;
    } else {
      throw bad(raw, `unexpected ${JSON.stringify(ch)} in ${JSON.stringify(raw.slice(i).trim())}`);
    }
  }
  return tokens;
}

/** The usage error: the flag, the value, what is wrong in it, then what the flag takes. */
function bad(raw: string, why: string): CliUsageError {
  return new CliUsageError(`invalid ${FLAG} ${JSON.stringify(raw)}: ${why}; expected ${AGG_FUNCTIONS}, separated by commas`, FLAG, raw);
}

/** Builds the library's aggregate for `fn(column)`; `fn` is lower case. */
function aggregateOf(fn: string, column: string, distinct: boolean): Aggregate | undefined {
  if (distinct) return fn === 'count' ? agg.countDistinct(column) : undefined;
  switch (fn) {
    case 'count':
      return agg.count(column);
    case 'sum':
      return agg.sum(column);
    case 'avg':
    case 'mean':
      return agg.avg(column);
    case 'min':
      return agg.min(column);
    case 'max':
      return agg.max(column);
    case 'approx_count_distinct':
      return agg.approxCountDistinct(column);
    default:
      return undefined;
  }
}

/**
 * Parses `--agg`. Throws a {@link CliUsageError} naming the flag, the value and the part that
 * is wrong (an unknown function, a missing parenthesis, a missing name after `as` …).
 */
export function parseAggregates(raw: string): ParsedAggregate[] {
  const tokens = tokenize(raw);
  if (tokens.length === 0) throw bad(raw, 'the list is empty');
  const out: ParsedAggregate[] = [];
  let i = 0;
  /** The text of the item being read, from its first token to the current position. */
  const itemText = (from: number): string => {
    const start = tokens[from]?.at ?? raw.length;
    const next = tokens[i];
    return raw.slice(start, next === undefined ? raw.length : next.at).trim();
  };
  const describe = (t: Token | undefined): string => (t === undefined ? 'the end' : t.kind === 'quoted' ? `\`${t.text}\`` : JSON.stringify(t.text));
  while (i < tokens.length) {
    const from = i;
    const fnToken = tokens[i++];
    if (fnToken === undefined || fnToken.kind !== 'ident') throw bad(raw, `expected a function name, found ${describe(fnToken)}${fnToken === undefined ? '' : ` in ${JSON.stringify(raw.slice(fnToken.at).trim())}`}`);
    const fn = fnToken.text.toLowerCase();
    if (!['count', 'sum', 'avg', 'mean', 'min', 'max', 'approx_count_distinct'].includes(fn)) {
      throw bad(raw, `unknown function ${JSON.stringify(fnToken.text)}`);
    }
    const open = tokens[i++];
    if (open?.text !== '(' || open.kind !== 'punct') throw bad(raw, `expected "(" after ${fnToken.text}, found ${describe(open)}`);
    let distinct = false;
    if (tokens[i]?.kind === 'ident' && tokens[i]?.text.toLowerCase() === 'distinct' && (tokens[i + 1]?.kind === 'ident' || tokens[i + 1]?.kind === 'quoted')) {
      distinct = true;
      i++;
    }
    const arg = tokens[i++];
    let column: string;
    if (arg?.kind === 'punct' && arg.text === '*' && !distinct) {
      if (fn !== 'count') throw bad(raw, `only count takes *, not ${fnToken.text}(*)`);
      column = '*';
    } else if (arg?.kind === 'ident' || arg?.kind === 'quoted') {
      column = arg.text;
    } else {
      throw bad(raw, `expected a column name in ${fnToken.text}(…), found ${describe(arg)}`);
    }
    const close = tokens[i++];
    if (close?.kind !== 'punct' || close.text !== ')') throw bad(raw, `expected ")" to close ${fnToken.text}(${distinct ? 'distinct ' : ''}${column === '*' ? '*' : column}, found ${describe(close)}`);
    let aggregate = aggregateOf(fn, column, distinct);
    if (aggregate === undefined) throw bad(raw, `only count takes distinct, not ${fnToken.text}(distinct ${column})`);
    const as = tokens[i];
    if (as?.kind === 'ident' && as.text.toLowerCase() === 'as') {
      i++;
      const name = tokens[i++];
      if (name?.kind !== 'ident' && name?.kind !== 'quoted') throw bad(raw, `expected a column name after "as" in ${JSON.stringify(itemText(from))}, found ${describe(name)}`);
      aggregate = aggregate.as(name.text);
    }
    out.push({ aggregate, text: itemText(from) });
    const sep = tokens[i];
    if (sep === undefined) break;
    if (sep.kind !== 'punct' || sep.text !== ',') throw bad(raw, `expected "," or the end after ${JSON.stringify(itemText(from))}, found ${describe(sep)}`);
    i++;
    if (tokens[i] === undefined) throw bad(raw, 'a trailing ","');
  }
  const seen = new Set<string>();
  for (const p of out) {
    if (seen.has(p.aggregate.name)) throw bad(raw, `two columns named ${JSON.stringify(p.aggregate.name)} (rename one with "as name")`);
    seen.add(p.aggregate.name);
  }
  return out;
}

/** Whether an aggregate's values add up across windows (the totals table sums them). */
export function isAdditive(a: Aggregate): boolean {
  return a.fn === 'count' || a.fn === 'sum';
}
