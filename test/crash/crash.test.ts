// The crash test (scripts/crash-test.mjs) in small: a checkpointed windowed count written by the file
// sink is killed with SIGKILL at random moments and at its crash points (in checkpoint writes and
// between a data file and the sink's log entry), restarted until its input is processed, and what
// its sink committed must equal an uninterrupted run's rows, as a multiset. It runs the compiled
// library in dist/ (`npm test` builds it first); `npm run crash-test -- --trials N` runs more.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface Summary {
  trials: number;
  kills: number;
  restarts: number;
  rows: number;
  failures: number;
  byCause: Record<string, number>;
}

function runCrashTest(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'scripts', 'crash-test.mjs'), ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the crash test', () => {
  it('kills and restarts a checkpointed query with the file sink; its committed rows equal an uninterrupted run’s', async () => {
    expect(existsSync(join(root, 'dist', 'src', 'index.js'))).toBe(true); // built by `npm test` (npm run build)
    const { code, stdout, stderr } = await runCrashTest(['--trials', '2', '--files', '60', '--parallel', '2']);
    const line = stdout.split('\n').find((l) => l.startsWith('CRASH_TEST_SUMMARY '));
    if (code !== 0 || line === undefined) throw new Error(`crash test exited ${String(code)}:\n${stdout}\n${stderr}`);
    const summary = JSON.parse(line.slice('CRASH_TEST_SUMMARY '.length)) as Summary;
    expect(summary.failures).toBe(0);
    expect(summary.trials).toBe(2);
    expect(summary.kills).toBeGreaterThan(0);
    expect(summary.restarts).toBe(summary.kills); // every kill was followed by a restart that went on
    expect(summary.rows).toBeGreaterThan(0);
  }, 120_000);
});
