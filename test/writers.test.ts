/** Writers are plain functions over a stream: records in, text out. Tested on in-memory streams. */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ScanSummary } from '../src/model/summary.js';
import { type ReportContext, WRITERS } from '../src/output/formats.js';
import { RecordChannel } from '../src/output/channel.js';
import { Progress, statusLine } from '../src/cli/progress.js';
import type { ProbeRecord } from '../src/model/record.js';
import type { StateCounts } from '../src/model/states.js';

const rec = (host: string, port: number, state: ProbeRecord['state'] = 'open', service = 'unknown'): ProbeRecord => ({
  host, port, state, reason: state === 'open' ? 'syn-ack' : 'ECONNREFUSED', rttMs: 0.25, service, ts: '2026-11-24T00:00:00.000Z',
});

const summary: ScanSummary = {
  status: 'complete', stopReason: null, scanKey: '0123456789abcdef', seed: 7, order: 'random', shard: { index: 1, total: 1 },
  hosts: 3, ports: 100, probes: 300, done: 300, counts: { open: 3, closed: 290, filtered: 7, error: 0 }, events: {},
  engine: 'handle', workers: 2, concurrency: 512, startedAt: '2026-11-24T00:00:00.000Z', elapsedMs: 1234, rate: 243,
};

function ctx(over: Partial<ReportContext> = {}): ReportContext {
  const perHost: Record<string, StateCounts> = { '127.0.0.2': { open: 2, closed: 95, filtered: 3, error: 0 }, '::1': { open: 1, closed: 99, filtered: 0, error: 0 } };
  return {
    version: '0.1.0', command: 'shardscan test', startedAt: summary.startedAt, seed: 7, order: 'random', hosts: 3, ports: 100, states: ['open'],
    summary: () => summary, hostCounts: (h) => perHost[h] ?? null, ...over,
  };
}

async function render(format: keyof typeof WRITERS, batches: ProbeRecord[][], c = ctx()): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  async function* gen() {
    for (const b of batches) yield b;
  }
  await WRITERS[format](gen(), out, c);
  return text;
}

const batches = [[rec('127.0.0.2', 443, 'open', 'https'), rec('::1', 22, 'open', 'ssh')], [rec('127.0.0.2', 22, 'open', 'ssh')]];

