/**
 * The aggregate expressions of `groupByAgg`: Spark's `functions.count`, `sum`, `avg`, `min`,
 * `max`, `count_distinct`, `approx_count_distinct`, each with the column name Spark gives it
 * (`count(1)` for `count('*')`, `avg(latency)`, `count(DISTINCT user)` …) and `.as(name)` to
 * rename it. They are data: `groupByAgg` resolves each one to its combiner against the plan's
 * column types.
 */
import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_RELATIVE_SD, type AggregateFunction } from './combiners.js';

/** One aggregate of a `groupByAgg`: the function, its input column (`'*'` for count(*)), and its output column name. */
export interface Aggregate<N extends string = string, F extends AggregateFunction = AggregateFunction, C extends string = string> {
  readonly fn: F;
  readonly column: C;
  readonly name: N;
  /** approx_count_distinct only: the relative standard deviation (Spark's rsd). */
  readonly relativeSD?: number;
  /** The same aggregate under another output column name (Spark's `.as` / `.alias`). */
  as<M extends string>(name: M): Aggregate<M, F, C>;
}

function make<N extends string, F extends AggregateFunction, C extends string>(fn: F, column: C, name: N, relativeSD?: number): Aggregate<N, F, C> {
  return {
    fn,
    column,
    name,
    ...(relativeSD === undefined ? {} : { relativeSD }),
    as<M extends string>(alias: M): Aggregate<M, F, C> {
      if (typeof alias !== 'string' || alias === '') throw new InvalidArgumentError(`${name}.as`, 'name', alias, 'a non-empty column name');
      return make(fn, column, alias, relativeSD);
    },
  };
}

function column<C extends string>(fn: string, c: C, star: boolean): C {
  if (typeof c !== 'string' || c === '' || (!star && c === '*')) throw new InvalidArgumentError(fn, 'column', c, star ? "a column name or '*'" : 'a column name');
  return c;
}

/** `count('*')` counts rows (Spark names it `count(1)`); `count(col)` counts non-null values (`count(col)`). */
function count<C extends string>(col: C): Aggregate<C extends '*' ? 'count(1)' : `count(${C})`, 'count', C> {
  const c = column('count', col, true);
  return make('count', c, (c === '*' ? 'count(1)' : `count(${c})`) as C extends '*' ? 'count(1)' : `count(${C})`);
}

/** The sum of non-null values: a long for int/long columns (exact up to 2^53 - 1, else ArithmeticOverflowError), a double for doubles; null when there is none. */
function sum<C extends string>(col: C): Aggregate<`sum(${C})`, 'sum', C> {
  return make('sum', column('sum', col, false), `sum(${col})`);
}

/** The mean of non-null values, a double (merged from sum and count across batches); null when there is none. */
function avg<C extends string>(col: C): Aggregate<`avg(${C})`, 'avg', C> {
  return make('avg', column('avg', col, false), `avg(${col})`);
}

/** The smallest non-null value (numbers, strings, timestamps, windows), null when there is none. */
function min<C extends string>(col: C): Aggregate<`min(${C})`, 'min', C> {
  return make('min', column('min', col, false), `min(${col})`);
}

/** The largest non-null value, null when there is none. */
function max<C extends string>(col: C): Aggregate<`max(${C})`, 'max', C> {
  return make('max', column('max', col, false), `max(${col})`);
}

/** The number of distinct non-null values: exact, with unbounded state (every distinct value per group). */
function countDistinct<C extends string>(col: C): Aggregate<`count(DISTINCT ${C})`, 'count_distinct', C> {
  return make('count_distinct', column('countDistinct', col, false), `count(DISTINCT ${col})`);
}

/** The approximate number of distinct non-null values (HyperLogLog, Spark's default relativeSD 0.05: 512 registers per group). */
function approxCountDistinct<C extends string>(col: C, relativeSD: number = DEFAULT_RELATIVE_SD): Aggregate<`approx_count_distinct(${C})`, 'approx_count_distinct', C> {
  if (typeof relativeSD !== 'number' || !(relativeSD > 0 && relativeSD <= 0.39)) {
    throw new InvalidArgumentError('approxCountDistinct', 'relativeSD', relativeSD, 'a number in (0, 0.39]');
  }
  return make('approx_count_distinct', column('approxCountDistinct', col, false), `approx_count_distinct(${col})`, relativeSD);
}

/**
 * The aggregate functions, as Spark's `functions` (`import { agg } from 'structured-rx'`, then
 * `agg.count('*')`, `agg.avg('latency').as('avgLatency')`). One object, so the names do not
 * clash with RxJS's own `count`, `min` and `max` operators.
 */
export const agg = { count, sum, avg, mean: avg, min, max, countDistinct, approxCountDistinct } as const;
