export type { MicroBatch } from './engine/driver.js';
export type { EventTimeStats } from './engine/batch.js';

/** A file as the file source lists it. */
export interface FileMeta {
  readonly path: string;
  /** Name relative to the source directory. */
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Anything that carries rows: a micro-batch, or an emission of a hand-made source. */
export interface RowBatch<R> {
  readonly rows: readonly R[];
}

/** The row type of a batch type. */
export type RowOfBatch<B> = B extends RowBatch<infer R> ? R : never;
