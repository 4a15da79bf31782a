/**
 * `structured-rx` never loads the monitor: importing the package (the built entry, in a fresh
 * Node) loads neither prom-client nor uPlot nor node:http; importing `structured-rx/monitor` does.
 */
import { execFileSync } from 'node:child_process';
import { ensureBuilt, ROOT } from '../cli/helpers.js';

beforeAll(ensureBuilt);

/** What a fresh Node has loaded after importing the given modules of dist/, in order. */
function loadedAfter(...entries: string[]): { promClient: number[]; http: boolean[] } {
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    const promClient = [], http = [];
    for (const entry of ${JSON.stringify(entries)}) {
      await import(entry);
      promClient.push(Object.keys(cache).filter((k) => k.includes('/node_modules/prom-client/')).length);
      http.push(process.moduleLoadList.includes('NativeModule http'));
    }
    console.log(JSON.stringify({ promClient, http }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as { promClient: number[]; http: boolean[] };
}

it('importing structured-rx loads no monitor dependency; structured-rx/monitor loads them', () => {
  const loaded = loadedAfter('./dist/src/index.js', './dist/src/testing/index.js', './dist/src/monitor/index.js');
  expect(loaded.promClient.slice(0, 2)).toEqual([0, 0]);
  expect(loaded.http.slice(0, 2)).toEqual([false, false]);
  expect(loaded.promClient[2]).toBeGreaterThan(0);
  expect(loaded.http[2]).toBe(true);
});
