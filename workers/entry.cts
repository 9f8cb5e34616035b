/**
 * What Piscina loads in each worker thread. CommonJS on purpose: Piscina
 * first tries require() on its filename, and on Node 20.19+ require() of an
 * ES module is allowed, but loading scan-worker.js that way crashed a worker
 * process now and then with a native assertion in Node
 * (ModuleWrap::CreateRequiredModuleFacade, seen under the test suite). This
 * file is plain CommonJS. It loads the scan module once: the build's bundle
 * of it, scan-worker.cjs, CommonJS too (require() of it in 18-23 ms, import()
 * of the same code as an ES module in 28-38 ms: every worker's boot), or the
 * test entry the pool names in workerData, an ES module, with import().
 */
import { workerData } from 'node:worker_threads';
import type { ChunkResult, ChunkTask } from '../src/wire/messages.js';

type WorkerModule = { default: (task: ChunkTask) => Promise<ChunkResult> };

const TEST_ENTRIES = new Set(['./fault-worker.js']);
const requested = (workerData as { entry?: unknown } | null)?.entry;
const testEntry = typeof requested === 'string' && TEST_ENTRIES.has(requested) ? requested : null;

// Loaded at once, not on the first task: the worker compiles the scan module
// while the main thread is still parsing the command line.
const loaded = (testEntry === null ? new Promise((resolve) => resolve(require('./scan-worker.cjs'))) : import(testEntry)) as Promise<WorkerModule>;
// A failed load is reported to the first task that awaits it, not as an unhandled rejection.
loaded.catch(() => undefined);

export = function runChunk(task: ChunkTask): Promise<ChunkResult> {
  return loaded.then((m) => m.default(task));
};
