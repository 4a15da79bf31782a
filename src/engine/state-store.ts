import type { JsonValue } from './source.js';

/**
 * One stateful operator's state for one batch: Spark's `StateStore`. It reads version `v`
 * (the state after batches `0 … v-1`), takes this batch's changes, and becomes version `v+1`
 * when the driver commits the batch; a batch that fails is aborted and its changes dropped,
 * so a retry starts from version `v` again.
 *
 * Keys are strings (group keys) held in a `Map`, never in an object, so no key can reach a
 * prototype. Values are shared with the committed version, not copied: treat what `get` and
 * `entries` return as immutable and `put` a new value instead (an object changed in place
 * would change committed state, which `abort` cannot undo).
 */
export class StateStore<V> {
  private readonly changes = new Map<string, V>();
  private readonly removed = new Set<string>();
  private updatedCount = 0;

  /** @internal created by {@link StateStoreProvider.load} */
  constructor(
    readonly operatorId: string,
    readonly version: number,
    private readonly base: ReadonlyMap<string, V>,
  ) {}

  get(key: string): V | undefined {
    if (this.removed.has(key)) return undefined;
    return this.changes.has(key) ? this.changes.get(key) : this.base.get(key);
  }

  has(key: string): boolean {
    if (this.removed.has(key)) return false;
    return this.changes.has(key) || this.base.has(key);
  }

  put(key: string, value: V): void {
    this.removed.delete(key);
    this.changes.set(key, value);
    this.updatedCount++;
  }

  remove(key: string): void {
    if (!this.has(key)) return;
    this.changes.delete(key);
    this.removed.add(key);
  }

  /** Every live entry of this version, base first (in insertion order), then new keys. */
  *entries(): IterableIterator<[string, V]> {
    for (const [k, v] of this.base) {
      if (this.removed.has(k)) continue;
      yield [k, this.changes.has(k) ? (this.changes.get(k) as V) : v];
    }
    for (const [k, v] of this.changes) if (!this.base.has(k)) yield [k, v];
  }

  /** Live keys (Spark's numRowsTotal). */
  get numKeys(): number {
    let n = this.base.size;
    for (const k of this.changes.keys()) if (!this.base.has(k)) n++;
    for (const k of this.removed) if (this.base.has(k)) n--;
    return n;
  }

  /** Puts in this batch (Spark's numRowsUpdated). */
  get numUpdated(): number {
    return this.updatedCount;
  }

  /** Keys removed in this batch (Spark's numRowsRemoved). */
  get numRemoved(): number {
    let n = 0;
    for (const k of this.removed) if (this.base.has(k)) n++;
    return n;
  }

  /** @internal the batch's changes, for the provider's commit */
  delta(): StateDelta<V> {
    const puts: [string, V][] = [...this.changes];
    const removes: string[] = [...this.removed].filter((k) => this.base.has(k));
    return { puts, removes };
  }
}

/** One version's changes: what a delta file of Spark's HDFS-backed store holds. */
export interface StateDelta<V> {
  readonly puts: readonly (readonly [string, V])[];
  readonly removes: readonly string[];
}

/**
 * All versions of one stateful operator's state, addressed by a stable operator id (Spark's
 * `StateStoreProvider` for one operator and partition). Holds the latest committed version in
 * memory and the deltas of the last `retain` versions; the checkpoint writes them to disk.
 */
export class StateStoreProvider<V> {
  private readonly current = new Map<string, V>();
  private versionValue = 0;
  private open: StateStore<V> | undefined;
  private readonly deltas = new Map<number, StateDelta<V>>();

  constructor(
    readonly operatorId: string,
    readonly operatorName: string,
    private readonly retain = 100,
  ) {}

  /** The last committed version: the number of batches whose state changes are in. */
  get version(): number {
    return this.versionValue;
  }

  /** The store a batch works on: reads version `version`, which must be the latest committed one. */
  load(version: number): StateStore<V> {
    if (version !== this.versionValue) {
      throw new Error(`state store ${this.operatorId}: version ${version} requested, latest committed is ${this.versionValue}`);
    }
    this.open = new StateStore<V>(this.operatorId, version, this.current);
    return this.open;
  }

  /** Makes `store`'s changes version `store.version + 1`. */
  commit(store: StateStore<V>): number {
    if (store !== this.open) throw new Error(`state store ${this.operatorId}: commit of a store that is not open`);
    const delta = store.delta();
    // Applied in place: the committed map is only read through an open store, and this one is closing.
    for (const k of delta.removes) this.current.delete(k);
    for (const [k, v] of delta.puts) this.current.set(k, v);
    this.versionValue = store.version + 1;
    this.deltas.set(this.versionValue, delta);
    this.deltas.delete(this.versionValue - this.retain);
    this.open = undefined;
    return this.versionValue;
  }

  /** Drops an open store's changes (its batch failed). */
  abort(): void {
    this.open = undefined;
  }

  /** The changes that made `version`, while it is retained. */
  deltaOf(version: number): StateDelta<V> | undefined {
    return this.deltas.get(version);
  }

  /** Versions whose deltas are retained, oldest first. */
  retainedVersions(): number[] {
    return [...this.deltas.keys()].sort((a, b) => a - b);
  }

  /** The committed entries (read-only view of the latest version). */
  snapshot(): ReadonlyMap<string, V> {
    return this.current;
  }

  /** Sets the committed version and its entries (restoring from a checkpoint, before any batch). */
  restore(version: number, entries: Iterable<readonly [string, V]>): void {
    if (this.open !== undefined) throw new Error(`state store ${this.operatorId}: restore while a batch has the store open`);
    this.current.clear();
    for (const [k, v] of entries) this.current.set(k, v);
    this.versionValue = version;
    this.deltas.clear();
  }

  /** A serialisable form of the latest version, for checkpoints. */
  checkpoint(encode: (v: V) => JsonValue): JsonValue {
    return { operatorId: this.operatorId, version: this.versionValue, entries: [...this.current].map(([k, v]) => [k, encode(v)]) };
  }
}
