/**
 * Frames as a marble test compares them: unordered rows (multisets), a log of what a query did
 * at which frame, and the comparison that shows expected and actual side by side.
 */
import { inspect } from 'node:util';
import { Observable, Subject, type SchedulerLike } from 'rxjs';

/** Compares actual and expected values and throws (or returns false) when they differ: `expect(a).toEqual(e)`, `assert.deepStrictEqual`. */
export type AssertDeepEqual = (actual: unknown, expected: unknown) => boolean | void;

const MULTISETS = new WeakSet<object>();

/** A value's key for sorting rows: a string itself, anything else its JSON with object keys sorted. */
function sortKey(v: unknown): string {
  return typeof v === 'string' ? v : stableJson(v);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Readonly<Record<string, unknown>>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? String(v));
}

function sorted<T>(items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, key: sortKey(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.item);
}

/**
 * Rows whose order does not matter (a table, what a sink received, late rows): a frozen copy the
 * kit's comparison knows. When a frame is compared, it and the expected array at the same place
 * are both sorted (strings as they are, other values by their JSON with sorted keys), so they
 * compare as multisets: in any order, each row as many times as it is there.
 */
export function multiset<T>(items: readonly T[]): readonly T[] {
  const out = Object.freeze(items.slice());
  MULTISETS.add(out);
  return out;
}

