import { InvalidArgumentError, parseSchema, schemaTypes, type RowOf, type Window } from '../../src/index.js';
import { arrayElementType, isArrayType, isStructType, structFields } from '../../src/schema.js';
import { thrown as thrownAs } from '../support/thrown.js';

const thrown = (fn: () => unknown): InvalidArgumentError => thrownAs(fn, InvalidArgumentError);

describe('parseSchema: Spark DDL', () => {
  it('parses fields in order', () => {
    expect(parseSchema('time TIMESTAMP, action STRING')).toEqual({
      fields: [
        { name: 'time', type: 'timestamp' },
        { name: 'action', type: 'string' },
      ],
    });
  });

  it('reads type names case-insensitively and keeps column names as written', () => {
    expect(parseSchema('Time timestamp, ACTION String, n LoNg').fields).toEqual([
      { name: 'Time', type: 'timestamp' },
      { name: 'ACTION', type: 'string' },
      { name: 'n', type: 'long' },
    ]);
  });

  it('knows every type and the aliases BIGINT, INTEGER, FLOAT and VARCHAR', () => {
    const s = parseSchema('a TIMESTAMP, b STRING, c VARCHAR, d LONG, e BIGINT, f INT, g INTEGER, h DOUBLE, i FLOAT, j BOOLEAN');
    expect(s.fields.map((f) => f.type)).toEqual(['timestamp', 'string', 'string', 'long', 'long', 'int', 'int', 'double', 'double', 'boolean']);
  });

  it('unquotes names in backticks, which may hold spaces and punctuation', () => {
    expect(parseSchema('`event time` TIMESTAMP, `a-b` INT, `select` STRING').fields).toEqual([
      { name: 'event time', type: 'timestamp' },
      { name: 'a-b', type: 'int' },
      { name: 'select', type: 'string' },
    ]);
  });

  it("accepts Spark's optional colon and extra whitespace", () => {
    expect(parseSchema('  a: INT ,\n\tb   STRING  ').fields).toEqual([
      { name: 'a', type: 'int' },
      { name: 'b', type: 'string' },
    ]);
  });

  it('names the bad part of the DDL in the error', () => {
    const unknownType = thrown(() => parseSchema('time TIMESTAMP, day DATE', 'readJsonFiles'));
    expect(unknownType.operator).toBe('readJsonFiles');
    expect(unknownType.option).toBe('schema');
    expect(unknownType.value).toBe('day DATE');
    expect(unknownType.message).toContain('"day DATE"');

    const noType = thrown(() => parseSchema('time TIMESTAMP, action'));
    expect(noType.value).toBe('action');
    expect(noType.operator).toBe('schema');

    const emptyPart = thrown(() => parseSchema('time TIMESTAMP,, action STRING'));
    expect(emptyPart.value).toBe('');

    const badName = thrown(() => parseSchema('1st INT'));
    expect(badName.value).toBe('1st INT');
  });

  it('parses ARRAY<type> of every scalar type, case-insensitively and with spaces around the element', () => {
    expect(parseSchema('id INT, values ARRAY<INT>').fields).toEqual([
      { name: 'id', type: 'int' },
      { name: 'values', type: 'array<int>' },
    ]);
    const s = parseSchema('a array<int>, b ARRAY< INT >, c Array <BigInt>, d ARRAY<double>, e array<FLOAT>, f ARRAY<STRING>, g ARRAY<varchar>, h ARRAY<BOOLEAN>, i ARRAY<TIMESTAMP>, j: ARRAY<INTEGER>, `k l` ARRAY<LONG>');
    expect(s.fields.map((f) => f.type)).toEqual([
      'array<int>',
      'array<int>',
      'array<long>',
      'array<double>',
      'array<double>',
      'array<string>',
      'array<string>',
      'array<boolean>',
      'array<timestamp>',
      'array<int>',
      'array<long>',
    ]);
  });

  it('refuses nested arrays, unknown element types and broken ARRAY syntax, naming the part', () => {
    for (const part of ['v ARRAY<ARRAY<INT>>', 'v ARRAY<DATE>', 'v ARRAY<>', 'v ARRAY', 'v ARRAY<INT', 'v ARRAY<INT>>', 'v INT<INT>', 'v ARRAY(INT)']) {
      const e = thrown(() => parseSchema(`id INT, ${part}`));
      expect(e.value).toBe(part);
      expect(e.message).toContain('ARRAY<type>');
    }
  });

  it('refuses names of Object.prototype members as types', () => {
    for (const type of ['constructor', 'toString', '__proto__', 'ARRAY<constructor>']) expect(thrown(() => parseSchema(`a ${type}`)).value).toBe(`a ${type}`);
  });

  it('refuses an empty DDL string', () => {
    for (const ddl of ['', '   ']) {
      const e = thrown(() => parseSchema(ddl));
      expect(e.option).toBe('schema');
      expect(e.value).toBe(ddl);
    }
  });

  it('refuses duplicate names, compared case-insensitively as Spark does', () => {
    const e = thrown(() => parseSchema('a INT, b STRING, A LONG'));
    expect(e.value).toBe('A');
    expect(() => parseSchema('`a` INT, a STRING')).toThrow(InvalidArgumentError);
  });
});

