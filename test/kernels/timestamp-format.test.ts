/**
 * Spark's `timestampFormat` and `timeZone` options: patterns in Spark's letters, optional
 * sections, a zone for texts without one; a text that does not match is malformed, never
 * guessed. Decision 0018.
 */
import { InvalidArgumentError, parseJsonLines, parseSchema, readJsonFiles } from '../../src/index.js';
import { parseTimestamp, timestampParsing } from '../../src/json-lines.js';
import { parseJsonLinesReference, scanJsonLines, type JsonlField } from '../../src/jsonl/fast-scan.js';
import { compileTimestampFormat, parseTimeZone } from '../../src/timestamp-format.js';
import { thrown } from '../support/thrown.js';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);
const read = (format: string | undefined, zone: string | undefined, text: string): number => timestampParsing(format, zone).read(text);

describe('timestampFormat', () => {
  it.each([
    ['yyyy-MM-dd HH:mm:ss', '2016-07-26 03:00:00', utc(2016, 7, 26, 3)],
    ['dd/MM/yyyy', '26/07/2016', utc(2016, 7, 26)],
    ['d/M/yy H:m', '6/7/16 3:5', utc(2016, 7, 6, 3, 5)],
    ["yyyy-MM-dd'T'HH:mm[:ss][XXX]", '2016-07-26T03:00', utc(2016, 7, 26, 3)],
    ["yyyy-MM-dd'T'HH:mm[:ss][XXX]", '2016-07-26T03:00:05+02:00', utc(2016, 7, 26, 1, 0, 5)],
    ["yyyy-MM-dd'T'HH:mm[:ss][XXX]", '2016-07-26T03:00:05Z', utc(2016, 7, 26, 3, 0, 5)],
    ['yyyy-MM-dd HH:mm:ss.SSSSSS', '2016-07-26 03:00:00.123456', utc(2016, 7, 26, 3, 0, 0, 123)],
    ['MMM dd yyyy hh:mm a', 'Jul 26 2016 03:15 PM', utc(2016, 7, 26, 15, 15)],
    ['MMMM d, yyyy', 'July 4, 2016', utc(2016, 7, 4)],
    ['EEE, dd MMM yyyy HH:mm:ss Z', 'Tue, 26 Jul 2016 03:00:00 +0530', utc(2016, 7, 25, 21, 30)],
    ['yyyy-DDD', '2016-208', utc(2016, 7, 26)],
    ["yyyy-MM-dd HH:mm VV", '2016-07-26 03:00 Europe/Paris', utc(2016, 7, 26, 1)],
    ["''yyyy''", "'2016'", utc(2016, 1, 1)],
  ])('%s reads %j', (format, text, ms) => {
    expect(read(format, undefined, text)).toBe(ms);
  });

  it.each([
    ['yyyy-MM-dd HH:mm:ss', '2016-07-26T03:00:00Z'], // Spark's default form is not this pattern
    ['yyyy-MM-dd HH:mm:ss', '2016-07-26 03:00:00 '], // no trimming with a pattern
    ['yyyy-MM-dd', '2016-02-30'],
    ['yyyy-MM-dd HH:mm', '2016-07-26 24:00'],
    ['EEE, dd MMM yyyy', 'Mon, 26 Jul 2016'], // 26 Jul 2016 was a Tuesday
    ['hh:mm a yyyy', '13:00 PM 2016'],
    ['yyyy-DDD', '2015-366'],
  ])('%s refuses %j', (format, text) => {
    expect(read(format, undefined, text)).toBeNaN();
  });

  it.each([
    ['yyyy-MM-dd Q', /Q at position 11/],
    ['yyyy-MM-dd [HH', /\[ without \]/],
    ["yyyy 'T", /unterminated quote/],
    ['hh:mm', /h needs a/],
    ['yyyy#', /reserved/],
  ])('refuses the pattern %j', (format, message) => {
    expect(() => compileTimestampFormat(format, parseTimeZone('UTC')!)).toThrow(message);
  });

  it('readJsonFiles refuses a bad pattern or zone where it is composed, naming the option', () => {
    const e = thrown(() => readJsonFiles('/in', { schema: 'time TIMESTAMP', timestampFormat: 'yyyy-QQ' }), InvalidArgumentError);
    expect([e.operator, e.option, e.value]).toEqual(['readJsonFiles', 'timestampFormat', 'yyyy-QQ']);
    const z = thrown(() => readJsonFiles('/in', { schema: 'time TIMESTAMP', timeZone: 'Mars/Olympus' }), InvalidArgumentError);
    expect([z.option, z.value]).toEqual(['timeZone', 'Mars/Olympus']);
    expect(thrown(() => readJsonFiles('/in', { schema: 'time TIMESTAMP', timeZone: 'PST' }), InvalidArgumentError).option).toBe('timeZone');
  });
});

