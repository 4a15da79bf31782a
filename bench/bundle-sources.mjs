// The library bundled from its TypeScript sources with esbuild-wasm, for benchmarks that compare
// the working tree with a git ref in one process (bench/byte-scan.bench.mjs,
// bench/small-files.bench.mjs): nothing is built into dist/, so another build there cannot change
// what is measured. Dependencies stay outside the bundle; write it where they resolve (under the
// project, e.g. bench/node_modules).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * An esbuild plugin: modules read from git `ref` instead of the working tree: every one under
 * src/ and operators/, or only the files in `only` (paths relative to `root`, or absolute).
 */
export function fromRef(root, ref, only) {
  const files = only?.map((f) => resolve(root, f));
  return {
    name: 'modules-at-ref',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (a) => {
        const rel = a.path.slice(root.length + 1);
        if (files === undefined ? !/^(src|operators)\//.test(rel) : !files.includes(a.path)) return undefined;
        return { contents: execFileSync('git', ['show', `${ref}:${rel}`], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 }), loader: 'ts' };
      });
    },
  };
}

/** Bundles `contents` (a TypeScript module that re-exports what the benchmark needs, resolved from `resolveDir`) into `outfile`. */
export async function bundleSources({ contents, resolveDir, outfile, plugins = [] }) {
  const esbuild = await import('esbuild-wasm');
  await esbuild.build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    plugins,
    logLevel: 'error',
  });
  return outfile;
}
