import { InvalidArgumentError } from './errors.js';

/** The scalar column types (Spark SQL type names, lower case): one JSON value each, and what an array holds. */
export type ScalarColumnType = 'timestamp' | 'string' | 'long' | 'int' | 'double' | 'boolean';

/**
 * Spark's `struct<...>`, written canonically in lower case without spaces: `struct<name:string,age:int>`
 * (a field name that is not a plain identifier in backticks). Its fields are scalars, arrays or structs.
 */
export type StructColumnType = `struct<${string}>`;

/** Spark's `array<T>` of a scalar type or a struct, e.g. `array<int>`; its elements may be null (Spark's `containsNull`). */
export type ArrayColumnType = `array<${ScalarColumnType}>` | `array<${StructColumnType}>`;

/** Column types a schema can declare (Spark SQL type names, lower case). `window` is the `{start, end}` struct. */
export type ColumnType = ScalarColumnType | ArrayColumnType | StructColumnType | 'window';

/** The types a source schema may declare. */
export type SourceColumnType = Exclude<ColumnType, 'window'>;

/** A window column's value: event-time interval `[start, end)` in epoch milliseconds (UTC). */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** Whether a value is a window `{start, end}` of epoch milliseconds. */
export function isWindow(value: unknown): value is Window {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { start?: unknown }).start === 'number' &&
    typeof (value as { end?: unknown }).end === 'number'
  );
}

/** How each scalar type travels in a row. Timestamps are epoch milliseconds (UTC instants). */
interface ScalarValue {
  timestamp: number;
  string: string;
  long: number;
  int: number;
  double: number;
  boolean: boolean;
}

/** How each column type travels in a row: an array is a read-only JS array of its element type or null. (Structs: see `RowOf`.) */
export type ColumnValue = ScalarValue & { window: Window } & { [T in ScalarColumnType as `array<${T}>`]: readonly (ScalarValue[T] | null)[] };

/** One field of a struct type: its name as written and its canonical type. */
export interface StructField {
  readonly name: string;
  readonly type: SourceColumnType;
}

/** A parsed schema: ordered fields. */
export interface Schema {
  readonly fields: readonly { readonly name: string; readonly type: SourceColumnType }[];
}

/** A schema written as an object: `{ time: 'timestamp', action: 'string' }`. */
export type SchemaObject = Readonly<Record<string, SourceColumnType>>;

/** A schema as a user writes it: Spark DDL (`'time TIMESTAMP, action STRING'`) or an object. */
export type SchemaLike = string | SchemaObject;

// ---- type level: the row type that a schema declares ------------------------------------

type Trim<S extends string> = S extends ` ${infer R}` | `\n${infer R}` | `\t${infer R}`
  ? Trim<R>
  : S extends `${infer L} ` | `${infer L}\n` | `${infer L}\t`
    ? Trim<L>
    : S;

/** How many times `C` occurs in `S`. */
type Count<S extends string, C extends string, N extends unknown[] = []> = S extends `${string}${C}${infer R}` ? Count<R, C, [...N, 0]> : N['length'];

/** Whether `S` closes every `<` it opens. */
type Balanced<S extends string> = Count<S, '<'> extends Count<S, '>'> ? true : false;

/** Splits on the commas outside `<...>` (`a INT, s STRUCT<x: INT, y: INT>` is two parts). */
type Split<S extends string, Cur extends string = ''> = S extends `${infer Head},${infer Tail}`
  ? Balanced<`${Cur}${Head}`> extends true
    ? [Trim<`${Cur}${Head}`>, ...Split<Tail>]
    : Split<Tail, `${Cur}${Head},`>
  : [Trim<`${Cur}${S}`>];

type ScalarDdlType<T extends string> = Uppercase<T> extends 'TIMESTAMP'
  ? 'timestamp'
  : Uppercase<T> extends 'STRING' | 'VARCHAR'
    ? 'string'
    : Uppercase<T> extends 'LONG' | 'BIGINT'
      ? 'long'
      : Uppercase<T> extends 'INT' | 'INTEGER'
        ? 'int'
        : Uppercase<T> extends 'DOUBLE' | 'FLOAT'
          ? 'double'
          : Uppercase<T> extends 'BOOLEAN'
            ? 'boolean'
            : never;

/** `T` after the keyword `K` (upper case), matched case-insensitively, keeping the rest's case; never if `T` does not start with `K`. */
type AfterKeyword<T extends string, K extends string> = K extends `${infer KA}${infer KR}`
  ? T extends `${infer A}${infer R}`
    ? Uppercase<A> extends KA
      ? AfterKeyword<R, KR>
      : never
    : never
  : T;

