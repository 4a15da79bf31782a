/**
 * The kit is not tied to a test runner: the worked example of marbles/README.md, given vitest's
 * `test` and `expect(...).toEqual`, passes under vitest, and fails there with the kit's
 * side-by-side message when it expects a wrong watermark. (jest runs the project's own marble
 * tests; node:test runs the example as written: readme-example.test.ts.) vitest is installed on
 * first use into test/runners, as it ships per-platform binaries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUNNERS_DIR, asVitest, ensureVitest, runVitest, workedExample } from '../support/readme-example.js';

describe('the worked example under vitest', () => {
  let dir: string;
  beforeAll(() => {
    ensureVitest();
    dir = mkdtempSync(join(RUNNERS_DIR, 'example-'));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes with expect(...).toEqual as the kit’s assertion', () => {
    const { status, output } = runVitest(dir, 'example', asVitest(workedExample()));
    expect(output).toMatch(/Tests +1 passed \(1\)/);
    expect(status).toBe(0);
  }, 120_000);

  it('fails with the side-by-side message when it expects a wrong watermark', () => {
    const source = asVitest(workedExample());
    expect(source).toContain("b: '03:05'");
    const { status, output } = runVitest(dir, 'wrong', source.replace("b: '03:05'", "b: '03:15'"));
    expect(status).not.toBe(0);
    expect(output).toContain('MarbleAssertionError');
    expect(output).toMatch(/1000 ✗ '03:15' +│ '03:05'/);
  }, 120_000);
});
