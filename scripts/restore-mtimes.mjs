#!/usr/bin/env node
// Git and `npm pack` do not keep modification times, but the file source orders files by
// modification time (oldest first). This install step gives the bundled dataset's files
// strictly increasing mtimes in file-number order (file-0 oldest), so a fresh clone or an
// installed copy streams them in the same order as the generator wrote them.
import { readdirSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', 'events');
const BASE_SECONDS = Date.UTC(2016, 6, 26, 0, 0, 0) / 1000;

let names = [];
try {
  names = readdirSync(dir);
} catch {
  process.exit(0); // no bundled dataset here: nothing to restore
}
for (const name of names) {
  const m = /^file-(\d+)\.json$/.exec(name);
  if (m === null) continue;
  const t = BASE_SECONDS + Number(m[1]);
  utimesSync(join(dir, name), t, t);
}
