// The marble-testing kit: everything a user needs to test a structured-rx query in virtual time.
export { VirtualFileSystem, type VirtualFileSystemOptions } from './virtual-file-system.js';
export { createTestScheduler, type AssertDeepEqual } from './create-test-scheduler.js';
export { virtualDirectory, fileName, type FileContent } from './virtual-directory.js';
export { arriveAt } from './arrive-at.js';
export { summarizeBatch, summarizeBatches, type BatchSummary, type SummarizableBatch } from './summarize-batches.js';
export { recordCalls, type FileSystemCall } from './record-calls.js';
export { testQuery, type QueryTest, type TestQueryOptions, type BatchFrame, type Shown } from './test-query.js';
export { playFiles, put, append, remove, type FileEvent } from './file-events.js';
export { notation, parseTime, formatTime, windowOf, RowNotation, type NotationOptions, type RowFormat, type RowInput, type CheckPattern, type PatternColumns } from './notation.js';
export { multiset, isMultiset, compareFrames, MarbleAssertionError, FrameLog } from './frames.js';
