/**
 * Aggregate functions as data: one Beam-style combiner per function, used by the streaming
 * aggregation step (`groupByAgg`, `groupCount`) and by the SQL engine alike.
 *
 * A combiner makes an empty accumulator, adds one input value to it, merges two accumulators
 * (partial aggregates of different batches, or of a batch and the state store), and reads the
 * result; `encode`/`decode` turn an accumulator into JSON and back, which is what the state
 * store holds between batches (and what a checkpoint writes).
 *
 * Ownership: `add` and `merge` may change their first accumulator and return it (so adding a
 * row allocates nothing); `create` and `decode` always give a new one, and `encode` shares
 * nothing mutable with the accumulator.
 *
 * Spark's null rules: every function but `count(*)` ignores null (and undefined) inputs;
 * `count` of nothing is 0; `sum`, `avg`, `min`, `max` of nothing (or of nulls only) are null.
 */
import type { JsonValue } from '../engine/source.js';
import type { StateField } from '../engine/plan.js';
import { StructuredRxError } from '../errors.js';
import type { ColumnType } from '../schema.js';
import { compareValues, groupKey, toNumber } from '../sql/values.js';
import { addValue, createRegisters, decodeRegisters, encodeRegisters, estimate, mergeRegisters, precisionFor, type Registers } from './hyperloglog.js';

export interface Combiner<Acc, Out> {
  /** The function's name as Spark writes it (`count`, `sum`, `approx_count_distinct` …). */
  readonly name: string;
  /** The type of the result column; undefined when it follows an input whose type is unknown. */
  readonly resultType: ColumnType | undefined;
  create(): Acc;
  add(acc: Acc, value: unknown): Acc;
  merge(a: Acc, b: Acc): Acc;
  result(acc: Acc): Out;
  encode(acc: Acc): JsonValue;
  decode(json: JsonValue): Acc;
}

/** A combiner whose accumulator type is hidden: what the engines hold in a list. */
export type AnyCombiner = Combiner<unknown, unknown>;

/** The aggregate functions there are. */
export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'count_distinct' | 'approx_count_distinct';

/**
 * A long sum left the range where a JS number is exact (|sum| > 2^53 - 1). Spark's long sum
 * would wrap (or fail in ANSI mode); a rounded number would be silently wrong, so the batch fails.
 * `errorClass` is Spark's ANSI one.
 */
export class ArithmeticOverflowError extends StructuredRxError {
  readonly errorClass = 'ARITHMETIC_OVERFLOW';
  constructor(
    readonly function_: string,
    readonly left: number,
    readonly right: number,
  ) {
    super(
      `[ARITHMETIC_OVERFLOW] long overflow in ${function_}: ${left} + ${right} is beyond Number.MAX_SAFE_INTEGER (2^53 - 1), where a JS number is no longer exact; ` +
        `cast the column to double to sum it approximately`,
    );
  }
}

const isNull = (v: unknown): boolean => v === null || v === undefined;

function asNumber(v: unknown): number | null {
  return typeof v === 'number' ? v : toNumber(v);
}

function asFiniteNumber(json: JsonValue, what: string): number {
  if (typeof json !== 'number') throw new TypeError(`${what}: an encoded accumulator must be a number, got ${JSON.stringify(json)}`);
  return json;
}

/** count(*): every row. */
export const countStar: Combiner<number, number> = {
  name: 'count',
  resultType: 'long',
  create: () => 0,
  add: (acc) => acc + 1,
  merge: (a, b) => a + b,
  result: (acc) => acc,
  encode: (acc) => acc,
  decode: (json) => asFiniteNumber(json, 'count'),
};

/** count(col): the rows whose value is not null. */
export const countNonNull: Combiner<number, number> = {
  ...countStar,
  add: (acc, v) => (isNull(v) ? acc : acc + 1),
};

/**
 * sum(col). Of `int`/`long` inputs a long: exact while |sum| <= 2^53 - 1, else
 * {@link ArithmeticOverflowError}. Of `double` (or text read as a number, as Spark's implicit
 * cast) a double, rounded as IEEE doubles are. With an unknown input type, integer inputs are
 * checked as longs. Null when every input is null.
 */
export function sumCombiner(inputType: ColumnType | 'unknown' | undefined): Combiner<number | null, number | null> {
  const long = inputType === 'int' || inputType === 'long';
  const checked = long || inputType === undefined || inputType === 'unknown';
  const plus = (a: number, b: number): number => {
    const s = a + b;
    if (checked && !Number.isSafeInteger(s) && Number.isInteger(a) && Number.isInteger(b) && Number.isFinite(s)) throw new ArithmeticOverflowError('sum', a, b);
    return s;
  };
  return {
    name: 'sum',
    resultType: long ? 'long' : inputType === undefined || inputType === 'unknown' ? undefined : 'double',
    create: () => null,
    add: (acc, v) => {
      if (isNull(v)) return acc;
      const n = asNumber(v);
      if (n === null) return acc;
      return acc === null ? n : plus(acc, n);
    },
    merge: (a, b) => (a === null ? b : b === null ? a : plus(a, b)),
    result: (acc) => acc,
    encode: (acc) => acc,
    decode: (json) => (json === null ? null : asFiniteNumber(json, 'sum')),
  };
}

/** avg's accumulator: Spark's buffer (sum as a double, count). */
export interface AvgAcc {
  sum: number;
  count: number;
}