/** What is inside `<...>` (spaces allowed before the `<`). */
type Inside<T extends string> = Trim<T> extends `<${infer E}>` ? E : never;

type IsNever<T> = [T] extends [never] ? true : false;

/** `array<E>` for a scalar E; nothing else (no nested arrays). */
type ArrayOf<E> = E extends ScalarColumnType ? `array<${E}>` : never;

/** A DDL type name: a scalar (`INT`, `BigInt`, ...), `ARRAY<scalar>` with optional spaces around the element, or a struct. */
type DdlType<T extends string> =
  IsNever<AfterKeyword<Trim<T>, 'STRUCT'>> extends false
    ? StructColumnType
    : Uppercase<T> extends `ARRAY${infer R}`
      ? Trim<R> extends `<${infer E}>`
        ? Uppercase<Trim<E>> extends `STRUCT${string}`
          ? `array<${StructColumnType}>`
          : ArrayOf<ScalarDdlType<Trim<E>>>
        : never
      : ScalarDdlType<T>;

/** The type after Spark's optional colon (`a: INT`, `a : INT`). */
type AfterColon<T extends string> = Trim<T> extends `:${infer R}` ? Trim<R> : Trim<T>;

/** A name without the colon written right after it (`a:`). */
type NoColon<N extends string> = N extends `${infer M}:` ? M : N;

/** One `<name> <type>` part, the type as written; a backticked name may hold spaces, so it is matched first. */
type FieldEntry<P extends string> = P extends `\`${infer N}\`${infer T}`
  ? [N, AfterColon<T>]
  : P extends `${infer N} ${infer T}`
    ? [NoColon<N>, AfterColon<T>]
    : never;

/** One struct field: as a column, or `name:type` without a space (Spark's catalog form). */
type StructEntry<P extends string> = P extends `\`${string}`
  ? FieldEntry<P>
  : P extends `${infer N}:${infer T}`
    ? Trim<N> extends `${string} ${string}`
      ? FieldEntry<P>
      : [Trim<N>, Trim<T>]
    : FieldEntry<P>;

type FieldEntries<Parts extends readonly string[]> = {
  [I in keyof Parts]: FieldEntry<Parts[I]>;
};

type StructEntries<Parts extends readonly string[]> = {
  [I in keyof Parts]: StructEntry<Parts[I]>;
};

/** The value of a scalar type written in DDL. */
type ScalarValueOf<T extends string> = ScalarDdlType<Trim<T>> extends infer S extends ScalarColumnType ? ScalarValue[S] : never;

/** The element of an array: a scalar or a struct, no nested arrays. */
type ElementValueOf<E extends string> = IsNever<AfterKeyword<Trim<E>, 'ARRAY'>> extends true ? ValueOf<E> : never;

/** The fields of a struct body (`name: STRING, age: INT`) as a read-only object of nullable values. */
type StructValueOf<B extends string> = string extends B
  ? Readonly<Record<string, unknown>>
  : {
      readonly [P in StructEntries<Split<B>>[number] as P extends [infer N extends string, string] ? N : never]: P extends [string, infer T extends string]
        ? ValueOf<T> | null
        : never;
    };

/**
 * What a value of a type written in DDL or in an object schema (`INT`, `array<string>`,
 * `STRUCT<name: STRING, a: ARRAY<INT>>`) is in a row, without the null of the column itself.
 */
type ValueOf<T extends string> =
  IsNever<AfterKeyword<Trim<T>, 'STRUCT'>> extends false
    ? StructValueOf<Inside<AfterKeyword<Trim<T>, 'STRUCT'>>>
    : IsNever<AfterKeyword<Trim<T>, 'ARRAY'>> extends false
      ? readonly (ElementValueOf<Inside<AfterKeyword<Trim<T>, 'ARRAY'>>> | null)[]
      : Trim<T> extends 'window'
        ? Window
        : ScalarValueOf<T>;

type EntriesToObject<E extends readonly unknown[]> = {
  [P in E[number] as P extends [infer N extends string, unknown] ? N : never]: P extends [string, infer T extends string] ? DdlType<T> : never;
};

type EntriesToRow<E extends readonly unknown[]> = {
  readonly [P in E[number] as P extends [infer N extends string, unknown] ? N : never]: P extends [string, infer T extends string] ? ValueOf<T> | null : never;
};

/** The schema object type a DDL string declares: `'time TIMESTAMP'` gives `{ time: 'timestamp' }` (a struct column gives `struct<${string}>`). */
export type DdlSchema<S extends string> = EntriesToObject<FieldEntries<Split<S>>>;

/**
 * The row type of a schema. Every column is nullable: a missing JSON field is null. A struct
 * column is a read-only object of its (nullable) fields, or null.
 */
