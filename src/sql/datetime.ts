import type { DateTime } from 'luxon';
import { luxon } from '../lazy-dependencies.js';

/**
 * Spark's datetime patterns (the letters of `date_format`), formatted with luxon in an explicit
 * zone, never the machine's. Text (month and day names, AM/PM) is English, as Spark's default
 * Locale.US. Week-based letters (Y w W u e c) are refused as Spark 3 refuses them.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const QUARTER_ORDINALS = ['1st', '2nd', '3rd', '4th'];

/** A pattern the formatter cannot use; the caller turns it into a typed SQL error. */
export class DatetimePatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`${reason} in datetime pattern ${JSON.stringify(pattern)}`);
  }
}

type Part = string | ((dt: DateTime) => string);

function pad(value: number, width: number): string {
  const s = String(Math.abs(value)).padStart(width, '0');
  return value < 0 ? `-${s}` : s;
}

function at<T>(list: readonly T[], index: number): T {
  const v = list[index];
  if (v === undefined) throw new RangeError(`index ${index} out of range`);
  return v;
}

function offsetText(minutes: number, withColon: boolean, optionalMinutes: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = pad(Math.floor(abs / 60), 2);
  const mm = pad(abs % 60, 2);
  if (optionalMinutes && abs % 60 === 0) return `${sign}${hh}`;
  return withColon ? `${sign}${hh}:${mm}` : `${sign}${hh}${mm}`;
}

function localizedOffset(minutes: number, full: boolean): string {
  if (minutes === 0) return 'GMT';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  if (full) return `GMT${sign}${pad(h, 2)}:${pad(m, 2)}`;
  return m === 0 ? `GMT${sign}${h}` : `GMT${sign}${h}:${pad(m, 2)}`;
}

function letterPart(pattern: string, letter: string, n: number): Part {
  const tooMany = (): never => {
    throw new DatetimePatternError(pattern, `too many pattern letters: ${letter.repeat(n)}`);
  };
  const number = (get: (dt: DateTime) => number, max: number): Part => {
    if (n > max) tooMany();
    return (dt) => pad(get(dt), n);
  };
  switch (letter) {
    case 'G':
      if (n <= 3) return (dt) => (dt.year > 0 ? 'AD' : 'BC');
      if (n === 4) return (dt) => (dt.year > 0 ? 'Anno Domini' : 'Before Christ');
      if (n === 5) return (dt) => (dt.year > 0 ? 'A' : 'B');
      return tooMany();
    case 'y': {
      const yearOfEra = (dt: DateTime): number => (dt.year > 0 ? dt.year : 1 - dt.year);
      if (n === 2) return (dt) => pad(yearOfEra(dt) % 100, 2);
      return (dt) => pad(yearOfEra(dt), n);
    }
    case 'D':
      return number((dt) => dt.ordinal, 3);
    case 'M':
    case 'L':
      if (n <= 2) return (dt) => pad(dt.month, n);
      if (n === 3) return (dt) => at(MONTHS, dt.month - 1).slice(0, 3);
      if (n === 4) return (dt) => at(MONTHS, dt.month - 1);
      if (n === 5) return (dt) => at(MONTHS, dt.month - 1).slice(0, 1);
      return tooMany();
    case 'd':
      return number((dt) => dt.day, 2);
    case 'Q':
    case 'q':
      if (n <= 2) return (dt) => pad(dt.quarter, n);
      if (n === 3) return (dt) => `Q${dt.quarter}`;
      if (n === 4) return (dt) => `${at(QUARTER_ORDINALS, dt.quarter - 1)} quarter`;
      if (n === 5) return (dt) => String(dt.quarter);
      return tooMany();
    case 'E':
      if (n <= 3) return (dt) => at(DAYS, dt.weekday - 1).slice(0, 3);
      if (n === 4) return (dt) => at(DAYS, dt.weekday - 1);
      if (n === 5) return (dt) => at(DAYS, dt.weekday - 1).slice(0, 1);
      return tooMany();
    case 'a':
      if (n > 1) tooMany();
      return (dt) => (dt.hour < 12 ? 'AM' : 'PM');
    case 'h':
      return number((dt) => (dt.hour % 12 === 0 ? 12 : dt.hour % 12), 2);
    case 'K':
      return number((dt) => dt.hour % 12, 2);
    case 'k':
      return number((dt) => (dt.hour === 0 ? 24 : dt.hour), 2);
    case 'H':
      return number((dt) => dt.hour, 2);
    case 'm':
      return number((dt) => dt.minute, 2);
    case 's':
      return number((dt) => dt.second, 2);
    case 'S':
      if (n > 9) tooMany();
      return (dt) => `${pad(dt.millisecond, 3)}000000`.slice(0, n);
    case 'V':
      if (n !== 2) throw new DatetimePatternError(pattern, 'pattern letter count must be 2: V');
      return (dt) => dt.zoneName ?? 'UTC';
    case 'z':
      if (n <= 3) return (dt) => (dt.offset === 0 && dt.zoneName === 'UTC' ? 'UTC' : (dt.offsetNameShort ?? localizedOffset(dt.offset, false)));
      if (n === 4) return (dt) => (dt.zoneName === 'UTC' ? 'Coordinated Universal Time' : (dt.offsetNameLong ?? localizedOffset(dt.offset, true)));
      return tooMany();
    case 'O':
      if (n === 1) return (dt) => localizedOffset(dt.offset, false);
      if (n === 4) return (dt) => localizedOffset(dt.offset, true);
      throw new DatetimePatternError(pattern, 'pattern letter count must be 1 or 4: O');
    case 'X':
    case 'x': {
      if (n > 5) tooMany();
      const zeroAsZ = letter === 'X';
      return (dt) => {
        if (zeroAsZ && dt.offset === 0) return 'Z';
        if (n === 1) return offsetText(dt.offset, false, true);
        return offsetText(dt.offset, n === 3 || n === 5, false);
      };
    }
    case 'Z':
      if (n <= 3) return (dt) => offsetText(dt.offset, false, false);
      if (n === 4) return (dt) => localizedOffset(dt.offset, true);
      if (n === 5) return (dt) => (dt.offset === 0 ? 'Z' : offsetText(dt.offset, true, false));
      return tooMany();
    case 'Y':
    case 'w':
    case 'W':
    case 'u':
    case 'e':
    case 'c':
      throw new DatetimePatternError(pattern, `week-based pattern letter ${letter} is unsupported (as in Spark 3)`);
    default:
      throw new DatetimePatternError(pattern, `unknown pattern letter ${letter}`);
  }
}

