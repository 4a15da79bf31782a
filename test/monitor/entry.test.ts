/**
 * What importing the package loads, in a fresh Node, through the package's own entries (the
 * bundled modules of dist/bundle, as a user's `import 'structured-rx'` resolves them):
 * `structured-rx` loads neither the monitor's dependencies (prom-client, node:http) nor the ones
 * only some queries need (luxon, picomatch, the SQL parser); each loads when first used, and
 * `structured-rx/monitor` loads the monitor's.
 */
import { execFileSync } from 'node:child_process';
import { ensureBuilt, ROOT } from '../cli/helpers.js';

beforeAll(ensureBuilt);

interface Loaded {
  readonly promClient: boolean;
  readonly http: boolean;
  readonly luxon: boolean;
  readonly picomatch: boolean;
  readonly sqlParser: boolean;
}

/** Runs `steps` (ES module statements) in a fresh Node in the package's folder; after each step marked with `snapshot()`, what is loaded. */
function loadedAfter(steps: string): Loaded[] {
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    const has = (part) => Object.keys(cache).some((k) => k.includes(part));
    const seen = [];
    const snapshot = () => seen.push({
      promClient: has('/node_modules/prom-client/'),
      http: process.moduleLoadList.includes('NativeModule http'),
      luxon: has('/node_modules/luxon/'),
      picomatch: has('/node_modules/picomatch/'),
      sqlParser: has('sql-parser'),
    });
    ${steps}
    console.log(JSON.stringify(seen));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as Loaded[];
}

const NOTHING: Loaded = { promClient: false, http: false, luxon: false, picomatch: false, sqlParser: false };

it('importing structured-rx and structured-rx/testing loads no monitor dependency; structured-rx/monitor loads them', () => {
  const [lib, testing, monitor] = loadedAfter(`
    await import('structured-rx'); snapshot();
    await import('structured-rx/testing'); snapshot();
    await import('structured-rx/monitor'); snapshot();`);
  expect(lib).toEqual(NOTHING);
  expect(testing).toEqual(NOTHING);
  expect(monitor).toMatchObject({ promClient: true, http: true });
});

it('luxon, picomatch and the SQL parser load on first use, and work once loaded', () => {
  const [imported, parsed, globbed, timed] = loadedAfter(`
    const srx = await import('structured-rx');
    snapshot();
    const catalog = new srx.Catalog();
    catalog.replace('t', [{ x: 1 }], { batchId: 0, isStreaming: false });
    if (catalog.sql('select x + 1 as y from t').rows[0].y !== 2) throw new Error('sql');
    snapshot();
    srx.readJsonFiles('.', { schema: { time: 'timestamp' }, pathGlobFilter: '*.json' });
    snapshot();
    srx.readJsonFiles('.', { schema: { time: 'timestamp' }, timeZone: 'Asia/Kolkata' });
    snapshot();`);
  expect(imported).toEqual(NOTHING);
  expect(parsed).toEqual({ ...NOTHING, sqlParser: true });
  expect(globbed).toEqual({ ...NOTHING, sqlParser: true, picomatch: true });
  expect(timed).toEqual({ ...NOTHING, sqlParser: true, picomatch: true, luxon: true });
});
