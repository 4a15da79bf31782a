// Operators, one file each.
export { readJsonFiles, SeenFileLog, compareFiles, isVisibleDataFile, type ReadJsonFilesOptions } from '../operators/readJsonFiles.js';
export { throttleFiles, parseTrigger, type ThrottleFilesOptions, type TriggerSpec } from '../operators/throttleFiles.js';
export { tumblingWindow, type TumblingWindowOptions, type Windowed } from '../operators/tumblingWindow.js';
export { groupCount, type CountRow } from '../operators/groupCount.js';
export { toMemoryTable, type ToMemoryTableOptions } from '../operators/toMemoryTable.js';
export { foreachBatch, type ForeachBatchOptions } from '../operators/foreachBatch.js';

// The query handle, catalog and plan.
export { startQuery, StreamingQuery, StreamingQueryException, type StartQueryOptions, type StreamingQueryStatus } from './query.js';
export { Catalog, type Row, type TableSnapshot } from './catalog.js';
export { isStreaming, planOf, withPlan, derivePlan, SourceMonitor, type QueryPlan, type PlannedObservable, type OutputMode, type SourceStatus } from './plan.js';
export type { BatchProgress, StreamingQueryProgress } from './progress.js';
export type { AggregateBatch, BatchInfo, EventTimeStats, FileMeta, ListingPosition, MicroBatch, RowBatch, SourceFile } from './batch.js';

// Kernels: pure functions, usable on their own.
export { parseDurationMs, durationMs, type DurationLike } from './duration.js';
export { parseSchema, schemaTypes, type ColumnType, type RowOf, type Schema, type SchemaLike, type SchemaObject, type Window } from './schema.js';
export { parseJsonLines, convertValue, mismatch, INVALID, type ParseMode } from './json-lines.js';
export { tumblingWindowStart, slidingWindowStarts } from './window.js';
export { compareNatural } from './natural-order.js';
export { CountStateStore, groupKey } from './state-store.js';
export { nodeFileSystem, type FileStat, type StreamFileSystem } from './fs/file-system.js';

// Errors.
export { StructuredRxError, InvalidArgumentError, AnalysisError, FileReadError, MalformedRecordError } from './errors.js';

// SQL over the catalog's tables.
export {
  executeSql,
  prepareSql,
  PreparedSql,
  sqlStream,
  SUPPORTED_FUNCTIONS,
  SqlAnalysisError,
  SqlNotAQueryError,
  SqlSyntaxError,
  SqlUnknownColumnError,
  SqlUnknownFunctionError,
  SqlUnknownTableError,
  SqlUnsupportedError,
  type SqlOptions,
  type SqlResult,
} from './sql/index.js';
