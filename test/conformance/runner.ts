// The Spark conformance runner: reads case files (the format is described in spark/README.md),
// runs each case and variant against the library's public API (what src/index.ts exports) on
// real files in a temporary directory, and says PASS or FAIL with a reason.
//
// Rules of this runner (where the case format leaves a choice to the harness):
// - Every option the README documents is understood. An option the library cannot run yet
//   (checkpoints and restarts, faults with restarts, the file sink, session windows, a trigger
//   once/availableNow over more than one batch) makes the case FAIL with a reason naming what is missing; an option the
//   runner does not know makes it FAIL as unknown. Nothing is skipped, nothing crashes.
// - Query shape: source -> watermark -> filter -> (dropDuplicates) -> window ->
//   groupByAgg(groupBy, fn(column).as(name), ...) -> select -> memory sink.
// - Expected rows: an integer in a timestamp column is epoch seconds, as in the inputs and checks.
// - Errors: the library checks the output mode when the sink operator is applied, which is
//   earlier than Spark's `start`; an error at `define` is accepted where a case expects `start`.
//   Message fragments are looked for in the error and its causes (StreamingQueryException's
//   cause is the error that ended the query). `kind` is information only; `errorClass` must be
//   reported (as an `errorClass` property or in the message).
// - Each row batch is one file, written atomically (temp name starting with '.', then rename)
//   with increasing names and modification times; then processAllAvailable(). The directory is
//   polled only when the runner asks (pollInterval is long), so a file-arrival group becomes
//   visible at once. Group 0 exists before the query starts.
// - microbatches-per-arrival lists every data batch of the arrival group, and a no-data batch
//   only when it wrote rows (an empty no-data batch is not a batch the case's transcription can
//   see: Spark's file-source tests have no watermark, so they never run one).
// - emitted-per-batch: the rows written while input batch i ran, its no-data batch included (in
//   complete mode the last batch's rows: each batch writes the whole table).
// - result-table-per-batch: the memory table after batch i (complete and append); in update mode
//   over an aggregation, the latest row of every group written so far.
// - A variant inherits the case's checks unless it replaces batches, expectedKind or expected
//   (then the checks of the base scenario need not hold for it) or brings its own.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Observable, Subscription } from 'rxjs';
import {
  AnalysisError,
  Catalog,
  dropDuplicates,
  filterRows,
  agg,
  groupByAgg,
  mapBatch,
  parseDurationMs,
  readJsonFiles,
  selectColumns,
  sessionWindow,
  slidingWindow,
  startQuery,
  throttleFiles,
  toMemoryTable,
  toJsonFiles,
  readJsonFileSink,
  tumblingWindow,
  withWatermark,
  type OutputMode,
  type Row,
  type RowBatch,
  type StreamingQuery,
  type StreamingQueryProgress,
} from '../../src/index.js';

// ---- results ------------------------------------------------------------------------------

export interface CaseResult {
  /** The case id, or `<id> [<variant name>]`. */
  readonly id: string;
  /** The case file it came from. */
  readonly file: string;
  readonly passed: boolean;
  /** Why it failed (one line). */
  readonly reason?: string;
}

export interface RunOptions {
  /** Longest wait for one processAllAvailable() or for a trigger once/availableNow run, ms. Default 15000. */
  readonly timeoutMs?: number;
  /** Where temporary directories go. Default os.tmpdir(). */
  readonly tmpRoot?: string;
  /** Called with each result as soon as it is known. */
  readonly onResult?: (result: CaseResult) => void;
}

/** `PASS <id>` or `FAIL <id>: <reason>`. */
export function formatResult(r: CaseResult): string {
  return r.passed ? `PASS ${r.id}` : `FAIL ${r.id}: ${r.reason ?? 'failed'}`;
}

/** The case files (`*.json`) of a directory, sorted by name. */
export async function caseFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => n.endsWith('.json')).sort().map((n) => join(dir, n));
}

/** Runs every case file of `dir`, in name order. */
export async function runDirectory(dir: string, options: RunOptions = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const file of await caseFiles(dir)) results.push(...(await runCaseFile(file, options)));
  return results;
}

/** The ids a case file yields (the case, then `<id> [<variant>]` per variant), without running it. */
export function caseIds(file: string): string[] {
  const fallback = basename(file, '.json');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [fallback];
  }
  if (!isObject(doc)) return [fallback];
  const id = typeof doc['id'] === 'string' ? doc['id'] : fallback;
  const variants = Array.isArray(doc['variants']) ? doc['variants'] : [];
  return [id, ...variants.map((v, k) => variantId(id, v, k))];
}

/** Runs one case file: the case, then each variant. Never throws: a problem is a FAIL. */
export async function runCaseFile(file: string, options: RunOptions = {}): Promise<CaseResult[]> {
  const fallback = basename(file, '.json');
  const report = (id: string, outcome: Outcome): CaseResult => {
    const result: CaseResult = outcome === undefined ? { id, file, passed: true } : { id, file, passed: false, reason: oneLine(outcome) };
    options.onResult?.(result);
    return result;
  };
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    return [report(fallback, `cannot read the case file: ${message(e)}`)];
  }
  if (!isObject(doc)) return [report(fallback, 'invalid case: the file is not a JSON object')];
  const id = typeof doc['id'] === 'string' ? doc['id'] : fallback;
  const results: CaseResult[] = [];
  let base: Scenario | undefined;
  try {
    base = baseScenario(doc, fallback);
    results.push(report(id, await runScenario(base, options)));
  } catch (e) {
    results.push(report(id, failure(e)));
  }
  const variants = doc['variants'] ?? [];
  if (!Array.isArray(variants)) {
    results.push(report(`${id} [variants]`, 'invalid case: variants must be a list'));
    return results;
  }
  for (const [k, v] of variants.entries()) {
    const vid = variantId(id, v, k);
    try {
      if (base === undefined) throw new CaseError('the base case is invalid');
      results.push(report(vid, await runScenario(variantScenario(doc, base, v, vid), options)));
    } catch (e) {
      results.push(report(vid, failure(e)));
    }
  }
  return results;
}

/** undefined when the scenario passed, else the reason it failed. */
type Outcome = string | undefined;

function variantId(id: string, v: unknown, k: number): string {
  const name = isObject(v) && typeof v['name'] === 'string' ? v['name'] : `variant ${k + 1}`;
  return `${id} [${name}]`;
}

// ---- the case format ----------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The case file is not in the documented format. */
class CaseError extends Error {}

/** The format allows it, but this runner cannot check it (said in the FAIL reason). */
class RunnerLimit extends Error {}

function failure(e: unknown): string {
  if (e instanceof CaseError) return `invalid case: ${e.message}`;
  if (e instanceof RunnerLimit) return `runner limitation: ${e.message}`;
  return `runner error: ${message(e)}`;
}

/** A case or one of its variants, ready to run. */
interface Scenario {
  readonly id: string;
  readonly options: JsonObject;
  readonly batches: Json;
  readonly batchesAre: Json | undefined;
  readonly events: Json | undefined;
  readonly faults: Json | undefined;
  readonly expectedKind: Json;
  readonly expected: Json;
  readonly checks: Json | undefined;
  readonly numericTolerance: Json | undefined;
}