describe('writers', () => {
  it('ndjson writes one record per line, as they come', async () => {
    const text = await render('ndjson', batches);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as ProbeRecord);
    expect(lines.map((r) => `${r.host}:${r.port}`)).toEqual(['127.0.0.2:443', '::1:22', '127.0.0.2:22']);
    expect(lines[0]).toEqual(rec('127.0.0.2', 443, 'open', 'https'));
  });

  it('text after an early stop counts only the hosts probed, and says the rest were not (it counted all of them)', async () => {
    const stopped: ScanSummary = { ...summary, hosts: 10, probes: 1000, done: 250, status: 'interrupted', stopReason: 'time-limit' };
    const probed = ['127.0.0.2', '127.0.0.5', '::1'];
    const text = await render('text', batches, ctx({ hosts: 10, summary: () => stopped, scannedHosts: () => probed }));
    expect(text).toContain('\n1 of 3 hosts probed have no open ports (not listed); 7 of 10 hosts were not probed: the scan stopped early\n');
    expect(text).not.toMatch(/of 10 hosts have no open ports/);
    const unknown = await render('text', batches, ctx({ hosts: 10, summary: () => stopped, scannedHosts: () => null }));
    expect(unknown).toContain('\n8 of 10 hosts are not listed: none of the ports probed on them is open, or the scan stopped before it probed them\n');
    // Every host probed, not every port: it said "0 of 1 hosts were not probed".
    const one: ScanSummary = { ...stopped, hosts: 1 };
    const all = await render('text', [], ctx({ hosts: 1, summary: () => one, scannedHosts: () => ['127.0.0.2'] }));
    expect(all).toContain('\n1 of 1 hosts probed have no open ports (not listed); the scan stopped early, before it probed every port of every host\n');
  });

  it('text tells hosts no probe reached (every connect failed here) from hosts with no open ports, whole, one shard of several, or stopped', async () => {
    // 127.0.0.2 answered; 127.0.0.3 and 127.0.0.4 were never reached (no route); ::1 had a port open.
    const perHost: Record<string, StateCounts> = {
      '127.0.0.2': { open: 0, closed: 100, filtered: 0, error: 0 }, '127.0.0.3': { open: 0, closed: 0, filtered: 0, error: 100 },
      '127.0.0.4': { open: 0, closed: 0, filtered: 0, error: 100 }, '::1': { open: 1, closed: 99, filtered: 0, error: 0 },
    };
    // A generator, as the CLI gives: walked once.
    const scannedHosts = () => (function* () { yield* Object.keys(perHost); })();
    const base = { ...summary, hosts: 4, probes: 400, done: 400, counts: { open: 1, closed: 199, filtered: 0, error: 200 } };
    const c = (s: ScanSummary) => ctx({ hosts: 4, summary: () => s, hostCounts: (h) => perHost[h] ?? null, scannedHosts });
    const one = [[rec('::1', 22, 'open', 'ssh')]];
    const never = (n: number) => `\n${n} hosts were never reached: every connect to them failed on this machine (see the local events); nothing is known of their ports\n`;
    const whole = await render('text', one, c(base));
    expect(whole).toContain('\n1 of 4 hosts have no open ports (not listed)\n');
    expect(whole).toContain(never(2).replace('2 hosts', '2 of 4 hosts'));
    const shard = await render('text', one, c({ ...base, shard: { index: 1, total: 2 } }));
    expect(shard).toContain('\n1 of 4 hosts this shard probed have no open ports (not listed)\n');
    expect(shard).toContain(never(2).replace('2 hosts', '2 of 4 hosts'));
    const stopped = await render('text', one, c({ ...base, hosts: 10, status: 'interrupted', stopReason: 'signal' }));
    expect(stopped).toContain('\n1 of 4 hosts probed have no open ports (not listed); 6 of 10 hosts were not probed: the scan stopped early\n');
    expect(stopped).toContain(never(2).replace('\n2 hosts', '2 of 4 hosts'));
    // With errors shown (--states all), those hosts are listed with their records: nothing to add.
    const shown = await render('text', one, ctx({ ...c(base), states: ['open', 'closed', 'filtered', 'error'] }));
    expect(shown).not.toMatch(/never reached/);
  });

  it('text says how many hosts --host-timeout gave up on, whose unprobed ports are unknown (it said only "no open ports")', async () => {
    const timing = { rtt: null, timeout: null, retries: 0, retriesAnswered: 0, windowShrinks: {}, windowShrinksUndone: 0, retryCapHits: 0 };
    const one = await render('text', [], ctx({ summary: () => ({ ...summary, timing: { ...timing, hostsGivenUp: 1 } }) }));
    expect(one).toContain('\n1 host was given up (--host-timeout): the ports not probed by then are unknown, open ones too (records in state error, reason host-timeout)\n');
    const two = await render('text', [], ctx({ summary: () => ({ ...summary, timing: { ...timing, hostsGivenUp: 2 } }) }));
    expect(two).toContain('\n2 hosts were given up (--host-timeout)');
    expect(await render('text', [], ctx({ summary: () => ({ ...summary, timing: { ...timing, hostsGivenUp: 0 } }) }))).not.toMatch(/given up/);
    // Where the scan knows which: named, up to ten (a host with nothing shown has no section to say it in).
    const hosts = Array.from({ length: 12 }, (_, i) => `127.0.0.${i + 1}`);
    const named = (cut: number) => render('text', [], ctx({ hosts: 12, scannedHosts: () => hosts, hostGivenUp: (h) => hosts.indexOf(h) < cut, summary: () => ({ ...summary, hosts: 12, timing: { ...timing, hostsGivenUp: cut } }) }));
    expect(await named(1)).toContain('\n1 host was given up (--host-timeout), 127.0.0.1: the ports not probed by then are unknown');
    expect(await named(12)).toContain(`\n12 hosts were given up (--host-timeout), ${hosts.slice(0, 10).join(', ')}, …: the ports`);
    // Every host listed (no quiet line): a blank line still parts it from the last port row.
    const listed = await render('text', batches, ctx({ hosts: 2, summary: () => ({ ...summary, hosts: 2, timing: { ...timing, hostsGivenUp: 1 } }) }));
    expect(listed).toMatch(/ms\n\n1 host was given up \(--host-timeout\)/);
    expect(await render('text', [], ctx())).not.toMatch(/given up/);
  });

  it('a host --host-timeout gave up on is timedout="true" in xml, Status: Timeout in grep, and said in text (nothing marked it)', async () => {
    const cut = (h: string) => h === '127.0.0.2';
    const xml = await render('xml', batches, ctx({ hostGivenUp: cut }));
    expect(xml).toMatch(/<host timedout="true"><status state="up"[^\n]*\n<address addr="127\.0\.0\.2"/);
    expect(xml.match(/<host[ >]/g)).toHaveLength(2);
    expect(xml.match(/timedout=/g)).toHaveLength(1);
    const grep = await render('grep', batches, ctx({ hostGivenUp: cut }));
    expect(grep).toContain('Host: 127.0.0.2 ()\tStatus: Timeout\nHost: 127.0.0.2 ()\tPorts: 22/open/tcp//ssh///, 443/open/tcp//https///');
    expect(grep).toContain('Host: ::1 ()\tStatus: Up\n');
    const text = await render('text', batches, ctx({ hostGivenUp: cut }));
    expect(text).toContain('\nNmap scan report for 127.0.0.2\nGiven up (--host-timeout): the ports not probed by then are unknown\n');
    expect(text.match(/Given up/g)).toHaveLength(1);
    // Without the scan's word (a resume, a merge), a shown record says so when error records are shown.
    const all = ['open', 'closed', 'filtered', 'error'] as const;
    const cutRecord: ProbeRecord = { ...rec('::1', 80, 'error'), reason: 'host-timeout' };
    const merged = await render('xml', [...batches, [cutRecord]], ctx({ states: all }));
    expect(merged).toMatch(/<host timedout="true"><status state="up"[^\n]*\n<address addr="::1"/);
    expect(merged.match(/timedout=/g)).toHaveLength(1);
    expect(await render('grep', [[cutRecord]], ctx({ states: all }))).toContain('Host: ::1 ()\tStatus: Timeout\n');
    for (const f of ['xml', 'grep', 'text'] as const) expect(await render(f, batches)).not.toMatch(/timedout|Timeout|Given up/);
  });

  it('csv quotes what needs quoting', async () => {
    const text = await render('csv', [[{ ...rec('127.0.0.1', 1), reason: 'a,"b"' }]]);
    expect(text).toBe('host,port,state,service,reason,rtt_ms,ts\n127.0.0.1,1,open,unknown,"a,""b""",0.25,2026-11-24T00:00:00.000Z\n');
  });

  // A service's answer is the scanned host's to choose: opened in a spreadsheet, "=HYPERLINK(...)" was a formula.
  it('csv with --banners defuses what a spreadsheet would run as a formula, in the columns a service writes', async () => {
    const hostile: ProbeRecord = {
      ...rec('127.0.0.1', 80, 'open', 'http'), serviceSource: 'probe', product: '=HYPERLINK("http://x","y")', version: '+1', extraInfo: '@SUM(A1)',
      tls: { subject: '-2+3', names: ['=cmd', 'ok'], issuer: '=evil CA', notAfter: '2027-01-02T03:04:05.000Z' }, banner: '\tx',
    } as ProbeRecord;
    const text = await render('csv', [[hostile]], ctx({ banners: true }));
    const [header, line] = text.split('\n');
    // The issuer and expiry too, as every other format has them (they were missing from CSV alone).
    expect(header).toBe('host,port,state,service,reason,rtt_ms,ts,service_source,product,version,extra_info,tls_subject,tls_names,tls_issuer,tls_not_after,banner');
    expect(line).toBe(`127.0.0.1,80,open,http,syn-ack,0.25,2026-11-24T00:00:00.000Z,probe,"'=HYPERLINK(""http://x"",""y"")",'+1,'@SUM(A1),'-2+3,'=cmd ok,'=evil CA,2027-01-02T03:04:05.000Z,'\tx`);
    // Columns this program writes are left alone, and so is text that starts otherwise.
    const plain = await render('csv', [[{ ...hostile, product: 'nginx', version: '1.2', extraInfo: '', tls: { subject: 'CN=a', names: [] }, banner: 'HTTP/1.1 200' } as ProbeRecord]], ctx({ banners: true }));
    expect(plain.split('\n')[1]).toBe('127.0.0.1,80,open,http,syn-ack,0.25,2026-11-24T00:00:00.000Z,probe,nginx,1.2,,CN=a,,,,HTTP/1.1 200');
  });

  // Helper 26: "-ERR x" and "'-ERR x" were one cell, "a b.example" two names, and "(+8 more)" two more.
  it('csv with --banners reads back: a leading quote is guarded too, a space within a name is \\x20, the "more" count one item', async () => {
    const quoted: ProbeRecord = {
      ...rec('127.0.0.1', 80, 'open', 'http'), serviceSource: 'banner', banner: "'-ERR x",
      tls: { subject: 'CN=a', names: ['a b.example', 'c.example'], moreNames: 8 },
    } as ProbeRecord;
    const cells = (await render('csv', [[quoted], [{ ...quoted, banner: '-ERR x' } as ProbeRecord]], ctx({ banners: true }))).split('\n').slice(1, 3).map((l) => l.split(','));
    expect(cells.map((c) => c.at(-1))).toEqual(["''-ERR x", "'-ERR x"]);
    expect(cells[0]![12]).toBe('a\\x20b.example c.example (+8\\x20more)');
  });

  it('json is one parseable document even with no records', async () => {
    const empty = JSON.parse(await render('json', [])) as { records: unknown[]; summary: ScanSummary };
    expect(empty.records).toEqual([]);
    expect(empty.summary.counts.open).toBe(3);
    const full = JSON.parse(await render('json', batches)) as { records: ProbeRecord[] };
    expect(full.records).toHaveLength(3);
  });

  it('text groups by host in address order, ports ascending, with Not shown lines', async () => {
    const text = await render('text', batches);
    expect(text.indexOf('Nmap scan report for 127.0.0.2')).toBeLessThan(text.indexOf('Nmap scan report for ::1'));
    expect(text).toMatch(/Nmap scan report for 127\.0\.0\.2\nNot shown: 95 closed, 3 filtered\nPORT/);
    expect(text.indexOf('22/tcp')).toBeLessThan(text.indexOf('443/tcp'));
    expect(text).toMatch(/^443\/tcp\s+open\s+https\s+syn-ack\s+0\.25ms$/m);
    expect(text).toMatch(/1 of 3 hosts have no open ports \(not listed\)/);
    expect(text).toMatch(/shardscan done: 3 hosts × 100 ports, 300 of 300 probes in 1\.23 s/);
  });

  it('text says what it cannot know when per-host counts are not kept', async () => {
    const text = await render('text', batches, ctx({ hostCounts: () => null }));
    expect(text).toMatch(/Not shown: 98 closed\/filtered\/error ports\n/);
    // After an early stop (a resumed run, whose counts are not kept), some were never probed.
    const stopped: ScanSummary = { ...summary, status: 'interrupted', stopReason: 'time-limit' };
    const early = await render('text', batches, ctx({ hostCounts: () => null, summary: () => stopped }));
    expect(early).toMatch(/Not shown: up to 98 closed\/filtered\/error ports \(the scan stopped before it probed them all\)\n/);
  });

  it('grep writes nmap -oG host lines', async () => {
    const text = await render('grep', batches);
    // Two states not shown (closed 95, filtered 3): no Ignored State, as nmap writes only one.
    expect(text).toMatch(/^Host: 127\.0\.0\.2 \(\)\tPorts: 22\/open\/tcp\/\/ssh\/\/\/, 443\/open\/tcp\/\/https\/\/\/$/m);
    // A complete scan: every host scanned is up (nmap -Pn), listed or not.
    expect(text).toMatch(/^# shardscan done at .* -- 3 IP addresses \(3 hosts up\) scanned in 1\.23 seconds$/m);
  });

  it('waits for a slow reader (back-pressure) and fails when the stream breaks', async () => {
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, cb) {
        writes++;
        setTimeout(cb, 5);
      },
    });
    async function* many() {
      for (let i = 0; i < 20; i++) yield [rec('127.0.0.1', i + 1)];
    }
    await WRITERS.ndjson(many(), slow, ctx());
    expect(writes).toBe(20);
    const broken = new Writable({ write: (_c, _e, cb) => cb(new Error('EPIPE')) });
    broken.on('error', () => undefined);
    async function* more() {
      for (let i = 0; i < 5; i++) yield [rec('127.0.0.1', i + 1)];
    }
    await expect(WRITERS.ndjson(more(), broken, ctx())).rejects.toThrow(/EPIPE|output closed/);
  });
});

