/**
 * A resolver's answer that is not an IP address or an array of them. A
 * library caller's `resolver: async () => 42` crashed the scan with a raw
 * "TypeError: text.includes is not a function" (no code), and '', [],
 * 'not-an-ip' or a CIDR came back as E_CONFIG, telling the caller to fix a
 * "resolved" option they never gave. Each is E_RESOLVE, naming the resolver
 * and the name it was asked for.
 */
import { describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';
import { ShardscanError } from '../src/errors.js';
import { type Resolver, buildTargets } from '../src/targets/parse.js';

const FIX = "not an IP address: return one, e.g. '127.0.0.1', or an array of them)";
const answering = (answer: unknown): Resolver => async () => answer as string;

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err: unknown = await p.then(() => new Error('expected a rejection'), (e: unknown) => e);
  expect(err).toBeInstanceOf(ShardscanError);
  return { code: (err as ShardscanError).code, message: (err as ShardscanError).message };
}

describe("a resolver's answer that is not an address", () => {
  it('is E_RESOLVE from scan(), not a raw TypeError', async () => {
    const run = scan({ ignoreTuning: true, targets: ['myhost'], ports: '80', resolver: answering(42) });
    const iterate = (async () => {
      for await (const r of run) void r;
    })();
    expect(await refusal(iterate)).toEqual({ code: 'E_RESOLVE', message: `cannot resolve host name 'myhost' (the resolver returned number 42, ${FIX}` });
    await run.summary.catch(() => undefined);
  });

  it.each([
    [42, 'number 42'],
    ['', "''"],
    ['not-an-ip', "'not-an-ip'"],
    ['127.4.4.0/24', "'127.4.4.0/24'"],
    ['fe80::1%eth0', "'fe80::1%eth0'"],
    [[], 'an empty array'],
    [['127.0.0.1', 42], 'number 42 in its array'],
    [['127.0.0.1', 'x'], "'x' in its array"],
    [null, 'null'],
    [undefined, 'undefined'],
    [{ address: '127.0.0.1' }, 'object'],
  ])('%j is E_RESOLVE naming the resolver and the name (was E_CONFIG or a TypeError)', async (answer, shown) => {
    expect(await refusal(buildTargets({ targets: ['myhost'] }, answering(answer)))).toEqual({ code: 'E_RESOLVE', message: `cannot resolve host name 'myhost' (the resolver returned ${shown}, ${FIX}` });
    // An excluded name's lookup says so.
    expect(await refusal(buildTargets({ targets: ['127.0.0.1'], exclude: ['skipme'] }, answering(answer)))).toEqual({ code: 'E_RESOLVE', message: `cannot resolve excluded host name 'skipme' (the resolver returned ${shown}, ${FIX}` });
  });

  it('takes an address, or an array of them', async () => {
    const hosts = async (answer: unknown, exclude: string[] = []): Promise<string[]> => {
      const { set } = await buildTargets({ targets: ['myhost', '127.0.0.1-127.0.0.3'], exclude }, answering(answer));
      return Array.from({ length: set.count }, (_, i) => set.at(i));
    };
    expect(await hosts('127.0.0.9')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.9']);
    expect(await hosts(['::1', '127.0.0.9'])).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.9']);
    expect(await hosts(['127.0.0.2', '127.0.0.9'], ['otherhost'])).toEqual(['127.0.0.1', '127.0.0.3']);
  });

  it('a "resolved" entry that is not an address is still E_CONFIG: that one the caller gave', async () => {
    const never: Resolver = async () => { throw new Error('not asked'); };
    expect(await refusal(buildTargets({ targets: ['myhost'], resolved: { myhost: 'nope' } }, never))).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('fix or remove it in "resolved"') });
  });
});
