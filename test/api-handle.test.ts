/**
 * The library handle as a library user meets it: a stop while names resolve,
 * a handle iterated twice, small scans on the calling thread, options scan()
 * cannot honour, and a port token too long for a regular expression.
 */
import { describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';
import { ShardscanError } from '../src/errors.js';
import { buildPorts } from '../src/ports/parse.js';
import { globMatch } from '../src/ports/services.js';

const base = { ignoreTuning: true, targets: ['127.0.0.1'], ports: '1-100', states: ['closed' as const] };

async function failure(p: Promise<unknown>): Promise<ShardscanError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ShardscanError);
    return err as ShardscanError;
  }
  throw new Error('expected a rejection');
}

describe('scan() handle', () => {
  it("a resolver that throws is E_RESOLVE, naming the host, with the resolver's error as its cause (it came back raw, with no code)", async () => {
    const boom = new Error('boom');
    const run = scan({ ...base, targets: ['somehost'], resolver: () => Promise.reject(boom) });
    const err = await failure(run.summary);
    expect(err.code).toBe('E_RESOLVE');
    expect(err.message).toBe("cannot resolve host name 'somehost' (the resolver failed: boom)");
    expect(err.cause).toBe(boom);
    const sync = scan({ ...base, targets: ['otherhost'], resolver: () => { throw new TypeError('not a function'); } });
    expect((await failure(sync.summary)).code).toBe('E_RESOLVE');
  });

  it('a stop while a host name resolves ends the scan then (a resolver that never answered hung it)', async () => {
    const ac = new AbortController();
    const run = scan({ ...base, targets: ['localhost'], signal: ac.signal, resolver: () => new Promise<string>(() => undefined) });
    setTimeout(() => ac.abort(), 50);
    const err = await failure(
      (async () => {
        for await (const r of run) void r;
      })(),
    );
    expect(err.code).toBe('E_INTERRUPTED');
    expect((await failure(run.summary)).code).toBe('E_INTERRUPTED');
  }, 10_000);

  it('a signal already aborted, with a name to resolve: E_INTERRUPTED, before any lookup', async () => {
    const ac = new AbortController();
    ac.abort();
    let asked = 0;
    const run = scan({ ...base, targets: ['localhost'], signal: ac.signal, resolver: async () => (asked++, '127.0.0.1') });
    expect((await failure(run.summary)).code).toBe('E_INTERRUPTED');
    expect(asked).toBe(0);
  });

  it('run.stop() does the same', async () => {
    const run = scan({ ...base, targets: ['localhost'], resolver: () => new Promise<string>(() => undefined) });
    setTimeout(() => run.stop(), 50);
    expect((await failure(run.summary)).code).toBe('E_INTERRUPTED');
  }, 10_000);

  it('a second loop over one handle throws (two loops split the records and one never ended)', async () => {
    const run = scan(base);
    let n = 0;
    for await (const r of run) if (r.state === 'closed') n++;
    expect((await run.summary).done).toBe(100);
    expect(n).toBeGreaterThan(0);
    const again = await failure(
      (async () => {
        for await (const r of run) void r;
      })(),
    );
    expect(again.code).toBe('E_OPTION');
    expect(again.message).toMatch(/iterated once/);
  });

  // Helper 22: next() for the first record, then a loop over the same iterator, threw "it is not async iterable".
  it('the iterator is itself iterable, as a generator is: the first record by next(), the rest by a loop', async () => {
    const run = scan(base);
    const it = run[Symbol.asyncIterator]();
    expect(it[Symbol.asyncIterator]()).toBe(it);
    const first = await it.next();
    expect(first.done).toBe(false);
    let rest = 0;
    for await (const r of it) if (r.port !== first.value?.port) rest++;
    // Every closed port of the 100, each once: the first, then the others.
    const s = await run.summary;
    expect(s.status).toBe('complete');
    expect(rest + 1).toBe(s.counts.closed);
    expect(rest).toBeGreaterThan(50);
  });

  it('return() before the first next() stops the scan (the generator never ran, so it did not)', async () => {
    const run = scan({ ...base, ports: '1-3000', rate: 1000 });
    await run[Symbol.asyncIterator]().return?.();
    const s = await run.summary;
    expect(s.status).toBe('interrupted');
    expect(s.done).toBeLessThan(3000);
  });

  it('a loop that breaks off stops the scan as a closed report does: output-closed (it said signal, and complete when the last reads were cut)', async () => {
    const run = scan({ ...base, ports: '1-3000', rate: 1000, states: ['open', 'closed'] });
    let n = 0;
    for await (const r of run) {
      void r;
      if (++n === 2) break;
    }
    expect(await run.summary).toMatchObject({ status: 'interrupted', stopReason: 'output-closed' });
  });

  it('scan(null) is a ShardscanError, not a TypeError', () => {
    expect(() => scan(null as unknown as Parameters<typeof scan>[0])).toThrow(/scan\(\) takes an options object/);
  });

  it('a small scan connects from the calling thread; with workers given, from worker threads', async () => {
    const seen = async (workers?: number): Promise<Set<string>> => {
      const run = scan({ ...base, ...(workers ? { workers } : {}) });
      const kinds = new Set<string>();
      for await (const r of run) {
        void r;
        for (const k of process.getActiveResourcesInfo()) kinds.add(k);
      }
      // The summary names the threads it ran on (it is made after scan()'s own pool is destroyed).
      expect(await run.summary).toMatchObject({ done: 100, workerThreads: workers ?? 0 });
      return kinds;
    };
    expect([...(await seen())].some((k) => k === 'TCPSocketWrap' || k === 'ConnectWrap')).toBe(true);
    expect([...(await seen(2))].some((k) => k === 'TCPSocketWrap' || k === 'ConnectWrap')).toBe(false);
  });

  it('starts no more worker threads than the scan has chunks', async () => {
    // 100 positions are 4 chunks of 32 (src/shard/plan.ts): 16 threads would boot for nothing.
    const run = scan({ ...base, workers: 16 });
    for await (const r of run) void r;
    expect(await run.summary).toMatchObject({ done: 100, workers: 16, workerThreads: 4 });
  });

  it.each([{ format: 'json' as const }, { output: '/tmp/x.json' }, { outDir: '/tmp/d' }, { openHostsOnly: true }, { extraReports: [{ format: 'xml' as const, output: 'a.xml' }] }])('%j is refused: scan() writes no report', async (extra) => {
    const run = scan({ ...base, ...extra });
    const err = await failure(run.summary);
    expect(err.code).toBe('E_OPTION');
    expect(err.message).toMatch(/scan\(\) writes no report and no shard directory/);
  });
});

describe('port names', () => {
  it('a 40,000-character token is a bad port list, not a SyntaxError', () => {
    let err: unknown;
    try {
      buildPorts({ ports: 'x'.repeat(40_000) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShardscanError);
    expect((err as ShardscanError).code).toBe('E_PORT');
    expect((err as ShardscanError).message.length).toBeLessThan(400);
  });

  it('globs match as nmap-style wildcards, case-insensitively', () => {
    expect([...buildPorts({ ports: 'HTTP*' }).ports]).toContain(8080);
    expect([...buildPorts({ ports: 'ssh' }).ports]).toEqual([22]);
    expect(globMatch('h?tp*', 'http-alt')).toBe(true);
    expect(globMatch('*a*b', 'aab')).toBe(true);
    expect(globMatch('*a*b', 'aba')).toBe(false);
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('*', '')).toBe(true);
    // Many stars against a near miss: linear, not a backtracking blow-up.
    expect(globMatch(`${'*a'.repeat(40)}b`, 'a'.repeat(60))).toBe(false);
  });
});
