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

/** Largest product of two columns' cardinalities numbered with a dense table (else a Map). */
const DENSE_LIMIT = 1 << 20;

/** Group codes of one grouping column (0 .. card-1) per row, or undefined for a column kind not handled here. */
function codesOf(column: Column, n: number): { codes: Int32Array; card: number } | undefined {
  switch (column.kind) {
    case 'dict': {
      const nullCode = column.dict.length;
      const validity = column.validity;
      if (validity === undefined) return { codes: column.ids, card: nullCode };
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = ((validity[i >> 3] as number) & (1 << (i & 7))) !== 0 ? (column.ids[i] as number) : nullCode;
      return { codes, card: nullCode + 1 };
    }
    case 'number':
    case 'window': {
      // Map keys compare as SameValueZero, as groupKey does for numbers ('n' + String(v): -0 is 0, NaN is NaN).
      const values = column.kind === 'number' ? column.values : column.starts;
      const validity = column.kind === 'number' ? column.validity : undefined;
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
    case 'values':
      return undefined;
  }
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

  // Group numbers in order of first appearance: each column's codes folded into the running
  // group number, renumbered densely as rows come.
  let groups = new Int32Array(n);
  let numGroups = 1; // no grouping columns: one group
  for (const column of keyColumns) {
    const c = codesOf(column, n);
    if (c === undefined) return false;
    const next = new Int32Array(n);
    let count = 0;
    if (numGroups * c.card <= DENSE_LIMIT) {
      const table = new Int32Array(numGroups * c.card).fill(-1);
      for (let i = 0; i < n; i++) {
        const slot = (groups[i] as number) * c.card + (c.codes[i] as number);
        let g = table[slot] as number;
        if (g < 0) table[slot] = g = count++;
        next[i] = g;
      }
    } else {
      const table = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const slot = (groups[i] as number) * c.card + (c.codes[i] as number);
        let g = table.get(slot);
        if (g === undefined) table.set(slot, (g = count++));
        next[i] = g;
      }
    }
    groups = next;
    numGroups = count;
  }

  // Each group's first row, its key and its entry in the batch's partial aggregates (late groups: none).
  const first = new Int32Array(numGroups).fill(-1);
  for (let i = 0; i < n; i++) if ((first[groups[i] as number] as number) < 0) first[groups[i] as number] = i;
  const entries = new Array<PartialGroup | undefined>(numGroups);
  const lateValue = new Array<unknown>(numGroups);
  const combiners = agg.combiners;
  const k = keyColumns.length;
  for (let g = 0; g < numGroups; g++) {
    const row = first[g] as number;
    const values = new Array<unknown>(k);
    for (let c = 0; c < k; c++) values[c] = valueAt(keyColumns[c] as Column, row);
    const key = groupKey(values, state.objectKeys);
    const late = agg.late;
    if (late !== undefined && behindWatermark(values[late.keyIndex], late.kind, late.watermarkMs)) {
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

  // The rows, in order: each late row reported, each other added to its group.
  const counts = new Float64Array(numGroups);
  const onlyCounts = combiners.every((c) => c === countStar);
  for (let i = 0; i < n; i++) {
    const g = groups[i] as number;
    const entry = entries[g];
    if (entry === undefined) {
      const et = lateValue[g];
      state.late.push({ row: part.row(i), windows: agg.late?.kind === 'window' ? [et as Window] : [] });
      continue;
    }
    if (onlyCounts) {
      counts[g] = (counts[g] as number) + 1;
      continue;
    }
    const accs = entry.accs;
    for (let a = 0; a < combiners.length; a++) {
      const input = inputColumns[a];
      accs[a] = (combiners[a] as AnyCombiner).add(accs[a], input === undefined ? undefined : valueAt(input, i));
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
