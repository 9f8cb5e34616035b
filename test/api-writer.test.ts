/**
 * scan()'s records into a writer, as the README tells a library user to do.
 * writer.batch() takes a RecordBatch, which the package did not export: the
 * banner audit's `w.batch(records)` failed with "batch.records is not a
 * function" and there was no public way to make one. Loopback only.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { type ProbeRecord, type ReportContext, arrayBatch, createWriter, scan } from '../src/index.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('scan() records into createWriter', () => {
  it('writes a CSV report of them through arrayBatch', async () => {
    const server = createServer((c) => c.destroy());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const open = (server.address() as { port: number }).port;
    const run = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports: String(open), states: ['open'] });
    const records: ProbeRecord[] = [];
    for await (const r of run) records.push(r);
    const summary = await run.summary;
    const ctx: ReportContext = {
      version: 'test', command: 'library', startedAt: new Date().toISOString(), seed: summary.seed, order: 'random',
      hosts: 1, ports: 1, states: ['open'], summary: () => summary, hostCounts: () => null,
    };
    const w = createWriter('csv', ctx);
    const text = [w.start(), w.batch(arrayBatch(records)).toString(), ...w.end()].join('');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(new RegExp(`^127\\.0\\.0\\.1,${open},open,`));
  });

  it("reportContext() gives the writers what the CLI's reports know: every host scanned, per-host counts, the summary", async () => {
    // Without it, grep said "4 hosts up" over the one host listed, and xml's <hosts up="4"> held one <host>.
    const server = createServer((c) => c.destroy());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const open = (server.address() as { port: number }).port;
    const run = scan({ ignoreTuning: true, targets: ['127.0.0.0/30'], ports: `${open},1-10` });
    const records: ProbeRecord[] = [];
    for await (const r of run) records.push(r);
    expect(records).toHaveLength(1);
    const ctx = await run.reportContext('my-tool 127.0.0.0/30');
    const report = (format: 'grep' | 'xml' | 'text'): string => {
      const w = createWriter(format, ctx);
      return [w.start(), w.batch(arrayBatch(records)).toString(), ...w.end()].join('');
    };
    const grep = report('grep');
    expect(grep.match(/^Host: 127\.0\.0\.\d+ \(\)\tPorts: /gm)).toHaveLength(4);
    expect(grep).toMatch(new RegExp(`^Host: 127\\.0\\.0\\.1 \\(\\)\\tPorts: ${open}/open/tcp//[^\\t]*\\tIgnored State: closed \\(10\\)$`, 'm'));
    expect(grep).toMatch(/^Host: 127\.0\.0\.3 \(\)\tPorts: \tIgnored State: closed \(11\)$/m);
    expect(grep).toMatch(/# shardscan done .* 4 IP addresses \(4 hosts up\)/);
    const xml = report('xml');
    expect(xml.match(/<host>/g)).toHaveLength(4);
    expect(xml.match(/<extraports state="closed" count="1[01]">/g)).toHaveLength(4);
    expect(xml).toContain('args="my-tool 127.0.0.0/30"');
    expect(report('text')).toMatch(/Nmap scan report for 127\.0\.0\.1\nNot shown: 10 closed\n/);
  });
});
