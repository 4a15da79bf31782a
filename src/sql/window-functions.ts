/**
 * Window functions (`... OVER (PARTITION BY ... ORDER BY ... ROWS|RANGE ...)`), evaluated over
 * the rows of a SELECT once they are all known (after WHERE, GROUP BY and HAVING), as Spark's
 * Window operator does. Aggregates over a frame use the combiners of src/agg.
 */
import { combinerFor } from '../agg/combiners.js';
import type { FrameBound } from './ast.js';
import type { CompiledSort, Ctx, WindowCall } from './compile.js';
import { compareValues, toNumber, tupleKey } from './values.js';

/** Spark's sort order of two values of one key: nulls first or last as asked, then ascending or descending. */
export function compareSortValues(a: unknown, b: unknown, descending: boolean, nullsFirst: boolean): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === nullsFirst ? -1 : 1;
  }
  const c = compareValues(a, b);
  return descending ? -c : c;
}

function compareKeys(a: readonly unknown[], b: readonly unknown[], order: readonly CompiledSort[]): number {
  for (let k = 0; k < order.length; k += 1) {
    const o = order[k] as CompiledSort;
    const c = compareSortValues(a[k] ?? null, b[k] ?? null, o.descending, o.nullsFirst);
    if (c !== 0) return c;
  }
  return 0;
}

interface Row {
  readonly ctx: Ctx;
  readonly keys: readonly unknown[];
}

/** Fills `ctx.win[index]` of every row with the value of window call `index`. */
export function computeWindows(ctxs: readonly Ctx[], calls: readonly WindowCall[]): void {
  calls.forEach((call, index) => {
    const partitions = new Map<string, Row[]>();
    for (const ctx of ctxs) {
      const id = tupleKey(call.partitionBy.map((p) => p.eval(ctx)));
      let part = partitions.get(id);
      if (part === undefined) {
        part = [];
        partitions.set(id, part);
      }
      part.push({ ctx, keys: call.orderBy.map((o) => o.expr.eval(ctx)) });
    }
    for (const part of partitions.values()) {
      if (call.orderBy.length > 0) part.sort((a, b) => compareKeys(a.keys, b.keys, call.orderBy));
      computePartition(part, call, index);
    }
  });
}

/** For each row, the index of the first and the last row of its peer group (equal ORDER BY keys). */
function peerBounds(part: readonly Row[], call: WindowCall): { first: number[]; last: number[] } {
  const first: number[] = new Array<number>(part.length);
  const last: number[] = new Array<number>(part.length);
  let start = 0;
  for (let i = 0; i < part.length; i += 1) {
    if (i > 0 && compareKeys((part[i - 1] as Row).keys, (part[i] as Row).keys, call.orderBy) !== 0) start = i;
    first[i] = start;
  }
  let end = part.length - 1;
  for (let i = part.length - 1; i >= 0; i -= 1) {
    if (i < part.length - 1 && compareKeys((part[i + 1] as Row).keys, (part[i] as Row).keys, call.orderBy) !== 0) end = i;
    last[i] = end;
  }
  return { first, last };
}

/**
 * The frame of row i as [lo, hi] (inclusive; empty when lo > hi). Without a frame: the whole
 * partition without ORDER BY, else RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (Spark's default).
 */
function frameOf(part: readonly Row[], call: WindowCall, peers: { first: number[]; last: number[] }, i: number): [number, number] {
  const n = part.length;
  const frame = call.frame;
  if (frame === null) return call.orderBy.length === 0 ? [0, n - 1] : [0, peers.last[i] as number];
  const bound = (b: FrameBound, offset: number | null, isStart: boolean): number => {
    switch (b.kind) {
      case 'unboundedPreceding':
        return 0;
      case 'unboundedFollowing':
        return n - 1;
      case 'currentRow':
        if (frame.unit === 'rows') return i;
        return isStart ? (peers.first[i] as number) : (peers.last[i] as number);
      default: {
        const off = offset ?? 0;
        if (frame.unit === 'rows') return i + off;
        return rangeBound(part, call, peers, i, off, isStart);
      }
    }
  };
  const lo = Math.max(0, bound(frame.start, call.frameOffsets.start, true));
  const hi = Math.min(n - 1, bound(frame.end, call.frameOffsets.end, false));
  return [lo, hi];
}

/**
 * A RANGE bound with an offset: the first (start) or last (end) row whose single ORDER BY key is
 * within `offset` of row i's (toward the end of the sort for a positive offset, so a descending
 * key counts down). Rows whose key is null are each other's peers.
 */
