import type { Window } from './schema.js';

/**
 * The start of the tumbling window that holds `t`: Spark's rule, windows `[start, end)`
 * aligned to the epoch plus `startTimeMs`, computed with a floor modulo so that times before
 * 1970 land in the right window (SPARK-39347: a truncating `%` put them one window late).
 * All arguments in milliseconds.
 */
export function tumblingWindowStart(t: number, sizeMs: number, startTimeMs = 0): number {
  const offset = (t - startTimeMs) % sizeMs;
  return t - (offset < 0 ? offset + sizeMs : offset);
}

/**
 * The sliding windows that hold `t`, earliest first: every `[start, start + sizeMs)` with start
 * on the grid `startTimeMs + k * slideMs` and `start <= t < start + sizeMs` (Spark's
 * `window(time, size, slide, startTime)`). With `slideMs === sizeMs` this is the one tumbling window.
 *
 * Computed as Spark's `TimeWindowing` rule does: `lastStart` is the latest grid start at or
 * before `t` (floor modulo, so times before 1970 and a negative `startTime` work), the windows
 * are `lastStart - i * slideMs`, and the ones with `t < start + sizeMs` are kept.
 */
export function slidingWindowStarts(t: number, sizeMs: number, slideMs: number, startTimeMs = 0): number[] {
  const last = tumblingWindowStart(t, slideMs, startTimeMs);
  const n = slidingWindowCount(t, last, sizeMs, slideMs);
  const starts = new Array<number>(n);
  for (let i = 0; i < n; i++) starts[i] = last - (n - 1 - i) * slideMs;
  return starts;
}

/**
 * How many sliding windows hold `t`, given `lastStart = tumblingWindowStart(t, slideMs, startTimeMs)`:
 * the windows are `lastStart - i * slideMs` for `i < count`, those with `t < start + sizeMs`
 * (Spark's filter `time < window.end`; `start <= t` holds for all of them). Spark over-estimates
 * with `ceil(size / slide)` windows and filters; this starts from that estimate and corrects it
 * in both directions, so a quotient rounded by floating point never loses or adds a window.
 */
export function slidingWindowCount(t: number, lastStart: number, sizeMs: number, slideMs: number): number {
  if (!(t < lastStart + sizeMs)) return 0; // only when slideMs > sizeMs (gaps between windows), which slidingWindow refuses
  let i = Math.max(0, Math.ceil(sizeMs / slideMs) - 1); // the index of the earliest candidate
  while (i > 0 && !(t < lastStart - i * slideMs + sizeMs)) i--;
  while (t < lastStart - (i + 1) * slideMs + sizeMs) i++;
  return i + 1;
}

/** Shares one frozen window object per start within a batch, so rows do not each allocate one. */
export class WindowCache {
  private readonly windows = new Map<number, Window>();
  constructor(private readonly sizeMs: number) {}
  get(start: number): Window {
    let w = this.windows.get(start);
    if (w === undefined) {
      w = Object.freeze({ start, end: start + this.sizeMs });
      this.windows.set(start, w);
    }
    return w;
  }
}