describe('parseSchema: object form', () => {
  it('reads column types from an object, in key order', () => {
    expect(parseSchema({ time: 'timestamp', action: 'string' })).toEqual({
      fields: [
        { name: 'time', type: 'timestamp' },
        { name: 'action', type: 'string' },
      ],
    });
  });

  it('takes type names case-insensitively and with aliases', () => {
    const loose = { n: 'BIGINT', f: 'Float' } as unknown as Parameters<typeof parseSchema>[0];
    expect(parseSchema(loose).fields).toEqual([
      { name: 'n', type: 'long' },
      { name: 'f', type: 'double' },
    ]);
  });

  it('reads array types, loosely written ones too', () => {
    expect(parseSchema({ id: 'int', values: 'array<int>' }).fields).toEqual([
      { name: 'id', type: 'int' },
      { name: 'values', type: 'array<int>' },
    ]);
    const loose = { a: 'ARRAY<Integer>', b: 'array< bigint >' } as unknown as Parameters<typeof parseSchema>[0];
    expect(parseSchema(loose).fields.map((f) => f.type)).toEqual(['array<int>', 'array<long>']);
    for (const t of ['array<array<int>>', 'array<date>', 'array', 'constructor']) {
      const e = thrown(() => parseSchema({ v: t } as unknown as Parameters<typeof parseSchema>[0]));
      expect(e.option).toBe('schema.v');
      expect(e.value).toBe(t);
    }
  });

  it('names the column whose type is bad', () => {
    const e = thrown(() => parseSchema({ time: 'timestamp', day: 'date' } as unknown as Parameters<typeof parseSchema>[0], 'readJsonFiles'));
    expect(e.operator).toBe('readJsonFiles');
    expect(e.option).toBe('schema.day');
    expect(e.value).toBe('date');
  });

  it('refuses an empty object, null and other values', () => {
    expect(thrown(() => parseSchema({})).option).toBe('schema');
    expect(thrown(() => parseSchema(null as unknown as string)).value).toBeNull();
    expect(thrown(() => parseSchema(42 as unknown as string)).value).toBe(42);
  });

  it('refuses names that differ only in case', () => {
    expect(thrown(() => parseSchema({ a: 'int', A: 'string' })).value).toBe('A');
  });
});

describe('schemaTypes', () => {
  it('gives the column-to-type record', () => {
    expect(schemaTypes(parseSchema('time TIMESTAMP, n BIGINT, ids ARRAY<BIGINT>'))).toEqual({ time: 'timestamp', n: 'long', ids: 'array<long>' });
  });
});

// ---- compile time: RowOf -------------------------------------------------------------------
// These lines are checked by the typecheck (tsconfig includes test/): the assignments must
// compile, and each `@ts-expect-error` line must NOT compile (an unused directive is an error).

