/**
 * TLS services the banner grab used to miss (an audit, helper 16):
 * - a TLS port that answers plain HTTP with Go's net/http text ("Client sent
 *   an HTTP request to an HTTPS server", Kubernetes, Vault, Grafana…) or
 *   Apache's ("speaking plain HTTP to an SSL-enabled server port") was a hard
 *   http match: the TLS probe never ran, and no certificate was read;
 * - a TLS server that refuses the handshake with an alert (it wants a name,
 *   SNI, which an address target cannot send, or a client certificate) was
 *   reported as the port table's guess, as a silent port is; nmap says
 *   ssl/unknown.
 * Node servers on loopback, with a certificate openssl makes here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertName } from '../workers/banner/grab.js';
import { grabOne } from '../workers/banner/one.js';
import { runCli, scratchDir } from './helpers/cli.js';

const GO = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';
const APACHE =
  "HTTP/1.1 400 Bad Request\r\nServer: Apache/2.4.57 (Debian)\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n<p>Your browser sent a request that this server could not understand.<br />\nReason: You're speaking plain HTTP to an SSL-enabled server port.<br />\n";
const dir = scratchDir('shardscan-tls-edges-');
const servers: net.Server[] = [];
let key: Buffer;
let cert: Buffer;

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/**
 * One port for both: TLS when the first byte is a handshake record (0x16), else the plain answer `plain`, as Go's
 * server does (`split`: its head first, its body 30 ms later, in a segment of its own).
 */
function dual(plain: string, split = false): net.Server {
  return net.createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', (first: Buffer) => {
      const cut = plain.indexOf('\r\n\r\n') + 4;
      if (first[0] !== 0x16 && split) s.write(plain.slice(0, cut));
      if (first[0] !== 0x16) return void (split ? setTimeout(() => s.end(plain.slice(cut)), 30) : s.end(plain));
      s.pause();
      s.unshift(first);
      const t = new tls.TLSSocket(s, { isServer: true, key, cert });
      t.on('error', () => undefined);
      t.once('data', () => t.end('HTTP/1.1 200 OK\r\nServer: inside/1.0\r\nContent-Length: 2\r\n\r\nok'));
    });
  });
}

/** A TLS 1.2 server that wants a client certificate: it answers our handshake with a handshake_failure alert. */
async function refusing(): Promise<number> {
  const server = tls.createServer({ key, cert, requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  return listen(server);
}

beforeAll(() => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=edge.test'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  key = readFileSync(join(dir, 'key.pem'));
  cert = readFileSync(join(dir, 'cert.pem'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('TLS ports the grab used to call plain http or nothing', () => {
  it.each([
    ['Go', GO],
    ['Apache', APACHE],
  ])("a TLS port that answers plain HTTP with %s's text is probed over TLS: its certificate and the service inside", async (_, plain) => {
    const port = await listen(dual(plain));
    const r = await grabOne('127.0.0.1', port, { timeoutMs: 3000 });
    expect(r.info).toMatchObject({ service: 'https', serviceSource: 'probe', tls: { subject: 'edge.test' } });
  });

  // Helper 19: the head's blank line ended the read, and Go's reason, in its own segment, was never read (5 runs of 6).
  it("Go's answer with its body in a segment of its own is read whole: TLS, its certificate", async () => {
    const port = await listen(dual(GO, true));
    const r = await grabOne('127.0.0.1', port, { timeoutMs: 3000 });
    expect(r.info).toMatchObject({ service: 'https', tls: { subject: 'edge.test' } });
  });

  // Helper 19: an HTTP proxy relaying an HTTPS backend's complaint (plain http in front) became 'tls' with c339672.
  it("a plain server that relays such a text, and whose port speaks no TLS, stays what its hard rules say", async () => {
    const proxy = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', (first: Buffer) => (first[0] === 0x16 ? s.destroy() : s.end(`HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\n\r\n${GO.split('\r\n\r\n')[1]}`)));
    });
    const port = await listen(proxy);
    const r = await grabOne('127.0.0.1', port, { timeoutMs: 3000 });
    expect(r.info).toMatchObject({ service: 'http', product: 'nginx', version: '1.22.1' });
    expect(r.info?.tls).toBeUndefined();
  });

  it('a TLS server that refuses our handshake with an alert (a client certificate required) is TLS, the alert named', async () => {
    const port = await refusing();
    const r = await grabOne('127.0.0.1', port, { timeoutMs: 3000 });
    expect(r.info).toMatchObject({ service: 'tls', serviceSource: 'probe', extraInfo: 'handshake refused: handshake_failure alert' });
    expect(r.info?.tls).toBeUndefined();
  });

  // Helper 19: XML said name="tls" with no tunnel and grep "tls", where a port with a certificate is ssl/… as nmap writes it.
  it('a refused handshake is written as nmap writes TLS: tunnel="ssl" in XML, ssl| in grep', async () => {
    const port = await refusing();
    const r = await runCli(['127.0.0.1', '-p', String(port), '-sV', '--banner-timeout', '3s', '-oX', join(dir, 'r.xml'), '-oG', join(dir, 'r.gnmap'), '-q', '--no-out-dir']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toMatch(new RegExp(`portid="${port}">.*<service name="[\\w-]+" extrainfo="handshake refused: handshake_failure alert" tunnel="ssl" method="table" conf="3"/>`, 's'));
    expect(readFileSync(join(dir, 'r.gnmap'), 'utf8')).toMatch(new RegExp(`${port}/open/tcp//ssl\\|[\\w-]+//`));
  });

  it('names an alert only from the codes OpenSSL gives a received alert', () => {
    expect(alertName('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')).toBe('handshake_failure');
    expect(alertName('ERR_SSL_TLSV1_ALERT_UNRECOGNIZED_NAME')).toBe('unrecognized_name');
    expect(alertName('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')).toBe('certificate_required');
    // Named without _ALERT_ by OpenSSL (helper 19: nginx's ssl_reject_handshake; it was the port table's guess).
    expect(alertName('ERR_SSL_TLSV1_UNRECOGNIZED_NAME')).toBe('unrecognized_name');
    expect(alertName('ERR_SSL_TLSV1_UNSUPPORTED_EXTENSION')).toBe('unsupported_extension');
    expect(alertName('ECONNRESET')).toBeNull();
    expect(alertName('ERR_SSL_WRONG_VERSION_NUMBER')).toBeNull();
    expect(alertName(undefined)).toBeNull();
  });
});