export type RowOf<S extends SchemaLike> = S extends string
  ? string extends S
    ? Readonly<Record<string, unknown>>
    : EntriesToRow<FieldEntries<Split<S>>>
  : { readonly [K in keyof S]: S[K] extends string ? ValueOf<S[K]> | null : unknown };

// ---- run time -------------------------------------------------------------------------------

const DDL_TYPES: Readonly<Record<string, ScalarColumnType>> = {
  timestamp: 'timestamp',
  string: 'string',
  varchar: 'string',
  long: 'long',
  bigint: 'long',
  int: 'int',
  integer: 'int',
  double: 'double',
  float: 'double',
  boolean: 'boolean',
};

/** A scalar type name or alias, lower case, to its type (own keys only: `constructor` is no type). */
function scalarType(name: string): ScalarColumnType | undefined {
  return Object.hasOwn(DDL_TYPES, name) ? DDL_TYPES[name] : undefined;
}

/** A struct's fields, by its canonical type (filled as types are parsed; the same array for the same type). */
const structCache = new Map<string, readonly StructField[]>();

/** The fields of a struct column type (`struct<a:int>` gives `[{ name: 'a', type: 'int' }]`); undefined for any other type. */
export function structFields(type: StructColumnType): readonly StructField[];
export function structFields(type: string): readonly StructField[] | undefined;
export function structFields(type: string): readonly StructField[] | undefined {
  if (!type.startsWith('struct<')) return undefined;
  const cached = structCache.get(type);
  if (cached !== undefined) return cached;
  const parsed = parseType(type);
  // Only a canonical spelling is a column type: `STRUCT<a: INT>` is how a user writes it, not a type.
  return typeof parsed !== 'string' && parsed.type === type ? structCache.get(type) : undefined;
}

/** Whether `type` is a `struct<...>` column type (canonical spelling). */
export function isStructType(type: string): type is StructColumnType {
  return structFields(type) !== undefined;
}

/** The element type of an array column type (`array<int>` gives `int`); undefined for any other type. */
export function arrayElementType(type: ArrayColumnType): ScalarColumnType | StructColumnType;
export function arrayElementType(type: string): ScalarColumnType | StructColumnType | undefined;
export function arrayElementType(type: string): ScalarColumnType | StructColumnType | undefined {
  if (!type.startsWith('array<') || !type.endsWith('>')) return undefined;
  const element = type.slice(6, -1);
  const scalar = scalarType(element);
  if (scalar !== undefined) return scalar === element ? scalar : undefined;
  return isStructType(element) ? element : undefined;
}

