/**
 * Prometheus metrics of a query's progress, with prom-client. One set of metric families per
 * registry, one series per query (labels `query_name` and `query_id`). After every batch the
 * query's totals grow and the duration histogram gets the batch; every other series is read from
 * the totals, the last batch and the handle (pending inputs, active) when the registry is scraped.
 */
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { InvalidArgumentError } from '../errors.js';
import type { StreamingQueryProgress } from '../progress.js';
import type { StreamingQuery } from '../query.js';
import { QueryTotals, watermarkGapMsOf, watermarkMsOf } from './totals.js';

const QUERY_LABELS = ['query_name', 'query_id'] as const;
type QueryLabel = (typeof QUERY_LABELS)[number];
type QueryLabels = Record<QueryLabel, string>;

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
  readonly totals: QueryTotals;
}

type Series = { readonly labels: Readonly<Record<string, string>>; readonly value: number };

/**
 * The metric families of one registry and the queries they follow. A batch adds to the query's
 * totals and observes the duration histogram, nothing more; every other series is set from the
 * totals when the registry is scraped (prom-client's `collect`), so a fast query pays for
 * label hashing once per scrape, not per batch.
 */
class Families {
  readonly tracked = new Map<string, Tracked>();
  readonly batchDuration: Histogram<QueryLabel>;

  constructor(registry: Registry) {
    const registers = [registry];
    const tracked = this.tracked;
    /** A family whose series are read from each tracked query's totals at scrape time. */
    const scraped = (kind: 'counter' | 'gauge', name: string, help: string, extra: readonly string[], read: (t: Tracked) => readonly Series[]): void => {
      const labelNames = [...QUERY_LABELS, ...extra];
      const collect = function (this: Counter<string> | Gauge<string>): void {
        this.reset();
        for (const t of tracked.values()) {
          for (const s of read(t)) {
            const labels = { ...s.labels, ...t.labels };
            if (this instanceof Counter) this.inc(labels, s.value);
            else this.set(labels, s.value);
          }
        }
      };
      if (kind === 'counter') new Counter({ name, help, labelNames, registers, collect });
      else new Gauge({ name, help, labelNames, registers, collect });
    };
    const one = (value: number | undefined): readonly Series[] => (value === undefined ? [] : [{ labels: {}, value }]);
    const last = (t: Tracked): StreamingQueryProgress | null => t.totals.last;

    scraped('counter', 'structured_rx_batches_total', 'Micro-batches the query completed.', [], (t) => one(t.totals.batches));
    scraped('counter', 'structured_rx_input_rows_total', 'Rows read from the sources.', [], (t) => one(t.totals.inputRows));
    scraped('counter', 'structured_rx_output_rows_total', 'Rows written to the sink.', [], (t) => one(t.totals.outputRows));
    scraped('counter', 'structured_rx_malformed_rows_total', 'Input lines that did not match the schema.', [], (t) => one(t.totals.malformedRows));
    scraped('counter', 'structured_rx_dropped_rows_total', 'Input rows removed before the sink, by reason (late: behind the watermark).', ['reason'], (t) => [
      ...(t.totals.lateRows > 0 ? [{ labels: { reason: 'late' }, value: t.totals.lateRows }] : []),
      ...[...t.totals.droppedRows].filter(([, n]) => n > 0).map(([reason, value]) => ({ labels: { reason }, value })),
    ]);
    scraped('counter', 'structured_rx_batch_phase_seconds_total', 'Time spent in each phase of the triggers (latestOffset, getBatch, addBatch, commit).', ['phase'], (t) =>
      t.totals.batches === 0 ? [] : [...t.totals.phaseMs].map(([phase, ms]) => ({ labels: { phase }, value: ms / 1000 })),
    );
    scraped('gauge', 'structured_rx_input_rows_per_second', 'Input rows per second over the last trigger interval (Spark inputRowsPerSecond).', [], (t) => one(last(t)?.inputRowsPerSecond));
    scraped('gauge', 'structured_rx_processed_rows_per_second', 'Input rows per second of processing in the last trigger (Spark processedRowsPerSecond).', [], (t) =>
      one(last(t)?.processedRowsPerSecond),
    );
    scraped('gauge', 'structured_rx_watermark_timestamp_seconds', 'The event-time watermark of the last batch, in seconds since the epoch.', [], (t) => {
      const p = last(t);
      const w = p === null ? undefined : watermarkMsOf(p);
      return one(w === undefined ? undefined : w / 1000);
    });
    scraped('gauge', 'structured_rx_watermark_lag_seconds', "How far the watermark is behind the last batch's trigger time (Spark's global watermark gap).", [], (t) => {
      const p = last(t);
      const gap = p === null ? undefined : watermarkGapMsOf(p);
      return one(gap === undefined ? undefined : gap / 1000);
    });
    const perOperator = (read: (s: StreamingQueryProgress['stateOperators'][number]) => number) => (t: Tracked) =>
      (last(t)?.stateOperators ?? []).map((s) => ({ labels: { operator_id: s.operatorId, operator_name: s.operatorName }, value: read(s) }));
    scraped('gauge', 'structured_rx_state_rows', 'Rows (groups, keys) in each stateful operator after the last batch.', ['operator_id', 'operator_name'], perOperator((s) => s.numRowsTotal));
    scraped('gauge', 'structured_rx_state_memory_bytes', "Estimated memory of each stateful operator's state.", ['operator_id', 'operator_name'], perOperator((s) => s.memoryUsedBytes));
    scraped('gauge', 'structured_rx_last_batch_timestamp_seconds', 'When the last completed trigger started, in seconds since the epoch.', [], (t) => {
      const p = last(t);
      return one(p === null ? undefined : Date.parse(p.timestamp) / 1000);
    });
    scraped('gauge', 'structured_rx_pending_inputs', 'Inputs (files) the source has found that no batch has taken yet.', [], (t) => one(t.query?.inputsPending ?? 0));
    scraped('gauge', 'structured_rx_query_active', '1 while the query runs, 0 after it stopped, completed or failed.', [], (t) => one(t.query?.isActive === true ? 1 : 0));
    this.batchDuration = new Histogram({
      name: 'structured_rx_batch_duration_seconds',
      help: 'Duration of each trigger (Spark triggerExecution).',
      labelNames: [...QUERY_LABELS],
      buckets: DURATION_BUCKETS,
      registers,
    });
  }

  /** Adds one batch's progress to the query's totals. */
  record(t: Tracked, p: StreamingQueryProgress): void {
    t.totals.add(p);
    this.batchDuration.observe(t.labels, p.durationMs.triggerExecution / 1000);
  }

  /** Removes the query's series: the scraped ones go with it from `tracked`, the histogram's here. */
  remove(t: Tracked): void {
    this.tracked.delete(t.labels.query_id);
    this.batchDuration.remove(t.labels);
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
    totals: previous?.totals ?? new QueryTotals(),
  };
  f.tracked.set(query.id, t);
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
      f.remove(t);
    },
  };
}
