/**
 * Encodes group-by values as one string key. Types are tagged so that `null`, the string
 * "null" and the number 0 stay distinct; a window `{start, end}` is keyed by its bounds.
 */
export function groupKey(values: readonly unknown[]): string {
  let key = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) key += '\u0001';
    const v = values[i];
    if (v === null || v === undefined) key += 'z';
    else if (typeof v === 'string') key += 's' + v;
    else if (typeof v === 'number') key += 'n' + String(v);
    else if (typeof v === 'boolean') key += v ? 'T' : 'F';
    else if (typeof v === 'object' && 'start' in v && 'end' in v) key += 'w' + String(v.start) + ',' + String(v.end);
    else key += 'j' + JSON.stringify(v);
  }
  return key;
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

  get size(): number {
    return this.entries.size;
  }

  /** Adds one to the group of `values` (copied when the group is new); returns its key. */
  increment(values: readonly unknown[]): string {
    const key = groupKey(values);
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
