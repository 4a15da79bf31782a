/**
 * Prometheus metrics: the monitor's /metrics is scraped and parsed as Prometheus' text format,
 * and each series is checked against the query's own progress (late rows, malformed lines and
 * rows without event time included); registerQueryMetrics with a registry of one's own.
 */
import parsePrometheus, { type PrometheusFamily, type PrometheusSample } from 'parse-prometheus-text-format';
import { Registry, Counter } from 'prom-client';
import { Catalog, InvalidArgumentError, type StreamingQuery, type StreamingQueryProgress } from '../../src/index.js';
import { METRIC_NAMES, registerQueryMetrics } from '../../src/monitor/metrics.js';
import type { MonitorServer } from '../../src/monitor/server.js';
import { removeTempDirs, tempDir, writeLines } from '../cli/helpers.js';
import { T0, addEvents, get, serveForTest, startCounts } from './helpers.js';

afterAll(removeTempDirs);

const sum = (ps: readonly StreamingQueryProgress[], f: (p: StreamingQueryProgress) => number): number => ps.reduce((n, p) => n + f(p), 0);
const late = (p: StreamingQueryProgress): number => p.stateOperators.reduce((n, s) => n + s.numLateInputRows, 0);

/** The series of `name` whose labels include `labels`. */
function series(families: readonly PrometheusFamily[], name: string, labels: Readonly<Record<string, string>>): PrometheusSample[] {
  const family = families.find((f) => f.name === name);
  if (family === undefined) throw new Error(`no metric ${name}`);
  return family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}
function value(families: readonly PrometheusFamily[], name: string, labels: Readonly<Record<string, string>>): number {
  const found = series(families, name, labels);
  if (found.length !== 1) throw new Error(`${found.length} series of ${name} with ${JSON.stringify(labels)}`);
  return Number(found[0]?.value);
}

const HISTOGRAM = 'structured_rx_batch_duration_seconds';

