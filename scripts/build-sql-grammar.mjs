#!/usr/bin/env node
// Generates src/sql/grammar/parser.ts from src/sql/grammar/spark.peggy with Peggy (a dev
// dependency: the generated parser has no runtime dependency). The output is committed, and
// test/sql/grammar.test.ts checks that it matches the grammar.
//   node scripts/build-sql-grammar.mjs           writes the parser
//   node scripts/build-sql-grammar.mjs --check   exits 1 when the committed parser is stale
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSqlParser } from './sql-grammar.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'src/sql/grammar/parser.ts');
const source = generateSqlParser(root);
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== source) {
    process.stderr.write('src/sql/grammar/parser.ts is stale: run node scripts/build-sql-grammar.mjs\n');
    process.exit(1);
  }
} else {
  fs.writeFileSync(target, source);
}