function rangeBound(part: readonly Row[], call: WindowCall, peers: { first: number[]; last: number[] }, i: number, offset: number, isStart: boolean): number {
  const key = (part[i] as Row).keys[0];
  if (key === null || key === undefined) return isStart ? (peers.first[i] as number) : (peers.last[i] as number);
  const descending = (call.orderBy[0] as CompiledSort).descending;
  const v = toNumber(key) as number;
  const target = descending ? v - offset : v + offset;
  const within = (j: number): boolean => {
    const k = (part[j] as Row).keys[0];
    if (k === null || k === undefined) return false;
    const x = toNumber(k) as number;
    return isStart ? (descending ? x <= target : x >= target) : descending ? x >= target : x <= target;
  };
  if (isStart) {
    for (let j = 0; j < part.length; j += 1) if (within(j)) return j;
    return part.length;
  }
  for (let j = part.length - 1; j >= 0; j -= 1) if (within(j)) return j;
  return -1;
}

function computePartition(part: readonly Row[], call: WindowCall, index: number): void {
  const n = part.length;
  const set = (i: number, v: unknown): void => {
    (part[i] as Row).ctx.win[index] = v;
  };
  const needsPeers = call.orderBy.length > 0;
  const peers = needsPeers ? peerBounds(part, call) : { first: [], last: [] };
  switch (call.fn) {
    case 'row_number':
      for (let i = 0; i < n; i += 1) set(i, i + 1);
      return;
    case 'rank':
      for (let i = 0; i < n; i += 1) set(i, (peers.first[i] as number) + 1);
      return;
    case 'dense_rank': {
      let rank = 0;
      for (let i = 0; i < n; i += 1) {
        if (peers.first[i] === i) rank += 1;
        set(i, rank);
      }
      return;
    }
    case 'percent_rank':
      for (let i = 0; i < n; i += 1) set(i, n <= 1 ? 0 : (peers.first[i] as number) / (n - 1));
      return;
    case 'cume_dist':
      for (let i = 0; i < n; i += 1) set(i, ((peers.last[i] as number) + 1) / n);
      return;
    case 'ntile': {
      // Spark's NTile: n rows in k buckets, the first n % k buckets one row larger.
      const k = (call.args[0] as { eval: (c: Ctx) => unknown }).eval((part[0] as Row).ctx) as number;
      const size = Math.floor(n / k);
      const extra = n % k;
      for (let i = 0; i < n; i += 1) {
        const big = extra * (size + 1);
        set(i, i < big ? Math.floor(i / (size + 1)) + 1 : extra + Math.floor((i - big) / Math.max(size, 1)) + 1);
      }
      return;
    }
    case 'lag':
    case 'lead': {
      const [value, offsetExpr, dflt] = call.args;
      if (value === undefined) return;
      const offset = offsetExpr === undefined ? 1 : (offsetExpr.eval((part[0] as Row).ctx) as number);
      const step = call.fn === 'lag' ? -offset : offset;
      for (let i = 0; i < n; i += 1) {
        const j = i + step;
        const row = (part[i] as Row).ctx;
        set(i, j >= 0 && j < n ? value.eval((part[j] as Row).ctx) : dflt === undefined ? null : dflt.eval(row));
      }
      return;
    }
    case 'first_value':
    case 'last_value': {
      const value = call.args[0];
      if (value === undefined) return;
      for (let i = 0; i < n; i += 1) {
        const [lo, hi] = frameOf(part, call, peers, i);
        set(i, lo > hi ? null : value.eval((part[call.fn === 'first_value' ? lo : hi] as Row).ctx));
      }
      return;
    }
    default:
      aggregateOverFrames(part, call, peers, set);
  }
}

function aggregateOverFrames(part: readonly Row[], call: WindowCall, peers: { first: number[]; last: number[] }, set: (i: number, v: unknown) => void): void {
  const first = call.args[0];
  const type = first === undefined || first.type === 'null' || first.type === 'float' || first.type === 'decimal' ? undefined : first.type;
  const combiner = combinerFor(call.fn as 'count' | 'sum' | 'avg' | 'min' | 'max', type, { star: call.star });
  const args = call.args;
  const input = (ctx: Ctx): unknown => {
    if (call.star) return undefined;
    if (args.length === 1) return (args[0] as { eval: (c: Ctx) => unknown }).eval(ctx);
    const values = args.map((a) => a.eval(ctx));
    return values.some((x) => x === null) ? null : values[0];
  };
  const n = part.length;
  const values = part.map((r) => input(r.ctx));
  const runningFromStart = call.frame === null || call.frame.start.kind === 'unboundedPreceding';
  if (runningFromStart) {
    // The frame starts at the partition's first row and its end never moves back: add rows as it grows.
    let acc = combiner.create();
    let added = -1;
    for (let i = 0; i < n; i += 1) {
      const [, hi] = frameOf(part, call, peers, i);
      while (added < hi) {
        added += 1;
        acc = combiner.add(acc, values[added]);
      }
      set(i, combiner.result(acc));
    }
    return;
  }
  for (let i = 0; i < n; i += 1) {
    const [lo, hi] = frameOf(part, call, peers, i);
    let acc = combiner.create();
    for (let j = lo; j <= hi; j += 1) acc = combiner.add(acc, values[j]);
    set(i, combiner.result(acc));
  }
}
