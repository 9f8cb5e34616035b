/**
 * The handoff the engine will use: a libuv TCP handle connected through
 * Node's tcp_wrap binding (as workers/probe.ts does), wrapped into a
 * net.Socket and given to grabService, on loopback.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grabService, socketFromHandle } from '../workers/banner/index.js';
import { connectTcp } from '../workers/banner/read.js';

interface TcpHandle {
  connect(req: object, host: string, port: number): number;
  close(cb?: () => void): void;
}
interface TcpWrap {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => { oncomplete: (status: number) => void };
  constants: { SOCKET: number };
}
const binding = (process as unknown as { binding(name: string): unknown }).binding('tcp_wrap') as TcpWrap;

/** Connect a bare handle the way the handle engine does; resolves with it once the handshake completes. */
function connectHandle(port: number): Promise<TcpHandle> {
  return new Promise((resolve, reject) => {
    const handle = new binding.TCP(binding.constants.SOCKET);
    const req = new binding.TCPConnectWrap();
    req.oncomplete = (status) => (status === 0 ? resolve(handle) : reject(new Error(`connect status ${status}`)));
    const err = handle.connect(req, '127.0.0.1', port);
    if (err !== 0) reject(new Error(`connect error ${err}`));
  });
}

describe('grabService on a wrapped libuv handle', () => {
  let server: net.Server;
  let port = 0;
  let opened = 0;
  let closed = 0;

  beforeAll(async () => {
    server = net.createServer((s) => {
      opened++;
      s.on('error', () => undefined);
      s.on('close', () => closed++);
      // Silent at first; answers the HTTP probe.
      s.on('data', (d: Buffer) => d.includes('\r\n\r\n') && s.end('HTTP/1.1 200 OK\r\nServer: Apache/2.4.62 (Debian)\r\n\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads, writes and closes through the wrapped handle', async () => {
    const handle = await connectHandle(port);
    const info = await grabService(socketFromHandle(handle), { host: '127.0.0.1', port, timeoutMs: 1500, maxBytes: 4096, reconnect: () => connectTcp('127.0.0.1', port, 1000) });
    expect(info).toMatchObject({ service: 'http', serviceSource: 'probe', product: 'Apache httpd', version: '2.4.62', extraInfo: 'Debian' });
    const until = Date.now() + 2000;
    while (closed < opened && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(opened).toBe(1);
    expect(closed).toBe(1);
  });
});
