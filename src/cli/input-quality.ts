/**
 * What the command says about bad input: per trigger and for the whole run, the malformed lines,
 * the rows dropped (no event time, late, malformed in DROPMALFORMED mode) and the corrupt or
 * missing files skipped, from each trigger's progress (its `sources[0].files` accounting); the
 * warnings at the end; and text from files made safe for a terminal.
 */
import type { BadRecord } from '../engine/source.js';
import type { ParseMode } from '../json-lines.js';
import type { BatchProgress } from '../progress.js';
import { escapeControl } from './escape.js';
import { lateInputRows } from './pipeline.js';

/** One trigger's bad input, or a run's (summed). */
export interface InputCounts {
  /** Non-blank lines read. */
  linesRead: number;
  /** Rows the files gave the query (kept, or dropped later by a step). */
  rowsGiven: number;
  /** Malformed lines (kept with nulls in PERMISSIVE mode, dropped in DROPMALFORMED). */
  malformed: number;
  /** Lines that gave no row: malformed in DROPMALFORMED mode, too long, unfinished in a corrupt file. */
  rejected: number;
  /** Rows dropped for a null event time (no window). */
  nullEventTime: number;
  /** Rows steps dropped for another reason (duplicates). */
  otherDropped: number;
  /** Input rows dropped as late. */
  late: number;
  corruptFiles: number;
  missingFiles: number;
}

export function emptyCounts(): InputCounts {
  return { linesRead: 0, rowsGiven: 0, malformed: 0, rejected: 0, nullEventTime: 0, otherDropped: 0, late: 0, corruptFiles: 0, missingFiles: 0 };
}

/** A trigger's counts, from its progress. */
export function triggerCounts(p: BatchProgress): InputCounts {
  const c = emptyCounts();
  for (const f of p.sources[0]?.files ?? []) {
    c.linesRead += f.linesRead;
    c.rowsGiven += f.rowsKept + f.rowsDropped;
    c.rejected += f.linesRejected;
    if (f.status === 'corrupt') c.corruptFiles++;
    if (f.status === 'missing') c.missingFiles++;
  }
  c.malformed = p.numMalformedRows;
  for (const [reason, n] of Object.entries(p.droppedRows)) {
    if (reason === 'nullEventTime') c.nullEventTime += n;
    else c.otherDropped += n;
  }
  c.late = lateInputRows(p);
  return c;
}

export function addCounts(total: InputCounts, c: InputCounts): void {
  for (const k of Object.keys(total) as (keyof InputCounts)[]) total[k] += c[k];
}

