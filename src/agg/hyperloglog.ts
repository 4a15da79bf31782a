/**
 * A small HyperLogLog (Flajolet et al. 2007: raw estimate, linear counting for the small range) for
 * `approx_count_distinct`: `2^p` one-byte registers, a 64-bit hash made of two 32-bit
 * MurmurHash3-style lanes computed in one pass (lane 1 picks the register, lane 2's leading
 * zeros are the rank), so adding a number or a string allocates nothing.
 *
 * Precision from Spark's relative standard deviation: `p = ceil(2 * log2(1.106 / relativeSD))`,
 * so Spark's default 0.05 gives p = 9 (512 registers). Measured errors are in
 * docs/decisions/0012-aggregation.md and test/agg/hyperloglog.test.ts.
 */

/** Spark's precision for a relative standard deviation (`HyperLogLogPlusPlusHelper`). */
export function precisionFor(relativeSD: number): number {
  if (!(relativeSD > 0 && relativeSD <= 0.39)) throw new RangeError(`relativeSD must be in (0, 0.39], got ${relativeSD}`);
  const p = Math.ceil(2 * Math.log2(1.106 / relativeSD));
  return Math.max(4, Math.min(18, p));
}

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);
let lane1 = 0;
let lane2 = 0;

function mixK(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function step(k: number): void {
  const m = mixK(k);
  lane1 ^= m;
  lane1 = (lane1 << 13) | (lane1 >>> 19);
  lane1 = (Math.imul(lane1, 5) + 0xe6546b64) | 0;
  // Lane 2 sees the word rotated and offset, so the lanes are independent hashes.
  lane2 ^= mixK((k << 7) | (k >>> 25)) ^ 0x5bd1e995;
  lane2 = (lane2 << 17) | (lane2 >>> 15);
  lane2 = (Math.imul(lane2, 5) + 0x1b873593) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a value into `lane1`, `lane2` (two 32-bit hashes). Equal values (by Spark's grouping) hash equal: -0 is 0, every NaN one NaN. */
function hashValue(value: unknown): void {
  lane1 = 0x9747b28c;
  lane2 = 0x3c6ef372;
  let length: number;
  if (typeof value === 'number') {
    scratch[0] = Number.isNaN(value) ? NaN : value === 0 ? 0 : value;
    step(1); // type tag
    step(scratchWords[0] as number);
    step(scratchWords[1] as number);
    length = 12;
  } else if (typeof value === 'string') {
    step(2);
    const n = value.length;
    let i = 0;
    for (; i + 1 < n; i += 2) step(value.charCodeAt(i) | (value.charCodeAt(i + 1) << 16));
    if (i < n) step(value.charCodeAt(i));
    length = 4 + n * 2;
  } else if (typeof value === 'boolean') {
    step(3);
    step(value ? 1 : 0);
    length = 8;
  } else {
    // Windows, arrays: by their JSON text (rare; allocates).
    const text = JSON.stringify(value) ?? String(value);
    hashValue(text);
    step(4);
    length = 0;
  }
  lane1 = fmix(lane1 ^ length);
  lane2 = fmix(lane2 ^ length ^ 0x27d4eb2f);
}

/** The registers of one sketch. */
export type Registers = Uint8Array;

export function createRegisters(p: number): Registers {
  return new Uint8Array(1 << p);
}

/** Adds a non-null value to the sketch (in place). */
export function addValue(registers: Registers, p: number, value: unknown): void {
  hashValue(value);
  const index = lane1 >>> (32 - p);
  const rank = Math.clz32(lane2) + 1;
  if (rank > (registers[index] as number)) registers[index] = rank;
}

/** `a` becomes the union of `a` and `b` (register-wise max). */
export function mergeRegisters(a: Registers, b: Registers): Registers {
  if (a.length !== b.length) throw new RangeError(`cannot merge sketches of ${a.length} and ${b.length} registers`);
  for (let i = 0; i < a.length; i++) if ((b[i] as number) > (a[i] as number)) a[i] = b[i] as number;
  return a;
}

/** The estimated number of distinct values, rounded (Spark returns a long). */
export function estimate(registers: Registers): number {
  const m = registers.length;
  let z = 0;
  let zeros = 0;
  for (let i = 0; i < m; i++) {
    const r = registers[i] as number;
    z += 2 ** -r;
    if (r === 0) zeros++;
  }
  const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
  const raw = (alpha * m * m) / z;
  // Small range: linear counting while registers are still empty and the raw estimate is at most
  // 2.5m (the original HLL's rule). HLL++'s lower threshold needs its empirical bias tables for
  // the range between, which this sketch does not have; measured, this rule keeps the error
  // within relativeSD everywhere (docs/decisions/0012-aggregation.md).
  if (zeros > 0 && raw <= 2.5 * m) return Math.round(m * Math.log(m / zeros));
  return Math.round(raw);
}

/** Registers as text (base64), for the state store. */
export function encodeRegisters(registers: Registers): string {
  return Buffer.from(registers.buffer, registers.byteOffset, registers.byteLength).toString('base64');
}

export function decodeRegisters(text: string, p: number): Registers {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== 1 << p) throw new RangeError(`a sketch of ${bytes.length} registers where ${1 << p} were expected`);
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}
