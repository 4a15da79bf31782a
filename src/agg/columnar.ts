/**
 * Partial aggregation of a columnar part (see `src/engine/columns.ts`): the streaming
 * aggregation's per-batch step without a row object or a string key per row.
 *
 * Each row gets a group number from its grouping columns' codes (a dictionary id, a window
 * start, a number), numbers only; each group of the part then gets its string key once
 * (`groupKey`, as the row path keys groups, so the state store and checkpoints are unchanged)
 * and its entry in the batch's partial aggregates; then every row is added to its group's
 * accumulators in row order, so the result is exactly the row path's (a floating-point sum adds
 * the same values in the same order).
 */
import type { Column, ColumnChunk } from '../engine/columns.js';
import { valueAt } from '../engine/columns.js';
import { behindWatermark } from '../engine/event-time.js';
import type { EventTimeKind, LateRow } from '../engine/plan.js';
import { groupKey } from '../group-key.js';
import type { Window } from '../schema.js';
import { countStar, type AnyCombiner } from './combiners.js';

/** One group's partial aggregate in a batch: its grouping values (of its first row) and accumulators. */
export interface PartialGroup {
  readonly values: unknown[];
  readonly accs: unknown[];
}

export interface ColumnarAggregation {
  readonly columns: readonly string[];
  /** Per aggregate, its input column (undefined: count(*)). */
  readonly inputs: readonly (string | undefined)[];
  readonly combiners: readonly AnyCombiner[];
  /** The grouping key compared with the watermark (index into `columns`), when rows can be late. */
  readonly late: { readonly keyIndex: number; readonly kind: EventTimeKind; readonly watermarkMs: number } | undefined;
}

/** The batch-wide state the row path keeps too: partial aggregates by key, late rows and their keys. */
export interface PartialState {
  readonly partial: Map<string, PartialGroup>;
  readonly late: LateRow[];
  readonly lateKeys: Set<string>;
  readonly objectKeys: WeakMap<object, string>;
}

/**
 * Scratch arrays reused from one part to the next (a part's codes and group numbers are dropped
 * once it is added), so aggregating does not allocate per part: slots 0-3 for `numberDense`,
 * 4 and up for the key columns' codes.
 */
const scratch: Int32Array[] = [];
function scratchInt32(slot: number, n: number): Int32Array {
  let a = scratch[slot];
  if (a === undefined || a.length < n) scratch[slot] = a = new Int32Array(Math.max(n, 1024));
  return a;
}

/** Largest product of two columns' cardinalities numbered with a dense table (else a Map). */
const DENSE_LIMIT = 1 << 20;

/** Group codes of one grouping column (0 .. card-1) per row, or undefined for a column kind not handled here. */
function codesOf(column: Column, n: number, slot: number): { codes: Int32Array; card: number } | undefined {
  switch (column.kind) {
    case 'dict': {
      const nullCode = column.dict.length;
      const validity = column.validity;
      if (validity === undefined) return { codes: column.ids, card: nullCode };
      const codes = scratchInt32(slot, n);
      for (let i = 0; i < n; i++) codes[i] = ((validity[i >> 3] as number) & (1 << (i & 7))) !== 0 ? (column.ids[i] as number) : nullCode;
      return { codes, card: nullCode + 1 };
    }
    case 'window': {
      // Numbered by the window step already: its index is the code.
      if (column.index !== undefined) return { codes: column.index, card: column.count };
      // Starts are on one grid: a window's code is its distance from the earliest start, in
      // windows (exact for whole milliseconds); else, or over too wide a span, numbered as numbers.
      const starts = column.starts as Float64Array;
      const size = column.sizeMs;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = starts[i] as number;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const card = (max - min) / size + 1;
      if (Number.isInteger(size) && Number.isInteger(min) && Number.isInteger(card) && card <= DENSE_LIMIT) {
        const codes = scratchInt32(slot, n);
        for (let i = 0; i < n; i++) codes[i] = ((starts[i] as number) - min) / size;
        let exact = true;
        for (let i = 0; i < n && exact; i++) exact = (codes[i] as number) * size + min === starts[i];
        if (exact) return { codes, card };
      }
      return numberCodes(starts, undefined, n);
    }
    case 'number':
      return numberCodes(column.values, column.validity, n);
    case 'values':
      return undefined;
  }
}

/** Codes of a number column (or window starts) in order of first appearance; null its own code. */
function numberCodes(values: Float64Array, validity: Uint8Array | undefined, n: number): { codes: Int32Array; card: number } {
  // Map keys compare as SameValueZero, as groupKey does for numbers ('n' + String(v): -0 is 0, NaN is NaN).
  const seen = new Map<number, number>();
  const codes = new Int32Array(n);
  let card = 0;
  let nullCode = -1;
  let last = NaN;
  let lastCode = -1;
  for (let i = 0; i < n; i++) {
    if (validity !== undefined && ((validity[i >> 3] as number) & (1 << (i & 7))) === 0) {
      if (nullCode < 0) nullCode = card++;
      codes[i] = nullCode;
      continue;
    }
    const v = values[i] as number;
    if (v === last) {
      codes[i] = lastCode;
      continue;
    }
    let c = seen.get(v);
    if (c === undefined) seen.set(v, (c = card++));
    codes[i] = c;
    last = v;
    lastCode = c;
  }
  return { codes, card };
}

/** Rows numbered by group (first appearance first), each group's first row and its number of rows. */
interface Numbered {
  readonly groups: Int32Array;
  readonly numGroups: number;
  readonly first: Int32Array;
  readonly counts: Int32Array;
}

