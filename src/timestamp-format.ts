/**
 * Spark's `timestampFormat` and `timeZone` options of the JSON source: a datetime pattern in
 * Spark's (java.time `DateTimeFormatter`) letters, compiled once to a regular expression, and the
 * zone a text without an offset is read in. Decision 0018 lists what is supported.
 */
import type { Zone } from 'luxon';
import { luxon } from './lazy-dependencies.js';

/** Largest |epoch ms| a JavaScript `Date` can hold. */
const MAX_DATE_MS = 8.64e15;

/** A compiled pattern: epoch ms of `text` read with `zone` for a text without an offset, or NaN. */
export type TimestampReader = (text: string) => number;

const OFFSET = /^([+-])(\d{1,2})(?::?(\d{2}))?$/;

/**
 * Spark's `timeZone` option: a region (`America/Los_Angeles`), `UTC` (or `Z`, `GMT`), or an offset
 * (`+05:30`, `-08:00`, `UTC+01:00`). Undefined for anything else (Spark's short ids such as
 * `PST` are refused, as Spark deprecates them).
 */
export function parseTimeZone(text: string): Zone | undefined {
  const t = text.trim();
  if (t === 'UTC' || t === 'Z' || t === 'GMT' || t === 'UT') return luxon().FixedOffsetZone.utcInstance;
  const m = OFFSET.exec(t.replace(/^(?:UTC|GMT|UT)(?=[+-])/, ''));
  if (m !== null) {
    const hours = Number(m[2]);
    const minutes = m[3] === undefined ? 0 : Number(m[3]);
    if (minutes > 59 || hours * 60 + minutes > 18 * 60) return undefined;
    return luxon().FixedOffsetZone.instance((hours * 60 + minutes) * (m[1] === '-' ? -1 : 1));
  }
  return t.includes('/') && luxon().IANAZone.isValidZone(t) ? luxon().IANAZone.create(t) : undefined;
}

/** Epoch ms of a local date-time in `zone` (a gap is moved forward, an overlap takes the earlier offset, as java.time), or NaN if it is no date. */
export function localToEpoch(zone: Zone, year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  let result: number;
  if (zone.isUniversal) {
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, ms);
    if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return NaN;
    result = date.getTime() - zone.offset(0) * 60000;
  } else {
    const t = luxon().DateTime.fromObject({ year, month, day, hour, minute, second, millisecond: ms }, { zone });
    result = t.isValid ? t.toMillis() : NaN;
  }
  return result >= -MAX_DATE_MS && result <= MAX_DATE_MS ? result : NaN;
}

