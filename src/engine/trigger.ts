import { parseDurationMs, type DurationLike } from '../duration.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * When micro-batches start, as Spark's `Trigger`:
 * - `'default'` (or `'0 seconds'`): the next batch starts as soon as the previous one is done and data is there;
 * - a duration (`'5 seconds'`, or milliseconds): `Trigger.ProcessingTime`, batches start on multiples of the interval;
 * - `'once'`: `Trigger.Once`, everything available at start in one batch, then complete;
 * - `'availableNow'`: `Trigger.AvailableNow`, everything available at start, `n` files per batch, then complete.
 */
export type TriggerSpec = 'default' | 'once' | 'availableNow' | DurationLike;

export type Trigger =
  | { readonly kind: 'default' }
  | { readonly kind: 'once' }
  | { readonly kind: 'availableNow' }
  | { readonly kind: 'processingTime'; readonly intervalMs: number };

export const DEFAULT_TRIGGER: Trigger = { kind: 'default' };

/** Parses a trigger option; throws `InvalidArgumentError` naming `operator` and `trigger`. */
export function parseTrigger(spec: TriggerSpec, operator: string): Trigger {
  if (spec === 'default') return { kind: 'default' };
  if (spec === 'once') return { kind: 'once' };
  if (spec === 'availableNow' || spec === 'available-now') return { kind: 'availableNow' };
  const ms = parseDurationMs(spec);
  if (ms === undefined || ms < 0) {
    throw new InvalidArgumentError(operator, 'trigger', spec, "'default', 'once', 'availableNow' or a processing-time interval such as '5 seconds'");
  }
  return ms === 0 ? { kind: 'default' } : { kind: 'processingTime', intervalMs: ms };
}