const CASE_KEYS = new Set([
  'formatVersion', 'id', 'category', 'source', 'sourceRef', 'description', 'options', 'batches', 'batchesAre',
  'events', 'faults', 'expectedKind', 'expected', 'checks', 'variants', 'numericTolerance', 'notes',
]);
const VARIANT_KEYS = new Set([
  'name', 'source', 'sourceRef', 'description', 'notes', 'optionsOverride', 'batches', 'batchesAre',
  'expectedKind', 'expected', 'checks', 'events', 'faults', 'numericTolerance',
]);

function baseScenario(doc: JsonObject, fileId: string): Scenario {
  if (doc['formatVersion'] !== 1) throw new CaseError(`formatVersion ${JSON.stringify(doc['formatVersion'])} is not 1`);
  const id = doc['id'];
  if (typeof id !== 'string' || id === '') throw new CaseError('id must be a non-empty string');
  if (id !== fileId) throw new CaseError(`id ${id} does not match the file name ${fileId}.json`);
  const unknown = Object.keys(doc).filter((k) => !CASE_KEYS.has(k));
  if (unknown.length > 0) throw new CaseError(`unknown field(s) ${unknown.join(', ')}`);
  const options = doc['options'];
  if (!isObject(options)) throw new CaseError('options must be an object');
  if (!('batches' in doc)) throw new CaseError('batches is missing');
  if (!('expectedKind' in doc) || !('expected' in doc)) throw new CaseError('expectedKind and expected are required');
  return {
    id,
    options,
    batches: doc['batches'] ?? null,
    batchesAre: doc['batchesAre'],
    events: doc['events'],
    faults: doc['faults'],
    expectedKind: doc['expectedKind'] ?? null,
    expected: doc['expected'] ?? null,
    checks: doc['checks'],
    numericTolerance: doc['numericTolerance'],
  };
}

function variantScenario(doc: JsonObject, base: Scenario, v: unknown, vid: string): Scenario {
  if (!isObject(v)) throw new CaseError(`variant ${vid} is not an object`);
  const unknown = Object.keys(v).filter((k) => !VARIANT_KEYS.has(k));
  if (unknown.length > 0) throw new CaseError(`unknown variant field(s) ${unknown.join(', ')}`);
  const override = v['optionsOverride'];
  if (override !== undefined && !isObject(override)) throw new CaseError('optionsOverride must be an object');
  const replacesScenario = 'batches' in v || 'expectedKind' in v || 'expected' in v;
  const pick = (key: string, inherited: Json | undefined): Json | undefined => (key in v ? (v[key] ?? null) : inherited);
  return {
    id: vid,
    options: override === undefined ? base.options : deepMerge(base.options, override),
    batches: pick('batches', base.batches) ?? null,
    batchesAre: pick('batchesAre', base.batchesAre),
    events: pick('events', base.events),
    faults: pick('faults', base.faults),
    // A variant whose expected is {error: ...} expects an error, whatever the case's kind.
    expectedKind: 'expectedKind' in v ? (v['expectedKind'] ?? null) : isErrorExpectation(v['expected']) ? 'error' : base.expectedKind,
    expected: pick('expected', base.expected) ?? null,
    checks: 'checks' in v ? (v['checks'] ?? undefined) : replacesScenario ? undefined : base.checks,
    numericTolerance: pick('numericTolerance', doc['numericTolerance'] ?? undefined),
  };
}

/** `override` deep-merged into `base`: objects merge key by key, a null value removes the key, anything else replaces. */
export function deepMerge(base: JsonObject, override: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else {
      const current = out[key];
      out[key] = isObject(value) && isObject(current) ? deepMerge(current, value) : value;
    }
  }
  return out;
}

// ---- from the case's options to a query -----------------------------------------------------

type Trigger = 'default' | 'once' | 'availableNow';
type ParseModeName = 'PERMISSIVE' | 'DROPMALFORMED' | 'FAILFAST';
type ExpectedKind = 'emitted-per-batch' | 'result-table-per-batch' | 'sink-contents-per-batch' | 'microbatches-per-arrival' | 'error';
type Phase = 'define' | 'start' | 'batch' | 'firstBatch';

interface FaultSpec {
  readonly atBatch: number;
  readonly match: JsonObject;
  readonly times: number;
}

/** What the runner builds and feeds: the query, the input and what is expected. */
interface Plan {
  readonly schemaDdl: string;
  readonly timestampColumns: ReadonlySet<string>;
  readonly mode: ParseModeName | undefined;
  readonly corruptColumn: string | undefined;
  readonly maxFilesPerTrigger: number | undefined;
  readonly latestFirst: boolean | undefined;
  readonly maxFileAge: string | number | undefined;
  readonly watermark: { readonly column: string; readonly delay: string | number } | undefined;
  readonly filter: { readonly column: string; readonly contains: string } | undefined;
  /** dropDuplicates(columns) after the watermark and the filter ([] = all columns). */
  readonly dropDuplicates: readonly string[] | undefined;
  /** Grouping columns in order ('window' where the window spec stands). */
  readonly groupBy: readonly string[] | undefined;
  readonly window: { readonly timeColumn: string; readonly duration: string | number; readonly slide: string | number | undefined; readonly startTime: string | number | undefined } | undefined;
  /** `session_window(timeColumn, gapDuration)` among the grouping keys. */
  readonly session: { readonly timeColumn: string; readonly gapDuration: string | number } | undefined;
  /** The aggregations, in order: function, input column ('*' for count(*)), output name. */
  readonly aggregations: readonly AggregationSpec[] | undefined;
  readonly select: readonly string[] | undefined;
  readonly outputMode: OutputMode;
  /** The sink: the memory table, or the JSON-lines file sink. */
  readonly sink: 'memory' | 'file';
  readonly trigger: Trigger;
  readonly noDataMicroBatches: boolean;
  readonly faults: readonly FaultSpec[];
  /** Batches before which the query is stopped, given that batch's input while stopped, and started again on its checkpoint. */
  readonly restartsBefore: ReadonlySet<number>;
  /** Restart from the checkpoint when an injected fault has ended the query. */
  readonly restartAfterFailure: boolean;
  /** One entry per input batch: files to make visible (one file for a row batch). */
  readonly inputs: readonly (readonly InputFile[])[];
  readonly arrivalGroups: boolean;
  readonly expectedKind: ExpectedKind;
  readonly expected: Json;
  readonly checks: JsonObject | undefined;
  readonly tolerance: number;
}

interface AggregationSpec {
  readonly fn: 'count' | 'sum' | 'avg' | 'min' | 'max';
  readonly column: string;
  readonly as: string;
}

interface InputFile {
  readonly name: string;
  readonly mtimeMs: number;
  readonly text: string;
}

/** Collects what a scenario needs that the library lacks, and what the runner does not know. */
class Needs {
  /** Missing feature -> the options of the case that need it. */
  readonly missing = new Map<string, string[]>();
  readonly unknown: string[] = [];
  feature(what: string, because?: string): void {
    const list = this.missing.get(what) ?? [];
    if (because !== undefined && !list.includes(because)) list.push(because);
    this.missing.set(what, list);
  }
  describeMissing(): string {
    return [...this.missing].map(([what, because]) => (because.length === 0 ? what : `${what} (${because.join(', ')})`)).join('; ');
  }
  unknownKeys(where: string, obj: JsonObject, known: readonly string[]): void {
    for (const k of Object.keys(obj)) if (!known.includes(k)) this.unknown.push(where === '' ? k : `${where}.${k}`);
  }
}

