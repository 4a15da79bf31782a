import { InvalidArgumentError } from './errors.js';

/** A Spark-style interval string (`'1 hour'`, `'10 minutes 30 seconds'`) or milliseconds. */
export type DurationLike = string | number;

const UNITS: Readonly<Record<string, 'weeks' | 'days' | 'hours' | 'minutes' | 'seconds' | 'milliseconds' | 'microseconds'>> = {
  week: 'weeks', weeks: 'weeks', w: 'weeks',
  day: 'days', days: 'days', d: 'days',
  hour: 'hours', hours: 'hours', h: 'hours',
  minute: 'minutes', minutes: 'minutes', min: 'minutes', mins: 'minutes', m: 'minutes',
  second: 'seconds', seconds: 'seconds', sec: 'seconds', secs: 'seconds', s: 'seconds',
  millisecond: 'milliseconds', milliseconds: 'milliseconds', ms: 'milliseconds',
  microsecond: 'microseconds', microseconds: 'microseconds', us: 'microseconds',
};

const TERM = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z]+)\s*/;

/**
 * Parses a Spark interval string (as `window()` and `withWatermark()` take them) into
 * milliseconds: one or more `<number> <unit>` terms, optionally after the word `interval`.
 * Units are weeks, days, hours, minutes, seconds, milliseconds and microseconds (singular,
 * plural or short). Months and years are refused, as Spark refuses them for windows: their
 * length depends on the calendar. A number is taken as milliseconds.
 *
 * Returns `undefined` for text that is not an interval; `durationMs` throws instead.
 */
export function parseDurationMs(value: DurationLike): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  let rest = value.trim().toLowerCase().replace(/^interval\s+/, '');
  if (rest === '') return undefined;
  const parts: Record<string, number> = {};
  while (rest !== '') {
    const m = TERM.exec(rest);
    if (m === null) return undefined;
    const unit = UNITS[m[2] ?? ''];
    if (unit === undefined) return undefined;
    parts[unit] = (parts[unit] ?? 0) + Number(m[1]);
    rest = rest.slice(m[0].length);
  }
  // Summed as luxon's Duration.toMillis sums them (milliseconds first, then each unit times its
  // length, smallest first; a week is 7 days, a day 24 hours), without loading a locale for it.
  let ms = parts['milliseconds'] ?? 0;
  for (const [unit, length] of UNIT_MS) {
    const n = parts[unit];
    if (n) ms += n * length;
  }
  return ms + (parts['microseconds'] ?? 0) / 1000;
}

const UNIT_MS: readonly (readonly [string, number])[] = [
  ['seconds', 1000],
  ['minutes', 60 * 1000],
  ['hours', 60 * 60 * 1000],
  ['days', 24 * 60 * 60 * 1000],
  ['weeks', 7 * 24 * 60 * 60 * 1000],
];

/**
 * `parseDurationMs` for an operator's option: throws `InvalidArgumentError` naming the
 * operator, option and value when the value is not an interval, or not positive when
 * `positive` is set.
 */
export function durationMs(
  operator: string,
  option: string,
  value: DurationLike,
  constraint: 'positive' | 'any' = 'positive',
): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    throw new InvalidArgumentError(operator, option, value, "a duration such as '1 hour', '10 minutes' or a number of milliseconds");
  }
  if (constraint === 'positive' && !(ms > 0)) {
    throw new InvalidArgumentError(operator, option, value, 'a positive duration');
  }
  return ms;
}