/** /metrics, parsed; `text` keeps the lines (the parser flattens a histogram with labels into one sample without them). */
async function scrape(monitor: MonitorServer): Promise<PrometheusFamily[] & { text: string }> {
  const res = await get(`${monitor.url}metrics`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return Object.assign(parsePrometheus(res.body), { text: res.body });
}

/** A histogram's `_count`, `_sum` or `_bucket` line values for one query, from the text. */
function histogramLines(text: string, suffix: 'count' | 'sum' | 'bucket', queryId: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${HISTOGRAM}_${suffix}{`) && l.includes(`query_id="${queryId}"`))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

describe('/metrics of the monitor', () => {
  let query: StreamingQuery;
  let monitor: MonitorServer;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    const catalog = new Catalog();
    query = startCounts(dir, catalog);
    monitor = await serveForTest({ catalog });
    addEvents(dir, 'file-0.json', 6, 0);
    await query.processAllAvailable();
    addEvents(dir, 'file-1.json', 6, 3 * 3600); // moves the watermark three hours on
    await query.processAllAvailable();
    addEvents(dir, 'file-2.json', 5, 0); // behind the watermark: late
    writeLines(dir, 'file-3.json', ['{"time": "not a time", "action": "Open"}', JSON.stringify({ time: T0 + 3 * 3600, action: 'Close' })], 1_800_000_000);
    await query.processAllAvailable();
  });
  afterAll(async () => {
    await query.stop();
    await monitor.close();
  });

  it('has every documented metric, with Prometheus types and the query labels', async () => {
    const families = await scrape(monitor);
    for (const name of METRIC_NAMES) expect(families.map((f) => f.name)).toContain(name);
    for (const f of families) {
      if (!f.name.startsWith('structured_rx_')) continue;
      expect(f.type).toBe(f.name.endsWith('_total') ? 'COUNTER' : f.name === HISTOGRAM ? 'HISTOGRAM' : 'GAUGE');
      expect(f.help).not.toBe('');
      if (f.name === HISTOGRAM) continue;
      for (const m of f.metrics) expect(m.labels).toMatchObject({ query_name: 'counts', query_id: query.id });
    }
    const labelled = families.text.split('\n').filter((l) => l.startsWith(HISTOGRAM));
    expect(labelled.length).toBeGreaterThan(2);
    for (const l of labelled) expect(l).toContain(`query_name="counts",query_id="${query.id}"`);
  });

  it('counts what the query\'s progress says: batches, rows in and out, late, malformed and dropped rows, time per phase', async () => {
    const ps = query.recentProgress;
    const families = await scrape(monitor);
    const q = { query_id: query.id };
    expect(value(families, 'structured_rx_batches_total', q)).toBe(ps.length);
    expect(value(families, 'structured_rx_input_rows_total', q)).toBe(sum(ps, (p) => p.numInputRows));
    expect(value(families, 'structured_rx_input_rows_total', q)).toBe(6 + 6 + 5 + 2);
    expect(value(families, 'structured_rx_output_rows_total', q)).toBe(sum(ps, (p) => p.sink.numOutputRows));
    expect(value(families, 'structured_rx_malformed_rows_total', q)).toBe(sum(ps, (p) => p.numMalformedRows));
    expect(value(families, 'structured_rx_malformed_rows_total', q)).toBe(1);
    expect(value(families, 'structured_rx_dropped_rows_total', { ...q, reason: 'late' })).toBe(sum(ps, late));
    expect(sum(ps, late)).toBe(5);
    expect(value(families, 'structured_rx_dropped_rows_total', { ...q, reason: 'nullEventTime' })).toBe(sum(ps, (p) => p.droppedRows['nullEventTime'] ?? 0));
    expect(value(families, 'structured_rx_dropped_rows_total', { ...q, reason: 'nullEventTime' })).toBe(1);
    for (const phase of ['latestOffset', 'getBatch', 'addBatch', 'commit'] as const) {
      expect(value(families, 'structured_rx_batch_phase_seconds_total', { ...q, phase })).toBeCloseTo(sum(ps, (p) => p.durationMs[phase]) / 1000, 6);
    }
    expect(histogramLines(families.text, 'count', query.id)).toEqual([ps.length]);
    const [seconds] = histogramLines(families.text, 'sum', query.id);
    expect(seconds).toBeCloseTo(sum(ps, (p) => p.durationMs.triggerExecution) / 1000, 6);
    const buckets = histogramLines(families.text, 'bucket', query.id);
    expect(buckets[buckets.length - 1]).toBe(ps.length); // le="+Inf"
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b)); // cumulative
  });

  it('gauges the last batch: rates, watermark and its lag, state rows per operator; and, when scraped, pending inputs and activity', async () => {
    const last = query.lastProgress as StreamingQueryProgress;
    const families = await scrape(monitor);
    const q = { query_id: query.id };
    expect(value(families, 'structured_rx_input_rows_per_second', q)).toBe(last.inputRowsPerSecond);
    expect(value(families, 'structured_rx_processed_rows_per_second', q)).toBe(last.processedRowsPerSecond);
    const watermark = Date.parse(last.eventTime.watermark ?? '');
    expect(watermark).toBeGreaterThan(T0 * 1000);
    expect(value(families, 'structured_rx_watermark_timestamp_seconds', q)).toBe(watermark / 1000);
    expect(value(families, 'structured_rx_watermark_lag_seconds', q)).toBe((Date.parse(last.timestamp) - watermark) / 1000);
    const op = last.stateOperators[0];
    expect(value(families, 'structured_rx_state_rows', { ...q, operator_id: op?.operatorId ?? '', operator_name: op?.operatorName ?? '' })).toBe(op?.numRowsTotal);
    expect(value(families, 'structured_rx_last_batch_timestamp_seconds', q)).toBe(Date.parse(last.timestamp) / 1000);
    expect(value(families, 'structured_rx_pending_inputs', q)).toBe(query.inputsPending);
    expect(value(families, 'structured_rx_query_active', q)).toBe(1);
  });
});

describe('registerQueryMetrics with a registry of one\'s own', () => {
  let query: StreamingQuery;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    addEvents(dir, 'file-0.json', 8, 0);
    query = startCounts(dir, new Catalog());
    await query.processAllAvailable();
  });
  afterAll(() => query.stop());

  it('counts the batches the handle kept and every later one; after stop the query is inactive; unregister removes its series', async () => {
    const registry = new Registry();
    const metrics = registerQueryMetrics(query, { registry });
    expect(registerQueryMetrics(query, { registry })).toMatchObject({ queryId: query.id });
    const read = async (): Promise<PrometheusFamily[]> => parsePrometheus(await registry.metrics());
    expect(value(await read(), 'structured_rx_batches_total', { query_id: query.id })).toBe(query.recentProgress.length);
    expect(value(await read(), 'structured_rx_input_rows_total', { query_id: query.id })).toBe(8);
    addEvents(dir, 'file-1.json', 3, 60);
    await query.processAllAvailable();
    expect(value(await read(), 'structured_rx_batches_total', { query_id: query.id })).toBe(query.recentProgress.length);
    expect(value(await read(), 'structured_rx_input_rows_total', { query_id: query.id })).toBe(8 + 3);
    expect(value(await read(), 'structured_rx_query_active', { query_id: query.id })).toBe(1);
    await query.stop();
    expect(value(await read(), 'structured_rx_query_active', { query_id: query.id })).toBe(0);
    metrics.unregister();
    const after = await read();
    for (const f of after) expect(f.metrics.filter((m) => m.labels?.['query_id'] === query.id)).toEqual([]);
  });

  it('refuses what is not a registry, and a registry whose metric names clash, naming the function and option', () => {
    expect(() => registerQueryMetrics(query, { registry: {} as Registry })).toThrow(InvalidArgumentError);
    const clash = new Registry();
    new Counter({ name: 'structured_rx_batches_total', help: 'someone else', registers: [clash] });
    let thrown: unknown;
    try {
      registerQueryMetrics(query, { registry: clash });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect(thrown).toMatchObject({ operator: 'registerQueryMetrics', option: 'registry' });
  });
});
