import { randomUUID } from 'node:crypto';
import type { Observable, Subscriber, TeardownLogic } from 'rxjs';
import { AnalysisError } from '../errors.js';
import type { ColumnType } from '../schema.js';
import { MicroBatchExecution } from './driver.js';
import { observableSourceSpec, type BatchLike } from './observable-source.js';
import { outputModeError, resolveOutputMode } from './output-mode.js';
import { Pipeline, foreignOperatorError, isDerivedFromPipeline, planOf, type LogicalPlan, type StateField, type StateSchema, type StepContext, type StepSpec } from './plan.js';
import type { Batch } from './batch.js';
import { READ_ALL } from './source.js';
import { DEFAULT_TRIGGER } from './trigger.js';

/** Runs `plan` for one subscriber: a new driver, so a new run with its own state. */
export function runPipeline<T>(plan: LogicalPlan, subscriber: Subscriber<T>): TeardownLogic {
  let driver: MicroBatchExecution;
  try {
    driver = new MicroBatchExecution(plan, { id: randomUUID(), runId: randomUUID(), name: plan.sink?.name ?? null, noDataMicroBatches: true }, {
      batch: (output, progress) => subscriber.next((plan.sink === undefined ? output : progress) as T),
      terminated: (err) => (err === undefined ? subscriber.complete() : subscriber.error(err)),
    });
  } catch (err) {
    subscriber.error(err);
    return;
  }
  driver.start();
  return () => driver.stop();
}

/** A new pipeline for `plan`. */
export function pipeline<T>(plan: LogicalPlan): Pipeline<T> {
  return new Pipeline<T>(plan, runPipeline);
}

/** The initial plan of a source, with nothing after it. */
export function sourcePlan(source: LogicalPlan['source']): LogicalPlan {
  const types = source.schema === undefined ? undefined : new Map<string, ColumnType>(Object.entries(source.schema));
  return {
    source,
    readLimit: READ_ALL,
    trigger: DEFAULT_TRIGGER,
    scheduler: source.scheduler,
    steps: [],
    columns: { types, eventTime: new Map() },
    watermarks: [],
    aggregation: undefined,
    sink: undefined,
  };
}

/**
 * The plan an operator builds on. A structured-rx pipeline gives its plan; a plain Observable
 * that is not derived from one (a hand-made marble source, a message stream) becomes an
 * observable source, one item per emission; a plain RxJS operator applied to a structured-rx
 * pipeline is refused here, at composition.
 */
export function inputPlan(operator: string, input: Observable<unknown>): LogicalPlan {
  const plan = planOf(input);
  if (plan !== undefined) {
    if (plan.sink !== undefined) throw new AnalysisError(`${operator}: the pipeline already ends in a sink (${plan.sink.operator}); a sink must be the last structured-rx operator`);
    return plan;
  }
  if (isDerivedFromPipeline(input)) throw foreignOperatorError(operator);
  return sourcePlan(observableSourceSpec(input as Observable<BatchLike<unknown>>));
}

/** The plan with one more step. */
export function withStep(plan: LogicalPlan, step: StepSpec, change: Partial<LogicalPlan> = {}): LogicalPlan {
  return { ...plan, ...change, steps: [...plan.steps, step] };
}

/** Checks a finished plan the way the driver will before its first trigger (output-mode rules), so composition fails early. */
export function checkPlan(plan: LogicalPlan): void {
  const err = outputModeError(plan, resolveOutputMode(plan));
  if (err !== undefined) throw err;
}

/**
 * The state schema of a stateful step keyed by `keys` with `values` (see `StateSchema`): each key's
 * type, a window key with the definition of the step that made it (so a restart with another
 * window size is refused, where Spark's schema check would let it through).
 */
export function stateSchema(plan: LogicalPlan, keys: readonly string[], values: readonly StateField[]): StateSchema {
  const types = plan.columns.types;
  return {
    keys: keys.map((name) => {
      const type = types?.get(name) ?? 'unknown';
      const def = type === 'window' ? [...plan.steps].reverse().find((s) => s.defines?.column === name)?.defines?.definition : undefined;
      return { name, type: def === undefined ? type : `window(${def})` };
    }),
    values,
  };
}

/** A stateless step: `process` maps each batch (usually lazily, chunk by chunk). */
export function statelessStep(operator: string, process: (input: Batch<unknown>, ctx: StepContext) => Batch<unknown>): StepSpec {
  return { operator, stateful: false, create: () => ({ process }) };
}

/** Spark's words for a column the plan does not have, with the columns it has. */
export function requireColumns(operator: string, plan: LogicalPlan, names: readonly string[]): void {
  const types = plan.columns.types;
  if (types === undefined) return; // unknown after a user's step: checked when the batch runs
  for (const name of names) {
    if (!types.has(name)) {
      throw new AnalysisError(`${operator}: A column or function parameter with name \`${name}\` cannot be resolved; the columns are ${[...types.keys()].join(', ')}`);
    }
  }
}
