import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
/** The command as the package installs it (`bin`): the bundled entry. */
export const MAIN = path.join(ROOT, 'dist', 'bundle', 'cli.js');
export const EVENTS = path.join(ROOT, 'datasets', 'events');

/** Builds the package when dist is missing (`npm test` builds before jest runs). */
export function ensureBuilt(): void {
  if (existsSync(MAIN)) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

/** Temporary directories; a test file removes them with {@link removeTempDirs} in its afterAll. */
const tempDirs: string[] = [];

/** A new empty temporary directory. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'structured-rx-cli-'));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes a file of JSON lines whole (through a hidden name the source skips, then a rename) with the given modification time. */
export function writeEvents(dir: string, name: string, events: readonly Record<string, unknown>[], mtimeSec: number): void {
  writeLines(dir, name, events.map((e) => JSON.stringify(e)), mtimeSec);
}

/** {@link writeEvents} with the lines as text (for lines that are not JSON). */
export function writeLines(dir: string, name: string, lines: readonly string[], mtimeSec: number): void {
  const hidden = path.join(dir, `.${name}.tmp`);
  writeFileSync(hidden, lines.map((l) => l + '\n').join(''));
  utimesSync(hidden, mtimeSec, mtimeSec);
  renameSync(hidden, path.join(dir, name));
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built command to its end. */
export function runCommand(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  return finished(startCommand(args, options));
}

export interface Running {
  readonly child: ChildProcess;
  /** Resolves when stdout (or stderr, with `stream: 'stderr'`) has `count` complete lines; rejects if the process ends first. */
  lines(count: number, stream?: 'stdout' | 'stderr'): Promise<string[]>;
  readonly done: Promise<Finished>;
}

/** Starts the built command (stdin ignored, stdout and stderr piped). */
export function startCommand(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const waiters: { stream: 'stdout' | 'stderr'; count: number; resolve: (l: string[]) => void; reject: (e: Error) => void }[] = [];
  const completeLines = (stream: 'stdout' | 'stderr'): string[] => {
    const parts = text[stream].split('\n');
    parts.pop();
    return parts;
  };
  const check = (): void => {
    for (const w of [...waiters]) {
      const l = completeLines(w.stream);
      if (l.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    text.stdout += d;
    check();
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    text.stderr += d;
    check();
  });
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) {
        w.reject(new Error(`the command ended (code ${String(code)}) before ${w.count} ${w.stream} lines; stderr: ${text.stderr}`));
      }
      resolve({ code, signal, stdout: text.stdout, stderr: text.stderr });
    });
  });
  return {
    child,
    done,
    lines: (count, stream = 'stdout') =>
      new Promise<string[]>((resolve, reject) => {
        waiters.push({ stream, count, resolve, reject });
        check();
      }),
  };
}

function finished(r: Running): Promise<Finished> {
  return r.done;
}

/**
 * A small terminal emulator for captured pseudo-terminal output: applies printable text,
 * CR/LF and the cursor and erase sequences the command uses, and returns the screen (with
 * everything scrolled above it) as plain lines. Colors and modes are ignored.
 */
export function renderScreen(raw: string, columns: number): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved = { row: 0, col: 0 };
  let wrap = true;
  const line = (r: number): string[] => {
    while (lines.length <= r) lines.push([]);
    return lines[r] as string[];
  };
  const put = (ch: string): void => {
    if (col >= columns) {
      if (wrap) {
        row++;
        col = 0;
      } else col = columns - 1;
    }
    const l = line(row);
    while (l.length < col) l.push(' ');
    l[col] = ch;
    col++;
  };
  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\x1b') {
      const next = chars[i + 1];
      if (next === '7') {
        saved = { row, col };
        i++;
      } else if (next === '8') {
        ({ row, col } = saved);
        i++;
      } else if (next === '[') {
        let j = i + 2;
        let params = '';
        while (j < chars.length && !/[A-Za-z]/.test(chars[j] as string)) params += chars[j++];
        const cmd = chars[j];
        const n = Number(params.replace('?', '') || '0');
        i = j;
        switch (cmd) {
          case 'A':
            row = Math.max(0, row - Math.max(1, n));
            break;
          case 'B':
            row += Math.max(1, n);
            break;
          case 'C':
            col += Math.max(1, n);
            break;
          case 'D':
            col = Math.max(0, col - Math.max(1, n));
            break;
          case 'G':
            col = Math.max(0, n - 1);
            break;
          case 'K':
            line(row).splice(col);
            break;
          case 'J':
            line(row).splice(col);
            lines.splice(row + 1);
            break;
          case 'h':
          case 'l':
            if (params === '?7') wrap = cmd === 'h';
            break;
          default:
            break; // colors and other modes
        }
      }
    } else if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      line(row);
    } else if (ch >= ' ') put(ch);
  }
  return lines.map((l) => l.join('').trimEnd());
}

/** Whether util-linux `script` (which runs a command in a pseudo-terminal) is installed. */
export function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs `node MAIN args` in a columns x rows pseudo-terminal; resolves with everything it wrote and its exit code. */
export function runInTerminal(args: string, columns = 80, rows = 30): Promise<{ raw: string; code: number | null }> {
  const command = `stty cols ${columns} rows ${rows}; exec "${process.execPath}" "${MAIN}" ${args}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, COLUMNS: String(columns), LINES: String(rows), TERM: 'xterm-256color' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let raw = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    raw += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    raw += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ raw, code })));
}

/** One `--json` line of the command (see docs/cli.md). */
export interface JsonLine<Row = Record<string, unknown>> {
  batchId: number;
  files: string[];
  numInputRows: number;
  watermark: string | null;
  lateRows: number;
  stateRows: number;
  malformedRows: number;
  droppedRows: Record<string, number>;
  rejectedLines: number;
  corruptFiles: number;
  missingFiles: number;
  rows: Row[];
}
