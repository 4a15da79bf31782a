/**
 * Typed errors. Every error the library raises is a `StructuredRxError`, so callers can
 * tell a library error from a bug with `instanceof`, and each subclass carries the data a
 * program needs (operator and option, file and line, table name) as fields, not only text.
 */
export class StructuredRxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad argument, thrown synchronously where the operator (or query) is created. */
export class InvalidArgumentError extends StructuredRxError {
  constructor(
    readonly operator: string,
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${operator}: invalid ${option} ${describeValue(value)}: expected ${expected}`);
  }
}

/** The query cannot run as composed (Spark's AnalysisException), raised when it is defined or started. */
export class AnalysisError extends StructuredRxError {
  /** Spark's error class where Spark gives one (`STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE`, ...). */
  readonly errorClass: string | undefined;
  constructor(message: string, options?: { cause?: unknown; errorClass?: string }) {
    super(options?.errorClass === undefined ? message : `[${options.errorClass}] ${message}`, options);
    this.errorClass = options?.errorClass;
  }
}

/** A file could not be listed or read. Travels down the error channel. */
export class FileReadError extends StructuredRxError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A line that is not a JSON object, or whose field does not fit the schema (FAILFAST mode). */
export class MalformedRecordError extends StructuredRxError {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
    readonly record: string,
  ) {
    // Spark's words first (`Malformed records are detected in record parsing. Parse Mode: FAILFAST.`), so messages match Spark's.
    super(`Malformed records are detected in record parsing. Parse Mode: FAILFAST. Malformed record at ${path}:${line}: ${reason}`);
  }
}

/** Renders a value for an error message: strings quoted, everything else as JSON or String(). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
