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
 */
export function slidingWindowStarts(t: number, sizeMs: number, slideMs: number, startTimeMs = 0): number[] {
  const last = tumblingWindowStart(t, slideMs, startTimeMs);
  const starts: number[] = [];
  for (let s = last - Math.ceil(sizeMs / slideMs - 1) * slideMs; s <= last; s += slideMs) {
    if (t < s + sizeMs) starts.push(s);
  }
  return starts;
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
