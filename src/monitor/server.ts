/**
 * The monitor's HTTP server (node:http): the page and its assets, the page's event streams,
 * `/api/queries` and Prometheus' `/metrics`. The page's files and uPlot's are read from disk
 * once, when the server starts; where they are is the caller's to say ({@link monitorAssets}).
 */
import { promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Registry } from 'prom-client';
import { Catalog } from '../catalog.js';
import { InvalidArgumentError, StructuredRxError } from '../errors.js';
import { MonitorHub } from './hub.js';

export interface MonitorOptions {
  /** The TCP port; 0 takes any free one (see `MonitorServer.url`). Default 4040, the Spark UI's. */
  readonly port?: number;
  /** The address to listen on. Default `127.0.0.1`: the page runs SQL for whoever reaches it. */
  readonly host?: string;
  /** The catalog whose tables the page shows (each query's result table) and queries with SQL. */
  readonly catalog?: Catalog;
  /** The registry `/metrics` serves (the queries' metrics are added to it); default a new one. */
  readonly registry?: Registry;
  /** The page is sent what changed at most this often, in ms. Default 200. */
  readonly updateIntervalMs?: number;
}

export interface MonitorServer {
  /** `http://host:port/`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** The registry `/metrics` serves. */
  readonly registry: Registry;
  /** Ends the pages' streams (they show the last state and do not reconnect), closes every connection and stops listening. */
  close(): Promise<void>;
}

/** The server could not listen (the port is in use, the address is not this machine's, ...). */
export class MonitorServerError extends StructuredRxError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`serveMonitor: cannot listen on ${host}:${port}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A file the server sends, by URL path. */
export interface MonitorAsset {
  readonly file: string;
  readonly type: string;
}

/**
 * Where the page's files are in a package root (a clone, or `node_modules/structured-rx`): the
 * page in `src/monitor/static`, uPlot where Node resolves it from the package.
 */
export function monitorAssets(packageRoot: string): ReadonlyMap<string, MonitorAsset> {
  const staticDir = path.join(packageRoot, 'src', 'monitor', 'static');
  const uplotDir = path.dirname(createRequire(path.join(packageRoot, 'package.json')).resolve('uplot/dist/uPlot.iife.min.js'));
  return new Map([
    ['/', { file: path.join(staticDir, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/app.js', { file: path.join(staticDir, 'app.js'), type: 'text/javascript; charset=utf-8' }],
    ['/style.css', { file: path.join(staticDir, 'style.css'), type: 'text/css; charset=utf-8' }],
    ['/vendor/uPlot.iife.min.js', { file: path.join(uplotDir, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
    ['/vendor/uPlot.min.css', { file: path.join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
}

const OP = 'serveMonitor';
/** The longest SQL statement the page may send (it travels in the URL; Node takes 16 KiB of headers). */
const MAX_STATEMENT = 8 * 1024;

function checkOptions(options: MonitorOptions): { port: number; host: string; updateIntervalMs: number } {
  const port = options.port ?? 4040;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(OP, 'port', port, 'a whole number from 0 to 65535 (0: any free port)');
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.trim() === '') throw new InvalidArgumentError(OP, 'host', host, 'a host name or IP address');
  if (options.catalog !== undefined && !(options.catalog instanceof Catalog)) throw new InvalidArgumentError(OP, 'catalog', options.catalog, 'a Catalog');
  if (options.registry !== undefined && !(options.registry instanceof Registry)) throw new InvalidArgumentError(OP, 'registry', options.registry, 'a prom-client Registry');
  const updateIntervalMs = options.updateIntervalMs ?? 200;
  if (typeof updateIntervalMs !== 'number' || !Number.isFinite(updateIntervalMs) || updateIntervalMs <= 0) {
    throw new InvalidArgumentError(OP, 'updateIntervalMs', updateIntervalMs, 'a positive number of milliseconds');
  }
  return { port, host, updateIntervalMs };
}

/**
 * Starts the monitor with the page's files at `assets`; a bad option throws here, at once.
 * Library users call `serveMonitor` from `structured-rx/monitor`.
 */
export function startMonitorServer(options: MonitorOptions, assets: () => ReadonlyMap<string, MonitorAsset>): Promise<MonitorServer> {
  return listen(options, checkOptions(options), assets);
}

async function listen(
  options: MonitorOptions,
  { port, host, updateIntervalMs }: { port: number; host: string; updateIntervalMs: number },
  assets: () => ReadonlyMap<string, MonitorAsset>,
): Promise<MonitorServer> {
  // The hub follows the queries from this call on (before any await), so that a query that ends
  // while the server starts is still on the page.
  const registry = options.registry ?? new Registry();
  const hub = new MonitorHub({ catalog: options.catalog, registry, updateIntervalMs });
  const files = new Map<string, { body: Buffer; type: string }>();
  try {
    for (const [route, asset] of assets()) files.set(route, { body: await fsp.readFile(asset.file), type: asset.type });
  } catch (e) {
    hub.close();
    throw e;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', e instanceof Error ? e.message : String(e));
      else res.destroy();
    });
  });
  const loopback = isLoopback(host);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://monitor');
    // Bound to this machine only: a page of another site that renamed its address to 127.0.0.1
    // (DNS rebinding) must not read the tables, so the Host header has to name this machine too.
    if (loopback && !isLoopback(hostName(req.headers.host))) return send(res, 403, 'text/plain; charset=utf-8', 'the monitor answers requests for this machine only (Host: localhost or a loopback address)');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'only GET', { allow: 'GET, HEAD' });
    const file = files.get(url.pathname === '/index.html' ? '/' : url.pathname);
    if (file !== undefined) return send(res, 200, file.type, file.body);
    switch (url.pathname) {
      case '/events':
        return hub.addClient(res);
      case '/sql': {
        const statement = url.searchParams.get('q') ?? '';
        if (statement.trim() === '' || statement.length > MAX_STATEMENT) {
          return send(res, 400, 'text/plain; charset=utf-8', `q: expected a SELECT statement of 1 to ${MAX_STATEMENT} characters`);
        }
        return hub.addSqlClient(res, statement);
      }
      case '/api/queries':
        return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(hub.hello()));
      case '/metrics':
        return send(res, 200, registry.contentType, await registry.metrics());
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    }
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    hub.close();
    throw new MonitorServerError(host, port, (e as NodeJS.ErrnoException).code, e);
  }
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`,
    port: bound,
    registry,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The host name of a Host header (`127.0.0.1:4040` → `127.0.0.1`, `[::1]:4040` → `::1`). */
function hostName(header: string | undefined): string {
  if (header === undefined) return '';
  const bracketed = /^\[([^\]]*)\]/.exec(header);
  return (bracketed?.[1] ?? header.replace(/:\d+$/, '')).toLowerCase();
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