/** True when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type Events = RowOf<'time TIMESTAMP, action STRING'>;

describe('RowOf (compile-time)', () => {
  it('types a DDL schema as nullable readonly columns', () => {
    const exact: Equals<Events, { readonly time: number | null; readonly action: string | null }> = true;
    const open: Events = { time: Date.UTC(2016, 6, 26, 2, 45, 7), action: 'Open' };
    const nulls: Events = { time: null, action: null };
    // @ts-expect-error action must be a string
    const wrongType: Events = { time: 1, action: 2 };
    // @ts-expect-error time is an epoch-ms number, not a Date
    const date: Events = { time: new Date(0), action: 'Open' };
    // @ts-expect-error every declared column is present (a missing JSON field is null, not absent)
    const missing: Events = { action: 'Open' };
    // @ts-expect-error no undeclared columns
    const extra: Events = { time: 1, action: 'Open', user: 'x' };
    // @ts-expect-error rows are read-only
    open.time = 2;
    expect([exact, open, nulls, wrongType, date, missing, extra]).toHaveLength(7);
    // the run-time parse agrees with the type
    expect(parseSchema('time TIMESTAMP, action STRING').fields.map((f) => f.name)).toEqual(Object.keys(open));
  });

  it('maps every type and alias, case-insensitively, with backticks and extra spaces', () => {
    type All = RowOf<' `event time` timestamp ,  n BIGINT, i integer, d FLOAT, s varchar, b Boolean, l long, x double, y int, z string'>;
    const exact: Equals<
      All,
      {
        readonly 'event time': number | null;
        readonly n: number | null;
        readonly i: number | null;
        readonly d: number | null;
        readonly s: string | null;
        readonly b: boolean | null;
        readonly l: number | null;
        readonly x: number | null;
        readonly y: number | null;
        readonly z: string | null;
      }
    > = true;
    // @ts-expect-error b is a boolean column
    const notBoolean: All['b'] = 'true';
    expect([exact, notBoolean]).toHaveLength(2);
  });

  it("matches the run-time parse for Spark's optional colon", () => {
    type Colon = RowOf<'a: INT, `b c`: STRING, d : BOOLEAN'>;
    const exact: Equals<Colon, { readonly a: number | null; readonly 'b c': string | null; readonly d: boolean | null }> = true;
    expect(exact).toBe(true);
    expect(parseSchema('a: INT, `b c`: STRING, d : BOOLEAN').fields.map((f) => f.name)).toEqual(['a', 'b c', 'd']);
  });

  it('types the object form the same way', () => {
    const exact: Equals<RowOf<{ time: 'timestamp'; action: 'string' }>, Events> = true;
    const sameAsDdl: Equals<RowOf<{ n: 'long'; ok: 'boolean' }>, RowOf<'n LONG, ok BOOLEAN'>> = true;
    expect([exact, sameAsDdl]).toEqual([true, true]);
  });

  it('types an array column as a read-only array of nullable elements, or null', () => {
    type Values = RowOf<'id INT, values ARRAY<INT>'>;
    const exact: Equals<Values, { readonly id: number | null; readonly values: readonly (number | null)[] | null }> = true;
    const row: Values = { id: 1, values: [1, null, 3] };
    const none: Values = { id: 1, values: null };
    // @ts-expect-error the elements are numbers
    const strings: Values = { id: 1, values: ['a'] };
    // @ts-expect-error an array column holds an array, not one element
    const scalar: Values = { id: 1, values: 1 };
    // @ts-expect-error the array is read-only
    row.values?.push(4);
    expect([exact, row, none, strings, scalar]).toHaveLength(5);
    expect(parseSchema('id INT, values ARRAY<INT>').fields.map((f) => f.name)).toEqual(Object.keys(row));
  });

  it('maps every element type, case-insensitively and with spaces, in DDL and object form alike', () => {
    type Arrays = RowOf<'a array<int>, b ARRAY< BIGINT >, c Array<Double>, d ARRAY<STRING>, e ARRAY<BOOLEAN>, f ARRAY <TIMESTAMP>, g: ARRAY<INTEGER>'>;
    const exact: Equals<
      Arrays,
      {
        readonly a: readonly (number | null)[] | null;
        readonly b: readonly (number | null)[] | null;
        readonly c: readonly (number | null)[] | null;
        readonly d: readonly (string | null)[] | null;
        readonly e: readonly (boolean | null)[] | null;
        readonly f: readonly (number | null)[] | null;
        readonly g: readonly (number | null)[] | null;
      }
    > = true;
    const sameAsDdl: Equals<RowOf<{ id: 'int'; values: 'array<int>'; tags: 'array<string>' }>, RowOf<'id INT, values ARRAY<INT>, tags ARRAY<STRING>'>> = true;
    expect([exact, sameAsDdl]).toEqual([true, true]);
    expect(parseSchema('a array<int>, b ARRAY< BIGINT >, c Array<Double>, d ARRAY<STRING>, e ARRAY<BOOLEAN>, f ARRAY <TIMESTAMP>, g: ARRAY<INTEGER>').fields).toHaveLength(7);
  });

  it('falls back to an open record for a schema only known at run time', () => {
    const exact: Equals<RowOf<string>, Readonly<Record<string, unknown>>> = true;
    const notEvents: Equals<RowOf<string>, Events> = false;
    expect([exact, notEvents]).toEqual([true, false]);
  });

  it('types a window value as its bounds', () => {
    const w: Window = { start: 0, end: 3_600_000 };
    // @ts-expect-error a window has both bounds
    const half: Window = { start: 0 };
    expect([w, half]).toHaveLength(2);
  });
});

describe('struct columns', () => {
  it('parses STRUCT<...> with or without colons, case-insensitively, into the canonical type', () => {
    const s = parseSchema('id INT, user STRUCT<name: STRING, age: INT>, b struct<name string,age bigint>, c Struct < `first name` : Varchar , x:Double >');
    expect(s.fields).toEqual([
      { name: 'id', type: 'int' },
      { name: 'user', type: 'struct<name:string,age:int>' },
      { name: 'b', type: 'struct<name:string,age:long>' },
      { name: 'c', type: 'struct<`first name`:string,x:double>' },
    ]);
  });

  it('nests: a struct in a struct, an array in a struct, an array of structs', () => {
    const s = parseSchema('e STRUCT<user: STRUCT<name: STRING, tags: ARRAY<STRING>>, at: TIMESTAMP>, items ARRAY<STRUCT<sku STRING, qty INT>>, d STRUCT<a: STRUCT<b: STRUCT<c: INT>>>');
    expect(s.fields.map((f) => f.type)).toEqual([
      'struct<user:struct<name:string,tags:array<string>>,at:timestamp>',
      'array<struct<sku:string,qty:int>>',
      'struct<a:struct<b:struct<c:int>>>',
    ]);
    expect(structFields('struct<user:struct<name:string,tags:array<string>>,at:timestamp>')).toEqual([
      { name: 'user', type: 'struct<name:string,tags:array<string>>' },
      { name: 'at', type: 'timestamp' },
    ]);
    expect(schemaTypes(s).items).toBe('array<struct<sku:string,qty:int>>');
  });

  it('keeps field names as written, __proto__ and constructor too', () => {
    expect(parseSchema('s STRUCT<__proto__: INT, `constructor`: STRING, Name: STRING>').fields[0]!.type).toBe('struct<__proto__:int,constructor:string,Name:string>');
  });

  it('refuses broken, empty, duplicate or unsupported struct types, naming the part', () => {
    const cases: [string, string][] = [
      ['u STRUCT<name: DATE>', 'DATE is not a type'],
      ['u STRUCT<>', 'has no fields'],
      ['u STRUCT<name STRING>>', 'STRING> is not a type'],
      ['u STRUCT<a INT, A STRING>', 'struct field A is declared twice'],
      ['u STRUCT<1a INT>', "struct field \"1a INT\" is not '<name>: <type>'"],
      ['u STRUCT<a INT,>', 'struct field "" is not'],
      ['u STRUCT<a ARRAY<ARRAY<INT>>>', 'an array of arrays is not supported'],
      ['u STRUCT<a STRING NOT NULL>', 'STRING NOT NULL is not a type'],
      ['u STRUCT<a MAP<STRING, INT>>', 'MAP<STRING, INT> is not a type'],
      ['u ARRAY<STRUCT<a: DATE>>', 'DATE is not a type'],
    ];
    for (const [part, why] of cases) {
      const e = thrown(() => parseSchema(`id INT, ${part}, z INT`, 'readJsonFiles'));
      expect(e.value).toBe(part);
      expect(e.message).toContain('STRUCT<name: type, ...>');
      expect(e.expected).toContain(why);
    }
    // An unclosed < takes the rest of the DDL into its part.
    const unclosed = thrown(() => parseSchema('id INT, u STRUCT<name STRING, z INT'));
    expect(unclosed.value).toBe('u STRUCT<name STRING, z INT');
    expect(unclosed.expected).toContain('does not end with >');
  });

  it('reads struct types in the object form, loosely written ones too', () => {
    expect(parseSchema({ id: 'int', user: 'struct<name: string, age: int>' }).fields).toEqual([
      { name: 'id', type: 'int' },
      { name: 'user', type: 'struct<name:string,age:int>' },
    ]);
    const loose = { a: 'STRUCT<x ARRAY<INT>>', b: 'array<struct<y:boolean>>' } as unknown as Parameters<typeof parseSchema>[0];
    expect(parseSchema(loose).fields.map((f) => f.type)).toEqual(['struct<x:array<int>>', 'array<struct<y:boolean>>']);
    const e = thrown(() => parseSchema({ v: 'struct<a: date>' } as const));
    expect(e.option).toBe('schema.v');
    expect(e.expected).toContain('date is not a type');
  });

  it('tells struct and array types apart', () => {
    expect(isStructType('struct<a:int>')).toBe(true);
    expect(isStructType('STRUCT<a: INT>')).toBe(false);
    expect(isStructType('int')).toBe(false);
    expect(isArrayType('array<struct<a:int>>')).toBe(true);
    expect(arrayElementType('array<struct<a:int>>')).toBe('struct<a:int>');
    expect(arrayElementType('array<struct<a:date>>')).toBeUndefined();
  });
});

describe('RowOf: struct columns', () => {
  it('types a struct column as a read-only object of nullable fields, or null', () => {
    type Users = RowOf<'id INT, user STRUCT<name: STRING, age: INT>'>;
    const exact: Equals<Users, { readonly id: number | null; readonly user: { readonly name: string | null; readonly age: number | null } | null }> = true;
    const row: Users = { id: 1, user: { name: 'Ann', age: null } };
    const none: Users = { id: 1, user: null };
    // @ts-expect-error age is a number
    const wrong: Users = { id: 1, user: { name: 'Ann', age: '3' } };
    // @ts-expect-error the struct is read-only
    if (row.user !== null) row.user.name = 'Bo';
    expect([exact, row, none, wrong]).toHaveLength(4);
  });

  it('reads the colon-less form, backticks and case as the run-time parse does', () => {
    type T = RowOf<'a struct<name string, `first name`:VARCHAR>, b Struct <x : BIGINT>'>;
    const exact: Equals<T, { readonly a: { readonly name: string | null; readonly 'first name': string | null } | null; readonly b: { readonly x: number | null } | null }> = true;
    expect(exact).toBe(true);
  });

  it('types nesting both ways: structs in structs, arrays in structs, arrays of structs', () => {
    type T = RowOf<'e STRUCT<user: STRUCT<name: STRING, tags: ARRAY<STRING>>, at: TIMESTAMP>, items ARRAY<STRUCT<sku STRING, qty INT>>'>;
    const exact: Equals<
      T,
      {
        readonly e: { readonly user: { readonly name: string | null; readonly tags: readonly (string | null)[] | null } | null; readonly at: number | null } | null;
        readonly items: readonly ({ readonly sku: string | null; readonly qty: number | null } | null)[] | null;
      }
    > = true;
    expect(exact).toBe(true);
  });

  it('types the object form the same way', () => {
    const sameAsDdl: Equals<RowOf<{ id: 'int'; user: 'struct<name: string, age: int>' }>, RowOf<'id INT, user STRUCT<name: STRING, age: INT>'>> = true;
    const canonical: Equals<RowOf<{ user: 'struct<name:string,age:int>' }>, RowOf<'user STRUCT<name: STRING, age: INT>'>> = true;
    expect([sameAsDdl, canonical]).toEqual([true, true]);
  });
});
