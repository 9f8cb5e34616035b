/**
 * A reader that leaves (break, or a throw in its loop) once every position
 * is decided cuts no scan: the scan is complete (its status is the scan's;
 * the reader knows what it left unread). With worker threads it said interrupted / output-closed (the
 * pool was still shutting down when the last record came, and the break
 * stopped it), in-process complete: the same records, two statuses, and the
 * README tells a library user to test `status`.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';
import { closedPorts } from './fixtures/net.js';

let server: net.Server;
let ports = '';

beforeAll(async () => {
  server = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ports = [(server.address() as net.AddressInfo).port, ...(await closedPorts(3))].join(',');
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('scan(): a reader that leaves after the last record', () => {
  for (const threads of [{}, { workers: 1 }]) {
    const how = 'workers' in threads ? 'with a worker thread' : 'on the calling thread';
    it(`${how}: break after the 4th of 4 records leaves the scan complete`, async () => {
      const run = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports, states: ['open', 'closed'], ...threads });
      let n = 0;
      for await (const r of run) {
        void r;
        if (++n === 4) break;
      }
      expect(n).toBe(4);
      expect(await run.summary).toMatchObject({ status: 'complete', stopReason: null, done: 4, probes: 4, workerThreads: 'workers' in threads ? 1 : 0 });
    });

    it(`${how}: break after the 1st record of a scan already decided: complete too, on either runner (one said interrupted)`, async () => {
      const run = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports, states: ['open', 'closed'], ...threads });
      // Until every position is decided (4 loopback ports), the records waiting unread.
      for (let i = 0; i < 100 && (run.progress()?.done ?? 0) < 4; i++) await new Promise((r) => setTimeout(r, 50));
      expect(run.progress()?.done).toBe(4);
      for await (const r of run) {
        void r;
        break;
      }
      expect(await run.summary).toMatchObject({ status: 'complete', done: 4, probes: 4 });
    });

    it(`${how}: a throw in the loop at the last record leaves it complete too, and the throw reaches the caller`, async () => {
      const run = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports, states: ['open', 'closed'], ...threads });
      let n = 0;
      const loop = async (): Promise<void> => {
        for await (const r of run) {
          void r;
          if (++n === 4) throw new Error('enough');
        }
      };
      await expect(loop()).rejects.toThrow('enough');
      expect(await run.summary).toMatchObject({ status: 'complete', done: 4 });
    });
  }
});
