/**
 * `structured-rx --ui [port]`: the built command serves the monitor while its query runs (the
 * address on stderr, the page, /api/queries and /metrics following the triggers) and closes it
 * when the query ends; a bad port value is a usage error and a port in use one line, exit 1.
 */
import { createServer } from 'node:net';
import parsePrometheus from 'parse-prometheus-text-format';
import { parseCommandLine } from '../../src/cli/options.js';
import type { HelloMessage } from '../../src/monitor/hub.js';
import { EVENTS, ensureBuilt, removeTempDirs, runCommand, startCommand, tempDir } from '../cli/helpers.js';
import { addEvents, get } from './helpers.js';

beforeAll(ensureBuilt);
afterAll(removeTempDirs);

const context = { bundledDir: EVENTS, version: '0.0.0' };
const URL_LINE = /^structured-rx: monitor at (http:\/\/127\.0\.0\.1:\d+\/) \(Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics\); it closes when the query ends$/;

describe('--ui on the command line', () => {
  it.each([
    [['--ui'], 4040],
    [['--ui', '8080'], 8080],
    [['--ui=0'], 0],
    [['some/dir', '--ui'], 4040],
    [[], undefined],
  ])('%j asks for port %p', (argv, port) => {
    const parsed = parseCommandLine(argv, context);
    expect(parsed.kind === 'run' ? parsed.options.ui : 'not a run').toBe(port);
  });

  it('a value that is not a port is a usage error that says where DIR goes', async () => {
    const r = await runCommand(['--ui', 'datasets/events']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('structured-rx: invalid --ui "datasets/events": expected a port number from 0 to 65535, 0 for any free port (DIR goes before --ui, or --ui=PORT)\n');
    expect(r.stdout).toBe('');
  });

  it('a port in use is one line, exit 1, and the query does not keep running', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCommand(['--ui', String(port), '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`structured-rx: --ui cannot serve the monitor (the port is in use; give another, or --ui 0 for any free one): 127.0.0.1:${port}\n`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

describe('a watching run with --ui 0', () => {
  it('serves the page and metrics that follow the triggers, and closes the monitor when stopped', async () => {
    const dir = tempDir();
    addEvents(dir, 'file-0.json', 20, 0);
    const run = startCommand([dir, '--watch', '--json', '--ui', '0']);
    const [line] = await run.lines(1, 'stderr');
    const url = URL_LINE.exec(line ?? '')?.[1];
    expect(url).toBeDefined();
    const base = url as string;
    expect((await get(base)).body).toContain('<title>structured-rx');

    const inputRows = async (): Promise<number> => {
      const families = parsePrometheus((await get(`${base}metrics`)).body);
      return Number(families.find((f) => f.name === 'structured_rx_input_rows_total')?.metrics[0]?.value ?? NaN);
    };
    await run.lines(1); // batch 0's --json line
    expect(await inputRows()).toBe(20);
    addEvents(dir, 'file-1.json', 7, 60);
    await run.lines(2);
    expect(await inputRows()).toBe(27);
    const hello = JSON.parse((await get(`${base}api/queries`)).body) as HelloMessage;
    expect(hello.queries.map((q) => [q.name, q.active, q.table])).toEqual([['counts', true, 'counts']]);
    expect(hello.tables.map((t) => t.name)).toEqual(['counts']);

    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(0);
    await expect(get(base)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('without --watch the monitor closes when the files are done, and the command exits', async () => {
    const dir = tempDir();
    addEvents(dir, 'file-0.json', 5, 0);
    const r = await runCommand([dir, '--json', '--ui', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd()).toMatch(URL_LINE);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { numInputRows: number }).numInputRows)).toEqual([5]);
    const url = URL_LINE.exec(r.stderr.trim())?.[1] as string;
    await expect(get(url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
