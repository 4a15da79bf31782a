/**
 * Prometheus metrics of a query's progress, with prom-client. One set of metric families per
 * registry, one series per query (labels `query_name` and `query_id`), updated after every batch
 * from the query's `progress`; the gauges of what a query is doing now (active, pending inputs)
 * are read when the registry is scraped.
 */
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { InvalidArgumentError } from '../errors.js';
import type { StreamingQueryProgress } from '../progress.js';
import type { StreamingQuery } from '../query.js';
import { lateRowsOf, watermarkGapMsOf, watermarkMsOf } from './totals.js';

const QUERY_LABELS = ['query_name', 'query_id'] as const;
type QueryLabel = (typeof QUERY_LABELS)[number];
type QueryLabels = Record<QueryLabel, string>;

/** The phases of a trigger, as `StreamingQueryProgress.durationMs` names them (`triggerExecution` is their whole). */
const PHASES = ['latestOffset', 'getBatch', 'addBatch', 'commit'] as const;

/** Seconds buckets of the trigger-duration histogram: a millisecond to a minute. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Every metric name this module registers, for documentation and tests. */
export const METRIC_NAMES = [
  'structured_rx_batches_total',
  'structured_rx_input_rows_total',
  'structured_rx_output_rows_total',
  'structured_rx_malformed_rows_total',
  'structured_rx_dropped_rows_total',
  'structured_rx_batch_phase_seconds_total',
  'structured_rx_batch_duration_seconds',
  'structured_rx_input_rows_per_second',
  'structured_rx_processed_rows_per_second',
  'structured_rx_watermark_timestamp_seconds',
  'structured_rx_watermark_lag_seconds',
  'structured_rx_state_rows',
  'structured_rx_state_memory_bytes',
  'structured_rx_last_batch_timestamp_seconds',
  'structured_rx_pending_inputs',
  'structured_rx_query_active',
] as const;

export interface QueryMetricsOptions {
  /** Where the metrics live; default prom-client's global `register`. */
  readonly registry?: Registry;
}

/** A query's series in one registry; {@link QueryMetrics.unregister} removes them. */
export interface QueryMetrics {
  readonly queryId: string;
  /** Stops updating and removes this query's series from the registry. */
  unregister(): void;
}

interface Tracked {
  readonly labels: QueryLabels;
  /** The handle while the query runs; null after it ended (its series stay, frozen, until unregistered). */
  query: StreamingQuery | null;
  readonly runId: string;
  subscription: Subscription | null;
  /** Label sets beyond the query's own, per metric, to remove on unregister. */
  readonly extra: Map<Counter<string> | Gauge<string>, Map<string, Record<string, string>>>;
}

/** The metric families of one registry and the queries they follow. */
class Families {
  readonly tracked = new Map<string, Tracked>();
  readonly batches: Counter<QueryLabel>;
  readonly inputRows: Counter<QueryLabel>;
  readonly outputRows: Counter<QueryLabel>;
  readonly malformedRows: Counter<QueryLabel>;
  readonly droppedRows: Counter<QueryLabel | 'reason'>;
  readonly phaseSeconds: Counter<QueryLabel | 'phase'>;
  readonly batchDuration: Histogram<QueryLabel>;
  readonly inputRate: Gauge<QueryLabel>;
  readonly processedRate: Gauge<QueryLabel>;
  readonly watermark: Gauge<QueryLabel>;
  readonly watermarkLag: Gauge<QueryLabel>;
  readonly stateRows: Gauge<QueryLabel | 'operator_id' | 'operator_name'>;
  readonly stateMemory: Gauge<QueryLabel | 'operator_id' | 'operator_name'>;
  readonly lastBatch: Gauge<QueryLabel>;
  readonly pending: Gauge<QueryLabel>;
  readonly active: Gauge<QueryLabel>;

