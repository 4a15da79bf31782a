/**
 * Worker threads that read and parse files for the file source (decision 0022): files are
 * parsed on other cores ahead of the trigger that needs them, and their columns come back
 * transferred, not copied. The query's own thread takes part: a file still waiting in the queue
 * can be taken back and parsed there (`takeBack`), so no thread waits while another has work.
 *
 * Loaded only when a query uses it (a dynamic import from the file source), and only from the
 * built package: it finds its worker script next to itself (`import.meta.url`). A pool starts
 * its threads when the first jobs come, keeps the process alive only while jobs are in flight,
 * and stops them when the source stops.
 */
import { Worker } from 'node:worker_threads';
import { parseFile, type ParseFileJob, type ParsedFile } from './parse-file.js';

/** One file given to the pool. */
export interface ParseTask {
  readonly job: ParseFileJob;
  readonly result: Promise<ParsedFile>;
  /** queued: no thread has it; running: a worker reads it; done: `result` is settled (or about to be). */
  readonly state: 'queued' | 'running' | 'done';
}

interface Task extends ParseTask {
  state: 'queued' | 'running' | 'done';
  readonly id: number;
  readonly resolve: (file: ParsedFile) => void;
}

/**
 * Tasks sent to a thread at once: the one it parses and the next, waiting in its message queue,
 * so that it starts the next file as soon as it sends a result, without waiting for this thread
 * (busy parsing or aggregating a file of its own) to read the result and send another. With one
 * at a time the worker waited for this thread about a third of its time.
 */
const IN_FLIGHT_PER_THREAD = 2;

interface Slot {
  readonly worker: Worker;
  /** The tasks sent to the thread and not answered yet, in the order sent (and answered). */
  readonly inFlight: Task[];
}

export class ParsePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly running = new Map<number, Task>();
  private nextId = 0;
  private closed = false;

  /** `size` worker threads (started as work comes). */
  constructor(readonly size: number) {}

  /** Queues a file for a worker. Its result never rejects: a failure is `{ ok: false }`. */
  submit(job: ParseFileJob): ParseTask {
    let resolve: (file: ParsedFile) => void = () => undefined;
    const result = new Promise<ParsedFile>((r) => (resolve = r));
    const task: Task = { job, result, state: 'queued', id: this.nextId++, resolve };
    if (this.closed) this.settle(task, { ok: false, why: 'the parse pool is closed' });
    else {
      this.queue.push(task);
      this.dispatch();
    }
    return task;
  }

  /**
   * Parses a queued task on the calling thread instead (taking it out of the queue). Returns
   * false, doing nothing, if a worker has it already or it is done.
   */
  takeBack(task: ParseTask): boolean {
    const i = this.queue.indexOf(task as Task);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    let file: ParsedFile;
    try {
      file = parseFile(task.job);
    } catch (err) {
      file = { ok: false, why: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
    this.settle(task as Task, file);
    return true;
  }

  /**
   * A task the calling thread may take back rather than wait: the one queued last (the one a
   * worker would take last), as long as a queued task stays for every worker (else a worker
   * would sit idle while the calling thread parses).
   */
  spare(): ParseTask | undefined {
    return this.queue.length > this.size ? this.queue[this.queue.length - 1] : undefined;
  }

  /** Stops the threads; tasks not done resolve as not read (the source reads those files itself, if it still wants them). */
  close(): void {
    this.fail('the parse pool is closed');
  }

  private fail(why: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) void slot.worker.terminate();
    this.slots.length = 0;
    for (const task of [...this.queue.splice(0), ...this.running.values()]) this.settle(task, { ok: false, why });
    this.running.clear();
  }

  private settle(task: Task, file: ParsedFile): void {
    if (task.state === 'done') return;
    task.state = 'done';
    this.running.delete(task.id);
    task.resolve(file);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      // An idle thread first, then a new one, then one with room for a next task.
      let slot = this.slots.find((s) => s.inFlight.length === 0);
      if (slot === undefined && this.slots.length < this.size) {
        try {
          slot = this.start();
        } catch (err) {
          this.fail(`the parse thread cannot start: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
      }
      slot ??= this.slots.find((s) => s.inFlight.length < IN_FLIGHT_PER_THREAD);
      if (slot === undefined) return;
      const task = this.queue.shift() as Task;
      task.state = 'running';
      this.running.set(task.id, task);
      slot.inFlight.push(task);
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, job: task.job });
    }
  }

  private start(): Slot {
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url), { execArgv: workerExecArgv() });
    const slot: Slot = { worker, inFlight: [] };
    worker.on('message', (message: { readonly id: number; readonly result: ParsedFile }) => {
      const task = this.running.get(message.id);
      const at = slot.inFlight.findIndex((t) => t.id === message.id);
      if (at >= 0) slot.inFlight.splice(at, 1);
      if (slot.inFlight.length === 0) worker.unref(); // an idle thread does not keep the process alive
      if (task !== undefined) this.settle(task, message.result);
      this.dispatch();
    });
    // A thread that fails or exits ends the pool: every task not done is not read here (the
    // source reads those files itself), and later tasks are not taken.
    worker.on('error', (err: Error) => this.fail(`the parse thread failed: ${err.message}`));
    worker.on('exit', (code) => this.fail(`the parse thread exited (${code})`));
    this.slots.push(slot);
    return slot;
  }
}

/**
 * The process's Node options for a worker thread, without those that say what the main thread
 * runs (`-e`, `-p`, `--input-type`, `-i`): a worker inherits them otherwise, and a script given
 * with `node -e` would run in place of the worker's.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '--input-type') {
      i++; // and its value
      continue;
    }
    if (a.startsWith('--eval=') || a.startsWith('--print=') || a.startsWith('--input-type=') || a === '-i' || a === '--interactive' || a === '-pe') continue;
    out.push(a);
  }
  return out;
}