describe('record channel', () => {
  it('reports full past its high-water mark and calls back once drained', async () => {
    let drained = 0;
    const ch = new RecordChannel(3, () => drained++);
    ch.push([rec('127.0.0.1', 1), rec('127.0.0.1', 2)]);
    expect(ch.full).toBe(false);
    ch.push([rec('127.0.0.1', 3)]);
    expect(ch.full).toBe(true);
    ch.close();
    const seen: number[] = [];
    for await (const b of ch) seen.push(...b.map((r) => r.port));
    expect(seen).toEqual([1, 2, 3]);
    expect(drained).toBe(1);
  });
});

describe('progress', () => {
  it('formats a status line with rate, ETA and open count', () => {
    expect(statusLine({ done: 50_000, total: 100_000, open: 3, elapsedMs: 1000, events: 0 })).toBe('50.0% 50000/100000 probes, 50.0k/s, ETA 0:01, 3 open');
    expect(statusLine({ done: 0, total: 10, open: 0, elapsedMs: 10, events: 2 })).toBe('0.0% 0/10 probes, 0/s, ETA --:--, 0 open, 2 local events');
    // An outage and --host-timeout: the bar says why it stands still.
    expect(statusLine({ done: 10, total: 100, open: 1, elapsedMs: 1000, events: 0, held: 40, hostsGivenUp: 1 })).toBe('10.0% 10/100 probes, 10/s, ETA 0:09, 1 open, 40 held for silent hosts, 1 host given up');
    expect(statusLine({ done: 10, total: 100, open: 1, elapsedMs: 1000, events: 0, hostsGivenUp: 3 })).toBe('10.0% 10/100 probes, 10/s, ETA 0:09, 1 open, 3 hosts given up');
    // Held by the report's reader: said, with no ETA (it grew by the wait); a hold under a second is not.
    expect(statusLine({ done: 10, total: 100, open: 1, elapsedMs: 1000, events: 0, outputWaitMs: 12_300 })).toBe("10.0% 10/100 probes, 10/s, ETA --:--, 1 open, paused 0:12: the report's reader takes nothing");
    expect(statusLine({ done: 10, total: 100, open: 1, elapsedMs: 1000, events: 0, outputWaitMs: 400 })).toBe('10.0% 10/100 probes, 10/s, ETA 0:09, 1 open');
    // Days as status says them: the line said ETA 500:00:00 where status said 20d 20h.
    expect(statusLine({ done: 1, total: 1_800_001, open: 0, elapsedMs: 1000, events: 0 })).toBe('0.0% 1/1800001 probes, 1/s, ETA 20d 20h, 0 open');
    // A resume: 50,000 done by earlier runs; this run's 10,000 in 1 s is 10.0k/s, not 60.0k/s.
    expect(statusLine({ done: 60_000, total: 100_000, open: 0, elapsedMs: 1000, events: 0 }, 50_000)).toBe('60.0% 60000/100000 probes, 10.0k/s, ETA 0:04, 0 open');
  });

  it('prints status lines on a non-terminal and a bar on a terminal', async () => {
    const lines: string[] = [];
    const plain = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    (plain as unknown as PassThrough).on('data', (d: Buffer) => lines.push(d.toString()));
    const p = new Progress({ stream: plain, read: () => ({ done: 1, total: 2, open: 0, elapsedMs: 100, events: 0 }), plainEveryMs: 20 });
    p.start();
    await new Promise((r) => setTimeout(r, 70));
    p.stop();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^progress: 50\.0% 1\/2 probes/);
    const tty: string[] = [];
    const term = Object.assign(new PassThrough(), { isTTY: true, columns: 120 }) as unknown as NodeJS.WriteStream;
    (term as unknown as PassThrough).on('data', (d: Buffer) => tty.push(d.toString()));
    const bar = new Progress({ stream: term, read: () => ({ done: 1, total: 2, open: 1, elapsedMs: 100, events: 0 }), term: 'xterm' });
    bar.start();
    await new Promise((r) => setTimeout(r, 250));
    bar.stop();
    expect(tty[0]).toMatch(/^\r\[#{12}\.{12}\] 50\.0% 1\/2 probes/);
    expect(tty[tty.length - 1]).toBe('\r\x1b[K');
  });

  it('a narrow terminal keeps the numbers, TERM=dumb gets plain lines, and 100.0% means done', async () => {
    const drawn = async (columns: number, term: string, done: number, total: number): Promise<string> => {
      const out: string[] = [];
      const s = Object.assign(new PassThrough(), { isTTY: true, columns }) as unknown as NodeJS.WriteStream;
      (s as unknown as PassThrough).on('data', (d: Buffer) => out.push(d.toString()));
      const p = new Progress({ stream: s, read: () => ({ done, total, open: 0, elapsedMs: 1000, events: 0 }), term, plainEveryMs: 20 });
      p.start();
      await new Promise((r) => setTimeout(r, 250));
      p.stop();
      return out[0]!;
    };
    // 40 columns cut "10.3% 6768/6…" mid-number behind the 26-column picture.
    expect(await drawn(60, 'xterm', 6768, 65535)).toMatch(/^\r10\.3% 6768\/65535 probes/);
    expect(await drawn(60, 'dumb', 6768, 65535)).toMatch(/^progress: 10\.3% 6768\/65535 probes/);
    expect(await drawn(200, 'xterm', 65503, 65535)).toMatch(/\] 99\.9% 65503\/65535/);
  });
});
