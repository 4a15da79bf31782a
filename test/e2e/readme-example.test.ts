/**
 * The worked example of marbles/README.md runs as it is written, so the documentation cannot
 * drift: extracted, compiled against this package's build (dist/, made by `npm test` before
 * jest) and run under node's own test runner, node:test. A copy with a wrong watermark must fail
 * there, with the kit's side-by-side message.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, compileExample, runNodeTest, workedExample } from '../support/readme-example.js';

describe('the worked example of marbles/README.md', () => {
  let dir: string;
  let compiled: string;
  beforeAll(() => {
    expect(existsSync(join(ROOT, 'dist', 'src', 'testing', 'index.js'))).toBe(true);
    // Inside the package, so `structured-rx` and `structured-rx/testing` resolve to the package itself (dist/).
    dir = mkdtempSync(join(ROOT, 'dist', 'readme-example-'));
    compiled = compileExample(dir, workedExample());
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes under node --test', () => {
    const { status, output } = runNodeTest(compiled, dir);
    expect(output).toMatch(/^# pass 1$/m);
    expect(output).toMatch(/^# fail 0$/m);
    expect(status).toBe(0);
  }, 60_000);

  it('fails under node --test when it expects a wrong watermark, showing expected and actual at the frame', () => {
    const wrong = join(dir, 'wrong.test.js');
    const js = readFileSync(compiled, 'utf8');
    expect(js).toContain("b: '03:05'");
    writeFileSync(wrong, js.replace("b: '03:05'", "b: '03:15'"));
    const { status, output } = runNodeTest(wrong, dir);
    expect(status).not.toBe(0);
    expect(output).toMatch(/^# fail 1$/m);
    expect(output).toContain('MarbleAssertionError');
    expect(output).toMatch(/1000 ✗ '03:15' +│ '03:05'/);
  }, 60_000);
});
