#!/usr/bin/env node
// Git and npm do not keep modification times, but the file source orders files by
// modification time (oldest first). A clone's prepare step (npm ci, npm install) runs this: it
// gives the bundled dataset's files strictly increasing mtimes in file-number order (file-0
// oldest), so code reading datasets/events in a clone streams them in the order the generator
// wrote them. An installed package needs none of it: the command reads the bundled dataset
// through inNameOrder(), by file name.
//
// Rule: file-N.json gets mtime (and atime) 2016-07-26T00:00:00Z + N seconds.
// The generator (scripts/generate-events.mjs) imports `restoreMtimes` to apply the same rule
// to any directory it writes.
import { readdirSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain } from './is-main.mjs';

export const DEFAULT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', 'events');
export const BASE_SECONDS = Date.UTC(2016, 6, 26, 0, 0, 0) / 1000;

/**
 * Sets the mtime of every `file-N.json` in `dir` to BASE_SECONDS + N.
 * Returns how many files were touched; a missing directory is not an error (returns 0).
 */
export function restoreMtimes(dir = DEFAULT_DIR) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // no dataset here: nothing to restore
  }
  let touched = 0;
  for (const name of names) {
    const m = /^file-(\d+)\.json$/.exec(name);
    if (m === null) continue;
    const t = BASE_SECONDS + Number(m[1]);
    utimesSync(join(dir, name), t, t);
    touched++;
  }
  return touched;
}

if (isMain(import.meta.url)) {
  restoreMtimes(process.argv[2] ?? DEFAULT_DIR);
}