/** One pass: each row's codes read as one number in mixed radix, looked up in a table of `product` slots. */
function numberDense(codes: readonly { codes: Int32Array; card: number }[], product: number, n: number): Numbered {
  const table = product <= 4096 ? scratchInt32(3, product).fill(-1, 0, product) : new Int32Array(product).fill(-1);
  const groups = scratchInt32(0, n);
  const first = scratchInt32(1, n);
  const counts = scratchInt32(2, n);
  let numGroups = 0;
  const k = codes.length;
  const a = codes[0]?.codes;
  const b = codes[1]?.codes;
  const cardB = codes[1]?.card ?? 1;
  for (let i = 0; i < n; i++) {
    let slot: number;
    if (k === 2) slot = (a as Int32Array)[i]! * cardB + (b as Int32Array)[i]!;
    else if (k === 1) slot = (a as Int32Array)[i]!;
    else {
      slot = 0;
      for (let c = 0; c < k; c++) slot = slot * codes[c]!.card + codes[c]!.codes[i]!;
    }
    let g = table[slot]!;
    if (g < 0) {
      table[slot] = g = numGroups++;
      first[g] = i;
      counts[g] = 0;
    }
    groups[i] = g;
    counts[g]!++;
  }
  return { groups, numGroups, first, counts };
}

/** Column by column: the running group number and the next column's code, renumbered (for key spaces too wide for one table). */
function numberFolded(codes: readonly { codes: Int32Array; card: number }[], n: number): Numbered {
  let groups = new Int32Array(n);
  let numGroups = 1;
  for (const c of codes) {
    const next = new Int32Array(n);
    let count = 0;
    const table = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const slot = groups[i]! * c.card + c.codes[i]!;
      let g = table.get(slot);
      if (g === undefined) table.set(slot, (g = count++));
      next[i] = g;
    }
    groups = next;
    numGroups = count;
  }
  const first = new Int32Array(numGroups).fill(-1);
  const counts = new Int32Array(numGroups);
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    if (first[g]! < 0) first[g] = i;
    counts[g]!++;
  }
  return { groups, numGroups, first, counts };
}

/**
 * Adds a columnar part to the batch's partial aggregates, as the row path adds its rows.
 * Returns false (having done nothing) when the part lacks a column or holds a grouping column
 * this path does not number (then the caller reads the part's rows).
 */
export function aggregateColumns(part: ColumnChunk, agg: ColumnarAggregation, state: PartialState): boolean {
  const n = part.length;
  const keyColumns: Column[] = [];
  for (const name of agg.columns) {
    const c = part.column(name);
    if (c === undefined || c.kind === 'values') return false;
    keyColumns.push(c);
  }
  const inputColumns: (Column | undefined)[] = [];
  for (const name of agg.inputs) {
    if (name === undefined) {
      inputColumns.push(undefined);
      continue;
    }
    const c = part.column(name);
    if (c === undefined) return false;
    inputColumns.push(c);
  }
  if (n === 0) return true;

  // Group numbers in order of first appearance, from the key columns' codes.
  const codes: { codes: Int32Array; card: number }[] = [];
  let product = 1;
  for (const [k, column] of keyColumns.entries()) {
    const c = codesOf(column, n, 4 + k);
    if (c === undefined) return false;
    codes.push(c);
    product *= c.card;
  }
  const numbered = product <= DENSE_LIMIT ? numberDense(codes, product, n) : numberFolded(codes, n);
  const { groups, numGroups, first, counts } = numbered;
  const entries = new Array<PartialGroup | undefined>(numGroups);
  const lateValue = new Array<unknown>(numGroups);
  const combiners = agg.combiners;
  const k = keyColumns.length;
  let anyLate = false;
  for (let g = 0; g < numGroups; g++) {
    const row = first[g] as number;
    const values = new Array<unknown>(k);
    for (let c = 0; c < k; c++) values[c] = valueAt(keyColumns[c] as Column, row);
    const key = groupKey(values, state.objectKeys);
    const late = agg.late;
    if (late !== undefined && behindWatermark(values[late.keyIndex], late.kind, late.watermarkMs)) {
      anyLate = true;
      state.lateKeys.add(key);
      lateValue[g] = values[late.keyIndex];
      continue;
    }
    let entry = state.partial.get(key);
    if (entry === undefined) {
      const accs = new Array<unknown>(combiners.length);
      for (let a = 0; a < combiners.length; a++) accs[a] = (combiners[a] as AnyCombiner).create();
      entry = { values, accs };
      state.partial.set(key, entry);
    }
    entries[g] = entry;
  }

  // The rows, in order: each late row reported, each other added to its group (counts only: the
  // rows per group, counted while they were numbered, added at once).
  const onlyCounts = combiners.every((c) => c === countStar);
  if (!onlyCounts || anyLate) {
    for (let i = 0; i < n; i++) {
      const g = groups[i] as number;
      const entry = entries[g];
      if (entry === undefined) {
        const et = lateValue[g];
        state.late.push({ row: part.row(i), windows: agg.late?.kind === 'window' ? [et as Window] : [] });
        continue;
      }
      if (onlyCounts) continue;
      const accs = entry.accs;
      for (let a = 0; a < combiners.length; a++) {
        const input = inputColumns[a];
        accs[a] = (combiners[a] as AnyCombiner).add(accs[a], input === undefined ? undefined : valueAt(input, i));
      }
    }
  }
  if (onlyCounts) {
    for (let g = 0; g < numGroups; g++) {
      const entry = entries[g];
      if (entry === undefined) continue;
      for (let a = 0; a < combiners.length; a++) entry.accs[a] = (entry.accs[a] as number) + (counts[g] as number);
    }
  }
  return true;
}
