// Operators, one file each.
export { readJsonFiles, SeenFileLog, compareFiles, isVisibleDataFile, DEFAULT_MAX_LINE_LENGTH, type ReadJsonFilesOptions } from '../operators/readJsonFiles.js';
export { throttleFiles, parseTrigger, type ThrottleFilesOptions, type TriggerSpec } from '../operators/throttleFiles.js';
export { withWatermark, type WithWatermarkOptions } from '../operators/withWatermark.js';
export { tumblingWindow, type TumblingWindowOptions, type Windowed } from '../operators/tumblingWindow.js';
export { slidingWindow, type SlidingWindowOptions } from '../operators/slidingWindow.js';
export { sessionWindow, type WithSession } from '../operators/sessionWindow.js';
export { groupCount, type CountRow } from '../operators/groupCount.js';
export { groupByAgg, type AggRow, type AggValue, type AggState } from '../operators/groupByAgg.js';
export { agg, type Aggregate } from './agg/functions.js';
export { combinerFor, countStar, countNonNull, sumCombiner, avgCombiner, minCombiner, maxCombiner, countDistinctCombiner, approxCountDistinctCombiner, ArithmeticOverflowError, DEFAULT_RELATIVE_SD, type Combiner, type AnyCombiner, type AggregateFunction, type AvgAcc } from './agg/combiners.js';
export type { Registers } from './agg/hyperloglog.js';
export { dropDuplicates, dropDuplicatesWithinWatermark } from '../operators/dropDuplicates.js';
export { mapBatch, filterRows, selectColumns, withColumn, type BatchInfo } from '../operators/mapBatch.js';
export { toMemoryTable, type ToMemoryTableOptions } from '../operators/toMemoryTable.js';
export { foreachBatch, type ForeachBatchOptions } from '../operators/foreachBatch.js';
export { toJsonFiles, readJsonFileSink, sinkLogFilesToRead, SINK_LOG_DIR, type ToJsonFilesOptions } from '../operators/toJsonFiles.js';

// The query handle, catalog and engine.
export { startQuery, StreamingQuery, StreamingQueryException, type StartQueryOptions, type StreamingQueryStatus } from './query.js';
export { Catalog, type Row, type TableSnapshot } from './catalog.js';
export { activeQueries, streamingQueryEvents, type StreamingQueryEvent } from './monitor/registry.js';
export { isStreaming } from './engine/is-streaming.js';
export { Pipeline, planOf, type LogicalPlan, type OutputMode, type LateRow, type LateRowsEvent, type StepContext, type StepInstance, type StepSpec, type StateSchema, type StateField, type SinkSpec, type SinkWriter, type WatermarkSpec, type ColumnsInfo, type EventTimeKind } from './engine/plan.js';
export { MicroBatchExecution, END_OF_TIME_MS, type MicroBatch, type OffsetLogEntry, type CommitLogEntry, type CheckpointState, type DriverOptions, type DriverListener } from './engine/driver.js';
export { Batch, type EventTimeStats } from './engine/batch.js';
export { StateStore, StateStoreProvider, type StateDelta } from './engine/state-store.js';
export { CheckpointError, CHECKPOINT_FORMAT_VERSION } from './engine/checkpoint.js';
export { offsetsEqual, READ_ALL, BAD_RECORD_RAW_LIMIT, type Source, type SourceSpec, type SourceBatch, type SourceContext, type BadRecord, type BadRecordKind, type Offset, type ReadLimit, type JsonValue } from './engine/source.js';
export { observableSourceSpec, type BatchLike } from './engine/observable-source.js';
export { pipeline, sourcePlan, inputPlan, withStep } from './engine/compose.js';
export type { Trigger } from './engine/trigger.js';
export type { BatchProgress, StreamingQueryProgress, StateOperatorProgress, SourceProgress, FileProgress, FileChange } from './progress.js';
export type { FileMeta, RowBatch, RowOfBatch } from './batch.js';

// Kernels: pure functions, usable on their own.
export { parseDurationMs, durationMs, type DurationLike } from './duration.js';
export { parseSchema, schemaTypes, type ColumnType, type ScalarColumnType, type ArrayColumnType, type StructColumnType, type SourceColumnType, type RowOf, type Schema, type SchemaLike, type SchemaObject, type Window } from './schema.js';
export { parseJsonLines, convertValue, mismatch, INVALID, type ParseMode, type ParseOptions, type ParsedFile } from './json-lines.js';
export { tumblingWindowStart, slidingWindowStarts } from './window.js';
export { compareNatural } from './natural-order.js';
export { groupKey } from './group-key.js';
export { nodeFileSystem, type FileStat, type StreamFileSystem } from './fs/file-system.js';
export { inNameOrder } from './fs/name-order.js';

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
  SqlExecutionError,
  SqlLimitError,
  SqlUnknownColumnError,
  SqlUnknownFunctionError,
  SqlUnknownTableError,
  SqlUnsupportedError,
  type SqlOptions,
  type SqlResult,
} from './sql/index.js';
