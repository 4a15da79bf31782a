export { executeSql, prepareSql, PreparedSql } from './engine.js';
export type { SqlOptions, SqlResult } from './engine.js';
export { sqlStream } from './stream.js';
export {
  SqlAnalysisError,
  SqlNotAQueryError,
  SqlSyntaxError,
  SqlUnknownColumnError,
  SqlUnknownFunctionError,
  SqlUnknownTableError,
  SqlUnsupportedError,
} from './errors.js';
export { SUPPORTED_FUNCTIONS } from './compile.js';
