import type { Window } from '../schema.js';
import type { EventTimeKind } from './plan.js';

/** An event-time value as epoch ms: a timestamp itself, a window by its end (Spark compares `window.end`); null otherwise. */
export function eventTimeMs(value: unknown, kind: EventTimeKind): number | null {
  if (kind === 'timestamp') return typeof value === 'number' ? value : null;
  if (value !== null && typeof value === 'object' && typeof (value as Window).end === 'number') return (value as Window).end;
  return null;
}

/** Is an event-time value at or behind the watermark? (Spark's `WatermarkSupport`: `eventTime <= watermark`, `window.end <= watermark`.) */
export function behindWatermark(value: unknown, kind: EventTimeKind, watermarkMs: number): boolean {
  const t = eventTimeMs(value, kind);
  return t !== null && t <= watermarkMs;
}
