#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * Entry point. Worker threads take ~50 ms to boot and the command-line stack
 * (yargs, config) about as long to load, so the pool is started first and
 * both happen at once. Everything else is loaded afterwards.
 */
import { guessWorkers } from './early.js';

const argv = process.argv.slice(2);
const workers = guessWorkers(argv);
// SHARDSCAN_FAULT is a test hook (workers/fault-worker.ts), read once here.
const fault = process.env.SHARDSCAN_FAULT || null;
const pool = workers === null ? null : (await import('../pool/pool.js')).createPool(workers, { fault });
const { main } = await import('./app.js');
try {
  process.exitCode = await main(argv, pool, fault);
} catch (err) {
  process.stderr.write(`shardscan: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  // Whatever path main() took, no worker may keep the process alive (destroy is idempotent).
  await pool?.destroy();
}