  constructor(registry: Registry) {
    const registers = [registry];
    const counter = <L extends string>(name: string, help: string, extra: readonly L[] = []): Counter<QueryLabel | L> =>
      new Counter({ name, help, labelNames: [...QUERY_LABELS, ...extra], registers });
    const gauge = <L extends string>(name: string, help: string, extra: readonly L[] = [], collect?: (this: Gauge<QueryLabel | L>) => void): Gauge<QueryLabel | L> =>
      new Gauge({ name, help, labelNames: [...QUERY_LABELS, ...extra], registers, ...(collect === undefined ? {} : { collect }) });
    const tracked = this.tracked;
    // Read at scrape time, from the handles of the queries that still run.
    const live = (read: (q: StreamingQuery) => number) =>
      function (this: Gauge<QueryLabel>): void {
        for (const t of tracked.values()) this.set(t.labels, t.query === null ? 0 : read(t.query));
      };
    this.batches = counter('structured_rx_batches_total', 'Micro-batches the query completed.');
    this.inputRows = counter('structured_rx_input_rows_total', 'Rows read from the sources.');
    this.outputRows = counter('structured_rx_output_rows_total', 'Rows written to the sink.');
    this.malformedRows = counter('structured_rx_malformed_rows_total', 'Input lines that did not match the schema.');
    this.droppedRows = counter('structured_rx_dropped_rows_total', 'Input rows removed before the sink, by reason (late: behind the watermark).', ['reason']);
    this.phaseSeconds = counter('structured_rx_batch_phase_seconds_total', 'Time spent in each phase of the triggers (latestOffset, getBatch, addBatch, commit).', ['phase']);
    this.batchDuration = new Histogram({
      name: 'structured_rx_batch_duration_seconds',
      help: 'Duration of each trigger (Spark triggerExecution).',
      labelNames: [...QUERY_LABELS],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.inputRate = gauge('structured_rx_input_rows_per_second', 'Input rows per second over the last trigger interval (Spark inputRowsPerSecond).');
    this.processedRate = gauge('structured_rx_processed_rows_per_second', 'Input rows per second of processing in the last trigger (Spark processedRowsPerSecond).');
    this.watermark = gauge('structured_rx_watermark_timestamp_seconds', 'The event-time watermark of the last batch, in seconds since the epoch.');
    this.watermarkLag = gauge('structured_rx_watermark_lag_seconds', "How far the watermark is behind the last batch's trigger time (Spark's global watermark gap).");
    this.stateRows = gauge('structured_rx_state_rows', 'Rows (groups, keys) in each stateful operator after the last batch.', ['operator_id', 'operator_name']);
    this.stateMemory = gauge('structured_rx_state_memory_bytes', "Estimated memory of each stateful operator's state.", ['operator_id', 'operator_name']);
    this.lastBatch = gauge('structured_rx_last_batch_timestamp_seconds', 'When the last completed trigger started, in seconds since the epoch.');
    this.pending = gauge('structured_rx_pending_inputs', 'Inputs (files) the source has found that no batch has taken yet.', [], live((q) => q.inputsPending));
    this.active = gauge('structured_rx_query_active', '1 while the query runs, 0 after it stopped, completed or failed.', [], live((q) => (q.isActive ? 1 : 0)));
  }

  /** Adds one batch's progress to the query's series. */
  record(t: Tracked, p: StreamingQueryProgress): void {
    const l = t.labels;
    this.batches.inc(l);
    this.inputRows.inc(l, p.numInputRows);
    this.outputRows.inc(l, p.sink.numOutputRows);
    this.malformedRows.inc(l, p.numMalformedRows);
    const late = lateRowsOf(p);
    if (late > 0) this.incExtra(t, this.droppedRows, { reason: 'late' }, late);
    for (const [reason, n] of Object.entries(p.droppedRows)) if (n > 0) this.incExtra(t, this.droppedRows, { reason }, n);
    for (const phase of PHASES) this.incExtra(t, this.phaseSeconds, { phase }, p.durationMs[phase] / 1000);
    this.batchDuration.observe(l, p.durationMs.triggerExecution / 1000);
    this.inputRate.set(l, p.inputRowsPerSecond);
    this.processedRate.set(l, p.processedRowsPerSecond);
    const watermark = watermarkMsOf(p);
    const gap = watermarkGapMsOf(p);
    if (watermark !== undefined) this.watermark.set(l, watermark / 1000);
    if (gap !== undefined) this.watermarkLag.set(l, gap / 1000);
    for (const s of p.stateOperators) {
      const op = { operator_id: s.operatorId, operator_name: s.operatorName };
      this.setExtra(t, this.stateRows, op, s.numRowsTotal);
      this.setExtra(t, this.stateMemory, op, s.memoryUsedBytes);
    }
    this.lastBatch.set(l, Date.parse(p.timestamp) / 1000);
  }

  /** Creates the query's series at zero, so that they exist before its first batch. */
  start(t: Tracked): void {
    for (const c of [this.batches, this.inputRows, this.outputRows, this.malformedRows]) c.inc(t.labels, 0);
  }

  /** Removes every series of the query. */
  remove(t: Tracked): void {
    for (const m of [this.batches, this.inputRows, this.outputRows, this.malformedRows, this.batchDuration, this.inputRate, this.processedRate]) m.remove(t.labels);
    for (const m of [this.watermark, this.watermarkLag, this.lastBatch, this.pending, this.active]) m.remove(t.labels);
    for (const [metric, sets] of t.extra) for (const labels of sets.values()) metric.remove({ ...labels, ...t.labels });
    t.extra.clear();
  }

  private incExtra<L extends string>(t: Tracked, metric: Counter<QueryLabel | L>, extra: Record<L, string>, by: number): void {
    metric.inc({ ...extra, ...t.labels }, by);
    this.remember(t, metric, extra);
  }

  private setExtra<L extends string>(t: Tracked, metric: Gauge<QueryLabel | L>, extra: Record<L, string>, value: number): void {
    metric.set({ ...extra, ...t.labels }, value);
    this.remember(t, metric, extra);
  }

  private remember(t: Tracked, metric: Counter<string> | Gauge<string>, extra: Record<string, string>): void {
    let sets = t.extra.get(metric);
    if (sets === undefined) t.extra.set(metric, (sets = new Map()));
    const key = JSON.stringify(Object.entries(extra));
    if (!sets.has(key)) sets.set(key, extra);
  }
}

const familiesOf = new WeakMap<Registry, Families>();

function families(registry: Registry): Families {
  const existing = familiesOf.get(registry);
  if (existing !== undefined) return existing;
  let created: Families;
  try {
    created = new Families(registry);
  } catch (e) {
    throw new InvalidArgumentError(
      'registerQueryMetrics',
      'registry',
      e instanceof Error ? e.message : String(e),
      'a prom-client Registry without other metrics named structured_rx_*',
    );
  }
  familiesOf.set(registry, created);
  return created;
}

/**
 * Exports a query's progress as Prometheus metrics in `registry` (default prom-client's global
 * one): counters of batches, input, output, malformed and dropped rows (`reason="late"` for rows
 * behind the watermark) and of the time in each trigger phase; a histogram of trigger
 * durations; gauges of the last batch's rates, watermark and its lag, state rows and memory
 * per operator; and, read at scrape time, pending inputs and whether the query runs. Labels:
 * `query_name`, `query_id` (and `reason`, `phase`, `operator_id`, `operator_name` where said).
 *
 * The counters start with the batches the handle still keeps (its last 100) and go on with every
 * batch after. A later run of the same query (same id, from its checkpoint) continues the same
 * series. Registering a query twice in one registry returns the same handle.
 */
export function registerQueryMetrics(query: StreamingQuery, options: QueryMetricsOptions = {}): QueryMetrics {
  const registry = options.registry ?? defaultRegistry;
  if (typeof registry !== 'object' || registry === null || typeof (registry as Partial<Registry>).registerMetric !== 'function') {
    throw new InvalidArgumentError('registerQueryMetrics', 'registry', registry, 'a prom-client Registry');
  }
  const f = families(registry);
  const previous = f.tracked.get(query.id);
  if (previous !== undefined && previous.runId === query.runId) return handleOf(f, previous);
  previous?.subscription?.unsubscribe(); // an earlier run of the query: this run carries on its series
  const t: Tracked = {
    labels: { query_name: query.name ?? '', query_id: query.id },
    query,
    runId: query.runId,
    subscription: null,
    extra: previous?.extra ?? new Map(),
  };
  f.tracked.set(query.id, t);
  f.start(t);
  for (const p of query.recentProgress) f.record(t, p);
  t.subscription = query.progress.subscribe({
    next: (p) => f.record(t, p),
    complete: () => {
      t.query = null;
      t.subscription = null;
    },
  });
  return handleOf(f, t);
}

function handleOf(f: Families, t: Tracked): QueryMetrics {
  return {
    queryId: t.labels.query_id,
    unregister: () => {
      if (f.tracked.get(t.labels.query_id) !== t) return;
      t.subscription?.unsubscribe();
      t.subscription = null;
      t.query = null;
      f.tracked.delete(t.labels.query_id);
      f.remove(t);
    },
  };
}
