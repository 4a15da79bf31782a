// `npm run conformance -- [dir]`: runs every *.json case file of dir (default
// test/conformance/spark), prints PASS <id> or FAIL <id>: <reason> per case and variant, then
// `N passed, M failed`, and exits 1 when any failed.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { caseFiles, formatResult, runDirectory } from './runner.js';

const dir = resolve(process.argv[2] ?? 'test/conformance/spark');
if (!existsSync(dir) || !statSync(dir).isDirectory()) {
  console.error(`conformance: ${dir} is not a directory`);
  process.exit(1);
}
if ((await caseFiles(dir)).length === 0) {
  console.error(`conformance: no *.json case files in ${dir}`);
  process.exit(1);
}
const results = await runDirectory(dir, { onResult: (r) => console.log(formatResult(r)) });
const failed = results.filter((r) => !r.passed).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
