/**
 * `structured-rx/monitor`: a live page of the process's queries (Spark UI's Structured Streaming
 * tab) with Prometheus metrics at `/metrics`, and the metrics alone for a registry of your own.
 * A separate entry point, so that `structured-rx` itself never loads prom-client or the page.
 */
import { packageRoot } from '../package-root.js';
import { monitorAssets, startMonitorServer, type MonitorOptions, type MonitorServer } from './server.js';

/**
 * Serves the monitor page for every query of this process (running, and the last 20 that
 * ended), with `/metrics` for Prometheus. Resolves once it listens; bad options throw at once.
 *
 * @example
 * const monitor = await serveMonitor({ port: 4040, catalog });
 * console.log(`monitor at ${monitor.url}`);
 * // ... later
 * await monitor.close();
 */
export function serveMonitor(options: MonitorOptions = {}): Promise<MonitorServer> {
  return startMonitorServer(options, () => monitorAssets(packageRoot(import.meta.url)));
}

export { MonitorServerError, type MonitorOptions, type MonitorServer } from './server.js';
export { registerQueryMetrics, METRIC_NAMES, type QueryMetrics, type QueryMetricsOptions } from './metrics.js';
export { activeQueries, streamingQueryEvents, type StreamingQueryEvent } from './registry.js';
export type { HelloMessage, QueryView, TableView, UpdateMessage } from './hub.js';
