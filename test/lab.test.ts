/**
 * The network lab itself (lab/): the relay's delay is exact to a millisecond,
 * quiet and under a scan load; loss happens at the rate asked, per direction;
 * an overflowing queue is reported and voids results; the scanner namespace has
 * no route out of 198.18.0.0/15; nothing is left behind. Needs root, iproute2,
 * nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it on a machine without.
 */
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { listNamespaces } from '../lab/netns.js';
import { cscan, median, skipLab } from './helpers/lab.js';

const skip = skipLab();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

describe.skipIf(skip)('a lab with 20 ms each way', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 20, hosts: ['198.18.1.1', '198.18.1.2'] });
  });
  afterAll(() => lab?.destroy());

  // The prober runs SCHED_FIFO (below the relay): it measures the relay, not how
  // long a busy machine takes to wake a normal process.
  const probe = async () => {
    const r = await cscan(lab, ['-t', '1', '-w', '4', '-r', '0', '-p', '20001-20150', '198.18.1.1'], { realtime: true });
    expect(r.lines.every((l) => l.state === 'closed')).toBe(true);
    return median(r.lines.map((l) => l.rttMs));
  };

  it('adds 2 × D to a connect to a closed port, within 1 ms', async () => {
    expect(await probe()).toBeGreaterThan(39);
    expect(await probe()).toBeLessThan(41);
  });

  it('keeps 2 × D within 1 ms under a scan load of thousands of SYNs/s', async () => {
    // 200 connects in flight over a 40 ms RTT: about 5,000 SYNs/s (and as many RSTs back).
    const load = cscan(lab, ['-t', '1', '-w', '200', '-r', '0', '-T', '500', '-p', '1-15000', '198.18.1.2']);
    await new Promise((r) => setTimeout(r, 300));
    const before = await lab.stats();
    const t0 = performance.now();
    const rtt = await probe();
    const after = await lab.stats();
    const rate = (after.relay.ab.in - before.relay.ab.in) / ((performance.now() - t0) / 1000);
    const loaded = await load;
    console.log(`lab: median RTT ${rtt.toFixed(2)} ms under ${rate.toFixed(0)} SYNs/s; relay release lateness max ${after.relay.ab.recentMaxLateUs} / ${after.relay.ba.recentMaxLateUs} µs (realtime ${after.relay.realtime})`);
    expect(loaded.summary.closed).toBe(15000);
    expect(rate).toBeGreaterThan(2000);
    expect(rtt).toBeGreaterThan(39);
    expect(rtt).toBeLessThan(41);
    expect(after.clean).toBe(true);
  });

  it('has no route out of 198.18.0.0/15 and no link but lo and the TUN', () => {
    // Only the routing table is asked; nothing is sent.
    for (const dst of ['8.8.8.8', '10.0.0.1', '192.168.0.1', '198.20.0.1']) {
      expect(() => execFileSync('ip', ['netns', 'exec', lab.scanNs, 'ip', 'route', 'get', dst], { stdio: 'pipe' })).toThrow(/unreachable/i);
    }
    expect(execFileSync('ip', ['netns', 'exec', lab.scanNs, 'ip', 'route', 'get', '198.18.1.1'], { encoding: 'utf8' })).toMatch(/dev lab0 src 198\.18\.0\.1/);
    const links = JSON.parse(execFileSync('ip', ['-n', lab.scanNs, '-j', 'link', 'show'], { encoding: 'utf8' })) as Array<{ ifname: string }>;
    expect(links.map((l) => l.ifname).sort()).toEqual(['lab0', 'lo']);
    const routes = JSON.parse(execFileSync('ip', ['-n', lab.scanNs, '-j', 'route', 'show'], { encoding: 'utf8' })) as Array<{ dst: string }>;
    expect(routes.map((r) => r.dst)).toEqual(['198.18.0.0/15']);
  });
});

describe.skipIf(skip)('per-host delay', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 5, hosts: ['198.18.1.1', '198.18.1.2'], hostDelayMs: { '198.18.1.2': 45 } });
  });
  afterAll(() => lab?.destroy());

  const rttTo = async (host: string) => {
    const r = await cscan(lab, ['-t', '1', '-w', '4', '-r', '0', '-p', '20001-20100', host], { realtime: true });
    expect(r.lines.every((l) => l.state === 'closed')).toBe(true);
    return median(r.lines.map((l) => l.rttMs));
  };

  it('adds its extra delay each way to one host only, within 1 ms', async () => {
    const near = await rttTo('198.18.1.1');
    const far = await rttTo('198.18.1.2');
    expect(near).toBeGreaterThan(9);
    expect(near).toBeLessThan(11);
    expect(far).toBeGreaterThan(99);
    expect(far).toBeLessThan(101);
  });

  it('refuses a host outside 198.18.0.0/15', async () => {
    await expect(Lab.create({ hostDelayMs: { '10.0.0.1': 5 } })).rejects.toThrow(/outside 198\.18\.0\.0\/15/);
  });
});

