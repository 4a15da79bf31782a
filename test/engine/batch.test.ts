// The batch the steps read: chunks computed as they are read, once; rows materialised and kept.
import { Batch } from '../../src/index.js';

describe('Batch', () => {
  it('runs lazy steps chunk by chunk: a chunk goes through every step before the next chunk is made', () => {
    const log: string[] = [];
    const source = Batch.lazy(function* () {
      for (const c of [[1, 2], [3]]) {
        log.push(`make ${c.join()}`);
        yield c;
      }
    });
    const doubled = source.mapChunks((chunk) => {
      log.push(`double ${chunk.join()}`);
      return chunk.map((x) => x * 2);
    });
    const kept = doubled.filter((x) => x > 2);
    expect(log).toEqual([]); // nothing runs until the batch is read
    const seen: number[][] = [];
    for (const chunk of kept.chunks()) {
      log.push(`read ${chunk.join()}`);
      seen.push([...chunk]);
    }
    expect(seen).toEqual([[4], [6]]);
    expect(log).toEqual(['make 1,2', 'double 1,2', 'read 4', 'make 3', 'double 3', 'read 6']);
    expect(source.drain()).toBe(3); // read to the end by the steps: the rows it produced
  });

  it('is read once when lazy, and as often as wanted once materialised', () => {
    const lazy = Batch.lazy(() => [[1], [2]]);
    expect(lazy.rows).toEqual([1, 2]);
    expect(lazy.rows).toEqual([1, 2]);
    expect([...lazy.chunks()]).toEqual([[1, 2]]);
    const once = Batch.lazy(() => [[1]]);
    for (const c of once.chunks()) void c;
    expect(() => [...once.chunks()]).toThrow(/read twice/);
    expect(once.numRows).toBe(1);
  });

  it('drains a batch no step read, so a source’s counts are final', () => {
    let made = 0;
    const b = Batch.lazy(function* () {
      made++;
      yield [1, 2, 3];
    });
    expect(b.drain()).toBe(3);
    expect(made).toBe(1);
    expect(Batch.of([1, 2]).drain()).toBe(2);
  });

  it('concatenates eager batches into one array and lazy ones into one lazy batch', () => {
    expect(Batch.concat([Batch.of([1]), Batch.of([2, 3])]).rows).toEqual([1, 2, 3]);
    const lazy = Batch.concat([Batch.of([1]), Batch.lazy(() => [[2], [3]])]);
    expect([...lazy.chunks()]).toEqual([[1], [2], [3]]);
    expect(Batch.empty<number>().numRows).toBe(0);
  });
});
