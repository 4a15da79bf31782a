/**
 * The event-time notation of marble values: a row written as `ann Open@02:10`, a windowed
 * result as `[02:00,03:00) Open 3`. A pattern names the columns in the order they are written
 * (`'user action@time'`, `'window action count'`); each value is written by its column's type:
 *
 * | type | written | example |
 * |---|---|---|
 * | timestamp | the time of day on the notation's day (UTC), seconds and milliseconds only when not 0; another day with its date | `02:10`, `02:10:05.250`, `1970-01-02T00:30` |
 * | window | `[start,end)` | `[02:00,03:00)` |
 * | string | bare, or as a JSON string when it is empty, has a space or `@`, starts with `"`, `[` or `{`, or reads `null` | `Open`, `"two words"` |
 * | number, boolean | as JavaScript prints it | `3`, `0.5`, `true` |
 * | array, struct | JSON | `[1,2]` |
 * | null | `null` | |
 *
 * Columns are separated by spaces; `@` joins a value and the event time it happened at. A
 * column the pattern does not name is not written, so it is not compared either.
 */
import { InvalidArgumentError } from '../errors.js';
import { END_OF_TIME_MS } from '../engine/driver.js';
import { parseSchema, type ColumnType, type RowOf, type SchemaLike, type Window } from '../schema.js';
import { setField } from '../with-column.js';

const DAY_MS = 86_400_000;

export interface NotationOptions {
  /** The day (UTC, `YYYY-MM-DD`) whose times are written without a date. Default `'1970-01-01'`. */
  readonly day?: string;
}

/** The column names a pattern mentions: `'user action@time'` gives `'user' | 'action' | 'time'`. */
export type PatternColumns<P extends string> = P extends `${infer A} ${infer B}`
  ? PatternColumns<A> | PatternColumns<B>
  : P extends `${infer A}@${infer B}`
    ? PatternColumns<A> | PatternColumns<B>
    : P extends ''
      ? never
      : P;

/** `P` when every column it names is a column of `R`; otherwise a type naming the unknown columns, so the call does not compile. */
export type CheckPattern<P extends string, R> = string extends P
  ? P
  : [Exclude<PatternColumns<P>, keyof R & string>] extends [never]
    ? P
    : `unknown column in the pattern: ${Exclude<PatternColumns<P>, keyof R & string>}`;

/** A row given as an object: any of `R`'s columns, no others. */
export type RowInput<R> = { readonly [K in keyof R]?: R[K] };

/** What the kit needs of a notation to show rows and times (any {@link RowNotation}). */
export interface RowFormat {
  readonly options: NotationOptions;
  format(row: unknown): string;
  time(ms: number): string;
}

/** One value of a row, as its type reads it: a column type, or undefined where the plan does not know it (the value decides). */
type TypeOf = (column: string) => ColumnType | undefined;

interface Slot {
  readonly column: string;
  /** What comes before this column's value: nothing (the first), a space, or `@`. */
  readonly before: '' | ' ' | '@';
}

