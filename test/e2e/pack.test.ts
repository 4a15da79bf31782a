/**
 * The package works when installed: `npm pack`, install the tarball into a scratch project with
 * `--ignore-scripts` (the package needs none), import the operators by name, and run the notebook
 * query and the command over the dataset the package ships, in file-number order although npm
 * unpacks it in alphabetical order. `npm test` builds dist/ before jest runs; this test packs that
 * build (without re-running the build, so it cannot race other tests that read dist/).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileExample, runNodeTest, workedExample } from '../support/readme-example.js';

const ROOT = join(__dirname, '..', '..');

const SCRIPT = `
import { lastValueFrom } from 'rxjs';
import { Catalog, readJsonFiles, inNameOrder, throttleFiles, tumblingWindow, groupCount, toMemoryTable, startQuery } from 'structured-rx';
import { VirtualFileSystem } from 'structured-rx/testing';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const pkgDir = dirname(createRequire(import.meta.url).resolve('structured-rx/package.json'));
const dir = join(pkgDir, 'datasets', 'events');
const catalog = new Catalog();
const query = startQuery(
  readJsonFiles(dir, { schema: 'time TIMESTAMP, action STRING', watch: false, fileSystem: inNameOrder() }).pipe(
    throttleFiles(1),
    tumblingWindow('time', '1 hour'),
    groupCount('action', 'window'),
    toMemoryTable('counts', { catalog, outputMode: 'complete' }),
  ),
);
await query.awaitTermination();
const totals = {};
for (const r of catalog.table('counts').rows) totals[r.action] = (totals[r.action] ?? 0) + r.count;
const files = query.recentProgress.map((p) => p.sources[0].inputs[0]);
console.log(JSON.stringify({ totals, batches: query.recentProgress.length, files, vfs: typeof VirtualFileSystem }));
`;

describe('the packed package', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'structured-rx-pack-'));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('installs from its tarball and runs the notebook query by public names', () => {
    expect(existsSync(join(ROOT, 'dist', 'src', 'index.js'))).toBe(true);
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch], { cwd: ROOT, encoding: 'utf8' });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    expect(out).toContain('structured-rx-');

    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(scratch, tarball as string), 'rxjs@7'], {
      cwd: scratch,
      encoding: 'utf8',
    });
    writeFileSync(join(scratch, 'notebook.mjs'), SCRIPT);
    const result = JSON.parse(execFileSync('node', ['notebook.mjs'], { cwd: scratch, encoding: 'utf8' })) as {
      totals: Record<string, number>;
      batches: number;
      files: string[];
      vfs: string;
    };
    expect(result.totals).toEqual({ Close: 50_000, Open: 50_000 });
    expect(result.batches).toBe(50);
    const inOrder = [...Array(50).keys()].map((i) => `file-${i}.json`);
    // npm unpacks the files one after the other in alphabetical order, each with the time it was
    // written (file-10 before file-2); inNameOrder() reads them by name.
    const installed = join(scratch, 'node_modules', 'structured-rx');
    const byTime = readdirSync(join(installed, 'datasets', 'events')).sort(
      (a, b) => statSync(join(installed, 'datasets', 'events', a)).mtimeMs - statSync(join(installed, 'datasets', 'events', b)).mtimeMs,
    );
    expect(byTime).not.toEqual(inOrder);
    expect(result.files).toEqual(inOrder);
    expect(result.vfs).toBe('function');

    // The installed command streams its bundled dataset in file-number order too.
    const json = execFileSync(join(scratch, 'node_modules', '.bin', 'structured-rx'), ['--json'], { cwd: scratch, encoding: 'utf8' });
    expect(json.trim().split('\n').map((l) => (JSON.parse(l) as { files: string[] }).files.join(','))).toEqual(inOrder);
    // Nothing of the package is a source map (they would point at sources it does not ship), and its license is there.
    expect(readdirSync(join(installed, 'dist', 'src'), { recursive: true }).filter((f) => String(f).endsWith('.map'))).toEqual([]);
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toContain('Apache License');

    // The README's notebook, verbatim, against the installed package, as in a clone: the dataset
    // at the relative path the README uses, with the modification times `npm ci` gives a clone
    // (its prepare step runs scripts/restore-mtimes.mjs).
    cpSync(join(installed, 'datasets', 'events'), join(scratch, 'datasets', 'events'), { recursive: true });
    execFileSync('node', [join(ROOT, 'scripts', 'restore-mtimes.mjs'), join(scratch, 'datasets', 'events')]);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## The notebook in TypeScript[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    writeFileSync(join(scratch, 'readme-notebook.mjs'), block as string);
    const notebookOut = execFileSync('node', [join(scratch, 'readme-notebook.mjs')], { cwd: scratch, encoding: 'utf8' });
    expect(notebookOut.trim().split('\n')).toEqual([...Array(50).keys()].map((i) => `batch ${i}: file-${i}.json 2000 rows`));

    // The README's event-time example, verbatim, against the installed package: append mode
    // over the bundled dataset emits final windows and keeps the state bounded.
    const eventBlock = /## Event time: watermarks[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(eventBlock).toBeDefined();
    writeFileSync(
      join(scratch, 'readme-event-time.mjs'),
      `${eventBlock as string}\nconsole.log(JSON.stringify({ state: query.lastProgress?.stateOperators[0]?.numRowsTotal, emitted: catalog.table('final_counts')?.rows.length }));\n`,
    );
    const eventOut = execFileSync('node', [join(scratch, 'readme-event-time.mjs')], { cwd: scratch, encoding: 'utf8' });
    const summary = JSON.parse(eventOut.trim().split('\n').pop() as string) as { state: number; emitted: number };
    expect(summary.state).toBeLessThanOrEqual(4); // the windows still open behind the watermark
    expect(summary.emitted).toBeGreaterThan(100); // every other window of the 50 files, once
  }, 180_000);

  it('runs the worked example of marbles/README.md unchanged, under node --test, in the project that installed it', () => {
    // The project the test above made: the packed package and rxjs installed, nothing else.
    expect(existsSync(join(scratch, 'node_modules', 'structured-rx', 'dist', 'src', 'testing', 'index.d.ts'))).toBe(true);
    const compiled = compileExample(scratch, workedExample()); // type-checked against the installed package's types
    const { status, output } = runNodeTest(compiled, scratch);
    expect(output).toMatch(/^# pass 1$/m);
    expect(output).toMatch(/^# fail 0$/m);
    expect(status).toBe(0);
  }, 120_000);

  it('serves the monitor page from the installed package, with uPlot from its dependencies and /metrics', () => {
    // The project the first test made. Every file the page needs comes from node_modules.
    writeFileSync(join(scratch, 'monitor.mjs'), MONITOR_SCRIPT);
    const result = JSON.parse(execFileSync('node', ['monitor.mjs'], { cwd: scratch, encoding: 'utf8' })) as {
      files: Record<string, { status: number; type: string; bytes: number }>;
      batches: string | undefined;
    };
    for (const [file, got] of Object.entries(result.files)) {
      expect([file, got.status]).toEqual([file, 200]);
      expect(got.bytes).toBeGreaterThan(100);
    }
    expect(result.files['vendor/uPlot.iife.min.js']?.type).toMatch(/^text\/javascript/);
    expect(result.batches).toBe('50');
  }, 60_000);
});

/** Serves the monitor over the bundled dataset's query from the installed package, and reads the page's files and /metrics. */
const MONITOR_SCRIPT = `
import { Catalog, readJsonFiles, inNameOrder, throttleFiles, groupCount, toMemoryTable, startQuery } from 'structured-rx';
import { serveMonitor } from 'structured-rx/monitor';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const dir = join(dirname(createRequire(import.meta.url).resolve('structured-rx/package.json')), 'datasets', 'events');
const catalog = new Catalog();
const query = startQuery(
  readJsonFiles(dir, { schema: 'time TIMESTAMP, action STRING', watch: false, fileSystem: inNameOrder() }).pipe(
    throttleFiles(1),
    groupCount('action'),
    toMemoryTable('totals', { catalog, outputMode: 'complete' }),
  ),
);
const monitor = await serveMonitor({ port: 0, catalog });
await query.awaitTermination();
const files = {};
for (const file of ['', 'app.js', 'style.css', 'vendor/uPlot.iife.min.js', 'vendor/uPlot.min.css']) {
  const res = await fetch(monitor.url + file);
  files[file] = { status: res.status, type: res.headers.get('content-type'), bytes: (await res.arrayBuffer()).byteLength };
}
const metrics = await (await fetch(monitor.url + 'metrics')).text();
await monitor.close();
console.log(JSON.stringify({ files, batches: /^structured_rx_batches_total\\{[^}]*\\} (\\d+)$/m.exec(metrics)?.[1] }));
`;
