/**
 * A reader that leaves before its first record (the iterator's return()
 * before any next(): a consumer that takes the iterator and closes it)
 * stops the scan as a `break` later does: stopReason 'output-closed'. It
 * said 'signal', as if the caller's AbortSignal had fired, since the scan
 * had not started yet. The caller's own stop() still says 'signal'.
 */
import { describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';

describe('scan() iterator return() before next()', () => {
  it("ends the scan as 'output-closed', as a break does", async () => {
    const run = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports: '1-3000', rate: 1000, states: ['closed'] });
    await run[Symbol.asyncIterator]().return?.();
    expect(await run.summary).toMatchObject({ status: 'interrupted', stopReason: 'output-closed' });
  });

  it("keeps 'signal' for the caller's own stop() before iterating", async () => {
    const run = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports: '1-3000', rate: 1000, states: ['closed'] });
    run.stop();
    for await (const r of run) void r;
    expect(await run.summary).toMatchObject({ status: 'interrupted', stopReason: 'signal' });
  });
});
