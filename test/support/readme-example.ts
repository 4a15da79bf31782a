/**
 * The worked example of marbles/README.md as a program: extracted from the README, compiled
 * with the project's TypeScript against whatever `structured-rx` resolves to where it is
 * written (this package itself, or an installed tarball), and run with `node --test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');

/** The `ts` block after the `<!-- worked-example -->` marker of marbles/README.md. */
export function workedExample(): string {
  const readme = readFileSync(join(ROOT, 'marbles', 'README.md'), 'utf8');
  const block = /<!-- worked-example -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('marbles/README.md has no ```ts block after <!-- worked-example -->');
  return block;
}

/** Writes `source` as `example.test.ts` in `dir` and compiles it (strict, NodeNext) next to itself; throws with the compiler's output when it does not compile. */
export function compileExample(dir: string, source: string): string {
  writeFileSync(join(dir, 'example.test.ts'), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
      files: ['example.test.ts'],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`the worked example does not compile:\n${tsc.stdout}${tsc.stderr}`);
  return join(dir, 'example.test.js');
}

/** Runs a compiled test file with node's own runner; its exit status and what it printed. */
export function runNodeTest(file: string, cwd: string): { readonly status: number | null; readonly output: string } {
  const run = spawnSync(process.execPath, ['--test', file], { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Where the vitest runner is installed on first use (ignored by git): it ships native bindings per platform (esbuild, rollup), so it cannot be a devDependency. */
export const RUNNERS_DIR = join(ROOT, 'test', 'runners');
export const VITEST_PACKAGE = 'vitest@3.2.4';

/** Installs vitest into test/runners/node_modules unless it is there. */
export function ensureVitest(): void {
  if (existsSync(join(RUNNERS_DIR, 'node_modules', 'vitest', 'vitest.mjs'))) return;
  mkdirSync(RUNNERS_DIR, { recursive: true });
  const npm = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', RUNNERS_DIR, VITEST_PACKAGE], { encoding: 'utf8' });
  if (npm.status !== 0) throw new Error(`could not install ${VITEST_PACKAGE} for the runner test:\n${npm.stdout}${npm.stderr}`);
}

/** The example as a vitest file: `test` and `expect` from vitest, the kit given vitest's `toEqual`. */
export function asVitest(source: string): string {
  const out = source
    .replace("import { test } from 'node:test';", "import { expect, test } from 'vitest';")
    .replace('createTestScheduler(assert.deepStrictEqual)', 'createTestScheduler((actual, expected) => expect(actual).toEqual(expected))');
  if (!out.includes("from 'vitest'") || !out.includes('toEqual')) throw new Error('the worked example no longer imports test from node:test or passes assert.deepStrictEqual');
  return out;
}

/**
 * Runs TypeScript `source` with vitest, as `<name>.vitest.mjs` in `dir` (under test/runners):
 * types stripped first (the example's types are checked by `compileExample`), so neither jest nor
 * the typecheck ever sees the file; `structured-rx` resolves to this package's build.
 */
export function runVitest(dir: string, name: string, source: string): { readonly status: number | null; readonly output: string } {
  const file = `${name}.vitest.mjs`;
  writeFileSync(join(dir, file), ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
  const alias = (id: string, to: string) => `{ find: /^${id.replace('/', '\\/')}$/, replacement: ${JSON.stringify(join(ROOT, to))} }`;
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    `export default { resolve: { alias: [${alias('structured-rx/testing', 'dist/bundle/testing.js')}, ${alias('structured-rx', 'dist/bundle/index.js')}] }, test: { include: [${JSON.stringify(file)}] } };\n`,
  );
  const run = spawnSync(process.execPath, [join(RUNNERS_DIR, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
