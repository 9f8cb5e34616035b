/**
 * The program `npm run profile` hands to clinic: the shardscan CLI, with
 * worker threads kept free of clinic doctor's preloads.
 *
 * Why: clinic doctor injects its sampler with NODE_OPTIONS="-r sampler.js",
 * and a Worker created without an `env` option inherits its parent's preloads.
 * So every Piscina worker would load its own sampler, and all of them would
 * write the same <name>.clinic-doctor-processstat file (threads share the
 * process id that names it); the interleaved records fail doctor's analysis
 * with "Unknown wire type: 7", or not, depending on timing. A Worker given an
 * explicit `env` parses NODE_OPTIONS from that env instead, so the Worker
 * class is wrapped to pass one without clinic's options (the trace-event
 * flags among them would fail the worker: ERR_WORKER_INVALID_EXEC_ARGV). Piscina looks up
 * `worker_threads.Worker` when it creates a worker, after this has run.
 * Only this profiling entry point does this; the CLI is unchanged.
 */
import { createRequire } from 'node:module';

type WorkerThreads = typeof import('node:worker_threads');

/** What clinic doctor adds to NODE_OPTIONS: its preloads, and trace-event flags that a worker's NODE_OPTIONS may not hold. */
const CLINIC_OPTIONS = /(^|\s)((-r|--require)\s+(no-cluster|sampler|detect-port)\.js|--trace-events-enabled|--trace-event-categories\s+\S+)(?=\s|$)/g;
const workerThreads = createRequire(import.meta.url)('node:worker_threads') as WorkerThreads;
const Base = workerThreads.Worker;

const env = { ...process.env, NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(CLINIC_OPTIONS, ' ').trim() };

class MainThreadOnlySampler extends Base {
  constructor(filename: string | URL, options: ConstructorParameters<typeof Base>[1] = {}) {
    super(filename, { ...options, env: options.env ?? env });
  }
}

(workerThreads as { Worker: typeof Base }).Worker = MainThreadOnlySampler;
// The CLI reads process.argv.slice(2): this file stands where the bin would.
await import('../src/cli/start.js');

export {};
