// The query the crash test (scripts/crash-test.mjs) kills and restarts: a checkpointed windowed count
// over a directory of JSON-lines files, written by the file sink in append mode, from dist/.
//
//   node scripts/crash-test-query.mjs <input dir> <output dir> <checkpoint dir> <watermark delay s> <window s>
//
// It runs until the input directory holds the `_DONE` marker (the `_` keeps it out of the source),
// then processes all available input (every file, and the no-data batch that closes the windows the
// last watermark passed), stops, prints one JSON line and exits 0. A failed query exits 2.
// STRUCTURED_RX_CRASH_POINT=<name>:<probability> makes it kill itself at a crash point.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { groupCount, readJsonFiles, startQuery, throttleFiles, toJsonFiles, tumblingWindow, withWatermark } from '../dist/src/index.js';

const SCHEMA = 'time TIMESTAMP, key STRING';
const DONE_MARKER = '_DONE';

const [input, output, checkpointLocation, delayArg, windowArg] = process.argv.slice(2);
if (input === undefined || output === undefined || checkpointLocation === undefined || !(Number(delayArg) >= 0) || !(Number(windowArg) > 0)) {
  console.error('usage: node scripts/crash-test-query.mjs <input dir> <output dir> <checkpoint dir> <watermark delay s> <window s>');
  process.exit(64);
}

function failed(err) {
  console.error(`crash-test query failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  if (err instanceof Error && err.cause !== undefined) console.error('cause:', err.cause);
  process.exit(2);
}

try {
  const query = startQuery(
    readJsonFiles(input, { schema: SCHEMA, pollInterval: '5 milliseconds' }).pipe(
      throttleFiles(1),
      withWatermark('time', `${Number(delayArg)} seconds`),
      tumblingWindow('time', `${Number(windowArg)} seconds`),
      groupCount('key', 'window'),
      toJsonFiles(output),
    ),
    { checkpointLocation },
  );
  let batches = 0;
  let stopping = false;
  query.progress.subscribe(() => batches++);
  query.awaitTermination().then(() => stopping || failed(new Error('the query ended by itself')), failed);
  const finish = async () => {
    await query.processAllAvailable();
    const batchId = query.lastProgress?.batchId ?? null;
    stopping = true;
    await query.stop();
    console.log(JSON.stringify({ done: true, batches, lastBatchId: batchId }));
    process.exit(0);
  };
  const waitForDone = () => {
    if (existsSync(join(input, DONE_MARKER))) finish().catch(failed);
    else setTimeout(waitForDone, 5);
  };
  waitForDone();
} catch (err) {
  failed(err);
}