type Field = 'year' | 'year2' | 'month' | 'monthName' | 'day' | 'dayOfYear' | 'hour' | 'hour12' | 'minute' | 'second' | 'fraction' | 'ampm' | 'weekday' | 'offset' | 'offsetZ' | 'zoneId';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** One run of a pattern letter as a regular expression and the field it sets. */
function letterRun(letter: string, n: number): { regex: string; field: Field } | string {
  const digits = (fixed: number, variable: number): string => (n === 1 ? `(\\d{1,${variable}})` : n === fixed ? `(\\d{${fixed}})` : '');
  switch (letter) {
    case 'y':
    case 'u':
      if (n === 2) return { regex: '(\\d{2})', field: 'year2' };
      return { regex: n === 1 ? '([+-]?\\d{1,9})' : `(\\d{${n},9})`, field: 'year' };
    case 'M':
    case 'L':
      if (n === 3) return { regex: `(${MONTHS.join('|')})`, field: 'monthName' };
      if (n === 4) return { regex: `(${MONTH_NAMES.join('|')})`, field: 'monthName' };
      return n <= 2 ? { regex: digits(2, 2), field: 'month' } : 'at most 4 M';
    case 'd':
      return n <= 2 ? { regex: digits(2, 2), field: 'day' } : 'at most 2 d';
    case 'D':
      return n <= 3 ? { regex: n === 3 ? '(\\d{3})' : '(\\d{1,3})', field: 'dayOfYear' } : 'at most 3 D';
    case 'H':
      return n <= 2 ? { regex: digits(2, 2), field: 'hour' } : 'at most 2 H';
    case 'h':
      return n <= 2 ? { regex: digits(2, 2), field: 'hour12' } : 'at most 2 h';
    case 'm':
      return n <= 2 ? { regex: digits(2, 2), field: 'minute' } : 'at most 2 m';
    case 's':
      return n <= 2 ? { regex: digits(2, 2), field: 'second' } : 'at most 2 s';
    case 'S':
      return n <= 9 ? { regex: `(\\d{${n}})`, field: 'fraction' } : 'at most 9 S';
    case 'a':
      return n === 1 ? { regex: '(am|pm)', field: 'ampm' } : 'one a';
    case 'E':
      return n <= 4 ? { regex: n === 4 ? `(${DAY_NAMES.join('|')})` : `(${DAYS.join('|')})`, field: 'weekday' } : 'at most 4 E';
    case 'X':
      return n <= 3 ? { regex: n === 3 ? '(Z|[+-]\\d{2}:\\d{2})' : n === 2 ? '(Z|[+-]\\d{4})' : '(Z|[+-]\\d{2}(?:\\d{2})?)', field: 'offsetZ' } : 'at most 3 X';
    case 'x':
      return n <= 3 ? { regex: n === 3 ? '([+-]\\d{2}:\\d{2})' : n === 2 ? '([+-]\\d{4})' : '([+-]\\d{2}(?:\\d{2})?)', field: 'offset' } : 'at most 3 x';
    case 'Z':
      return n <= 3 ? { regex: '([+-]\\d{4})', field: 'offset' } : n === 5 ? { regex: '(Z|[+-]\\d{2}:\\d{2})', field: 'offsetZ' } : '1 to 3, or 5, Z';
    case 'V':
      return n === 2 ? { regex: '([A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)+|UTC|Z)', field: 'zoneId' } : 'VV';
    default:
      return `a letter Spark's JSON reader and this library both read (y u M L d D H h m s S a E X x Z VV); ${letter} is not one`;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * Compiles a Spark datetime pattern (`yyyy-MM-dd HH:mm:ss`, `dd/MM/yyyy'T'HH:mm[:ss][XXX]`) to a
 * reader. Literals in quotes (`''` is a quote), other non-letters as they are, optional sections
 * in `[...]`. Fields the pattern lacks default as Spark's (1970-01-01 00:00:00); a text without an
 * offset or zone id is read in `zone`. The whole text must match (Spark's parser does not trim).
 * Throws a `RangeError` saying what is wrong with the pattern.
 */
export function compileTimestampFormat(pattern: string, zone: Zone): TimestampReader {
  const fields: Field[] = [];
  let regex = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern.charAt(i);
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        regex += "'";
        i += 2;
        continue;
      }
      let literal = '';
      let j = i + 1;
      for (;;) {
        const q = pattern.indexOf("'", j);
        if (q < 0) throw new RangeError(`unterminated quote at position ${i}`);
        literal += pattern.slice(j, q);
        if (pattern.charAt(q + 1) === "'") {
          literal += "'";
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      regex += escapeRegex(literal);
      continue;
    }
    if (c === '[') {
      regex += '(?:';
      depth++;
      i++;
      continue;
    }
    if (c === ']') {
      if (depth === 0) throw new RangeError(`] without [ at position ${i}`);
      regex += ')?';
      depth--;
      i++;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let n = 1;
      while (pattern.charAt(i + n) === c) n++;
      const run = letterRun(c, n);
      if (typeof run === 'string') throw new RangeError(`${c.repeat(n)} at position ${i}: expected ${run}`);
      regex += run.regex;
      fields.push(run.field);
      i += n;
      continue;
    }
    if (c === '#' || c === '{' || c === '}') throw new RangeError(`${c} at position ${i} is reserved`);
    regex += escapeRegex(c);
    i++;
  }
  if (depth !== 0) throw new RangeError('[ without ]');
  if (fields.includes('hour12') !== fields.includes('ampm')) throw new RangeError('h needs a and a needs h (12-hour clock and AM/PM)');
  const re = new RegExp(`^${regex}$`, 'i');
  return (text: string): number => {
    const m = re.exec(text);
    if (m === null) return NaN;
    let year = 1970;
    let month = 1;
    let day = 1;
    let dayOfYear: number | undefined;
    let hour = 0;
    let pm: boolean | undefined;
    let minute = 0;
    let second = 0;
    let ms = 0;
    let weekday: number | undefined;
    let at: Zone = zone;
    for (let k = 0; k < fields.length; k++) {
      const v = m[k + 1];
      if (v === undefined) continue;
      switch (fields[k]) {
        case 'year':
          year = Number(v);
          break;
        case 'year2':
          year = 2000 + Number(v);
          break;
        case 'month':
          month = Number(v);
          break;
        case 'monthName': {
          const lower = v.toLowerCase();
          month = (lower.length === 3 ? MONTHS.indexOf(lower) : MONTH_NAMES.indexOf(lower)) + 1;
          break;
        }
        case 'day':
          day = Number(v);
          break;
        case 'dayOfYear':
          dayOfYear = Number(v);
          break;
        case 'hour':
          hour = Number(v);
          break;
        case 'hour12':
          hour = Number(v);
          if (hour < 1 || hour > 12) return NaN;
          break;
        case 'ampm':
          pm = v.toLowerCase() === 'pm';
          break;
        case 'minute':
          minute = Number(v);
          break;
        case 'second':
          second = Number(v);
          break;
        case 'fraction':
          ms = Number(v.slice(0, 3).padEnd(3, '0'));
          break;
        case 'weekday': {
          const lower = v.toLowerCase();
          weekday = (lower.length === 3 ? DAYS.indexOf(lower) : DAY_NAMES.indexOf(lower)) + 1;
          break;
        }
        case 'offset':
        case 'offsetZ':
          at = v.toUpperCase() === 'Z' ? luxon().FixedOffsetZone.utcInstance : (parseTimeZone(v) ?? zone);
          break;
        case 'zoneId': {
          const z = parseTimeZone(v);
          if (z === undefined) return NaN;
          at = z;
          break;
        }
      }
    }
    if (pm !== undefined) hour = (hour % 12) + (pm ? 12 : 0);
    if (dayOfYear !== undefined) {
      const start = luxon().DateTime.fromObject({ year, month: 1, day: 1 }, { zone: 'utc' }).plus({ days: dayOfYear - 1 });
      if (!start.isValid || start.year !== year) return NaN;
      month = start.month;
      day = start.day;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return NaN;
    const result = localToEpoch(at, year, month, day, hour, minute, second, ms);
    if (weekday !== undefined && !Number.isNaN(result) && luxon().DateTime.fromObject({ year, month, day }, { zone: 'utc' }).weekday !== weekday) return NaN;
    return result;
  };
}
