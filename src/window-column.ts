import { Batch, EventTimeStatsBuilder } from './engine/batch.js';
import { requireColumns, statelessStep } from './engine/compose.js';
import type { ColumnsInfo, LogicalPlan, StepSpec } from './engine/plan.js';
import { AnalysisError } from './errors.js';
import type { ColumnType, Window } from './schema.js';
import { ColumnAdder } from './with-column.js';

/**
 * The columns after an operator adds the window column `column` computed from `timeColumn`
 * (checked to be a timestamp): `column` is a window, and carries event time when `timeColumn`
 * does (Spark moves the watermark metadata to the window column).
 */
export function windowColumns(operator: string, plan: LogicalPlan, timeColumn: string, column: string): ColumnsInfo {
  requireColumns(operator, plan, [timeColumn]);
  const types = plan.columns.types;
  const type = types?.get(timeColumn);
  if (type !== undefined && type !== 'timestamp') throw new AnalysisError(`${operator}: the window's time column ${timeColumn} must be a timestamp, not ${type}`);
  const eventTime = new Map(plan.columns.eventTime);
  if (eventTime.has(timeColumn)) eventTime.set(column, 'window');
  else eventTime.delete(column);
  return { types: types === undefined ? undefined : new Map<string, ColumnType>(types).set(column, 'window'), eventTime };
}

/**
 * The step that adds the window column: each row whose time is not null is copied once per
 * window `assign` gives for its time (Spark's `TimeWindowing` expands a row into its windows);
 * rows with a null time are dropped and counted (`nullEventTime`); event-time statistics come
 * from the rows, not their copies. `makeAssign` is called once per batch (for per-batch caches).
 * `definition` says which windows (`tumbling 3600000 ms`), for the checkpoint's restart check.
 */
export function windowColumnStep(
  operator: string,
  timeColumn: string,
  column: string,
  definition: string,
  makeAssign: () => (t: number, emit: (window: Window) => void) => void,
): StepSpec {
  const step = statelessStep(operator, (input, ctx) => {
    const assign = makeAssign();
    const adder = new ColumnAdder(column);
    return (input as Batch<Record<string, unknown>>).mapChunks((chunk) => {
      const rows: Record<string, unknown>[] = [];
      const stats = new EventTimeStatsBuilder();
      let nulls = 0;
      let row: Record<string, unknown> = {};
      const emit = (w: Window): void => void rows.push(adder.add(row, w));
      for (let i = 0; i < chunk.length; i++) {
        row = chunk[i] as Record<string, unknown>;
        const t = row[timeColumn] as number | null | undefined;
        if (t === null || t === undefined) {
          nulls++;
          continue;
        }
        stats.add(t);
        assign(t, emit);
      }
      const built = stats.build();
      if (built !== undefined) ctx.reportEventTime(built);
      ctx.reportDropped('nullEventTime', nulls);
      return rows;
    });
  });
  return { ...step, defines: { column, definition } };
}