function compilePattern(pattern: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === "'") {
      if (pattern.charAt(i + 1) === "'") {
        parts.push("'");
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw new DatetimePatternError(pattern, 'unterminated quoted text');
        const d = pattern.charAt(j);
        if (d === "'") {
          if (pattern.charAt(j + 1) === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += d;
        j += 1;
      }
      parts.push(text);
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let n = 1;
      while (pattern.charAt(i + n) === c) n += 1;
      parts.push(letterPart(pattern, c, n));
      i += n;
    } else if (c === '[' || c === ']') {
      // Optional sections: when formatting, their content is always printed.
      i += 1;
    } else if (c === '{' || c === '}' || c === '#') {
      throw new DatetimePatternError(pattern, `reserved character ${c}`);
    } else {
      parts.push(c);
      i += 1;
    }
  }
  return parts;
}

const compiled = new Map<string, Part[]>();

/** Checks a pattern eagerly (so a literal pattern fails when the statement is compiled). */
export function compileDatetimePattern(pattern: string): (epochMs: number, zone: string) => string {
  let parts = compiled.get(pattern);
  if (parts === undefined) {
    parts = compilePattern(pattern);
    if (compiled.size > 256) compiled.clear();
    compiled.set(pattern, parts);
  }
  const fixed = parts;
  return (epochMs, zone) => {
    const dt = luxon().DateTime.fromMillis(epochMs, { zone });
    let out = '';
    for (const part of fixed) out += typeof part === 'string' ? part : part(dt);
    return out;
  };
}

export function isValidZone(zone: string): boolean {
  return zone === 'UTC' || luxon().IANAZone.isValidZone(zone);
}

/** A timestamp as Spark's CAST(ts AS STRING): `yyyy-MM-dd HH:mm:ss[.fraction]`, in `zone`. */
export function timestampToString(epochMs: number, zone: string): string {
  const dt = luxon().DateTime.fromMillis(epochMs, { zone });
  const base = `${pad(dt.year, 4)}-${pad(dt.month, 2)}-${pad(dt.day, 2)} ${pad(dt.hour, 2)}:${pad(dt.minute, 2)}:${pad(dt.second, 2)}`;
  if (dt.millisecond === 0) return base;
  return `${base}.${pad(dt.millisecond, 3).replace(/0+$/, '')}`;
}

/**
 * Spark's CAST(string AS TIMESTAMP): `yyyy[-MM[-dd[( |T)HH:mm[:ss[.fraction]]]]][zone]`, read in
 * `zone` unless the text carries its own offset. Returns null for text that is not a timestamp.
 */
export function parseTimestamp(text: string, zone: string): number | null {
  const s = text.trim();
  const m = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m === null) return null;
  const num = (v: string | undefined, dflt: number): number => (v === undefined ? dflt : Number(v));
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  let target = zone;
  const suffix = m[8];
  if (suffix !== undefined) {
    target = suffix === 'Z' || suffix === 'UTC' ? 'UTC' : `UTC${suffix.length === 5 ? `${suffix.slice(0, 3)}:${suffix.slice(3)}` : suffix}`;
  }
  const dt = luxon().DateTime.fromObject(
    {
      year: num(m[1], 1970),
      month: num(m[2], 1),
      day: num(m[3], 1),
      hour: num(m[4], 0),
      minute: num(m[5], 0),
      second: num(m[6], 0),
      millisecond: Math.floor(fraction * 1000),
    },
    { zone: target },
  );
  return dt.isValid ? dt.toMillis() : null;
}

/** A field of a timestamp in `zone` (for year(), hour() ...). */
export function timestampField(epochMs: number, zone: string, field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'): number {
  return luxon().DateTime.fromMillis(epochMs, { zone })[field];
}