describe('timeZone', () => {
  it('reads a text without a zone in it, with a pattern or with the default parsing; a text with a zone keeps its own', () => {
    expect(read('yyyy-MM-dd HH:mm:ss', 'America/Los_Angeles', '2016-07-26 03:00:00')).toBe(utc(2016, 7, 26, 10)); // PDT, UTC-7
    expect(read(undefined, 'America/Los_Angeles', '2016-01-26 03:00:00')).toBe(utc(2016, 1, 26, 11)); // PST, UTC-8
    expect(read(undefined, '+05:30', '2016-07-26')).toBe(utc(2016, 7, 25, 18, 30));
    expect(read(undefined, 'UTC+01:00', '2016-07-26T03:00')).toBe(utc(2016, 7, 26, 2));
    expect(read(undefined, 'America/Los_Angeles', '2016-07-26T03:00:00Z')).toBe(utc(2016, 7, 26, 3));
    expect(read("yyyy-MM-dd'T'HH:mmXXX", 'Asia/Kolkata', '2016-07-26T03:00+01:00')).toBe(utc(2016, 7, 26, 2));
    expect(parseTimestamp('2016-07-26 03:00:00')).toBe(utc(2016, 7, 26, 3)); // no zone option: UTC, whatever the machine's
  });

  it('moves a local time in a daylight-saving gap forward, as java.time', () => {
    // 2016-03-13 02:30 does not exist in Los Angeles; java.time gives 03:30 PDT.
    expect(read('yyyy-MM-dd HH:mm', 'America/Los_Angeles', '2016-03-13 02:30')).toBe(utc(2016, 3, 13, 10, 30));
  });

  it('knows regions, UTC and offsets, and nothing else', () => {
    for (const z of ['America/Los_Angeles', 'UTC', 'Z', 'GMT', '+05:30', '-08:00', 'UTC+01:00', '+0530']) expect(parseTimeZone(z)).toBeDefined();
    for (const z of ['PST', 'Mars/Olympus', '+19:00', 'nowhere', '']) expect(parseTimeZone(z)).toBeUndefined();
  });
});

describe('the reader with a timestampFormat', () => {
  const schema = parseSchema('time TIMESTAMP, times ARRAY<TIMESTAMP>, s STRUCT<t: TIMESTAMP>, _corrupt_record STRING');
  const parse = (text: string) => parseJsonLines(text, schema, { path: 'f.json', mode: 'PERMISSIVE', columnNameOfCorruptRecord: '_corrupt_record', timestampFormat: 'dd/MM/yyyy HH:mm', timeZone: 'Asia/Kolkata' });

  it('reads strings by the pattern in plain, array and struct columns, epoch seconds as before; an ISO text the pattern does not match is malformed', () => {
    const r = parse(['{"time":"26/07/2016 08:30","times":["26/07/2016 08:30",null],"s":{"t":"26/07/2016 08:30"}}', '{"time":1469501107}', '{"time":"2016-07-26T03:00:00Z"}'].join('\n'));
    const ms = utc(2016, 7, 26, 3);
    expect(r.rows[0]).toEqual({ time: ms, times: [ms, null], s: { t: ms }, _corrupt_record: null });
    expect(r.rows[1]?.['time']).toBe(1469501107000);
    expect(r.rows[2]?.['time']).toBeNull();
    expect(r.rows[2]?.['_corrupt_record']).toBe('{"time":"2016-07-26T03:00:00Z"}');
    expect(r.numMalformedRows).toBe(1);
  });

  it('the fast scanner leaves timestamp strings to the pattern, and agrees with its reference path', () => {
    const fields: JsonlField[] = [
      { name: 'time', type: 'timestamp' },
      { name: 'times', type: 'array<timestamp>' },
    ];
    const text = '{"time":"2016-07-26T03:00:00Z"}\n{"time":1469501107,"times":[1,null]}\n{"times":["2016-07-26T03:00:00Z"]}';
    const fast = scanJsonLines(text, fields, { timestampStrings: false });
    expect(fast).toEqual(parseJsonLinesReference(text, fields, { timestampStrings: false }));
    expect(fast.bad.map((b) => b.line)).toEqual([1, 3]);
    expect(fast.rows).toEqual([{ time: 1469501107000, times: [1000, null] }]);
    // Without the option the scanner takes ISO texts with a zone itself.
    expect(scanJsonLines(text, fields).bad).toEqual([]);
  });
});