const SCHEMA_TYPES = new Set(['timestamp', 'string', 'long', 'int', 'double', 'boolean']);
const ROW_BATCH_BASE_MTIME_MS = Date.UTC(2020, 0, 1);

function analyse(s: Scenario): { plan?: Plan; needs: Needs } {
  const needs = new Needs();
  const o = s.options;
  needs.unknownKeys('options', o, ['source', 'query', 'outputMode', 'trigger', 'noDataMicroBatches', 'sink', 'checkpoint']);

  // source
  const source = objectAt(o, 'source', 'options.source', true) ?? {};
  needs.unknownKeys('options.source', source, ['format', 'schema', 'mode', 'columnNameOfCorruptRecord', 'maxFilesPerTrigger', 'latestFirst', 'maxFileAge']);
  const format = source['format'];
  if (format !== undefined && format !== 'jsonl') needs.unknown.push(`options.source.format ${JSON.stringify(format)}`);
  const schema = source['schema'];
  if (!Array.isArray(schema) || schema.length === 0) throw new CaseError('options.source.schema must be a non-empty list of [name, type]');
  const timestampColumns = new Set<string>();
  const types = new Map<string, string>();
  const ddl = schema
    .map((field) => {
      if (!Array.isArray(field) || field.length !== 2 || typeof field[0] !== 'string' || typeof field[1] !== 'string') {
        throw new CaseError(`schema field ${JSON.stringify(field)} is not [name, type]`);
      }
      const [name, type] = field;
      const t = type.toLowerCase();
      const element = /^array<(\w+)>$/.exec(t)?.[1];
      if (!SCHEMA_TYPES.has(t) && (element === undefined || !SCHEMA_TYPES.has(element))) needs.unknown.push(`schema type ${type}`);
      if (t === 'timestamp') timestampColumns.add(name);
      types.set(name, t);
      return `\`${name}\` ${type}`;
    })
    .join(', ');
  const mode = source['mode'];
  if (mode !== undefined && mode !== 'PERMISSIVE' && mode !== 'DROPMALFORMED' && mode !== 'FAILFAST') needs.unknown.push(`options.source.mode ${JSON.stringify(mode)}`);
  const corrupt = optionalString(source, 'columnNameOfCorruptRecord');
  const maxFiles = source['maxFilesPerTrigger'];
  const maxFilesPerTrigger =
    maxFiles === undefined || maxFiles === null ? undefined : typeof maxFiles === 'number' ? maxFiles : typeof maxFiles === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(maxFiles) ? Number(maxFiles) : NaN;
  const latest = source['latestFirst'];
  const latestFirst = latest === undefined || latest === null ? undefined : latest === true || latest === 'true' ? true : latest === false || latest === 'false' ? false : undefined;
  if (latest !== undefined && latest !== null && latestFirst === undefined) needs.unknown.push(`options.source.latestFirst ${JSON.stringify(latest)}`);
  const age = source['maxFileAge'];
  if (age !== undefined && age !== null && typeof age !== 'string' && typeof age !== 'number') needs.unknown.push(`options.source.maxFileAge ${JSON.stringify(age)}`);
  const maxFileAge = typeof age === 'string' || typeof age === 'number' ? age : undefined;

  // query
  const q = objectAt(o, 'query', 'options.query', false) ?? {};
  needs.unknownKeys('options.query', q, ['watermark', 'groupBy', 'aggregations', 'dropDuplicates', 'filter', 'select']);
  let watermark: Plan['watermark'];
  const wm = objectAt(q, 'watermark', 'options.query.watermark', false);
  if (wm !== undefined) {
    needs.unknownKeys('options.query.watermark', wm, ['column', 'delay']);
    const delay = wm['delay'];
    if (typeof wm['column'] !== 'string' || (typeof delay !== 'string' && typeof delay !== 'number')) throw new CaseError('watermark needs column and delay');
    watermark = { column: wm['column'], delay };
  }
  let filter: Plan['filter'];
  const f = objectAt(q, 'filter', 'options.query.filter', false);
  if (f !== undefined) {
    needs.unknownKeys('options.query.filter', f, ['column', 'contains']);
    const column = f['column'];
    const contains = f['contains'];
    if (typeof column !== 'string' || (typeof contains !== 'string' && typeof contains !== 'number')) throw new CaseError('filter needs column and contains');
    const type = types.get(column);
    if (type === undefined) needs.feature('a filter on a column that is not a source column', `${column}: filterRows takes a predicate and cannot check names`);
    else if (type !== 'string' && type !== 'long' && type !== 'int' && type !== 'boolean') needs.feature('filter contains on a column that is not string, integer or boolean', `${column} ${type}, which Spark casts to its string form`);
    filter = { column, contains: String(contains) };
  }
  const dd = q['dropDuplicates'];
  let dedup: string[] | undefined;
  if (dd !== undefined && dd !== null) {
    if (!Array.isArray(dd) || !dd.every((c): c is string => typeof c === 'string')) throw new CaseError('dropDuplicates must be a list of column names');
    dedup = dd;
  }

  let groupBy: string[] | undefined;
  let window: Plan['window'];
  let session: Plan['session'];
  const g = q['groupBy'];
  if (g !== undefined && g !== null) {
    if (!Array.isArray(g)) throw new CaseError('groupBy must be a list');
    groupBy = [];
    for (const key of g) {
      if (typeof key === 'string') {
        groupBy.push(key);
        continue;
      }
      if (!isObject(key)) throw new CaseError(`groupBy entry ${JSON.stringify(key)} is neither a column nor a window`);
      needs.unknownKeys('options.query.groupBy[]', key, ['window', 'sessionWindow']);
      const w = objectAt(key, 'window', 'groupBy window', false);
      const sw = objectAt(key, 'sessionWindow', 'groupBy sessionWindow', false);
      if (sw !== undefined) {
        needs.unknownKeys('options.query.groupBy[].sessionWindow', sw, ['timeColumn', 'gapDuration']);
        const timeColumn = sw['timeColumn'];
        const gapDuration = sw['gapDuration'];
        if (typeof timeColumn !== 'string' || (typeof gapDuration !== 'string' && typeof gapDuration !== 'number')) throw new CaseError('a session window needs timeColumn and gapDuration');
        if (session !== undefined || window !== undefined) needs.feature('several windows in one groupBy');
        session = { timeColumn, gapDuration };
        groupBy.push('session_window');
      }
      if (w !== undefined) {
        needs.unknownKeys('options.query.groupBy[].window', w, ['timeColumn', 'duration', 'slide', 'startTime']);
        const timeColumn = w['timeColumn'];
        const duration = w['duration'];
        const slide = w['slide'];
        const startTime = w['startTime'];
        if (typeof timeColumn !== 'string' || (typeof duration !== 'string' && typeof duration !== 'number')) throw new CaseError('a window needs timeColumn and duration');
        if (slide !== undefined && slide !== null && typeof slide !== 'string' && typeof slide !== 'number') throw new CaseError('window slide must be a duration');
        if (startTime !== undefined && startTime !== null && typeof startTime !== 'string' && typeof startTime !== 'number') throw new CaseError('window startTime must be a duration');
        if (window !== undefined) needs.feature('several windows in one groupBy');
        window = { timeColumn, duration, slide: slide ?? undefined, startTime: startTime ?? undefined };
        groupBy.push('window');
      }
      if (w === undefined && sw === undefined) throw new CaseError(`groupBy entry ${JSON.stringify(key)} is neither a column nor a window`);
    }
  }
  let aggregations: AggregationSpec[] | undefined;
  const aggs = q['aggregations'];
  if (aggs !== undefined && aggs !== null) {
    if (!Array.isArray(aggs) || aggs.length === 0) throw new CaseError('aggregations must be a non-empty list');
    aggregations = [];
    for (const a of aggs) {
      if (!isObject(a)) throw new CaseError(`aggregation ${JSON.stringify(a)} is not an object`);
      needs.unknownKeys('options.query.aggregations[]', a, ['fn', 'column', 'as']);
      const fn = a['fn'];
      const column = a['column'];
      const as = a['as'];
      if (typeof fn !== 'string' || typeof column !== 'string' || typeof as !== 'string') throw new CaseError('an aggregation needs fn, column and as');
      if (fn !== 'count' && fn !== 'sum' && fn !== 'avg' && fn !== 'min' && fn !== 'max') needs.unknown.push(`aggregation fn ${fn}`);
      else if (column === '*' && fn !== 'count') throw new CaseError(`${fn}(*): only count takes *`);
      else aggregations.push({ fn, column, as });
    }
    groupBy ??= []; // a global aggregation: groupByAgg([], ...)
  } else if (groupBy !== undefined) {
    throw new CaseError('groupBy without aggregations');
  }
  let select: string[] | undefined;
  const sel = q['select'];
  if (sel !== undefined && sel !== null) {
    if (!Array.isArray(sel) || sel.length === 0 || !sel.every((c): c is string => typeof c === 'string')) throw new CaseError('select must be a non-empty list of column names');
    select = sel;
  }

  // sink, trigger, checkpoint
  const outputMode = o['outputMode'] ?? 'append';
  if (outputMode !== 'append' && outputMode !== 'update' && outputMode !== 'complete') needs.unknown.push(`options.outputMode ${JSON.stringify(outputMode)}`);
  const trigger = o['trigger'] ?? 'default';
  if (trigger !== 'default' && trigger !== 'once' && trigger !== 'availableNow') needs.unknown.push(`options.trigger ${JSON.stringify(trigger)}`);
  const noData = o['noDataMicroBatches'] ?? true;
  if (typeof noData !== 'boolean') needs.unknown.push(`options.noDataMicroBatches ${JSON.stringify(noData)}`);
  const sink = o['sink'] ?? 'memory';
  if (sink !== 'memory' && sink !== 'file') needs.unknown.push(`options.sink ${JSON.stringify(sink)}`);
  // Every run keeps a checkpoint (in the case's temporary directory); `checkpoint: true` says the case restarts on it.
  const checkpoint = o['checkpoint'] ?? false;
  if (checkpoint !== true && checkpoint !== false) needs.unknown.push(`options.checkpoint ${JSON.stringify(checkpoint)}`);

  // input
  const arrivalGroups = s.batchesAre === 'file-arrival-groups';
  if (s.batchesAre !== undefined && s.batchesAre !== null && !arrivalGroups) needs.unknown.push(`batchesAre ${JSON.stringify(s.batchesAre)}`);
  const inputs = inputFiles(s.batches, arrivalGroups);

  // events and faults
  const faults: FaultSpec[] = [];
  const restartsBefore = new Set<number>();
  let restartAfterFailure = false;
  if (s.events !== undefined && s.events !== null) {
    if (!Array.isArray(s.events)) throw new CaseError('events must be a list');
    for (const e of s.events) {
      if (!isObject(e)) throw new CaseError(`event ${JSON.stringify(e)} is not an object`);
      needs.unknownKeys('events[]', e, ['beforeBatch', 'afterFailure', 'action']);
      if (e['action'] !== 'restart') needs.unknown.push(`event action ${JSON.stringify(e['action'])}`);
      else if (e['afterFailure'] === true) restartAfterFailure = true;
      else if (typeof e['beforeBatch'] === 'number') restartsBefore.add(e['beforeBatch']);
      else throw new CaseError('a restart event needs beforeBatch or afterFailure');
    }
  }
  if (s.faults !== undefined && s.faults !== null) {
    if (!Array.isArray(s.faults)) throw new CaseError('faults must be a list');
    for (const f2 of s.faults) {
      if (!isObject(f2)) throw new CaseError(`fault ${JSON.stringify(f2)} is not an object`);
      needs.unknownKeys('faults[]', f2, ['atBatch', 'type', 'match', 'times']);
      if (f2['type'] !== 'throwWhileProcessingRow') {
        needs.unknown.push(`fault type ${JSON.stringify(f2['type'])}`);
        continue;
      }
      const atBatch = f2['atBatch'];
      const match = f2['match'] ?? {};
      const times = f2['times'] ?? 1;
      if (typeof atBatch !== 'number' || !isObject(match) || typeof times !== 'number') throw new CaseError('a fault needs atBatch, match and times');
      faults.push({ atBatch, match, times });
    }
  }

  // expectations
  const kinds: readonly ExpectedKind[] = ['emitted-per-batch', 'result-table-per-batch', 'sink-contents-per-batch', 'microbatches-per-arrival', 'error'];
  const expectedKind = kinds.find((k) => k === s.expectedKind);
  if (expectedKind === undefined) needs.unknown.push(`expectedKind ${JSON.stringify(s.expectedKind)}`);
  if (expectedKind !== undefined && expectedKind !== 'error') {
    if (!Array.isArray(s.expected)) throw new CaseError(`expected must be a list (one entry per batch) for ${expectedKind}`);
    if (s.expected.length !== inputs.length) throw new CaseError(`${inputs.length} batch(es) but ${s.expected.length} expected entries`);
  }
  if (expectedKind === 'error') {
    const err = isObject(s.expected) ? s.expected['error'] : undefined;
    if (!isObject(err)) throw new CaseError('an error case needs expected.error');
    needs.unknownKeys('expected.error', err, ['phase', 'kind', 'messageContains', 'messageContainsCaseInsensitive', 'errorClass', 'atBatch']);
    if (!['define', 'start', 'batch', 'firstBatch'].includes(String(err['phase']))) needs.unknown.push(`error phase ${JSON.stringify(err['phase'])}`);
  }
  let checks: JsonObject | undefined;
  if (s.checks !== undefined && s.checks !== null) {
    if (!isObject(s.checks)) throw new CaseError('checks must be an object');
    needs.unknownKeys('checks', s.checks, [...CHECKS]);
    checks = s.checks;
  }
  const tol = s.numericTolerance ?? 0;
  if (typeof tol !== 'number' || tol < 0) throw new CaseError('numericTolerance must be a number >= 0');

  if (needs.missing.size > 0 || needs.unknown.length > 0 || expectedKind === undefined) return { needs };
  return {
    needs,
    plan: {
      schemaDdl: ddl,
      timestampColumns,
      mode: mode as ParseModeName | undefined,
      corruptColumn: corrupt,
      maxFilesPerTrigger,
      latestFirst,
      maxFileAge,
      watermark,
      filter,
      dropDuplicates: dedup,
      groupBy,
      window,
      session,
      aggregations,
      select,
      outputMode: outputMode as OutputMode,
      sink: sink as 'memory' | 'file',
      trigger: trigger as Trigger,
      noDataMicroBatches: noData as boolean,
      faults,
      restartsBefore,
      restartAfterFailure,
      inputs,
      arrivalGroups,
      expectedKind,
      expected: s.expected,
      checks,
      tolerance: tol,
    },
  };
}

