// The committed parser (src/sql/grammar/parser.ts) is generated from src/sql/grammar/spark.peggy:
// regenerating it must give the same text, so a change to the grammar is never left unbuilt.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('the generated SQL parser matches its grammar', () => {
  const root = join(__dirname, '..', '..');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-sql-grammar.mjs'), '--check'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
