import { Observable, throwError } from 'rxjs';
import type { Catalog } from '../catalog.js';
import { type PreparedSql, type SqlOptions, type SqlResult, prepareSql } from './engine.js';

/**
 * The push form of a SELECT over live tables: emits the result at once when every table the
 * statement reads exists, then again after each replacement of any of them (each run reads the
 * new snapshot whole). The statement is parsed once, when `sqlStream` is called.
 *
 * A statement that fails (a syntax error, a column a new snapshot lacks...) errors this stream's
 * subscriber only: the failure is caught here and sent down the error channel, so it never
 * reaches the sink whose `Catalog.replace` triggered the run.
 */
export function sqlStream(catalog: Catalog, statement: string | PreparedSql, options?: SqlOptions): Observable<SqlResult> {
  let prepared: PreparedSql;
  try {
    prepared = typeof statement === 'string' ? prepareSql(statement, options) : statement;
  } catch (e: unknown) {
    return throwError(() => e);
  }
  const wanted = new Set(prepared.tables.map((t) => t.toLowerCase()));
  const allExist = (): boolean => {
    const names = new Set(catalog.tableNames().map((n) => n.toLowerCase()));
    return [...wanted].every((t) => names.has(t));
  };
  return new Observable<SqlResult>((subscriber) => {
    const run = (): void => {
      let result: SqlResult;
      try {
        result = prepared.execute(catalog);
      } catch (e: unknown) {
        subscriber.error(e);
        return;
      }
      subscriber.next(result);
    };
    subscriber.add(
      catalog.changes().subscribe({
        next: (snapshot) => {
          if (subscriber.closed || !wanted.has(snapshot.name.toLowerCase())) return;
          if (allExist()) run();
        },
      }),
    );
    if (allExist()) run();
  });
}