/** A time in the notation as epoch milliseconds: `'02:10'`, `'02:10:05'`, `'02:10:05.250'` on `day`, or `'2016-07-26T02:10'`; `'end'` is the end of event time. */
export function parseTime(text: string, options: NotationOptions = {}): number {
  if (text === 'end') return END_OF_TIME_MS;
  const m = /^(?:([+-]\d{6}|\d{4})-(\d{2})-(\d{2})T)?(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}))?)?$/.exec(text);
  if (m === null) throw new InvalidArgumentError('notation', 'time', text, "HH:MM, HH:MM:SS or HH:MM:SS.mmm, with a date first as YYYY-MM-DDTHH:MM for another day, or 'end'");
  const [h, min, s, ms] = [m[4], m[5], m[6] ?? '0', m[7] ?? '0'].map(Number) as [number, number, number, number];
  if (h > 23 || min > 59 || s > 59) throw new InvalidArgumentError('notation', 'time', text, 'a time of day from 00:00 to 23:59:59.999');
  const base = m[1] === undefined ? dayStart(options) : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (m[1] !== undefined && m[1].length === 4 && new Date(base).toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`) {
    throw new InvalidArgumentError('notation', 'time', text, 'a date that exists');
  }
  return base + ((h * 60 + min) * 60 + s) * 1000 + ms;
}

/** Epoch milliseconds in the notation: the time of day on `day`, another day with its date; `'end'` for the end of event time. */
export function formatTime(ms: number, options: NotationOptions = {}): string {
  if (ms === END_OF_TIME_MS) return 'end';
  const iso = new Date(ms).toISOString(); // 1970-01-01T02:10:05.250Z (or ±YYYYYY-...)
  const t = iso.indexOf('T');
  let clock = iso.slice(t + 1, t + 13); // 02:10:05.250
  if (clock.endsWith('.000')) clock = clock.slice(0, 8);
  if (clock.endsWith(':00') && clock.length === 8) clock = clock.slice(0, 5);
  const offset = ms - dayStart(options);
  return offset >= 0 && offset < DAY_MS ? clock : `${iso.slice(0, t)}T${clock}`;
}

/** A window `[start,end)` from two times in the notation. */
export function windowOf(start: string, end: string, options: NotationOptions = {}): Window {
  return { start: parseTime(start, options), end: parseTime(end, options) };
}

function dayStart(options: NotationOptions): number {
  const day = options.day ?? '1970-01-01';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const ms = m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) throw new InvalidArgumentError('notation', 'day', day, 'a date as YYYY-MM-DD');
  return ms;
}

function isWindow(v: unknown): v is Window {
  return typeof v === 'object' && v !== null && typeof (v as Window).start === 'number' && typeof (v as Window).end === 'number' && Object.keys(v).length === 2;
}

/**
 * How rows of type `R` are written in marble values, and read back: a pattern of columns with
 * their types. Make one with {@link notation} (from a source schema) or let `testQuery` make the
 * output's (from the query's plan).
 */
export class RowNotation<R = Readonly<Record<string, unknown>>> implements RowFormat {
  /** The columns the pattern names, in order. */
  readonly columns: readonly string[];
  private readonly slots: readonly Slot[];

  /** @internal use {@link notation} */
  constructor(
    readonly pattern: string,
    private readonly typeOf: TypeOf,
    readonly options: NotationOptions = {},
  ) {
    dayStart(options); // checks the day
    const slots: Slot[] = [];
    const groups = pattern.trim().split(/\s+/);
    for (const group of groups) {
      group.split('@').forEach((column, i) => {
        if (column === '') throw new InvalidArgumentError('notation', 'pattern', pattern, "column names separated by spaces, a value and its time joined by @ ('user action@time')");
        slots.push({ column, before: slots.length === 0 ? '' : i === 0 ? ' ' : '@' });
      });
    }
    if (new Set(slots.map((s) => s.column)).size !== slots.length) throw new InvalidArgumentError('notation', 'pattern', pattern, 'each column once');
    this.slots = slots;
    this.columns = slots.map((s) => s.column);
  }

  /** Epoch milliseconds of a time on this notation's day (`'02:10'`). */
  at(time: string): number {
    return parseTime(time, this.options);
  }

  /** A window from two times on this notation's day. */
  window(start: string, end: string): Window {
    return windowOf(start, end, this.options);
  }

  /** A time as this notation writes it. */
  time(ms: number): string {
    return formatTime(ms, this.options);
  }

  /** A row as this notation writes it (the pattern's columns only). */
  format(row: unknown): string {
    const r = (typeof row === 'object' && row !== null ? row : {}) as Readonly<Record<string, unknown>>;
    let out = '';
    for (const slot of this.slots) {
      const has = Object.prototype.hasOwnProperty.call(r, slot.column);
      out += slot.before + this.formatValue(has ? r[slot.column] : null, this.typeOf(slot.column));
    }
    return out;
  }

  /** Reads a row written in this notation: an object with the pattern's columns. */
  parse(text: string): RowInput<R> {
    const row: Record<string, unknown> = {};
    let pos = skipSpaces(text, 0);
    this.slots.forEach((slot, i) => {
      if (slot.before === '@') {
        if (text[pos] !== '@') throw this.unreadable(text, `an @ before ${slot.column} at position ${pos}`);
        pos++;
      } else if (slot.before === ' ') {
        const after = skipSpaces(text, pos);
        if (after === pos) throw this.unreadable(text, `a space before ${slot.column} at position ${pos}`);
        pos = after;
      }
      const next = this.slots[i + 1];
      const end = tokenEnd(text, pos, next?.before === '@');
      if (end === pos) throw this.unreadable(text, `a value for ${slot.column} at position ${pos}`);
      setField(row, slot.column, this.parseValue(text.slice(pos, end), this.typeOf(slot.column), text));
      pos = end;
    });
    if (skipSpaces(text, pos) !== text.length) throw this.unreadable(text, `the end after ${this.slots.length} values, not ${JSON.stringify(text.slice(pos).trim())}`);
    return row as RowInput<R>;
  }

  /** Rows (in this notation, or as objects) written in this notation: expected marble values. */
  rows(...rows: readonly (string | RowInput<R>)[]): string[] {
    return rows.map((r) => this.format(typeof r === 'string' ? this.parse(r) : r));
  }

  /** Rows (in this notation, or as objects) as JSON lines a file source reads: timestamps as epoch seconds, as Spark reads a number. */
  lines(...rows: readonly (string | RowInput<R>)[]): string[] {
    return rows.map((r) => {
      const row = (typeof r === 'string' ? this.parse(r) : r) as Readonly<Record<string, unknown>>;
      const fields = Object.keys(row).map((k) => {
        const v = row[k];
        const json = this.typeOf(k) === 'timestamp' && typeof v === 'number' ? v / 1000 : v;
        return `${JSON.stringify(k)}:${JSON.stringify(json ?? null)}`;
      });
      return `{${fields.join(',')}}`;
    });
  }

  private formatValue(v: unknown, type: ColumnType | undefined): string {
    if (v === null || v === undefined) return 'null';
    if (type === 'timestamp' && typeof v === 'number') return this.time(v);
    // A window by its shape unless the type says it is a struct (a plan that lost a type may call it a string).
    if (isWindow(v) && !(type?.startsWith('struct<') ?? false)) return `[${this.time(v.start)},${this.time(v.end)})`;
    if (typeof v === 'string') {
      const bare = v !== '' && v !== 'null' && !/[\s@]/.test(v) && !/^["[{]/.test(v) && (type === 'string' || !/^(true|false|-?\d|-?Infinity$|NaN$)/.test(v));
      return bare ? v : JSON.stringify(v);
    }
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
    return JSON.stringify(v);
  }

  private parseValue(token: string, type: ColumnType | undefined, text: string): unknown {
    if (token === 'null') return null;
    if (token.startsWith('"')) return JSON.parse(token) as unknown;
    if (type === 'timestamp') return this.at(token);
    if (token.startsWith('[') && token.endsWith(')')) {
      const parts = token.slice(1, -1).split(',');
      if (parts.length !== 2) throw this.unreadable(text, `a window as [start,end), not ${token}`);
      return this.window(parts[0] as string, parts[1] as string);
    }
    if (type === 'string') return token;
    if (token.startsWith('[') || token.startsWith('{')) {
      try {
        return JSON.parse(token) as unknown;
      } catch {
        throw this.unreadable(text, `JSON, not ${token}`);
      }
    }
    if (token === 'true' || token === 'false') return token === 'true';
    if (/^-?(\d|Infinity$)|^NaN$/.test(token)) {
      const n = Number(token);
      if (Number.isNaN(n) && token !== 'NaN') throw this.unreadable(text, `a number, not ${token}`);
      return n;
    }
    if (type === undefined) return token;
    throw this.unreadable(text, `a ${type} value, not ${token}`);
  }

  private unreadable(text: string, expected: string): InvalidArgumentError {
    return new InvalidArgumentError('notation', 'row', text, `a row written as '${this.pattern}': ${expected}`);
  }
}

function skipSpaces(text: string, pos: number): number {
  while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
  return pos;
}

/** Where the value token starting at `pos` ends: a JSON string, a bracketed value (`[...)`, `[...]`, `{...}`), or a bare word (up to a space, or an `@` when one follows). */
function tokenEnd(text: string, pos: number, atFollows: boolean): number {
  const c = text[pos];
  if (c === '"') return stringEnd(text, pos);
  if (c === '[' || c === '{') {
    let depth = 0;
    for (let i = pos; i < text.length; i++) {
      const ch = text[i];
      if (ch === '"') i = stringEnd(text, i) - 1;
      else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}' || ch === ')') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  let i = pos;
  while (i < text.length && !/\s/.test(text[i] as string) && !(atFollows && text[i] === '@')) i++;
  return i;
}

function stringEnd(text: string, pos: number): number {
  for (let i = pos + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

/**
 * The notation for rows of a source schema: `notation('time TIMESTAMP, action STRING, user STRING', 'user action@time')`
 * writes `{ user: 'ann', action: 'Open', time: <02:10> }` as `ann Open@02:10`. The pattern's
 * column names are checked against the schema when the test compiles.
 *
 * @example
 * const ev = notation('time TIMESTAMP, action STRING, user STRING', 'user action@time');
 * ev.lines('ann Open@02:10')          // ['{"user":"ann","action":"Open","time":7800}']: a file's content
 * ev.rows({ user: 'ann', action: 'Open', time: ev.at('02:10') }) // ['ann Open@02:10']: an expected marble value
 */
export function notation<const S extends SchemaLike, P extends string>(schema: S, pattern: CheckPattern<P, RowOf<S>>, options: NotationOptions = {}): RowNotation<RowOf<S>> {
  const types = new Map<string, ColumnType>(parseSchema(schema, 'notation').fields.map((f) => [f.name, f.type]));
  return checkedNotation<RowOf<S>>(pattern, types, options);
}

/** A notation over known column types (undefined: the values decide); every column the pattern names must be one of them. */
export function checkedNotation<R>(pattern: string, types: ReadonlyMap<string, ColumnType> | undefined, options: NotationOptions = {}): RowNotation<R> {
  if (typeof pattern !== 'string') throw new InvalidArgumentError('notation', 'pattern', pattern, "a string of column names ('user action@time')");
  const n = new RowNotation<R>(pattern, (c) => types?.get(c), options);
  const unknown = types === undefined ? [] : n.columns.filter((c) => !types.has(c));
  if (unknown.length > 0) throw new InvalidArgumentError('notation', 'pattern', pattern, `columns of the rows (${[...(types?.keys() ?? [])].join(', ')}); unknown: ${unknown.join(', ')}`);
  return n;
}
