/**
 * Where the installed package is: the nearest folder above a module's own file whose
 * `package.json` names `structured-rx`. The built modules live at different depths (the compiled
 * tree under `dist/src`, the bundled entries under `dist/bundle`), so the few modules that look
 * for the package's own files (the command's bundled dataset, the monitor's page) ask this
 * rather than count folders.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StructuredRxError } from './errors.js';

const NAME = 'structured-rx';

/** The package's root folder, with a trailing separator, for a module URL (`import.meta.url`). */
export function packageRoot(moduleUrl: string): string {
  const start = path.dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (isPackageRoot(dir)) return dir.endsWith(path.sep) ? dir : dir + path.sep;
    if (path.dirname(dir) === dir) throw new StructuredRxError(`${NAME}: no package.json naming ${NAME} above ${start}`);
  }
}

function isPackageRoot(dir: string): boolean {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'package.json'), 'utf8');
  } catch {
    return false;
  }
  try {
    const pkg: unknown = JSON.parse(text);
    return typeof pkg === 'object' && pkg !== null && (pkg as { name?: unknown }).name === NAME;
  } catch {
    return false;
  }
}
