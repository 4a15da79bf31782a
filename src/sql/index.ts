export { executeSql, prepareSql, PreparedSql } from './engine.js';
export { MAX_EXPRESSION_DEPTH, MAX_STATEMENT_LENGTH } from './parse.js';
export type { SqlOptions, SqlResult } from './engine.js';
export { sqlStream } from './stream.js';
export {
  SqlAnalysisError,
  SqlExecutionError,
  SqlLimitError,
  SqlNotAQueryError,
  SqlSyntaxError,
  SqlUnknownColumnError,
  SqlUnknownFunctionError,
  SqlUnknownTableError,
  SqlUnsupportedError,
} from './errors.js';
export { SUPPORTED_FUNCTIONS } from './compile.js';
