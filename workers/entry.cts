/**
 * What Piscina loads in each worker thread. CommonJS on purpose: Piscina
 * first tries require() on its filename, and on Node 20.19+ require() of an
 * ES module is allowed, but loading scan-worker.js that way crashed a worker
 * process now and then with a native assertion in Node
 * (ModuleWrap::CreateRequiredModuleFacade, seen under the test suite). This
 * file is plain CommonJS, and it loads the ESM worker once with import():
 * scan-worker.js, or the test entry the pool names in workerData.
 */
import { workerData } from 'node:worker_threads';
import type { ChunkResult, ChunkTask } from '../src/wire/messages.js';

type WorkerModule = { default: (task: ChunkTask) => Promise<ChunkResult> };

const TEST_ENTRIES = new Set(['./fault-worker.js']);
const requested = (workerData as { entry?: unknown } | null)?.entry;
const moduleName = typeof requested === 'string' && TEST_ENTRIES.has(requested) ? requested : './scan-worker.js';

// Loaded at once, not on the first task: the worker compiles the scan module
// while the main thread is still parsing the command line.
const loaded = import(moduleName) as Promise<WorkerModule>;
// A failed load is reported to the first task that awaits it, not as an unhandled rejection.
loaded.catch(() => undefined);

export = function runChunk(task: ChunkTask): Promise<ChunkResult> {
  return loaded.then((m) => m.default(task));
};
