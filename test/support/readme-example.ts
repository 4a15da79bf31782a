/**
 * The worked example of marbles/README.md as a program: extracted from the README, compiled
 * with the project's TypeScript against whatever `structured-rx` resolves to where it is
 * written (this package itself, or an installed tarball), and run with `node --test`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
