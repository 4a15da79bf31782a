import { InvalidArgumentError, StructuredRxError, durationMs, parseDurationMs } from '../../src/index.js';
import { thrown as thrownAs } from '../support/thrown.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDurationMs: Spark interval strings', () => {
  it.each<[string, number]>([
    ['1 hour', HOUR],
    ['10 minutes', 10 * MINUTE],
    ['1 hour 30 minutes', HOUR + 30 * MINUTE],
    ['interval 5 seconds', 5 * SECOND],
    ['INTERVAL 2 HOURS', 2 * HOUR],
    ['200 milliseconds', 200],
    ['1 week', 7 * DAY],
    ['2 days 3 hours', 2 * DAY + 3 * HOUR],
    ['10 minutes 30 seconds', 10 * MINUTE + 30 * SECOND],
    ['1 day 1 hour 1 minute 1 second 1 millisecond', DAY + HOUR + MINUTE + SECOND + 1],
    ['0 second', 0],
    ['  3 Seconds  ', 3 * SECOND],
    ['1.5 hours', 90 * MINUTE],
    ['1500 microseconds', 1.5],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each<[string, number]>([
    ['1 week', 7 * DAY],
    ['1 weeks', 7 * DAY],
    ['1 w', 7 * DAY],
    ['1 day', DAY],
    ['2 days', 2 * DAY],
    ['1 d', DAY],
    ['1 hour', HOUR],
    ['2 hours', 2 * HOUR],
    ['1 h', HOUR],
    ['1 minute', MINUTE],
    ['2 minutes', 2 * MINUTE],
    ['1 min', MINUTE],
    ['2 mins', 2 * MINUTE],
    ['1 m', MINUTE],
    ['1 second', SECOND],
    ['2 seconds', 2 * SECOND],
    ['1 sec', SECOND],
    ['2 secs', 2 * SECOND],
    ['1 s', SECOND],
    ['1 millisecond', 1],
    ['2 milliseconds', 2],
    ['7 ms', 7],
    ['1000 microsecond', 1],
    ['2000 microseconds', 2],
    ['3000 us', 3],
  ])('unit spelling %j is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('takes a number as milliseconds', () => {
    expect(parseDurationMs(1500)).toBe(1500);
    expect(parseDurationMs(0)).toBe(0);
    expect(parseDurationMs(-250)).toBe(-250);
  });

  it('keeps the sign of a negative term (startTime may be negative)', () => {
    expect(parseDurationMs('-5 seconds')).toBe(-5 * SECOND);
  });

  it.each<[string]>([
    ['1 month'],
    ['2 months'],
    ['1 year'],
    ['3 years'],
    ['1 hour 1 month'],
    ['soon'],
    [''],
    ['   '],
    ['interval'],
    ['5'],
    ['hour 1'],
    ['5 seconds and more'],
    ['5 fortnights'],
    ['1,5 seconds'],
  ])('refuses %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });

  it('refuses numbers that are not finite and values that are neither strings nor numbers', () => {
    expect(parseDurationMs(Number.NaN)).toBeUndefined();
    expect(parseDurationMs(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(parseDurationMs(null as unknown as string)).toBeUndefined();
    expect(parseDurationMs({ hours: 1 } as unknown as string)).toBeUndefined();
  });
});

describe('durationMs: the checked form for operator options', () => {
  const thrown = (fn: () => unknown): InvalidArgumentError => thrownAs(fn, InvalidArgumentError);

  it('returns the milliseconds of a valid duration', () => {
    expect(durationMs('tumblingWindow', 'size', '1 hour')).toBe(HOUR);
    expect(durationMs('tumblingWindow', 'size', 250)).toBe(250);
  });

  it.each<[string | number]>([['1 month'], ['1 year'], ['every now and then'], [''], [Number.NaN]])(
    'throws InvalidArgumentError naming operator, option and value for %j',
    (value) => {
      const e = thrown(() => durationMs('tumblingWindow', 'size', value));
      expect(e).toBeInstanceOf(StructuredRxError);
      expect(e.name).toBe('InvalidArgumentError');
      expect(e.operator).toBe('tumblingWindow');
      expect(e.option).toBe('size');
      expect(e.value).toBe(value);
      expect(e.message).toContain('tumblingWindow');
      expect(e.message).toContain('size');
    },
  );

  it('puts the refused text in the message', () => {
    const e = thrown(() => durationMs('readJsonFiles', 'pollInterval', '2 months'));
    expect(e.message).toContain('"2 months"');
    expect(e.operator).toBe('readJsonFiles');
    expect(e.option).toBe('pollInterval');
  });

  it('refuses zero and negative durations by default', () => {
    for (const value of ['0 seconds', 0, '-1 second', -5]) {
      const e = thrown(() => durationMs('throttleFiles', 'trigger', value));
      expect(e.value).toBe(value);
      expect(e.expected).toContain('positive');
    }
  });

  it("accepts zero and negative durations with constraint 'any'", () => {
    expect(durationMs('tumblingWindow', 'startTime', '-5 seconds', 'any')).toBe(-5 * SECOND);
    expect(durationMs('tumblingWindow', 'startTime', 0, 'any')).toBe(0);
  });

  it("still refuses text that is no duration with constraint 'any'", () => {
    const e = thrown(() => durationMs('tumblingWindow', 'startTime', '1 month', 'any'));
    expect(e.option).toBe('startTime');
    expect(e.value).toBe('1 month');
  });
});
