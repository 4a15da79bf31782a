import { InvalidArgumentError } from './errors.js';

/** The scalar column types (Spark SQL type names, lower case): one JSON value each, and what an array holds. */
export type ScalarColumnType = 'timestamp' | 'string' | 'long' | 'int' | 'double' | 'boolean';

/** Spark's `array<T>` of a scalar type, e.g. `array<int>`; its elements may be null (Spark's `containsNull`). */
export type ArrayColumnType = `array<${ScalarColumnType}>`;

/** Column types a schema can declare (Spark SQL type names, lower case). `window` is the `{start, end}` struct. */
export type ColumnType = ScalarColumnType | ArrayColumnType | 'window';

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

/** How each column type travels in a row: an array is a read-only JS array of its element type or null. */
export type ColumnValue = ScalarValue & { window: Window } & { [T in ScalarColumnType as `array<${T}>`]: readonly (ScalarValue[T] | null)[] };

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

type Split<S extends string> = S extends `${infer Head},${infer Tail}` ? [Trim<Head>, ...Split<Tail>] : [Trim<S>];

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

/** `array<E>` for a scalar E; nothing else (no nested arrays). */
type ArrayOf<E> = E extends ScalarColumnType ? `array<${E}>` : never;

/** A DDL type name: a scalar (`INT`, `BigInt`, ...) or `ARRAY<scalar>` with optional spaces around the element. */
type DdlType<T extends string> =
  Uppercase<T> extends `ARRAY${infer R}` ? (Trim<R> extends `<${infer E}>` ? ArrayOf<ScalarDdlType<Trim<E>>> : never) : ScalarDdlType<T>;

/** The type after Spark's optional colon (`a: INT`, `a : INT`). */
type AfterColon<T extends string> = Trim<T> extends `:${infer R}` ? Trim<R> : Trim<T>;

/** A name without the colon written right after it (`a:`). */
type NoColon<N extends string> = N extends `${infer M}:` ? M : N;

/** One `<name> <type>` part; a backticked name may hold spaces, so it is matched first. */
type FieldEntry<P extends string> = P extends `\`${infer N}\`${infer T}`
  ? [N, DdlType<AfterColon<T>>]
  : P extends `${infer N} ${infer T}`
    ? [NoColon<N>, DdlType<AfterColon<T>>]
    : never;

type FieldEntries<Parts extends readonly string[]> = {
  [I in keyof Parts]: FieldEntry<Parts[I]>;
};

type EntriesToObject<E extends readonly unknown[]> = {
  [P in E[number] as P extends [infer N extends string, unknown] ? N : never]: P extends [string, infer T extends SourceColumnType]
    ? T
    : never;
};

/** The schema object type a DDL string declares: `'time TIMESTAMP'` gives `{ time: 'timestamp' }`. */
export type DdlSchema<S extends string> = EntriesToObject<FieldEntries<Split<S>>>;

/** The row type of a schema. Every column is nullable: a missing JSON field is null. */
export type RowOf<S extends SchemaLike> = S extends string
  ? string extends S
    ? Readonly<Record<string, unknown>>
    : { readonly [K in keyof DdlSchema<S>]: DdlSchema<S>[K] extends keyof ColumnValue ? ColumnValue[DdlSchema<S>[K]] | null : unknown }
  : { readonly [K in keyof S]: S[K] extends keyof ColumnValue ? ColumnValue[S[K]] | null : unknown };

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

const ELEMENT_TYPES: Readonly<Record<ArrayColumnType, ScalarColumnType>> = {
  'array<timestamp>': 'timestamp',
  'array<string>': 'string',
  'array<long>': 'long',
  'array<int>': 'int',
  'array<double>': 'double',
  'array<boolean>': 'boolean',
};

/** The element type of an array column type (`array<int>` gives `int`); undefined for any other type. */
export function arrayElementType(type: ArrayColumnType): ScalarColumnType;
export function arrayElementType(type: string): ScalarColumnType | undefined;
export function arrayElementType(type: string): ScalarColumnType | undefined {
  return Object.hasOwn(ELEMENT_TYPES, type) ? ELEMENT_TYPES[type as ArrayColumnType] : undefined;
}

/** Whether `type` is an `array<T>` column type (as the schema spells it, lower case). */
export function isArrayType(type: string): type is ArrayColumnType {
  return Object.hasOwn(ELEMENT_TYPES, type);
}

const ARRAY_TYPE = /^array\s*<\s*([a-z]+)\s*>$/;

/** A type name as written (case-insensitive, aliases, `ARRAY< INT >`) to its column type, or undefined. */
function sourceType(written: string): SourceColumnType | undefined {
  const lower = written.trim().toLowerCase();
  const array = ARRAY_TYPE.exec(lower);
  const scalar = scalarType(array === null ? lower : (array[1] ?? ''));
  if (scalar === undefined) return undefined;
  return array === null ? scalar : `array<${scalar}>`;
}

const DDL_TYPE_NAMES = `${Object.keys(DDL_TYPES).map((t) => t.toUpperCase()).join(', ')}, or ARRAY<type> of one of those`;
const OBJECT_TYPE_NAMES = `one of ${[...new Set(Object.values(DDL_TYPES))].join(', ')}, or array<type> of one of those`;

const FIELD = /^\s*(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s*:?\s+([A-Za-z]+(?:\s*<\s*[A-Za-z]+\s*>)?)\s*$/;

/**
 * Parses a schema written as Spark DDL (`'time TIMESTAMP, action STRING'`, types case-insensitive,
 * names optionally in backticks, `ARRAY<INT>` for an array of a scalar type) or as an object
 * (`{ time: 'timestamp', ids: 'array<long>' }`). Throws `InvalidArgumentError` naming `operator`
 * and the offending part.
 */
export function parseSchema(spec: SchemaLike, operator = 'schema'): Schema {
  if (typeof spec === 'string') {
    if (spec.trim() === '') throw new InvalidArgumentError(operator, 'schema', spec, "a DDL string such as 'time TIMESTAMP, action STRING'");
    const fields = spec.split(',').map((part) => {
      const m = FIELD.exec(part);
      const type = m === null ? undefined : sourceType(m[2] ?? '');
      if (m === null || type === undefined) {
        throw new InvalidArgumentError(operator, 'schema', part.trim(), `a field as '<name> <type>' with type one of ${DDL_TYPE_NAMES}`);
      }
      const raw = m[1] as string;
      return { name: raw.startsWith('`') ? raw.slice(1, -1) : raw, type };
    });
    return checkUnique(fields, operator);
  }
  if (spec === null || typeof spec !== 'object') {
    throw new InvalidArgumentError(operator, 'schema', spec, 'a DDL string or an object of column types');
  }
  const fields = Object.entries(spec).map(([name, t]) => {
    const type = typeof t === 'string' ? sourceType(t) : undefined;
    if (type === undefined) throw new InvalidArgumentError(operator, `schema.${name}`, t, OBJECT_TYPE_NAMES);
    return { name, type };
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
