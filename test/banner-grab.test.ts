/**
 * The banner grab against small Node services on loopback (port 0): it stops
 * as soon as it knows, keeps to its byte cap, time budget and connection cap,
 * follows a soft match to the probe that can say more, ends on abort, and
 * closes every connection it opened. Real daemons: banner-daemons.test.ts.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BANNER_DEFAULTS, grabPlan, grabService } from '../workers/banner/grab.js';
import { grabOne } from '../workers/banner/one.js';
import { connectTcp } from '../workers/banner/read.js';
import { serviceName } from '../src/ports/services.js';

interface Service {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Connections still open on the server side. */
  open: number;
  /** Everything each connection received, in order of arrival. */
  received: string[];
  close(): Promise<void>;
}

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

/** A loopback service; `onConnect` gets the socket and a function returning what it has received so far. */
async function serve(onConnect: (s: net.Socket, got: () => string) => void): Promise<Service> {
  const sockets = new Set<net.Socket>();
  const svc: Service = { port: 0, accepted: 0, open: 0, received: [], close: async () => undefined };
  const server = net.createServer((s) => {
    const i = svc.accepted++;
    svc.open++;
    svc.received[i] = '';
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => (svc.received[i] += d.toString('latin1')));
    s.on('close', () => {
      svc.open--;
      sockets.delete(s);
    });
    onConnect(s, () => svc.received[i]!);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  svc.port = (server.address() as net.AddressInfo).port;
  svc.close = () => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  services.push(svc);
  return svc;
}

/** Wait until the server has seen every connection close (the grab must close them all). */
async function allClosed(svc: Service, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (svc.open > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  return svc.open === 0;
}

/** A service that answers the HTTP probe in two pieces, `ms` apart (the connection stays open). */
function answerInTwo(first: string, second: string, ms: number): Promise<Service> {
  return serve((s, got) =>
    s.on('data', () => {
      if (!got().includes('\r\n\r\n')) return;
      s.write(first);
      setTimeout(() => s.write(second), ms);
    }),
  );
}

const TIMEOUT = 3000;
const plan = grabPlan(TIMEOUT);

describe('grabService', () => {
  it('names a service that speaks first without waiting out the listen', async () => {
    const svc = await serve((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'ssh', serviceSource: 'probe', product: 'OpenSSH', version: '9.2p1', banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n' });
    expect(r.connections).toBe(1);
    expect(r.ms).toBeLessThan(plan.listenMs);
    expect(svc.received[0]).toBe(''); // nothing was sent to a talker
    expect(await allClosed(svc)).toBe(true);
  });

  it('waits for the rest of a greeting that comes in two pieces 150 ms apart (it named "software Open", no product)', async () => {
    // 150 ms: within the 250 ms wait for a line's end with room for a loaded machine's late timer.
    const svc = await serve((s) => {
      s.write('SSH-2.0-Open');
      setTimeout(() => s.write('SSH_9.2p1 Debian-2\r\n'), 150);
    });
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'ssh', serviceSource: 'probe', product: 'OpenSSH', version: '9.2p1' });
    expect(svc.received[0]).toBe(''); // still nothing sent to a talker
  });

  it.each([
    // Late in the listen (a fifth of the budget, 600 ms): its end cut the line, and it was read as "software Open".
    // The first piece comes 100 ms or more before the listen ends (at 580 ms, a timer 20 ms late on a loaded
    // machine put it after the end), the rest 150 ms later, after the end (within the 250 ms wait for a line's end).
    ['begins late in the listen, in two pieces 150 ms apart', (s: net.Socket) => {
      setTimeout(() => s.write('SSH-2.0-Open'), 460);
      setTimeout(() => s.write('SSH_9.2p1 Debian-2\r\n'), 610);
    }],
    ['begins shortly before the listen ends, its rest 150 ms later, after the end', (s: net.Socket) => {
      setTimeout(() => s.write('SSH-2.0-Open'), 500);
      setTimeout(() => s.write('SSH_9.2p1 Debian-2\r\n'), 650);
    }],
  ])('reads a greeting to its line end when it %s', async (_, talk) => {
    const svc = await serve((s) => talk(s));
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'ssh', serviceSource: 'probe', product: 'OpenSSH', version: '9.2p1' });
    expect(svc.received[0]).toBe('');
  });

  it.each([
    // The listen ended at the first line's end, and the rules read only the first line: ftp, no product; unknown (helper 16; nmap names both).
    ['ProFTPD behind a DisplayConnect banner', ['220-Welcome to Example Corp FTP\r\n', '220-Authorized use only\r\n', '220 ProFTPD 1.3.8 Server (Debian) [127.0.0.1]\r\n'], { service: 'ftp', product: 'ProFTPD', version: '1.3.8', extraInfo: 'Debian' }],
    ['Exim behind a 220-host line', ['220-mx.example.test\r\n', '220 mx.example.test ESMTP Exim 4.96 Mon, 07 Dec 2026 10:00:00 +0000\r\n'], { service: 'smtp', product: 'Exim smtpd', version: '4.96' }],
  ])('reads a multi-line greeting to its last line, 100 ms apart, and names it from that line: %s', async (_, lines, named) => {
    const svc = await serve((s) => lines.forEach((l, i) => setTimeout(() => s.write(l), 100 * i)));
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ ...named, serviceSource: 'probe', banner: lines.join('').replace(/\r/g, '\\r').replace(/\n/g, '\\n') });
    expect(svc.received[0]).toBe(''); // nothing sent to a talker
  });

  it('a binary greeting (MySQL) ends at the short silence: only text cut mid-line waits longer (it took 250 ms more)', async () => {
    const svc = await serve((s) => s.write(Buffer.from('J\u0000\u0000\u0000\n8.0.36-0ubuntu0.22.04.1\u0000\b\u0000\u0000\u0000', 'latin1')));
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'mysql', serviceSource: 'probe', product: 'MySQL', version: '8.0.36-0ubuntu0.22.04.1' });
    expect(r.ms).toBeLessThan(plan.greetingIdleMs);
  });

  it('names a greeting that comes after the listen, in answer to the HTTP probe (an SMTP greet pause: it was "unknown")', async () => {
    const svc = await serve((s) => setTimeout(() => s.write('220 mx.test ESMTP Exim 4.96 Thu, 03 Dec 2026 14:00:00 +0000\r\n'), plan.listenMs + 300));
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'smtp', serviceSource: 'probe', product: 'Exim smtpd', version: '4.96' });
    expect(svc.received[0]).toMatch(/^GET \//);
  });

  it('names an HTTP server that speaks first (a 408 after an idle connection): it was "unknown"', async () => {
    const svc = await serve((s) => s.end('HTTP/1.1 408 Request Timeout\r\nServer: nginx/1.22.1\r\nConnection: close\r\n\r\n'));
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'http', serviceSource: 'probe' });
    expect(svc.received[0]).toBe('');
  });

  it('listens a fifth of a longer budget: a greeting paused 1 s is read with nothing sent first (the listen stopped at 800 ms)', async () => {
    // Postfix's postscreen takes a client that speaks before the greeting for a spambot.
    const long = 6000;
    expect(grabPlan(long).listenMs).toBe(1200);
    const svc = await serve((s) => setTimeout(() => s.write('220 mx.test ESMTP Exim 4.96 Thu, 03 Dec 2026 14:00:00 +0000\r\n'), 1000));
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: long });
    expect(r.info).toMatchObject({ service: 'smtp', serviceSource: 'probe', product: 'Exim smtpd', version: '4.96' });
    expect(svc.received[0]).toBe('');
    expect(r.connections).toBe(1);
  });

  it('sends the HTTP probe to a silent service after the listen, on the same connection', async () => {
    const svc = await serve((s, got) => s.on('data', () => got().includes('\r\n\r\n') && s.end('HTTP/1.1 404 Not Found\r\nServer: lighttpd/1.4.69\r\n\r\n')));
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'http', serviceSource: 'probe', product: 'lighttpd', version: '1.4.69' });
    expect(r.connections).toBe(1);
    expect(svc.received[0]).toBe(`GET / HTTP/1.0\r\nHost: 127.0.0.1:${svc.port}\r\nUser-Agent: shardscan\r\nAccept: */*\r\n\r\n`);
    expect(r.ms).toBeGreaterThanOrEqual(plan.listenMs - 20);
    expect(r.ms).toBeLessThan(plan.listenMs + 500);
  });

  // 100 ms: past the 50 ms silence that ends an answer, within the 250 ms an unfinished HTTP head waits, with room for late timers.
  it('reads an HTTP head to its blank line when its headers come 100 ms after the status line (it was cut there: "http", no product)', async () => {
    const svc = await answerInTwo('HTTP/1.1 200 OK\r\n', 'Server: Apache/2.4.57 (Debian)\r\nContent-Length: 0\r\n\r\n', 100);
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'http', serviceSource: 'probe', product: 'Apache httpd', version: '2.4.57' });
  });

  // 200 ms: past the 50 ms silence with room for late timers, within the 250 ms an HTTP head would wait.
  it('an answer to a probe that is not HTTP still ends at the short silence: its second line, 200 ms later, is not read', async () => {
    const svc = await answerInTwo('ERR unknown command\r\n', 'MORE\r\n', 200);
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT, maxConnections: 1 });
    expect(r.info?.banner).toBe('ERR unknown command\\r\\n');
  });

  it('follows a soft match to the probe that tells the version, skipping TLS', async () => {
    const svc = await serve((s, got) =>
      s.on('data', () => {
        if (got().startsWith('GET ')) s.end("-ERR wrong number of arguments for 'get' command\r\n");
        else if (got() === 'INFO server\r\n') s.write('$60\r\n# Server\r\nredis_version:6.2.14\r\nredis_mode:standalone\r\n\r\n');
      }),
    );
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info).toMatchObject({ service: 'redis', serviceSource: 'probe', version: '6.2.14' });
    expect(r.connections).toBe(2);
    expect(svc.received).toEqual([expect.stringMatching(/^GET \//), 'INFO server\r\n']);
  });

  it('falls back to the port table for a silent service, within the budget', async () => {
    const svc = await serve(() => undefined);
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    // The port table's name for the port the kernel gave the fixture: 'unknown' for most, but 44442 is coldfusion-auth.
    expect(r.info).toEqual({ service: serviceName(svc.port), serviceSource: 'port' });
    expect(r.ms).toBeLessThan(TIMEOUT + 300);
    expect(r.connections).toBeLessThanOrEqual(BANNER_DEFAULTS.maxConnections);
    expect(await allClosed(svc)).toBe(true);
  });

  it('cuts a flood at the byte cap', async () => {
    const chunk = Buffer.alloc(65536, 'A');
    let written = 0;
    const svc = await serve((s) => {
      const go = (): void => {
        while (written < 256 * 65536) {
          written += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', go);
        }
      };
      go();
    });
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT, maxBytes: 4096 });
    expect(r.info).toMatchObject({ service: 'unknown', serviceSource: 'port', banner: 'A'.repeat(256) });
    expect(r.ms).toBeLessThan(plan.listenMs);
    expect(written).toBeLessThan(64 * 65536); // the grab stopped reading: the writer hit back-pressure long before 16 MiB
    expect(await allClosed(svc)).toBe(true);
  });

  it('cuts a trickle without a line end at the budget of the port', async () => {
    const svc = await serve((s) => {
      const t = setInterval(() => s.write('.'), 5);
      s.on('close', () => clearInterval(t));
    });
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT });
    expect(r.info?.serviceSource).toBe('port');
    expect(r.info?.banner).toMatch(/^\.+$/);
    // Text still coming mid-line at the listen's end is read on while it comes, up to the port's budget.
    expect(r.ms).toBeGreaterThan(plan.listenMs + plan.greetingIdleMs);
    expect(r.ms).toBeLessThan(TIMEOUT + 300);
    expect(await allClosed(svc)).toBe(true);
  });

  it('opens no more connections than allowed when every one is closed at once, and calls it tcpwrapped, as nmap does (it was the port guess)', async () => {
    const svc = await serve((s) => s.destroy());
    const r = await grabOne('127.0.0.1', svc.port, { timeoutMs: TIMEOUT, maxConnections: 3 });
    expect(r.info).toEqual({ service: 'tcpwrapped', serviceSource: 'probe' });
    expect(svc.accepted).toBeLessThanOrEqual(3);
    expect(r.connections).toBeLessThanOrEqual(3);
  });

  it('a service silent on one connection and closing the others is not tcpwrapped: not every connection closed at once', async () => {
    const quiet = await serve((s, got) => {
      if (quiet.accepted > 1) s.destroy();
      else void got;
    });
    const r = await grabOne('127.0.0.1', quiet.port, { timeoutMs: TIMEOUT });
    expect(r.info?.serviceSource).toBe('port');
    // The grab did reach the connections that close at once (with only the silent one it is the test above).
    expect(quiet.accepted).toBeGreaterThan(1);
    expect(r.connections).toBeGreaterThan(1);
  });

  it('stops on abort: resolves null and closes its connections', async () => {
    const svc = await serve(() => undefined);
    const ac = new AbortController();
    const socket = await connectTcp('127.0.0.1', svc.port, 1000);
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 100);
    const info = await grabService(socket, { host: '127.0.0.1', port: svc.port, timeoutMs: 10_000, maxBytes: 4096, signal: ac.signal, reconnect: () => connectTcp('127.0.0.1', svc.port, 1000) });
    expect(info).toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await allClosed(svc)).toBe(true);
  });

  it('stops on abort while waiting for a reconnect that never comes', async () => {
    const svc = await serve((s) => s.destroy());
    const ac = new AbortController();
    const socket = await connectTcp('127.0.0.1', svc.port, 1000);
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 100);
    const never = () => new Promise<net.Socket>(() => undefined);
    const info = await grabService(socket, { host: '127.0.0.1', port: svc.port, timeoutMs: 10_000, maxBytes: 4096, signal: ac.signal, reconnect: never });
    expect(info).toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('keeps to one connection without reconnect', async () => {
    const svc = await serve((s) => s.destroy());
    const socket = await connectTcp('127.0.0.1', svc.port, 1000);
    const info = await grabService(socket, { host: '127.0.0.1', port: svc.port, timeoutMs: TIMEOUT, maxBytes: 4096 });
    expect(info).toEqual({ service: 'tcpwrapped', serviceSource: 'probe' }); // closed at once, nothing said (it was the port guess)
    expect(svc.accepted).toBe(1);
  });
});