/** Is `v` an array made by {@link multiset}? */
export function isMultiset(v: unknown): boolean {
  return typeof v === 'object' && v !== null && MULTISETS.has(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A plain object's copy with the same prototype and `value(key)` for each own enumerable key. */
function copyObject(o: Record<string, unknown>, value: (key: string) => unknown): Record<string, unknown> {
  const out = Object.create(Object.getPrototypeOf(o) as object | null) as Record<string, unknown>;
  for (const k of Object.keys(o)) Object.defineProperty(out, k, { value: value(k), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Actual and expected values with every multiset of the actual one, and the expected array at the same place, sorted the same way. */
function align(actual: unknown, expected: unknown): [unknown, unknown] {
  if (isMultiset(actual) && Array.isArray(expected)) return [sorted(actual as readonly unknown[]), sorted(expected as readonly unknown[])];
  if (Array.isArray(actual) && Array.isArray(expected)) {
    const pairs = actual.map((a: unknown, i) => (i < expected.length ? align(a, expected[i]) : [a, undefined]));
    return [pairs.map((p) => p[0]), expected.map((e: unknown, i) => (i < actual.length ? (pairs[i] as [unknown, unknown])[1] : e))];
  }
  if (isPlainObject(actual) && isPlainObject(expected)) {
    const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
    return [
      copyObject(actual, (k) => (has(expected, k) ? align(actual[k], expected[k])[0] : actual[k])),
      copyObject(expected, (k) => (has(actual, k) ? align(actual[k], expected[k])[1] : expected[k])),
    ];
  }
  return [actual, expected];
}

/** One notification at one frame, as RxJS's TestScheduler records it. */
interface Message {
  readonly frame: number;
  readonly notification: { readonly kind: 'N' | 'E' | 'C'; readonly value?: unknown; readonly error?: unknown };
}

function isMessages(v: unknown): v is readonly Message[] {
  return Array.isArray(v) && v.every((m) => typeof m === 'object' && m !== null && typeof (m as Message).frame === 'number' && typeof (m as Message).notification === 'object');
}

function holds(assert: AssertDeepEqual, actual: unknown, expected: unknown): { ok: true } | { ok: false; error: unknown } {
  try {
    return assert(actual, expected) === false ? { ok: false, error: undefined } : { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A marble expectation did not hold: `frame` is the first frame where expected and actual differ. The message shows both side by side. */
export class MarbleAssertionError extends Error {
  constructor(
    message: string,
    readonly frame: number,
    readonly actual: unknown,
    readonly expected: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MarbleAssertionError';
  }
}

/**
 * The comparison a TestScheduler made by `createTestScheduler` runs: expected arrays that stand
 * where the actual frames hold a {@link multiset} are sorted the same way, then `assert`
 * decides. When it fails, the error shows expected and actual frame by frame, side by side,
 * marked where they differ.
 */
export function compareFrames(actual: unknown, expected: unknown, assert: AssertDeepEqual): void {
  if (!isMessages(actual) || !isMessages(expected)) {
    const r = holds(assert, actual, expected);
    if (!r.ok) throw r.error ?? new MarbleAssertionError('the values differ', -1, actual, expected);
    return;
  }
  // Pairs of messages at the same place and frame, both notifications: their multisets sorted alike.
  const pairs = actual.map((a, i) => {
    const m = expected[i];
    if (m === undefined || a.frame !== m.frame || a.notification.kind !== 'N' || m.notification.kind !== 'N') return undefined;
    return align(a.notification.value, m.notification.value);
  });
  const withValue = (m: Message, i: number, side: 0 | 1): Message => {
    const p = pairs[i];
    return p === undefined ? m : { frame: m.frame, notification: { ...m.notification, value: p[side] } };
  };
  const shown = actual.map((m, i) => withValue(m, i, 0));
  const aligned = expected.map((m, i) => withValue(m, i, 1));
  const whole = holds(assert, shown, aligned);
  if (whole.ok) return;
  const frames = [...new Set([...shown.map((m) => m.frame), ...aligned.map((m) => m.frame)])].sort((x, y) => x - y);
  const at = (list: readonly Message[], f: number) => list.filter((m) => m.frame === f);
  const differs = frames.filter((f) => !holds(assert, at(shown, f), at(aligned, f)).ok);
  const first = differs[0] ?? frames[0] ?? 0;
  const table = sideBySide(frames, (f) => at(aligned, f), (f) => at(shown, f), new Set(differs));
  const cause = whole.error instanceof Error ? whole.error : undefined;
  // Where the two look the same at the first difference (a class, a field the view leaves out), the runner's own words, shortened.
  const looksSame = at(aligned, first).map(show).join('\n') === at(shown, first).map(show).join('\n');
  const said = cause === undefined || !looksSame ? '' : `\n\nthey look alike at frame ${first}; the assertion said:\n${cause.message.split('\n').slice(0, 40).join('\n')}`;
  throw new MarbleAssertionError(`marble frames differ, first at frame ${first}:\n${table}${said}`, first, shown, aligned, cause === undefined ? undefined : { cause });
}

const WIDTH = 64;

function show(m: Message): string {
  const n = m.notification;
  if (n.kind === 'C') return '| (complete)';
  if (n.kind === 'E') return `# ${n.error instanceof Error ? `${n.error.name}: ${n.error.message}` : inspect(n.error, { breakLength: Infinity })}`;
  return inspect(n.value, { depth: 8, breakLength: Infinity, compact: true, maxArrayLength: 200, maxStringLength: 2000 });
}

/** Text cut into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += width) out.push(text.slice(i, i + width));
  return out.length === 0 ? [''] : out;
}

function sideBySide(frames: readonly number[], expectedAt: (f: number) => readonly Message[], actualAt: (f: number) => readonly Message[], differs: ReadonlySet<number>): string {
  const fw = Math.max(5, ...frames.map((f) => String(f).length));
  const width = Math.min(WIDTH, Math.max(9, ...frames.flatMap((f) => [...expectedAt(f), ...actualAt(f)].map((m) => show(m).length))));
  const lines = [`${'frame'.padStart(fw)}   ${'expected'.padEnd(width)} │ actual`];
  for (const f of frames) {
    const e = expectedAt(f).flatMap((m) => wrap(show(m), width));
    const a = actualAt(f).flatMap((m) => wrap(show(m), width));
    const n = Math.max(e.length, a.length, 1);
    for (let i = 0; i < n; i++) {
      const mark = i === 0 && differs.has(f) ? '✗' : ' ';
      const left = i === 0 ? String(f).padStart(fw) : ' '.repeat(fw);
      lines.push(`${left} ${mark} ${(e[i] ?? (i === 0 ? '(nothing)' : '')).padEnd(width)} │ ${a[i] ?? (i === 0 ? '(nothing)' : '')}`);
    }
  }
  return lines.join('\n');
}

/**
 * What a running query did, frame by frame, for marble expectations: a hot Observable that a
 * subscriber sees from the frame it subscribed at, including what was logged earlier in that
 * frame (an `expectObservable` set up after the query started still sees frame 0).
 */
export class FrameLog<T> {
  private readonly entries: { readonly frame: number; readonly kind: 'N' | 'E' | 'C'; readonly value?: T; readonly error?: unknown }[] = [];
  private readonly live = new Subject<T>();
  private ended = false;

  constructor(private readonly scheduler: SchedulerLike) {}

  next(value: T): void {
    if (this.ended) return;
    this.entries.push({ frame: this.scheduler.now(), kind: 'N', value });
    this.live.next(value);
  }

  error(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.entries.push({ frame: this.scheduler.now(), kind: 'E', error });
    this.live.error(error);
  }

  complete(): void {
    if (this.ended) return;
    this.ended = true;
    this.entries.push({ frame: this.scheduler.now(), kind: 'C' });
    this.live.complete();
  }

  /** Stops logging without a notification (the test stopped the query: `!`). */
  cut(): void {
    this.ended = true;
  }

  readonly observable: Observable<T> = new Observable<T>((subscriber) => {
    const now = this.scheduler.now();
    for (const e of this.entries) {
      if (e.frame !== now) continue;
      if (e.kind === 'N') subscriber.next(e.value as T);
      else if (e.kind === 'E') subscriber.error(e.error);
      else subscriber.complete();
    }
    if (this.ended) return undefined;
    return this.live.subscribe(subscriber);
  });
}