/** Whether `type` is an `array<T>` column type (as the schema spells it, lower case). */
export function isArrayType(type: string): type is ArrayColumnType {
  return arrayElementType(type) !== undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A field name as the canonical struct type writes it: bare if an identifier, else in backticks. */
function quoteName(name: string): string {
  return IDENTIFIER.test(name) ? name : `\`${name}\``;
}

/**
 * Splits on the commas outside `<...>` and backticks. Brackets that do not match stay in their
 * part (an unclosed `<` takes the rest of the text), so the error names that part.
 */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close < 0) break;
      i = close;
    } else if (c === '<') {
      depth++;
    } else if (c === '>') {
      depth = Math.max(0, depth - 1);
    } else if (c === ',' && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

const ARRAY_OPEN = /^array\s*</i;
const STRUCT_OPEN = /^struct\s*</i;
/** A struct field: a name, then a colon (spaces around it optional) or spaces, then its type. */
const STRUCT_FIELD = /^\s*(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)(?:\s*:\s*|\s+)(\S[\s\S]*)$/;

/** A parsed type (canonical spelling), or a string saying which part is wrong. */
type ParsedType = { readonly type: SourceColumnType } | string;

/**
 * Parses a type as written (case-insensitive, aliases, spaces around `<`, `>` and `,`):
 * a scalar, `ARRAY<scalar or STRUCT>`, or `STRUCT<name: type, ...>` whose fields are any of
 * these (structs nest to any depth; an array of arrays is refused, as in decision 0009).
 */
function parseType(written: string): ParsedType {
  const text = written.trim();
  const array = ARRAY_OPEN.exec(text);
  if (array !== null) {
    if (!text.endsWith('>')) return `${text} does not end with >`;
    const element = parseType(text.slice(array[0].length, -1));
    if (typeof element === 'string') return element;
    if (isArrayType(element.type)) return `${text}: an array of arrays is not supported`;
    return { type: `array<${element.type}>` as ArrayColumnType };
  }
  const struct = STRUCT_OPEN.exec(text);
  if (struct !== null) {
    if (!text.endsWith('>')) return `${text} does not end with >`;
    const body = text.slice(struct[0].length, -1);
    const parts = body.trim() === '' ? [] : splitTopLevel(body);
    if (parts.length === 0) return `${text} has no fields (STRUCT<> is not supported)`;
    const fields: StructField[] = [];
    const seen = new Set<string>();
    for (const part of parts) {
      const m = STRUCT_FIELD.exec(part);
      if (m === null) return `struct field ${JSON.stringify(part.trim())} is not '<name>: <type>'`;
      const raw = m[1] as string;
      const name = raw.startsWith('`') ? raw.slice(1, -1) : raw;
      const type = parseType(m[2] as string);
      if (typeof type === 'string') return type;
      if (seen.has(name.toLowerCase())) return `struct field ${name} is declared twice (Spark compares names case-insensitively)`;
      seen.add(name.toLowerCase());
      fields.push({ name, type: type.type });
    }
    const type: StructColumnType = `struct<${fields.map((f) => `${quoteName(f.name)}:${f.type}`).join(',')}>`;
    if (!structCache.has(type)) structCache.set(type, fields);
    return { type };
  }
  const scalar = /^[A-Za-z]+$/.test(text) ? scalarType(text.toLowerCase()) : undefined;
  return scalar === undefined ? `${text === '' ? 'an empty type' : text} is not a type` : { type: scalar };
}

const DDL_TYPE_NAMES = `${Object.keys(DDL_TYPES).map((t) => t.toUpperCase()).join(', ')}, ARRAY<type> of one of those or of a STRUCT, or STRUCT<name: type, ...> of any of these`;
const OBJECT_TYPE_NAMES = `one of ${[...new Set(Object.values(DDL_TYPES))].join(', ')}, array<type> of one of those or of a struct, or struct<name: type, ...> of any of these`;

const FIELD = /^\s*(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s*:?\s+(\S[\s\S]*?)\s*$/;

/**
 * Parses a schema written as Spark DDL (`'time TIMESTAMP, action STRING'`, types case-insensitive,
 * names optionally in backticks, `ARRAY<INT>` for an array of a scalar type, `STRUCT<name: STRING,
 * age: INT>` for a struct, the colons optional) or as an object (`{ time: 'timestamp', ids:
 * 'array<long>', user: 'struct<name: string>' }`). Throws `InvalidArgumentError` naming `operator`
 * and the offending part.
 */
export function parseSchema(spec: SchemaLike, operator = 'schema'): Schema {
  if (typeof spec === 'string') {
    if (spec.trim() === '') throw new InvalidArgumentError(operator, 'schema', spec, "a DDL string such as 'time TIMESTAMP, action STRING'");
    const fields = splitTopLevel(spec).map((part) => {
      const m = FIELD.exec(part);
      const type = m === null ? 'no name and type' : parseType(m[2] ?? '');
      if (m === null || typeof type === 'string') {
        const why = m === null ? '' : `; ${type}`;
        throw new InvalidArgumentError(operator, 'schema', part.trim(), `a field as '<name> <type>' with type one of ${DDL_TYPE_NAMES}${why}`);
      }
      const raw = m[1] as string;
      return { name: raw.startsWith('`') ? raw.slice(1, -1) : raw, type: type.type };
    });
    return checkUnique(fields, operator);
  }
  if (spec === null || typeof spec !== 'object') {
    throw new InvalidArgumentError(operator, 'schema', spec, 'a DDL string or an object of column types');
  }
  const fields = Object.entries(spec).map(([name, t]) => {
    const type = typeof t === 'string' ? parseType(t) : 'not a string';
    if (typeof type === 'string') throw new InvalidArgumentError(operator, `schema.${name}`, t, typeof t === 'string' ? `${OBJECT_TYPE_NAMES}; ${type}` : OBJECT_TYPE_NAMES);
    return { name, type: type.type };
  });
  if (fields.length === 0) throw new InvalidArgumentError(operator, 'schema', spec, 'at least one column');
  return checkUnique(fields, operator);
}

function checkUnique(fields: { name: string; type: SourceColumnType }[], operator: string): Schema {
  const seen = new Set<string>();
  for (const f of fields) {
    const key = f.name.toLowerCase();
    if (seen.has(key)) throw new InvalidArgumentError(operator, 'schema', f.name, 'unique column names (Spark compares them case-insensitively)');
    seen.add(key);
  }
  return { fields };
}

/** The schema as a column-to-type record, for tables and SQL. */
export function schemaTypes(schema: Schema): Record<string, ColumnType> {
  const out: Record<string, ColumnType> = {};
  for (const f of schema.fields) out[f.name] = f.type;
  return out;
}
