/**
 * Encodes group-by values as one string key. Types are tagged so that `null`, the string
 * "null" and the number 0 stay distinct; a window `{start, end}` is keyed by its bounds.
 * Columns are joined by U+0001; a string holding that character is quoted, so it cannot forge a column boundary.
 */
export function groupKey(values: readonly unknown[], objectKeys?: WeakMap<object, string>): string {
  let key = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) key += '\u0001';
    const v = values[i];
    if (v === null || v === undefined) key += 'z';
    // A string holding the separator is quoted (tag 'S'); the common case stays a plain concatenation.
    else if (typeof v === 'string') key += v.indexOf('\u0001') === -1 ? 's' + v : 'S' + JSON.stringify(v);
    else if (typeof v === 'number') key += 'n' + String(v);
    else if (typeof v === 'boolean') key += v ? 'T' : 'F';
    else if (typeof v === 'object') key += objectKey(v, objectKeys);
    else key += 'j' + JSON.stringify(v);
  }
  return key;
}

function objectKey(v: object, memo: WeakMap<object, string> | undefined): string {
  let k = memo?.get(v);
  if (k === undefined) {
    k = 'start' in v && 'end' in v ? 'w' + String(v.start) + ',' + String(v.end) : 'j' + JSON.stringify(v);
    memo?.set(v, k);
  }
  return k;
}

/** One group's entry: the group-by values (as first seen) and the running count. */
export interface CountEntry {
  readonly values: readonly unknown[];
  count: number;
}

/**
 * The state store of a running count: one entry per group, across all triggers. It is the
 * aggregation's only state, so it is what a checkpoint saves and restores.
 */
export class CountStateStore {
  private readonly entries = new Map<string, CountEntry>();
  /** Keys of shared immutable values (a batch's window objects), computed once per object. */
  private readonly objectKeys = new WeakMap<object, string>();

  get size(): number {
    return this.entries.size;
  }

  /** Adds one to the group of `values` (copied when the group is new); returns its key. */
  increment(values: readonly unknown[]): string {
    const key = groupKey(values, this.objectKeys);
    const e = this.entries.get(key);
    if (e === undefined) this.entries.set(key, { values: values.slice(), count: 1 });
    else e.count++;
    return key;
  }

  get(key: string): CountEntry | undefined {
    return this.entries.get(key);
  }

  /** All entries, in first-seen order. */
  all(): IterableIterator<CountEntry> {
    return this.entries.values();
  }

  /** A plain copy, for checkpoints. */
  toJSON(): { values: readonly unknown[]; count: number }[] {
    return [...this.entries.values()].map((e) => ({ values: e.values, count: e.count }));
  }

  /** Restores from `toJSON()` output. */
  static fromJSON(data: readonly { values: readonly unknown[]; count: number }[]): CountStateStore {
    const store = new CountStateStore();
    for (const d of data) store.entries.set(groupKey(d.values), { values: d.values, count: d.count });
    return store;
  }
}
