/**
 * The Spark conformance ratchet: every case in test/conformance/spark runs through the runner.
 * A case that fails must be listed in known-failing.json (with a one-line reason), and a listed
 * case that passes must be removed from it, so the list only shrinks.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { caseIds, formatResult, runCaseFile } from './runner.js';

const DIR = join(__dirname, 'spark');
const KNOWN_FAILING_FILE = join(__dirname, 'known-failing.json');
const knownFailing = JSON.parse(readFileSync(KNOWN_FAILING_FILE, 'utf8')) as Record<string, string>;
const files = readdirSync(DIR)
  .filter((n) => n.endsWith('.json'))
  .sort();

describe('Spark conformance cases (ratchet on known-failing.json)', () => {
  it('has case files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('known-failing.json lists only existing case ids, each with a reason', () => {
    const ids = new Set(files.flatMap((f) => caseIds(join(DIR, f))));
    const stale = Object.keys(knownFailing).filter((id) => !ids.has(id));
    expect(stale).toEqual([]);
    const withoutReason = Object.entries(knownFailing).filter(([, reason]) => typeof reason !== 'string' || reason.trim() === '' || reason.includes('\n'));
    expect(withoutReason).toEqual([]);
  });

  it.each(files)('%s', async (file) => {
    const results = await runCaseFile(join(DIR, file));
    expect(results.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const r of results) {
      const listed = Object.hasOwn(knownFailing, r.id);
      if (!r.passed && !listed) problems.push(`${formatResult(r)} -- a regression, or a new case: fix it, or list it in known-failing.json with a reason`);
      if (r.passed && listed) problems.push(`PASS ${r.id} -- it is listed in known-failing.json: remove it from the list`);
    }
    expect(problems).toEqual([]);
  });
});
