/**
 * The worker thread of the file source's parse pool (`parse-pool.ts`): reads and parses the
 * files it is sent (`parseFile`) and sends each result back with its columns' buffers
 * transferred, not copied. An unexpected error is sent back as text; the source then reads that
 * file itself.
 */
import { parentPort } from 'node:worker_threads';
import { parseFile, transferList, type ParseFileJob, type ParsedFile } from './parse-file.js';

const port = parentPort;
if (port === null) throw new Error('parse-worker.js runs as a worker thread of the file source');
port.on('message', (message: { readonly id: number; readonly job: ParseFileJob }) => {
  let result: ParsedFile;
  try {
    result = parseFile(message.job);
  } catch (err) {
    result = { ok: false, why: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  port.postMessage({ id: message.id, result }, transferList(result));
});
