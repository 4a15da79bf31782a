#!/usr/bin/env node
/**
 * The `structured-rx` command. The only module of the command that looks at its own location
 * (`import.meta.url`): the bundled dataset and package.json are found relative to it, so the
 * default works from an installed copy too. Everything else lives in `run.ts`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot as findPackageRoot } from '../package-root.js';
import { runCli } from './run.js';

const packageRoot = findPackageRoot(import.meta.url);
const bundledDir = path.join(packageRoot, 'datasets', 'events');

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(`${packageRoot}package.json`, 'utf8'));
    const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const code = await runCli(process.argv.slice(2), {
  bundledDir,
  version: packageVersion(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
process.exitCode = code;