/** The input batches as files: a row batch is one file; an arrival group lists its files. */
function inputFiles(batches: Json, arrivalGroups: boolean): InputFile[][] {
  if (!Array.isArray(batches)) throw new CaseError('batches must be a list');
  return batches.map((batch, i) => {
    if (!Array.isArray(batch)) throw new CaseError(`batch ${i} must be a list`);
    if (!arrivalGroups) return [{ name: `batch-${String(i).padStart(5, '0')}.jsonl`, mtimeMs: ROW_BATCH_BASE_MTIME_MS + i * 1000, text: linesText(batch, `batch ${i}`) }];
    return batch.map((file) => {
      if (!isObject(file)) throw new CaseError(`a file of arrival group ${i} is not an object`);
      const unknown = Object.keys(file).filter((k) => !['file', 'mtimeMs', 'lines'].includes(k));
      if (unknown.length > 0) throw new CaseError(`unknown file field(s) ${unknown.join(', ')}`);
      const name = file['file'];
      const mtimeMs = file['mtimeMs'];
      const lines = file['lines'];
      if (typeof name !== 'string' || name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..') throw new CaseError(`file name ${JSON.stringify(name)} is not a plain file name`);
      if (typeof mtimeMs !== 'number' || !Number.isFinite(mtimeMs)) throw new CaseError(`file ${name}: mtimeMs must be a number`);
      if (!Array.isArray(lines)) throw new CaseError(`file ${name}: lines must be a list`);
      return { name, mtimeMs, text: linesText(lines, `file ${name}`) };
    });
  });
}

/** One line per element: an object as compact JSON, a string verbatim. */
function linesText(lines: Json[], where: string): string {
  if (lines.length === 0) return '';
  return (
    lines
      .map((l) => {
        if (typeof l === 'string') return l;
        if (isObject(l)) return JSON.stringify(l);
        throw new CaseError(`${where}: a line must be an object or a string, not ${JSON.stringify(l)}`);
      })
      .join('\n') + '\n'
  );
}

// ---- running ----------------------------------------------------------------------------------

/** One micro-batch of the query as the runner saw it. */
interface EngineBatch {
  readonly batchId: number;
  readonly isData: boolean;
  /** Rows the sink received in this batch. */
  readonly emitted: readonly Row[];
  readonly progress: StreamingQueryProgress;
}

/** What happened while one input batch (or arrival group) was processed. */
interface InputRun {
  readonly batches: EngineBatch[];
  watermarkMs: number;
  /** The memory table after the run. */
  table: readonly Row[];
}

interface Observed {
  readonly runs: InputRun[];
  readonly error?: { readonly phase: Phase; readonly batch: number | undefined; readonly error: unknown };
  /** The runner gave up waiting. */
  readonly timeout?: string;
}

class Timeout extends Error {}

async function runScenario(s: Scenario, options: RunOptions): Promise<Outcome> {
  const { plan, needs } = analyse(s);
  if (needs.unknown.length > 0) return `unknown option(s) ${needs.unknown.join(', ')} (the runner does not know them)`;
  if (needs.missing.size > 0) return `needs ${needs.describeMissing()}, not supported yet`;
  if (plan === undefined) return 'the case cannot be run';
  const observed = await execute(plan, options);
  if (observed.timeout !== undefined) return observed.timeout;
  return plan.expectedKind === 'error' ? checkError(plan, observed) : (checkOutput(plan, observed) ?? checkChecks(plan, observed));
}

const TABLE = 'conformance';
type Op = (source: Observable<RowBatch<Row>>) => Observable<RowBatch<Row>>;

/** The query of the plan, on the library's operators. Throws what the library throws while it is defined. */
function buildQuery(plan: Plan, dir: string, catalog: Catalog, current: { index: number }): Observable<StreamingQueryProgress> {
  const source = readJsonFiles(dir, {
    schema: plan.schemaDdl,
    watch: true,
    // The runner wakes the query with processAllAvailable(); no poll runs between its calls, so
    // the files of an arrival group appear to the query at once.
    pollInterval: '1 hour',
    ...(plan.mode === undefined ? {} : { mode: plan.mode }),
    ...(plan.corruptColumn === undefined ? {} : { columnNameOfCorruptRecord: plan.corruptColumn }),
    ...(plan.latestFirst === undefined ? {} : { latestFirst: plan.latestFirst }),
    ...(plan.maxFileAge === undefined ? {} : { maxFileAge: plan.maxFileAge }),
  });
  const ops: Op[] = [];
  if (plan.maxFilesPerTrigger !== undefined || plan.trigger !== 'default') ops.push(throttleFiles(plan.maxFilesPerTrigger ?? Infinity, { trigger: plan.trigger }));
  if (plan.watermark !== undefined) ops.push(withWatermark(plan.watermark.column, plan.watermark.delay));
  for (const fault of plan.faults) {
    let attempts = 0;
    ops.push(
      mapBatch<Row, Row>((rows, info) => {
        if (!info.isDataBatch || current.index !== fault.atBatch) return rows;
        for (const row of rows) {
          if (attempts < fault.times && rowMatches(fault.match, row)) {
            attempts++;
            throw new Error(`injected fault while processing row ${JSON.stringify(row)} of batch ${fault.atBatch} (attempt ${attempts})`);
          }
        }
        return rows;
      }),
    );
  }
  const filter = plan.filter;
  if (filter !== undefined) {
    // Spark's contains: null (row dropped) when the column is null; integers and booleans compare by their string form.
    ops.push(
      filterRows<Row>((row) => {
        const v = row[filter.column];
        return (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && String(v).includes(filter.contains);
      }),
    );
  }
  // Spark's dropDuplicates(cols) after the watermark and the filter, before any groupBy.
  if (plan.dropDuplicates !== undefined) ops.push(dropDuplicates(...plan.dropDuplicates));
  if (plan.window !== undefined) {
    const w = plan.window;
    const options = w.startTime === undefined ? {} : { startTime: w.startTime };
    // The window operators type their input as rows with a timestamp column; the runner's rows are untyped.
    if (w.slide !== undefined && parseDurationMs(w.slide) !== parseDurationMs(w.duration)) ops.push(slidingWindow(w.timeColumn, w.duration, w.slide, options) as unknown as Op);
    else ops.push(tumblingWindow(w.timeColumn, w.duration, options) as unknown as Op);
  }
  if (plan.session !== undefined) ops.push(sessionWindow(plan.session.timeColumn, plan.session.gapDuration) as unknown as Op);
  if (plan.groupBy !== undefined && plan.aggregations !== undefined) {
    // groupBy(...).agg(fn(column).as(name), ...); the runner's rows are untyped.
    const aggregates = plan.aggregations.map((a) => (a.fn === 'count' ? agg.count(a.column) : agg[a.fn](a.column)).as(a.as));
    ops.push(groupByAgg(plan.groupBy, ...aggregates) as unknown as Op);
  }
  if (plan.select !== undefined) ops.push(selectColumns<Row, string>(...plan.select));
  const query = ops.reduce<Observable<RowBatch<Row>>>((acc, op) => op(acc), source);
  if (plan.sink === 'file') return toJsonFiles(fileSinkDir(dir), { outputMode: plan.outputMode })(query);
  return toMemoryTable(TABLE, { catalog, outputMode: plan.outputMode })(query);
}

async function writeInput(dir: string, files: readonly InputFile[], seq: { n: number }): Promise<void> {
  for (const f of files) {
    const temp = join(dir, `.writing-${seq.n++}-${f.name}`);
    await writeFile(temp, f.text);
    const t = new Date(f.mtimeMs);
    await utimes(temp, t, t);
    await rename(temp, join(dir, f.name));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function execute(plan: Plan, options: RunOptions): Promise<Observed> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const root = await mkdtemp(join(options.tmpRoot ?? tmpdir(), 'structured-rx-conformance-'));
  const dir = join(root, 'input');
  const subscriptions: Subscription[] = [];
  let query: StreamingQuery | undefined;
  const runs: InputRun[] = [];
  const current = { index: 0 };
  const seq = { n: 0 };
  try {
    await mkdir(dir);
    const catalog = new Catalog();
    let pipeline: Observable<StreamingQueryProgress>;
    try {
      pipeline = buildQuery(plan, dir, catalog, current);
    } catch (error) {
      return { runs, error: { phase: 'define', batch: undefined, error } };
    }
    const tables = new Map<number, readonly Row[]>();
    subscriptions.push(
      catalog.changes(TABLE).subscribe((snapshot) => {
        if (snapshot.batchId >= 0) tables.set(snapshot.batchId, snapshot.rows);
      }),
    );
    let previousLength = 0;
    const onProgress = (p: StreamingQueryProgress): void => {
      const rows = tables.get(p.batchId) ?? [];
      const emitted = plan.outputMode === 'complete' ? rows : rows.slice(previousLength);
      previousLength = rows.length;
      const isData = p.sources.some((src) => JSON.stringify(src.startOffset) !== JSON.stringify(src.endOffset));
      runs[current.index]?.batches.push({ batchId: p.batchId, isData, emitted, progress: p });
    };
    const newRun = (): InputRun => ({ batches: [], watermarkMs: 0, table: [] });
    const finishRun = (run: InputRun, q: StreamingQuery): void => {
      run.watermarkMs = q.watermarkMs;
      // The file sink's contents are what its log has committed.
      run.table = plan.sink === 'file' ? readJsonFileSink(fileSinkDir(dir)) : (catalog.table(TABLE)?.rows ?? []);
    };

    const n = plan.inputs.length;
    const oneShot = plan.trigger !== 'default';
    const checkpointLocation = join(root, 'checkpoint');
    /** Starts a (new) query on the run's checkpoint: the first start, and every restart. */
    const start = (): StreamingQuery => {
      const q = startQuery(pipeline, { noDataMicroBatches: plan.noDataMicroBatches, checkpointLocation });
      subscriptions.push(q.progress.subscribe(onProgress));
      return q;
    };
    if (n > 0) runs.push(newRun());
    // Group 0 of file arrivals exists before the query starts; so does the one batch a trigger once/availableNow run reads.
    if (n > 0 && (plan.arrivalGroups || oneShot)) await writeInput(dir, plan.inputs[0] ?? [], seq);
    try {
      query = start();
    } catch (error) {
      return { runs, error: { phase: 'start', batch: undefined, error } };
    }

    if (oneShot) {
      // A trigger once/availableNow run ends by itself: the harness starts the query again on its
      // checkpoint for each later batch, with that batch's input there.
      for (let i = 0; i < n; i++) {
        if (i > 0) {
          runs.push(newRun());
          current.index = i;
          await writeInput(dir, plan.inputs[i] ?? [], seq);
          query = start();
        }
        try {
          const ended = await query.awaitTermination(timeoutMs);
          if (!ended) return { runs, timeout: `timed out after ${timeoutMs} ms waiting for the trigger ${plan.trigger} run of batch ${i} to end` };
        } catch (error) {
          return { runs, error: { phase: 'batch', batch: i, error } };
        } finally {
          finishRun(runs[i] as InputRun, query);
        }
      }
      return { runs };
    }

    for (let i = 0; i < n; i++) {
      if (i > 0) runs.push(newRun());
      current.index = i;
      const restart = i > 0 && plan.restartsBefore.has(i);
      // A restart: stop once batch i-1 is done, deliver batch i's input while stopped, start again.
      if (restart) await query.stop();
      if (i > 0 || !plan.arrivalGroups) await writeInput(dir, plan.inputs[i] ?? [], seq);
      if (restart) query = start();
      try {
        for (;;) {
          try {
            await withTimeout(query.processAllAvailable(), timeoutMs, `processAllAvailable() after batch ${i}`);
            break;
          } catch (error) {
            if (error instanceof Timeout || !plan.restartAfterFailure || query.isActive) throw error;
            // The injected fault ended the query: restart it from its checkpoint and go on.
            query = start();
          }
        }
      } catch (error) {
        if (error instanceof Timeout) return { runs, timeout: error.message };
        return { runs, error: { phase: 'batch', batch: i, error } };
      } finally {
        finishRun(runs[i] as InputRun, query);
      }
    }
    return { runs };
  } finally {
    await query?.stop();
    for (const s of subscriptions) s.unsubscribe();
    await rm(root, { recursive: true, force: true });
  }
}

// ---- expected errors ------------------------------------------------------------------------

function checkError(plan: Plan, observed: Observed): Outcome {
  const spec = (plan.expected as JsonObject)['error'] as JsonObject;
  const phase = spec['phase'] as Phase;
  const atBatch = spec['atBatch'];
  const kind = typeof spec['kind'] === 'string' ? ` (Spark: ${spec['kind']})` : '';
  const got = observed.error;
  const where = phase === 'batch' && typeof atBatch === 'number' ? `batch ${atBatch}` : phase;
  if (got === undefined) return `expected an error at ${where}${kind}, but the query ${plan.inputs.length === 0 ? 'started' : `ran all ${plan.inputs.length} batch(es)`} without one`;
  const gotWhere = got.phase === 'batch' ? `batch ${got.batch ?? '?'}` : got.phase;
  const text = errorTexts(got.error);
  // define < start < firstBatch: the library checks the plan (output modes, what Spark's planner
  // refuses) when the pipeline is composed, before Spark's start or first batch. An analysis
  // error raised earlier than Spark raises it counts; a data error must come when Spark's does.
  const earlyAnalysis = got.error instanceof AnalysisError && (got.phase === 'define' || got.phase === 'start');
  const phaseOk =
    got.phase === phase ||
    (phase === 'start' && got.phase === 'define') ||
    (phase === 'firstBatch' && got.phase === 'batch' && got.batch === 0) ||
    ((phase === 'firstBatch' || (phase === 'batch' && (atBatch === 0 || atBatch === undefined))) && earlyAnalysis);
  if (!phaseOk) return `expected an error at ${where}${kind}, got one at ${gotWhere}: ${text[0] ?? ''}`;
  if (phase === 'batch' && typeof atBatch === 'number' && got.batch !== atBatch) return `expected the error at batch ${atBatch}, got it at batch ${got.batch ?? '?'}: ${text[0] ?? ''}`;
  const all = text.join('\n');
  const problems: string[] = [];
  for (const fragment of stringList(spec['messageContains'])) if (!all.includes(fragment)) problems.push(`message lacks ${JSON.stringify(fragment)}`);
  for (const fragment of stringList(spec['messageContainsCaseInsensitive'])) {
    if (!all.toLowerCase().includes(fragment.toLowerCase())) problems.push(`message lacks ${JSON.stringify(fragment)} (any case)`);
  }
  const errorClass = spec['errorClass'];
  if (typeof errorClass === 'string' && !errorClasses(got.error).includes(errorClass) && !all.includes(errorClass)) problems.push(`error class ${errorClass} not reported`);
  if (problems.length > 0) return `${problems.join('; ')}; the error at ${gotWhere} was: ${text[0] ?? ''}`;
  return undefined;
}

/** `[name: message]` of the error and each cause, outermost first. */
function errorTexts(error: unknown): string[] {
  const out: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    out.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}

function errorClasses(error: unknown): string[] {
  const out: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    const c = (e as Error & { errorClass?: unknown }).errorClass;
    if (typeof c === 'string') out.push(c);
    e = e.cause;
  }
  return out;
}

// ---- expected output ----------------------------------------------------------------------

function unexpectedError(observed: Observed): Outcome {
  const e = observed.error;
  if (e === undefined) return undefined;
  const where = e.phase === 'batch' ? `batch ${e.batch ?? '?'}` : e.phase;
  return `unexpected error at ${where}: ${errorTexts(e.error).join(' <- ')}`;
}

function checkOutput(plan: Plan, observed: Observed): Outcome {
  const failed = unexpectedError(observed);
  if (failed !== undefined) return failed;
  const expected = plan.expected as Json[];
  const problems: string[] = [];
  expected.forEach((exp, i) => {
    const run = observed.runs[i];
    if (run === undefined) {
      problems.push(`batch ${i}: not run`);
      return;
    }
    if (exp === null) return; // not asserted
    if (plan.expectedKind === 'microbatches-per-arrival') {
      if (!Array.isArray(exp)) throw new CaseError(`expected[${i}] must be a list of micro-batches`);
      const actual = run.batches.filter((b) => b.isData || b.emitted.length > 0).map((b) => b.emitted);
      if (actual.length !== exp.length) {
        problems.push(`arrival ${i}: expected ${exp.length} micro-batch(es) ${show(exp)}, got ${actual.length} ${show(actual.map((rows) => rows.map((r) => display(plan, r))))}`);
        return;
      }
      exp.forEach((rows, k) => {
        const p = compareRows(plan, rows, actual[k] ?? []);
        if (p !== undefined) problems.push(`arrival ${i}, micro-batch ${k}: ${p}`);
      });
      return;
    }
    const p = compareRows(plan, exp, actualRows(plan, observed, i));
    if (p !== undefined) problems.push(`batch ${i}: ${p}`);
  });
  return problems.length === 0 ? undefined : problems.join('; ');
}

function actualRows(plan: Plan, observed: Observed, i: number): readonly Row[] {
  const run = observed.runs[i] as InputRun;
  switch (plan.expectedKind) {
    case 'emitted-per-batch':
      if (plan.outputMode === 'complete') return run.batches[run.batches.length - 1]?.emitted ?? [];
      return run.batches.flatMap((b) => b.emitted);
    case 'sink-contents-per-batch':
      return run.table;
    case 'result-table-per-batch': {
      if (plan.outputMode !== 'update' || plan.groupBy === undefined) return run.table;
      // Update mode writes changed groups; the result table holds every group's latest row.
      const keys = plan.groupBy;
      const dropped = keys.filter((k) => plan.select !== undefined && !plan.select.includes(k));
      if (dropped.length > 0) throw new RunnerLimit(`result-table-per-batch in update mode needs the grouping columns in select (it lacks ${dropped.join(', ')}), to tell the groups apart`);
      const table = new Map<string, Row>();
      for (const r of observed.runs.slice(0, i + 1)) for (const b of r.batches) for (const row of b.emitted) table.set(JSON.stringify(keys.map((k) => row[k] ?? null)), row);
      return [...table.values()];
    }
    default:
      return [];
  }
}

/** Compares expected rows (JSON) with actual rows as multisets; undefined when equal, else what differs. */
function compareRows(plan: Plan, expected: Json, actual: readonly Row[]): string | undefined {
  if (!Array.isArray(expected)) throw new CaseError(`expected rows must be a list, not ${JSON.stringify(expected)}`);
  const unmatched = [...actual];
  const missing: Json[] = [];
  for (const e of expected) {
    if (!isObject(e)) throw new CaseError(`an expected row must be an object, not ${JSON.stringify(e)}`);
    const k = unmatched.findIndex((a) => sameRow(plan, e, a));
    if (k < 0) missing.push(e);
    else unmatched.splice(k, 1);
  }
  if (missing.length === 0 && unmatched.length === 0) return undefined;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${show(missing)}`);
  if (unmatched.length > 0) parts.push(`unexpected ${show(unmatched.map((r) => display(plan, r)))}`);
  return `${parts.join(', ')} (expected ${expected.length} row(s), got ${actual.length})`;
}

/**
 * Two rows are equal when every column is (`sameValue`); an expected integer in a timestamp
 * column is epoch seconds, as the inputs and the checks write time (a Spark test that selects
 * `eventTime.cast("long")` was transcribed so), against the library's epoch milliseconds.
 */
function sameRow(plan: Plan, expected: JsonObject, actual: Row): boolean {
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const k of keys) {
    const e = expected[k];
    const a = actual[k];
    if (typeof e === 'number' && typeof a === 'number' && plan.timestampColumns.has(k)) {
      if (e * 1000 !== a) return false;
    } else if (!sameValue(e, a, plan.tolerance)) return false;
  }
  return true;
}

/**
 * Spark's value equality as the README states it: a missing key is null; numbers numerically
 * (within the tolerance); an expected ISO-8601 string against a number is an instant against
 * epoch milliseconds; objects (windows) key by key; lists element by element.
 */
function sameValue(expected: unknown, actual: unknown, tolerance: number): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (typeof expected === 'number') return typeof actual === 'number' && (expected === actual || Math.abs(expected - actual) <= tolerance);
  if (typeof expected === 'string') {
    if (typeof actual === 'string') {
      if (expected === actual) return true;
      // Both instants (the file sink writes timestamps as ISO strings): compare as instants.
      const e = instantMs(expected);
      return e !== undefined && e === instantMs(actual);
    }
    if (typeof actual === 'number') {
      const t = instantMs(expected);
      return t !== undefined && t === actual;
    }
    return false;
  }
  if (typeof expected === 'boolean') return expected === actual;
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, k) => sameValue(e, actual[k], tolerance));
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || Array.isArray(actual)) return false;
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
    for (const k of keys) if (!sameValue(e[k], a[k], tolerance)) return false;
    return true;
  }
  return false;
}

/** Where the file sink of a case writes: beside the input directory. */
function fileSinkDir(inputDir: string): string {
  return join(inputDir, '..', 'output');
}

/** An ISO-8601 instant with a zone (`Z` or `+hh:mm`) as epoch milliseconds, or undefined. */
function instantMs(text: string): number | undefined {
  if (!/^[+-]?\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A check value as epoch ms: an ISO instant, or a number of epoch seconds (as the inputs write time). */
function expectedInstant(value: Json): number | undefined {
  if (typeof value === 'number') return value * 1000;
  return typeof value === 'string' ? instantMs(value) : undefined;
}

function rowMatches(match: JsonObject, row: Row): boolean {
  return Object.entries(match).every(([k, v]) => sameValue(v, row[k], 0));
}

/** An actual row for a message: timestamps and windows as ISO strings. */
function display(plan: Plan, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'number' && plan.timestampColumns.has(k) && Number.isFinite(v)) out[k] = iso(v);
    else if (v !== null && typeof v === 'object' && typeof (v as { start?: unknown }).start === 'number' && typeof (v as { end?: unknown }).end === 'number') {
      const w = v as { start: number; end: number };
      out[k] = { start: iso(w.start), end: iso(w.end) };
    } else out[k] = v;
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

// ---- checks -------------------------------------------------------------------------------

const CHECKS = ['watermarkAfterBatch', 'watermarkUsedByDataBatch', 'stateRowsAfterBatch', 'rowsDroppedByWatermarkInBatch', 'eventTimeStatsOfDataBatch'] as const;

/** `{ "0": v, ... }` or a list (null entries not asserted) as index/value pairs. */
function indexed(value: Json, name: string): [number, Json][] {
  if (!Array.isArray(value) && !isObject(value)) throw new CaseError(`checks.${name} must be an object of batch index to value`);
  const pairs: [number, Json][] = Array.isArray(value)
    ? value.map((v, k): [number, Json] => [k, v])
    : isObject(value)
      ? Object.entries(value).map(([k, v]): [number, Json] => {
          if (!/^\d+$/.test(k)) throw new CaseError(`checks.${name}: key ${k} is not a batch index`);
          return [Number(k), v];
        })
      : [];
  return pairs.filter(([, v]) => v !== null);
}

function checkChecks(plan: Plan, observed: Observed): Outcome {
  const checks = plan.checks;
  if (checks === undefined) return undefined;
  const problems: string[] = [];
  const runAt = (i: number, name: string): InputRun | undefined => {
    const run = observed.runs[i];
    if (run === undefined) problems.push(`${name}[${i}]: the case has ${plan.inputs.length} batch(es)`);
    return run;
  };
  const dataBatches = observed.runs.flatMap((r) => r.batches.filter((b) => b.isData));
  const dataAt = (i: number, name: string): EngineBatch | undefined => {
    const b = dataBatches[i];
    if (b === undefined) problems.push(`${name}[${i}]: the query ran ${dataBatches.length} data batch(es)`);
    return b;
  };
  /** The last progress of run i, or of the last run before it that ran a batch. */
  const lastProgress = (i: number): StreamingQueryProgress | undefined => {
    for (let k = i; k >= 0; k--) {
      const b = observed.runs[k]?.batches;
      const last = b?.[b.length - 1];
      if (last !== undefined) return last.progress;
    }
    return undefined;
  };
  const instantCheck = (name: string, i: number, expected: Json, actualIso: string | undefined, actualMs?: number): void => {
    const want = expectedInstant(expected);
    if (want === undefined) throw new CaseError(`checks.${name}[${i}]: ${JSON.stringify(expected)} is not an instant`);
    const got = actualMs ?? (actualIso === undefined ? undefined : Date.parse(actualIso));
    if (got === undefined || Number.isNaN(got)) problems.push(`${name}[${i}]: expected ${iso(want)}, the library reported none`);
    else if (got !== want) problems.push(`${name}[${i}]: expected ${iso(want)}, got ${iso(got)}`);
  };

  for (const name of CHECKS) {
    const spec = checks[name];
    if (spec === undefined || spec === null) continue;
    for (const [i, expected] of indexed(spec, name)) {
      switch (name) {
        case 'watermarkAfterBatch': {
          const run = runAt(i, name);
          if (run !== undefined) instantCheck(name, i, expected, undefined, run.watermarkMs);
          break;
        }
        case 'watermarkUsedByDataBatch': {
          const b = dataAt(i, name);
          if (b !== undefined) instantCheck(name, i, expected, b.progress.eventTime.watermark);
          break;
        }
        case 'stateRowsAfterBatch': {
          if (runAt(i, name) === undefined) break;
          const op = lastProgress(i)?.stateOperators[0];
          if (op === undefined) problems.push(`${name}[${i}]: expected ${JSON.stringify(expected)}, no state operator reported`);
          else if (op.numRowsTotal !== expected) problems.push(`${name}[${i}]: expected ${JSON.stringify(expected)}, got ${op.numRowsTotal}`);
          break;
        }
        case 'rowsDroppedByWatermarkInBatch': {
          const run = runAt(i, name);
          if (run === undefined) break;
          const got = run.batches.reduce((sum, b) => sum + b.progress.stateOperators.reduce((s2, op) => s2 + op.numRowsDroppedByWatermark, 0), 0);
          if (got !== expected) problems.push(`${name}[${i}]: expected ${JSON.stringify(expected)}, got ${got}`);
          break;
        }
        case 'eventTimeStatsOfDataBatch': {
          const b = dataAt(i, name);
          if (b === undefined) break;
          if (!isObject(expected)) throw new CaseError(`checks.${name}[${i}] must be an object {min, max, avg}`);
          for (const [k, v] of Object.entries(expected)) {
            if (k !== 'min' && k !== 'max' && k !== 'avg') throw new CaseError(`checks.${name}[${i}]: unknown statistic ${k}`);
            if (v !== null) instantCheck(`${name}.${k}`, i, v, b.progress.eventTime[k]);
          }
          break;
        }
      }
    }
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}

// ---- small helpers --------------------------------------------------------------------------

function isErrorExpectation(v: Json | undefined): boolean {
  return isObject(v) && isObject(v['error']);
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function objectAt(o: JsonObject, key: string, where: string, required: boolean): JsonObject | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new CaseError(`${where} is missing`);
    return undefined;
  }
  if (!isObject(v)) throw new CaseError(`${where} must be an object`);
  return v;
}

function optionalString(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new CaseError(`${key} must be a string`);
  return v;
}

function stringList(v: Json | undefined): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  throw new CaseError(`expected a string or a list of strings, not ${JSON.stringify(v)}`);
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One line, at most 1000 characters. */
function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > 1000 ? `${flat.slice(0, 997)}...` : flat;
}