/** Rows that reached the aggregation: given by the files, less those steps dropped and those late. */
export function countedRows(c: InputCounts): number {
  return c.rowsGiven - c.nullEventTime - c.otherDropped - c.late;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The non-zero counts as short phrases: "3 malformed", "2 without event time", "1 late", "1 corrupt file", ... */
export function countPhrases(c: InputCounts, mode: ParseMode): string[] {
  const out: string[] = [];
  if (c.malformed > 0) out.push(`${c.malformed} malformed${mode === 'DROPMALFORMED' ? ' (dropped)' : ''}`);
  const tooLongOrCut = c.rejected - (mode === 'DROPMALFORMED' ? c.malformed : 0);
  if (tooLongOrCut > 0) out.push(`${plural(tooLongOrCut, 'line')} not read (too long, or cut by a corrupt file)`);
  if (c.nullEventTime > 0) out.push(`${c.nullEventTime} without event time`);
  if (c.late > 0) out.push(`${c.late} late`);
  if (c.otherDropped > 0) out.push(`${c.otherDropped} duplicate`);
  if (c.corruptFiles > 0) out.push(plural(c.corruptFiles, 'corrupt file'));
  if (c.missingFiles > 0) out.push(plural(c.missingFiles, 'missing file'));
  return out;
}

/** The run's bad input for the final summary, late rows left out (the summary says them already): "3 malformed lines, 2 rows without event time dropped, 1 corrupt file skipped". */
export function summaryPhrases(c: InputCounts, mode: ParseMode): string[] {
  const out: string[] = [];
  if (c.malformed > 0) out.push(`${plural(c.malformed, 'malformed line')}${mode === 'DROPMALFORMED' ? ' dropped' : ' (kept with nulls)'}`);
  const notRead = c.rejected - (mode === 'DROPMALFORMED' ? c.malformed : 0);
  if (notRead > 0) out.push(`${plural(notRead, 'line')} not read (too long, or cut by a corrupt file)`);
  if (c.nullEventTime > 0) out.push(`${plural(c.nullEventTime, 'row')} without event time dropped`);
  if (c.otherDropped > 0) out.push(`${plural(c.otherDropped, 'duplicate row')} dropped`);
  if (c.corruptFiles > 0) out.push(`${plural(c.corruptFiles, 'corrupt file')} skipped`);
  if (c.missingFiles > 0) out.push(`${plural(c.missingFiles, 'missing file')} skipped`);
  return out;
}

/** A file whose lines all failed to parse: its path, lines read, and the first bad record in it. */
interface UnreadFile {
  readonly path: string;
  readonly lines: number;
}

/**
 * The run's tally: counts summed over triggers, the files in which no line parsed, and the first
 * bad record of each kind (for the warnings).
 */
export class InputTally {
  readonly total = emptyCounts();
  private readonly unread: UnreadFile[] = [];
  private readonly firstBad = new Map<string, BadRecord>();

  constructor(private readonly mode: ParseMode) {}

  addTrigger(p: BatchProgress): InputCounts {
    const c = triggerCounts(p);
    addCounts(this.total, c);
    for (const f of p.sources[0]?.files ?? []) {
      const unparsed = this.mode === 'DROPMALFORMED' ? f.linesRejected : f.malformedLines + f.linesRejected;
      if (f.linesRead > 0 && unparsed === f.linesRead) this.unread.push({ path: f.path, lines: f.linesRead });
    }
    return c;
  }

  addBadRecord(r: BadRecord): void {
    if (!this.firstBad.has(r.path)) this.firstBad.set(r.path, r);
  }

  /**
   * The warning lines at the end of a run (without the program's prefix): rows dropped, with
   * where the first bad line was; each file in which no line parsed (at most `maxFiles`, then how
   * many more). Paths are shown by `label`; text from files is escaped for a terminal.
   */
  warnings(label: (path: string) => string, maxFiles = 5): string[] {
    const t = this.total;
    const out: string[] = [];
    const rejectedMalformed = this.mode === 'DROPMALFORMED' ? t.malformed : 0;
    const dropped = t.rejected + t.nullEventTime + t.otherDropped + t.late + t.corruptFiles + t.missingFiles;
    if (dropped > 0) {
      const parts: string[] = [];
      if (rejectedMalformed > 0) parts.push(`${plural(rejectedMalformed, 'malformed line')} (--mode DROPMALFORMED)`);
      if (t.rejected - rejectedMalformed > 0) parts.push(`${plural(t.rejected - rejectedMalformed, 'line')} too long or cut by a corrupt file`);
      if (t.nullEventTime > 0) parts.push(`${plural(t.nullEventTime, 'row')} without an event time`);
      if (t.late > 0) parts.push(`${plural(t.late, 'late row')}`);
      if (t.otherDropped > 0) parts.push(`${plural(t.otherDropped, 'duplicate row')}`);
      if (t.corruptFiles > 0) parts.push(`${plural(t.corruptFiles, 'corrupt file')} skipped`);
      if (t.missingFiles > 0) parts.push(`${plural(t.missingFiles, 'missing file')} skipped`);
      const first = [...this.firstBad.values()][0];
      const where = first === undefined ? '' : `; first bad input: ${describeBadRecord(first, label)}`;
      out.push(`warning: input dropped (of ${plural(t.linesRead, 'line')} read): ${parts.join(', ')}${where}`);
    }
    for (const f of this.unread.slice(0, maxFiles)) {
      const first = this.firstBad.get(f.path);
      out.push(`warning: no line of ${escapeControl(label(f.path))} was read as a row (${plural(f.lines, 'line')})${first === undefined ? '' : `; first: ${describeBadRecord(first, label)}`}`);
    }
    if (this.unread.length > maxFiles) out.push(`warning: and ${plural(this.unread.length - maxFiles, 'more file')} in which no line was read as a row`);
    return out;
  }
}

/** "file-3.json:12: field time: ... (line: {"time":...})", escaped, the line cut to 80 characters. */
export function describeBadRecord(r: BadRecord, label: (path: string) => string): string {
  const at = r.line === null ? label(r.path) : `${label(r.path)}:${r.line}`;
  const raw = r.raw === '' ? '' : ` in ${JSON.stringify(r.raw.length > 80 ? `${r.raw.slice(0, 80)}…` : r.raw)}`;
  return escapeControl(`${at}: ${r.reason}${raw}`);
}
