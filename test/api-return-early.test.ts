/**
 * A reader that leaves before its first record (the iterator's return()
 * before any next(): a consumer that takes the iterator and closes it)
 * stops the scan as a `break` later does: stopReason 'output-closed'. It
 * said 'signal', as if the caller's AbortSignal had fired, since the scan
 * had not started yet. The caller's own stop() still says 'signal'.
 * throw() too, before next() or after (`yield*` passes a consumer's throw on):
 * before, the scan ran on, stalled on its unread records, and the process
 * never exited; after, it said 'signal'.
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

  it.each(['before', 'after'])("throw() %s the first next() stops the scan as 'output-closed' and rejects with the consumer's error", async (when) => {
    const run = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports: '1-65535', states: ['closed'] });
    const it = run[Symbol.asyncIterator]();
    if (when === 'after') await it.next();
    await expect(it.throw!(new Error('consumer failed'))).rejects.toThrow('consumer failed');
    // Bounded: on the old code the summary never came (the scan waited on records nobody read).
    const summary = await Promise.race([run.summary, new Promise((resolve) => setTimeout(() => resolve('pending after 10 s'), 10_000))]);
    expect(summary).toMatchObject({ status: 'interrupted', stopReason: 'output-closed' });
  }, 20_000);
});
