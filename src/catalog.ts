import { Observable, Subject, filter } from 'rxjs';
import { InvalidArgumentError } from './errors.js';
import type { ColumnType } from './schema.js';
import { executeSql, sqlStream, type PreparedSql, type SqlOptions, type SqlResult } from './sql/index.js';

/** A row as it travels through the library: a plain, never-mutated object. */
export type Row = Readonly<Record<string, unknown>>;

/**
 * One table's content as of one whole trigger. A snapshot is immutable: the sink replaces the
 * catalog's snapshot object at the end of a trigger, so a reader that holds a snapshot keeps
 * seeing the same whole trigger however long it reads (prefix integrity).
 */
export interface TableSnapshot<R extends Row = Row> {
  readonly name: string;
  readonly rows: readonly R[];
  /** The last micro-batch this snapshot includes; -1 for a static table. */
  readonly batchId: number;
  /** Increases by one at every replacement of this table. */
  readonly version: number;
  /** Column types where known (timestamps are epoch milliseconds; a window is `{start, end}`). */
  readonly schema?: Readonly<Record<string, ColumnType>>;
  /** True for a table written by a streaming query, false for a registered static result. */
  readonly isStreaming: boolean;
}

/**
 * The catalog of in-memory tables: Spark's session catalog for memory sinks and temp views.
 * There is no module-level registry: create a catalog and pass it to the sinks that write to it
 * and to the readers that query it.
 */
export class Catalog {
  /** The current snapshot of every table, replaced whole (never mutated) at each trigger. */
  private readonly tables = new Map<string, TableSnapshot>();
  private readonly replaced = new Subject<TableSnapshot>();

  /** The current snapshot of `name`, or undefined when no such table exists. */
  table<R extends Row = Row>(name: string): TableSnapshot<R> | undefined {
    return this.tables.get(name) as TableSnapshot<R> | undefined;
  }

  /** The names of all tables, sorted. */
  tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  /**
   * Replaces a table's content in one step and notifies `changes()` subscribers. Sinks call
   * this once per trigger; readers never see a partial replacement.
   */
  replace<R extends Row>(
    name: string,
    rows: readonly R[],
    info: { batchId: number; schema?: Readonly<Record<string, ColumnType>>; isStreaming: boolean },
  ): TableSnapshot<R> {
    const previous = this.tables.get(name);
    const snapshot: TableSnapshot<R> = Object.freeze({
      name,
      rows: Object.freeze(rows.slice()) as readonly R[],
      batchId: info.batchId,
      version: previous === undefined ? 0 : previous.version + 1,
      isStreaming: info.isStreaming,
      ...(info.schema === undefined ? {} : { schema: info.schema }),
    });
    this.tables.set(name, snapshot);
    this.replaced.next(snapshot);
    return snapshot;
  }

  /** Spark's `createOrReplaceTempView`: registers a static (finite) result under `name`. */
  createOrReplaceTempView<R extends Row>(
    name: string,
    rows: readonly R[],
    schema?: Readonly<Record<string, ColumnType>>,
  ): TableSnapshot<R> {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new InvalidArgumentError('createOrReplaceTempView', 'name', name, 'a non-empty table name');
    }
    return this.replace(name, rows, { batchId: -1, isStreaming: false, ...(schema === undefined ? {} : { schema }) });
  }

  /** Removes a table; returns whether it existed. */
  drop(name: string): boolean {
    return this.tables.delete(name);
  }

  /**
   * Emits each new snapshot after it replaced the old one: of every table, or of the tables
   * named. Hot: a subscriber sees replacements made after it subscribed.
   */
  changes(...names: string[]): Observable<TableSnapshot> {
    if (names.length === 0) return this.replaced.asObservable();
    const wanted = new Set(names);
    return this.replaced.pipe(filter((s) => wanted.has(s.name)));
  }

  /**
   * Runs a SQL `SELECT` (Spark's dialect where the notebook needs it) against this catalog's
   * tables, as `spark.sql(text)`. The statement reads one snapshot of every table it names, so
   * it sees whole triggers only, also while queries write to them. Throws `SqlSyntaxError`,
   * `SqlUnknownTableError`, `SqlUnknownColumnError`, ... (all `StructuredRxError`s).
   */
  sql(text: string, options?: SqlOptions): SqlResult {
    return executeSql(text, this, options);
  }

  /**
   * The push form of `sql`: emits the statement's result now (once its tables exist) and again
   * after every trigger that replaces a table it reads. A failing statement errors this
   * Observable only, never the query that wrote the table.
   */
  sqlStream(statement: string | PreparedSql, options?: SqlOptions): Observable<SqlResult> {
    return sqlStream(this, statement, options);
  }
}
