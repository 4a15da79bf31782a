import { Catalog } from '../../src/catalog.js';
import { parseJsonLines } from '../../src/json-lines.js';
import { parseSchema, schemaTypes } from '../../src/schema.js';
import { SqlAnalysisError, SqlUnknownColumnError } from '../../src/sql/index.js';

const SCHEMA = parseSchema('id INT, person STRUCT<name: STRING, age: INT, address: STRUCT<city: STRING>>, w STRUCT<start: LONG, `end`: LONG, x: INT>');
const TEXT = [
  '{"id":1,"person":{"name":"Ann","age":30,"address":{"city":"Pune"}},"w":{"start":1,"end":2,"x":3}}',
  '{"id":2,"person":{"name":"Bo","age":null}}',
  '{"id":3,"person":null}',
  '{"id":4,"person":{"name":"Ann","age":30,"address":{"city":"Pune"}},"w":{"start":1,"end":2,"x":4}}',
  '{"id":5,"person":{"name":"Ann","age":25}}',
].join('\n');

function catalog(): Catalog {
  const { rows } = parseJsonLines(TEXT, SCHEMA, { path: 'people.json', mode: 'PERMISSIVE', columnNameOfCorruptRecord: '_corrupt_record' });
  const c = new Catalog();
  c.createOrReplaceTempView('t', rows, schemaTypes(SCHEMA));
  return c;
}

describe('struct columns in SQL', () => {
  test('SELECT * passes struct values through whole and keeps their types', () => {
    const all = catalog().sql('select * from t where id = 1');
    expect(all.columns).toEqual(['id', 'person', 'w']);
    expect(all.rows).toEqual([{ id: 1, person: { name: 'Ann', age: 30, address: { city: 'Pune' } }, w: { start: 1, end: 2, x: 3 } }]);
    expect(all.schema).toEqual({ id: 'int', person: 'struct<name:string,age:int,address:struct<city:string>>', w: 'struct<start:long,end:long,x:int>' });
  });

  test('reads a field with struct.field, nested ones too, ignoring case as Spark does, with the field as the column name', () => {
    const r = catalog().sql('select id, person.name, PERSON.Age as a, person.address.city, w.x from t order by id');
    expect(r.columns).toEqual(['id', 'name', 'a', 'city', 'x']);
    expect(r.rows).toEqual([
      { id: 1, name: 'Ann', a: 30, city: 'Pune', x: 3 },
      { id: 2, name: 'Bo', a: null, city: null, x: null },
      { id: 3, name: null, a: null, city: null, x: null },
      { id: 4, name: 'Ann', a: 30, city: 'Pune', x: 4 },
      { id: 5, name: 'Ann', a: 25, city: null, x: null },
    ]);
    expect(r.schema).toEqual({ id: 'int', name: 'string', a: 'int', city: 'string', x: 'int' });
  });

  test('uses fields in WHERE, arithmetic and aggregates by their own types', () => {
    expect(catalog().sql("select id, person.age + 1 as next from t where person.name = 'Ann' order by id").rows).toEqual([
      { id: 1, next: 31 },
      { id: 4, next: 31 },
      { id: 5, next: 26 },
    ]);
    expect(catalog().sql('select person.name, sum(person.age) as total from t group by person.name order by person.name').rows).toEqual([
      { name: null, total: null },
      { name: 'Ann', total: 85 },
      { name: 'Bo', total: null },
    ]);
  });

  test('an unknown field is an unresolved column, naming the fields there are', () => {
    const e = (() => {
      try {
        catalog().sql('select person.nick from t');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(SqlUnknownColumnError);
    expect((e as SqlUnknownColumnError).available).toEqual(['person.name', 'person.age', 'person.address']);
  });

  test("CAST AS STRING gives Spark 3's text: field values in braces, null fields as null", () => {
    expect(catalog().sql('select cast(person as string) as s from t order by id').rows.map((r) => r['s'])).toEqual(['{Ann, 30, {Pune}}', '{Bo, null, null}', null, '{Ann, 30, {Pune}}', '{Ann, 25, null}']);
  });

  test('orders field by field and groups equal structs, a struct with start and end fields included', () => {
    expect(catalog().sql('select id from t order by person, id').rows.map((r) => r['id'])).toEqual([3, 5, 1, 4, 2]);
    expect(catalog().sql('select person, count(*) as n from t group by person order by person').rows).toEqual([
      { person: null, n: 1 },
      { person: { name: 'Ann', age: 25, address: null }, n: 1 },
      { person: { name: 'Ann', age: 30, address: { city: 'Pune' } }, n: 2 },
      { person: { name: 'Bo', age: null, address: null }, n: 1 },
    ]);
    expect(catalog().sql('select w, count(*) as n from t group by w order by w').rows).toEqual([
      { w: null, n: 3 },
      { w: { start: 1, end: 2, x: 3 }, n: 1 },
      { w: { start: 1, end: 2, x: 4 }, n: 1 },
    ]);
  });

  test('a grouped struct lends its fields to SELECT', () => {
    expect(catalog().sql('select person.name as name, count(*) as n from t group by person order by n desc, name').rows).toEqual([
      { name: 'Ann', n: 2 },
      { name: null, n: 1 },
      { name: 'Ann', n: 1 },
      { name: 'Bo', n: 1 },
    ]);
  });

  test('is refused by arithmetic, sum, avg, timestamp functions and casts other than to string', () => {
    for (const sql of ['select person + 1 from t', 'select sum(person) from t', 'select avg(person) from t', 'select cast(person as int) from t', 'select hour(person) from t', 'select id.x from t']) {
      expect(() => catalog().sql(sql)).toThrow(SqlAnalysisError);
    }
  });
});
