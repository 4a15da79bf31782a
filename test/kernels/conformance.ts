// Reads the Spark conformance cases (one JSON file per scenario, transcribed from Spark's test
// suites) so that kernel tests can take their expected values from Spark rather than from us.
// Only the fields the kernel tests use are typed; the format is described in the cases' README.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The cases live in test/conformance/spark (the runner's cases); STRUCTURED_RX_CONFORMANCE_DIR overrides where. */
export const CONFORMANCE_DIR = process.env['STRUCTURED_RX_CONFORMANCE_DIR'] ?? join(__dirname, '..', 'conformance', 'spark');

export interface WindowSpec {
  readonly timeColumn: string;
  readonly duration: string;
  readonly slide?: string;
  readonly startTime?: string;
}

export type GroupBySpec = string | { readonly window: WindowSpec };

export interface ConformanceCase {
  readonly formatVersion: number;
  readonly id: string;
  readonly options: {
    readonly source: {
      readonly schema: readonly (readonly [string, string])[];
      readonly mode?: string;
      readonly columnNameOfCorruptRecord?: string;
    };
    readonly query?: {
      readonly groupBy?: readonly GroupBySpec[];
      readonly aggregations?: readonly { readonly fn: string; readonly column: string; readonly as: string }[];
    };
  };
  /** Each batch's input lines: an object is written as compact JSON, a string verbatim. */
  readonly batches: readonly (readonly (string | Record<string, unknown>)[])[];
  readonly expectedKind: string;
  readonly expected: unknown;
  readonly variants?: readonly {
    readonly name: string;
    readonly optionsOverride?: { readonly source?: { readonly schema?: readonly (readonly [string, string])[] } };
    readonly expected?: unknown;
  }[];
}

export function loadCase(id: string): ConformanceCase {
  const c = JSON.parse(readFileSync(join(CONFORMANCE_DIR, `${id}.json`), 'utf8')) as ConformanceCase;
  if (c.formatVersion !== 1 || c.id !== id) throw new Error(`conformance case ${id}: unexpected formatVersion ${c.formatVersion} or id ${c.id}`);
  return c;
}

/** A batch as the file the case asks for: one line per element, objects as compact JSON. */
export function batchText(lines: readonly (string | Record<string, unknown>)[]): string {
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}

/** The case's schema as our DDL. */
export function schemaDdl(c: ConformanceCase, schema = c.options.source.schema): string {
  return schema.map(([name, type]) => `\`${name}\` ${type.toUpperCase()}`).join(', ');
}

/** An ISO-8601 instant with its zone (the cases write `Z`) as epoch milliseconds, whatever the machine's zone. */
export function instant(iso: string): number {
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(iso)) throw new Error(`conformance instant without a zone: ${iso}`);
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${iso}`);
  return ms;
}
