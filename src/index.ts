/**
 * shardscan's public API: scan(), the parsers, the permutation and shard plan,
 * the writers, the model's types and the errors. The CLI (src/cli) is built on these.
 */
export { scan, type ScanHandle, type ScanOptions } from './api.js';
export { type ScanConfig, type OutputFormat, OUTPUT_FORMATS, resolveConfig, loadConfigFile, checkConfig } from './config/index.js';
export { ShardscanError, type ErrorCode, ERROR_KINDS } from './errors.js';
export { buildTargets, parseTargetToken, splitList, type Resolver, type TargetInput } from './targets/parse.js';
export { TargetSet } from './targets/set.js';
export { formatIPv4, formatIPv6, parseIPv4, parseIPv6, isLoopback } from './targets/ip.js';
export { buildPorts, PortSet, type PortInput } from './ports/parse.js';
export { serviceName, topPorts } from './ports/services.js';
export { Permutation } from './permute/index.js';
export { parseShard, planShard, chunkBounds, locate, type ShardSpec, type ShardPlan } from './shard/plan.js';
export { prepareScan, type PreparedScan } from './prepare.js';
export { startScan, type ScanRun, type StartOptions, type ScanEnd } from './scan/start.js';
export { Coordinator, type RunOptions } from './pool/coordinator.js';
export { PoolRunner, createPool } from './pool/pool.js';
export { InProcessRunner } from './pool/in-process.js';
export type { ChunkRunner } from './pool/runner.js';
export { WRITERS, createWriter, type Writer, type ReportWriter, type ReportContext } from './output/formats.js';
export { classifyErrno } from './classify.js';
export { validator, type SchemaName } from './schemas.js';
export { type PortState, type StateCounts, type LocalEvents, PORT_STATES } from './model/states.js';
export { type ProbeRecord, type ProbeOutcome, type RecordBatch, arrayBatch, recordLine } from './model/record.js';
export type { ScanSummary, StopReason, ProgressSnapshot } from './model/summary.js';
export type { CheckpointState } from './model/checkpoint.js';
export { type ScanSink, tee } from './model/sink.js';
export type { ProbeEngine } from './model/scan.js';