describe.skipIf(skip)('bottleneck', () => {
  it('queues packets past its rate, so round trips grow, and drops past its queue without voiding results', async () => {
    const lab = await Lab.create({ delayMs: 5, bottleneckPps: { toTarget: 1000 }, bottleneckQueue: 50, hosts: ['198.18.1.1'] });
    try {
      const before = await lab.stats();
      // 200 SYNs at once into 1 ms a packet with 50 queued: the queue fills (RTT 10 + up to 50 ms) and the rest are dropped.
      const r = await cscan(lab, ['-t', '1', '-w', '200', '-r', '0', '-T', '1000', '-p', '20001-20200', '198.18.1.1']);
      const after = await lab.stats();
      const closed = r.lines.filter((l) => l.state === 'closed');
      expect(after.relay.ab.congested - before.relay.ab.congested).toBeGreaterThan(50);
      expect(after.relay.ba.congested).toBe(0);
      expect(closed.length).toBeGreaterThan(40);
      expect(closed.length).toBeLessThan(160);
      expect(Math.max(...closed.map((l) => l.rttMs))).toBeGreaterThan(40);
      // The first SYNs find the queue empty: near the base RTT of 10 ms, well below the queued ones. cscan's own
      // reading of 200 connects at once adds ms on a busy machine (15.05 once in CI, 25.015 with a compiler beside
      // it, 32.145 in a CI run), so the bound is under the 10 + 50 ms a full queue gives, and the spread is checked.
      const fastest = Math.min(...closed.map((l) => l.rttMs));
      expect(fastest).toBeLessThan(40);
      expect(fastest).toBeLessThan(Math.max(...closed.map((l) => l.rttMs)) - 15);
      expect(after.clean).toBe(true);
    } finally {
      await lab.destroy();
    }
  });
});

describe.skipIf(skip)('loss', () => {
  it('drops packets at the rate asked, each direction on its own', async () => {
    const lab = await Lab.create({ delayMs: 1, lossPct: { toTarget: 10, toScanner: 5 }, seed: 7, hosts: ['198.18.1.1'] });
    try {
      const n = 3000;
      const r = await cscan(lab, ['-t', '1', '-w', '256', '-r', '0', '-T', '300', '-p', `1-${n}`, '198.18.1.1']);
      const s = await lab.stats();
      // One SYN per probe, one RST per SYN delivered: nothing else crosses the lab.
      expect(s.relay.ab.in).toBe(n);
      expect(s.relay.ba.in).toBe(s.relay.ab.out);
      // Within 4 standard deviations of the rate asked.
      const within = (x: number, p: number, count: number) => expect(Math.abs(x - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / count));
      within(s.relay.ab.lost / s.relay.ab.in, 0.1, s.relay.ab.in);
      within(s.relay.ba.lost / s.relay.ba.in, 0.05, s.relay.ba.in);
      // And as a scanner sees it: a probe is answered when both its SYN and its RST get through.
      expect(r.summary.closed).toBe(s.relay.ba.out);
      within(r.summary.filtered! / n, 1 - 0.9 * 0.95, n);
      expect(s.clean).toBe(true);
    } finally {
      await lab.destroy();
    }
  });
});

describe.skipIf(skip)('overflow', () => {
  it('is counted when a tiny queue is flooded, and voids the results', async () => {
    const lab = await Lab.create({ delayMs: 50, queue: 16, hosts: ['198.18.1.1'] });
    try {
      const baseline = await lab.assertClean();
      await cscan(lab, ['-t', '1', '-w', '500', '-r', '0', '-T', '300', '-p', '1-500', '198.18.1.1']);
      const s = await lab.stats();
      expect(s.relay.ab.overflow).toBeGreaterThan(0);
      expect(s.relay.ab.maxQueued).toBe(16);
      expect(s.clean).toBe(false);
      await expect(lab.assertClean(baseline)).rejects.toThrow(/void: \d+ relay queue overflow toward the target/);
    } finally {
      await lab.destroy();
    }
  });
});

describe.skipIf(skip)('teardown', () => {
  it('leaves no namespace and no process behind', async () => {
    const lab = await Lab.create({ hosts: ['198.18.1.1'] });
    await lab.listen('198.18.1.1', [80]);
    const { relay, listeners } = lab.pids;
    expect(alive(relay!)).toBe(true);
    expect(alive(listeners!)).toBe(true);
    expect(listNamespaces()).toEqual(expect.arrayContaining([lab.scanNs, lab.tgtNs]));
    const final = await lab.destroy();
    expect(final?.event).toBe('exit');
    expect(listNamespaces()).not.toContain(lab.scanNs);
    expect(listNamespaces()).not.toContain(lab.tgtNs);
    expect(alive(relay!)).toBe(false);
    expect(alive(listeners!)).toBe(false);
  });

  it('reaps the namespaces of a lab whose process is gone', async () => {
    // A pid that certainly ended: a child we waited for.
    const child = spawn('true');
    await new Promise((r) => child.once('close', r));
    const stale = `sslab-${child.pid}-0-scan`;
    execFileSync('ip', ['netns', 'add', stale]);
    const lab = await Lab.create();
    await lab.destroy();
    expect(listNamespaces()).not.toContain(stale);
  });

  it('refuses addresses outside 198.18.0.0/15', async () => {
    await expect(Lab.create({ hosts: ['10.0.0.1'] })).rejects.toThrow(/outside 198\.18\.0\.0\/15/);
    await expect(Lab.create({ deadPrefixes: ['198.16.0.0/12'] })).rejects.toThrow(/outside 198\.18\.0\.0\/15/);
    await expect(Lab.create({ hosts: ['198.18.0.9'] })).rejects.toThrow(/scanner's/);
  });
});