/** avg(col): a double, sum / count over non-null inputs, merged from sums and counts (never an average of averages); null when there is none. */
export const avgCombiner: Combiner<AvgAcc, number | null> = {
  name: 'avg',
  resultType: 'double',
  create: () => ({ sum: 0, count: 0 }),
  add: (acc, v) => {
    if (isNull(v)) return acc;
    const n = asNumber(v);
    if (n === null) return acc;
    acc.sum += n;
    acc.count += 1;
    return acc;
  },
  merge: (a, b) => {
    a.sum += b.sum;
    a.count += b.count;
    return a;
  },
  result: (acc) => (acc.count === 0 ? null : acc.sum / acc.count),
  encode: (acc) => [acc.sum, acc.count],
  decode: (json) => {
    if (!Array.isArray(json) || typeof json[0] !== 'number' || typeof json[1] !== 'number') throw new TypeError(`avg: an encoded accumulator must be [sum, count], got ${JSON.stringify(json)}`);
    return { sum: json[0], count: json[1] };
  },
};

function extremum(name: 'min' | 'max', inputType: ColumnType | 'unknown' | undefined): Combiner<unknown, unknown> {
  const better = name === 'min' ? (c: number) => c < 0 : (c: number) => c > 0;
  return {
    name,
    resultType: inputType === undefined || inputType === 'unknown' ? undefined : inputType,
    create: () => null,
    add: (acc, v) => (isNull(v) ? acc : acc === null || better(compareValues(v, acc)) ? v : acc),
    merge: (a, b) => (a === null ? b : b === null ? a : better(compareValues(b, a)) ? b : a),
    result: (acc) => acc,
    // Values are numbers (timestamps as epoch ms), strings, booleans, windows, arrays: JSON as they are.
    encode: (acc) => acc as JsonValue,
    decode: (json) => json,
  };
}

/** min(col): numbers, strings (by code point), timestamps, windows …, Spark's ordering; nulls ignored. */
export const minCombiner = (inputType?: ColumnType | 'unknown'): Combiner<unknown, unknown> => extremum('min', inputType);
/** max(col): as {@link minCombiner}. */
export const maxCombiner = (inputType?: ColumnType | 'unknown'): Combiner<unknown, unknown> => extremum('max', inputType);

/**
 * count(DISTINCT col): the set of distinct non-null values (keyed as Spark groups them: -0 is
 * 0, NaN equals NaN, windows by their bounds). Its state is unbounded: it holds every distinct
 * value of every group until the group is evicted; `approx_count_distinct` is the bounded one.
 */
export const countDistinctCombiner: Combiner<Set<string>, number> = {
  name: 'count',
  resultType: 'long',
  create: () => new Set<string>(),
  add: (acc, v) => {
    if (!isNull(v)) acc.add(groupKey(v));
    return acc;
  },
  merge: (a, b) => {
    for (const k of b) a.add(k);
    return a;
  },
  result: (acc) => acc.size,
  encode: (acc) => [...acc],
  decode: (json) => {
    if (!Array.isArray(json)) throw new TypeError(`count(DISTINCT): an encoded accumulator must be a list, got ${JSON.stringify(json)}`);
    const out = new Set<string>();
    for (const k of json) if (typeof k === 'string') out.add(k);
    return out;
  },
};

/** Spark's default relative standard deviation of approx_count_distinct. */
export const DEFAULT_RELATIVE_SD = 0.05;

/**
 * approx_count_distinct(col, relativeSD = 0.05): a HyperLogLog of `2^p` registers with Spark's
 * precision for `relativeSD` (p = 9, 512 one-byte registers, for 0.05): bounded state, a long
 * result. Nulls are ignored.
 */
export function approxCountDistinctCombiner(relativeSD = DEFAULT_RELATIVE_SD): Combiner<Registers, number> {
  const p = precisionFor(relativeSD);
  return {
    name: 'approx_count_distinct',
    resultType: 'long',
    create: () => createRegisters(p),
    add: (acc, v) => {
      if (!isNull(v)) addValue(acc, p, v);
      return acc;
    },
    merge: mergeRegisters,
    result: estimate,
    encode: encodeRegisters,
    decode: (json) => {
      if (typeof json !== 'string') throw new TypeError(`approx_count_distinct: an encoded accumulator must be a string, got ${JSON.stringify(json)}`);
      return decodeRegisters(json, p);
    },
  };
}

/** The combiner of `fn` over an input of `inputType` (`star`: count(*)). */
export function combinerFor(fn: AggregateFunction, inputType: ColumnType | 'unknown' | undefined, options: { star?: boolean; relativeSD?: number } = {}): AnyCombiner {
  switch (fn) {
    case 'count':
      return (options.star === true ? countStar : countNonNull) as AnyCombiner;
    case 'sum':
      return sumCombiner(inputType) as AnyCombiner;
    case 'avg':
      return avgCombiner as AnyCombiner;
    case 'min':
      return minCombiner(inputType);
    case 'max':
      return maxCombiner(inputType);
    case 'count_distinct':
      return countDistinctCombiner as AnyCombiner;
    case 'approx_count_distinct':
      return approxCountDistinctCombiner(options.relativeSD) as AnyCombiner;
  }
}

/** The aggregates as state values: the function, its input and its result type (the output name may change on restart). */
export function aggregateFields(aggs: readonly { readonly name: string; readonly column: string | undefined; readonly combiner: AnyCombiner }[]): StateField[] {
  return aggs.map((a) => ({ name: a.name, type: `${a.combiner.name}(${a.column ?? '*'}) ${a.combiner.resultType ?? 'unknown'}` }));
}
