/**
 * Scanners through the lab (lab/): the C floor finds the ground truth, and
 * the built shardscan CLI, run inside the scanner namespace, tells open,
 * closed, dropped, ICMP-unreachable and dead targets apart over a 20 ms RTT;
 * a SYN rate limit lets through about its rate and drops the rest.
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { rng, sample } from '../lab/scenarios.js';
import { score } from '../lab/truth.js';
import { ndjson, runCli } from './helpers/cli.js';
import { cscan, nodeFloor, skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.1';
const ICMP_HOST = '198.18.1.4';
const LIMITED = '198.18.1.3';
const DEAD = '198.18.2.7';
const PORTS = Array.from({ length: 2000 }, (_, i) => i + 1);
const random = rng(42);
const OPEN = sample(PORTS, 5, random);
const DROPPED = sample(PORTS.filter((p) => !OPEN.includes(p)), 3, random);
const ICMP_OPEN = 443;

describe.skipIf(skip)('scanners through a 20 ms lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({
      delayMs: 10,
      hosts: [HOST, ICMP_HOST, LIMITED],
      deadPrefixes: ['198.18.2.0/24'],
      rules: [
        { kind: 'drop', host: HOST, ports: DROPPED },
        { kind: 'unreachable', host: ICMP_HOST, except: [ICMP_OPEN] },
        { kind: 'syn-limit', host: LIMITED, perSecond: 500 },
      ],
    });
    await lab.listen(HOST, OPEN);
    await lab.listen(ICMP_HOST, [ICMP_OPEN]);
  });
  afterAll(() => lab?.destroy());

  it('the C floor finds the ground truth', async () => {
    const before = await lab.stats();
    const r = await cscan(lab, ['-T', '500', '-r', '1', '-p', '1-2000', HOST, ICMP_HOST, DEAD]);
    const truth = lab.groundTruth([HOST, ICMP_HOST, DEAD], PORTS);
    expect(truth.counts).toEqual({ open: 6, closed: 2000 - 5 - 3, filtered: 3 + 1999 + 2000 });
    const s = score(truth, r.lines);
    expect(s.examples).toEqual([]);
    expect(s.exact).toBe(true);
    expect(r.lines.filter((l) => l.state === 'open').map((l) => `${l.host}:${l.port}`).sort()).toEqual(truth.open());
    expect(r.lines.filter((l) => l.host === ICMP_HOST && l.state === 'filtered').every((l) => l.reason === 'EHOSTUNREACH')).toBe(true);
    await lab.assertClean(before);
  });

  it('the Node floor finds the same ground truth', async () => {
    const before = await lab.stats();
    const r = await nodeFloor(lab, ['-T', '500', '-r', '1', '-p', '1-2000', HOST, ICMP_HOST, DEAD]);
    const truth = lab.groundTruth([HOST, ICMP_HOST, DEAD], PORTS);
    expect(r.summary).toMatchObject({ probes: 6000, open: 6, closed: 2000 - 5 - 3, filtered: 3 + 1999 + 2000 });
    const s = score(truth, r.lines);
    expect(s.examples).toEqual([]);
    expect(s.exact).toBe(true);
    expect(r.lines.filter((l) => l.state === 'open').map((l) => `${l.host}:${l.port}`).sort()).toEqual(truth.open());
    expect(r.lines.filter((l) => l.host === ICMP_HOST && l.state === 'filtered').every((l) => l.reason === 'EHOSTUNREACH')).toBe(true);
    // Answers carry the lab's round trip; timeouts took at least -T.
    expect(r.lines.find((l) => l.host === HOST && l.state === 'closed')!.rttMs).toBeGreaterThan(19);
    expect(r.lines.filter((l) => l.reason === 'timeout').every((l) => l.rttMs >= 500)).toBe(true);
    await lab.assertClean(before);
  });

  it('shardscan tells open, closed, dropped, unreachable and dead apart', async () => {
    const ports = [OPEN[0]!, DROPPED[0]!, 2001, ICMP_OPEN, 7].join(',');
    const r = await runCli([HOST, ICMP_HOST, DEAD, '-p', ports, '-f', 'ndjson', '--states', 'all', '--timeout', '500', '--retries', '0', '-q', '--no-out-dir'], {
      prefix: lab.prefix,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = new Map(ndjson(r.stdout).map((x) => [`${x.host as string}:${x.port as number}`, x]));
    expect(got.size).toBe(15);
    expect(got.get(`${HOST}:${OPEN[0]}`)).toMatchObject({ state: 'open', reason: 'syn-ack' });
    expect(got.get(`${HOST}:2001`)).toMatchObject({ state: 'closed', reason: 'ECONNREFUSED' });
    expect(got.get(`${HOST}:${DROPPED[0]}`)).toMatchObject({ state: 'filtered', reason: 'timeout' });
    expect(got.get(`${ICMP_HOST}:${ICMP_OPEN}`)).toMatchObject({ state: 'open', reason: 'syn-ack' });
    expect(got.get(`${ICMP_HOST}:7`)).toMatchObject({ state: 'filtered', reason: 'EHOSTUNREACH' });
    for (const p of ports.split(',')) expect(got.get(`${DEAD}:${p}`)).toMatchObject({ state: 'filtered', reason: 'timeout' });
    // Answers carry the lab's round trip: 20 ms, not loopback's microseconds.
    expect(got.get(`${HOST}:2001`)!.rttMs as number).toBeGreaterThan(19);
    expect(got.get(`${ICMP_HOST}:7`)!.rttMs as number).toBeGreaterThan(19);
  });

  it('a SYN rate limit answers about its rate and drops the rest', async () => {
    // 2,000 SYNs within a few ms; the limit is 500/s with a burst of 5.
    const r = await cscan(lab, ['-t', '1', '-w', '2000', '-r', '0', '-T', '500', '-p', '1-2000', LIMITED]);
    const answered = r.summary.closed!;
    const seconds = r.summary.ms! / 1000;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(5 + 500 * seconds + 5);
    expect(r.summary.filtered).toBe(2000 - answered);
    expect(lab.expectedOf(LIMITED, 1)).toEqual({ state: 'closed', reason: 'ECONNREFUSED' });
  });
});
