/**
 * A banner connection whose connect times out is closed at once. On Node 20,
 * resetAndDestroy() on a socket still connecting only waits for 'connect',
 * so a SYN the service dropped (a full accept queue, a SYN rate limit) left
 * the socket in SYN-SENT until the kernel gave up (~1 min): a small
 * --banners scan printed "done" and then did not exit, even on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTcp } from '../workers/banner/read.js';
import { type Fixture, blackholePorts } from './fixtures/net.js';

const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;

describe('a banner connect that times out', () => {
  let silent: Fixture;
  beforeAll(async () => {
    silent = await blackholePorts(1);
  });
  afterAll(async () => silent?.close());

  it('rejects after its timeout and leaves no socket behind', async () => {
    const before = sockets();
    await expect(connectTcp('127.0.0.1', silent.ports[0]!, 150)).rejects.toThrow(/timeout/);
    await new Promise((r) => setTimeout(r, 20));
    expect(sockets()).toBe(before);
  });
});
