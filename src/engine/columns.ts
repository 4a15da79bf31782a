import type { WindowCache } from '../window.js';

/**
 * Columnar chunks: how the engine carries rows between its own steps on the hot path (file
 * source → window → aggregation) without one object per row. A chunk holds typed-array
 * columns; rows are materialised from it only where a step asks for rows (a user's step, a
 * sink, anything that reads `Batch.chunks()` or `Batch.rows`), and then they are exactly the
 * rows the row path gives: the same keys in the same order, the same values.
 *
 * Column kinds (decision 0021):
 * - `number`: timestamps (epoch ms), longs, ints and doubles in a `Float64Array`;
 * - `dict`: strings, dictionary-encoded: `Int32Array` ids into the chunk's own dictionary;
 * - `window`: a tumbling window column: each row's window as a number of windows after a base
 *   start (`Int32Array`, whole milliseconds), or as its start (`Float64Array`), and one size;
 * - `values`: anything else (booleans, a corrupt-record column), one JS value per row.
 * Nulls are a validity bitmap (`validity`, bit `i` set when row `i` is not null; undefined when
 * no row is null), as Arrow's; the value under a null is meaningless.
 */
export type Column = NumberColumn | DictColumn | WindowColumn | ValuesColumn;

export interface NumberColumn {
  readonly kind: 'number';
  readonly values: Float64Array;
  readonly validity: Uint8Array | undefined;
}

export interface DictColumn {
  readonly kind: 'dict';
  readonly ids: Int32Array;
  readonly dict: readonly string[];
  readonly validity: Uint8Array | undefined;
}

export interface WindowColumn {
  readonly kind: 'window';
  /** Each row's window start; or, when undefined, `base + index[i] * sizeMs`. */
  readonly starts: Float64Array | undefined;
  /** Each row's window as a number of windows after `base` (0 .. count - 1), when `starts` is undefined. */
  readonly index: Int32Array | undefined;
  readonly base: number;
  readonly count: number;
  readonly sizeMs: number;
  /** The window objects of this column, one frozen object per start (shared, as the row path shares them within a batch). */
  readonly cache: WindowCache;
}

export interface ValuesColumn {
  readonly kind: 'values';
  readonly values: readonly unknown[];
}

/** Is row `i` of a column with this validity bitmap not null? */
export function isValid(validity: Uint8Array | undefined, i: number): boolean {
  return validity === undefined || ((validity[i >> 3] as number) & (1 << (i & 7))) !== 0;
}

/** The start of row `i`'s window. */
export function windowStart(column: WindowColumn, i: number): number {
  const starts = column.starts;
  return starts !== undefined ? (starts[i] as number) : column.base + (column.index as Int32Array)[i]! * column.sizeMs;
}

/** The value of row `i` of a column, as a row holds it. */
export function valueAt(column: Column, i: number): unknown {
  switch (column.kind) {
    case 'number':
      return isValid(column.validity, i) ? column.values[i] : null;
    case 'dict':
      return isValid(column.validity, i) ? column.dict[column.ids[i] as number] : null;
    case 'window':
      return column.cache.get(windowStart(column, i));
    case 'values':
      return column.values[i];
  }
}

type RowMaker = (columns: readonly Column[], i: number) => Record<string, unknown>;
const rowMakers = new Map<string, RowMaker>();

/**
 * A function that builds row `i` as an object literal with the columns' names in order (one
 * compiled per list of names, as `ColumnAdder` does, so V8 sees one shape). Names are JSON-quoted
 * in the source, so any name is a safe property literal; `__proto__` is defined as an own field.
 */
function rowMaker(names: readonly string[]): RowMaker {
  const key = JSON.stringify(names);
  let make = rowMakers.get(key);
  if (make !== undefined) return make;
  if (names.includes('__proto__')) {
    make = (columns, i) => {
      const row: Record<string, unknown> = {};
      names.forEach((name, c) => Object.defineProperty(row, name, { value: valueAt(columns[c] as Column, i), enumerable: true, writable: true, configurable: true }));
      return row;
    };
  } else {
    const props = names.map((n, c) => `${JSON.stringify(n)}: v(c[${c}], i)`);
    make = new Function('v', `return (c, i) => ({ ${props.join(', ')} });`)(valueAt) as RowMaker;
  }
  if (rowMakers.size < 256) rowMakers.set(key, make);
  return make;
}

/**
 * A chunk of rows held as columns, in the order the rows' keys come. Immutable: `with` and
 * `select` give new chunks that share the columns they do not change.
 */
export class ColumnChunk {
  private readonly index = new Map<string, number>();

  constructor(
    readonly length: number,
    readonly names: readonly string[],
    readonly columns: readonly Column[],
  ) {
    names.forEach((n, i) => this.index.set(n, i));
  }

  column(name: string): Column | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.columns[i];
  }

  /** The rows as objects (new ones each call). */
  rows(): Record<string, unknown>[] {
    const make = rowMaker(this.names);
    const out = new Array<Record<string, unknown>>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = make(this.columns, i);
    return out;
  }

  /** Row `i` as an object. */
  row(i: number): Record<string, unknown> {
    return rowMaker(this.names)(this.columns, i);
  }

  /** This chunk with `column` added as `name`, the last column (replacing one of that name, as `withColumn`: the key then moves last). */
  with(name: string, column: Column): ColumnChunk {
    const names: string[] = [];
    const columns: Column[] = [];
    this.names.forEach((n, i) => {
      if (n === name) return;
      names.push(n);
      columns.push(this.columns[i] as Column);
    });
    names.push(name);
    columns.push(column);
    return new ColumnChunk(this.length, names, columns);
  }

  /** The rows at `rows[0..n)` (in that order; a row may repeat). */
  select(rows: Int32Array, n: number): ColumnChunk {
    return new ColumnChunk(n, this.names, this.columns.map((c) => selectColumn(c, rows, n)));
  }
}

export function isColumnChunk(part: unknown): part is ColumnChunk {
  return part instanceof ColumnChunk;
}

function selectValidity(validity: Uint8Array | undefined, rows: Int32Array, n: number): Uint8Array | undefined {
  if (validity === undefined) return undefined;
  const out = new Uint8Array((n + 7) >> 3);
  for (let k = 0; k < n; k++) if (isValid(validity, rows[k] as number)) out[k >> 3] = (out[k >> 3] as number) | (1 << (k & 7));
  return out;
}

function selectColumn(c: Column, rows: Int32Array, n: number): Column {
  switch (c.kind) {
    case 'number': {
      const values = new Float64Array(n);
      for (let k = 0; k < n; k++) values[k] = c.values[rows[k] as number] as number;
      return { kind: 'number', values, validity: selectValidity(c.validity, rows, n) };
    }
    case 'dict': {
      const ids = new Int32Array(n);
      for (let k = 0; k < n; k++) ids[k] = c.ids[rows[k] as number] as number;
      return { kind: 'dict', ids, dict: c.dict, validity: selectValidity(c.validity, rows, n) };
    }
    case 'window': {
      if (c.index !== undefined) {
        const index = new Int32Array(n);
        for (let k = 0; k < n; k++) index[k] = c.index[rows[k] as number] as number;
        return { ...c, index };
      }
      const starts = new Float64Array(n);
      for (let k = 0; k < n; k++) starts[k] = windowStart(c, rows[k] as number);
      return { ...c, starts };
    }
    case 'values': {
      const values = new Array<unknown>(n);
      for (let k = 0; k < n; k++) values[k] = c.values[rows[k] as number];
      return { kind: 'values', values };
    }
  }
}
