/**
 * What --exclude leaves out. A host name left out only its first address
 * (`--exclude multi` scanned the second; nmap leaves out every one), and an
 * IPv6 network larger than a scan may be was refused as an exclusion too
 * (`--exclude 2001:db8::/32`, a blocklist's usual line, made every scan fail).
 */
import { describe, expect, it } from 'vitest';
import { ShardscanError } from '../src/errors.js';
import { type Resolver, buildTargets, otherAddressesNote } from '../src/targets/parse.js';
import { UnresolvedName, systemResolver } from '../src/targets/resolve.js';
import { namesOf } from '../src/model/scan.js';
import { digestOf } from '../src/prepare.js';

/** Names with several addresses, as /etc/hosts or DNS may give them; `all` asks for every one. */
const TABLE: Record<string, string[]> = { multi: ['127.0.0.6', '127.0.0.7'], dual: ['::1', '127.0.0.5'], localhost: ['127.0.0.1', '::1'] };
const asked: { name: string; all: boolean }[] = [];
const fakeDns: Resolver = async (name, family, all) => {
  asked.push({ name, all: all === true });
  const answers = TABLE[name]?.filter((a) => family === undefined || a.includes(':') === (family === 6));
  if (!answers?.length) throw new UnresolvedName(name, '');
  return all === true ? answers : (answers.find((a) => !a.includes(':')) ?? answers[0]!);
};

async function hosts(targets: string[], exclude: string[], resolver: Resolver = fakeDns): Promise<string[]> {
  const { set } = await buildTargets({ targets, exclude }, resolver);
  return Array.from({ length: set.count }, (_, i) => set.at(i));
}

describe('--exclude', () => {
  it("leaves out every address of a name, of either family, as nmap does (it left out the first only)", async () => {
    expect(await hosts(['127.0.0.4-7'], ['multi'])).toEqual(['127.0.0.4', '127.0.0.5']);
    expect(await hosts(['127.0.0.5', '::1'], ['127.0.0.9', 'dual']).catch((e: Error) => e.message)).toBe('every target is excluded; nothing left to scan');
    expect(asked.filter((a) => a.name === 'multi')).toEqual([{ name: 'multi', all: true }]);
  });

  it('keeps what a name left out in "resolved" ("exclude:NAME"), so a resume or a merge elsewhere leaves out the same without a lookup', async () => {
    const first = await buildTargets({ targets: ['127.0.0.4-7'], exclude: ['multi'] }, fakeDns);
    expect(first.resolved).toEqual({ 'exclude:multi': '127.0.0.6 127.0.0.7' });
    const offline: Resolver = async (name) => {
      throw new ShardscanError('E_RESOLVE', `cannot resolve host name '${name}'`);
    };
    const again = await buildTargets({ targets: ['127.0.0.4-7'], exclude: ['multi'], resolved: first.resolved }, offline);
    expect(digestOf(again.set)).toBe(digestOf(first.set));
    // Never a host's name in the reports: what was left out was not scanned.
    expect(namesOf(first.resolved)('127.0.0.6')).toBeNull();
  });

  it('digestOf gives the digest earlier versions wrote to manifests (a resume compares them)', async () => {
    // Taken from TargetSet.digest() at 087cb73, before the digest moved out of the class the workers load.
    const { set } = await buildTargets({ targets: ['127.0.0.1/30', '127.0.1.5', '::1', '2001:db8::/126'] }, fakeDns);
    expect(set.count).toBe(10);
    expect(digestOf(set)).toBe('ea0928e65e20db32');
  });

  it('with -4 or -6, leaves out the addresses of that family the target lookup saw (glibc answers -4 for ::1 with 127.0.0.1, which was scanned)', async () => {
    // As glibc answers from /etc/hosts "::1 multi", "127.0.0.6 multi", "127.0.0.7 multi": an IPv4 lookup maps ::1 to 127.0.0.1.
    const glibc: Resolver = async (_name, family, all) => {
      const answers = family === 4 ? ['127.0.0.1', '127.0.0.6', '127.0.0.7'] : ['::1', '127.0.0.6', '127.0.0.7'];
      return all === true ? answers : answers.find((a) => !a.includes(':'))!;
    };
    await expect(buildTargets({ targets: ['multi'], exclude: ['multi'], family: 4 }, glibc)).rejects.toThrow('every target is excluded; nothing left to scan');
  });

  it('a directory written before "exclude:NAME" kept the one address it left out as "NAME": that one is read back, without a lookup', async () => {
    const offline: Resolver = async (name) => {
      throw new ShardscanError('E_RESOLVE', `cannot resolve host name '${name}'`);
    };
    const old = await buildTargets({ targets: ['127.0.0.4-7'], exclude: ['multi'], resolved: { multi: '127.0.0.6' } }, offline);
    expect(Array.from({ length: old.set.count }, (_, i) => old.set.at(i))).toEqual(['127.0.0.4', '127.0.0.5', '127.0.0.7']);
    // A new scan of a name that is a target and excluded: the exclusion is every address, not the target's one.
    expect(await hosts(['127.0.0.4-7', 'multi'], ['multi']).catch((e: Error) => e.message)).toEqual(['127.0.0.4', '127.0.0.5']);
  });

  it('a name as a target is still one address, the first IPv4 one, and its exclusion takes them all', async () => {
    expect(await hosts(['localhost', '127.0.0.2'], [])).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(await hosts(['localhost', '127.0.0.2'], ['localhost'])).toEqual(['127.0.0.2']);
  });

  it("a name's prefix is an IPv4 one: NAME/31 leaves out that network, and its IPv6 address is not read as a /31", async () => {
    expect(await hosts(['127.0.0.4-7', '::1'], ['multi/31'])).toEqual(['127.0.0.4', '127.0.0.5', '::1']);
  });

  it("with a prefix, a name's IPv6 addresses are left out themselves (a name with only IPv6 ones excluded nothing, silently)", async () => {
    // dual: ::1 and 127.0.0.5; six: ::1 only.
    TABLE.six = ['::1'];
    expect(await hosts(['127.0.0.4-6', '::1'], ['dual/31'])).toEqual(['127.0.0.6']);
    expect(await hosts(['127.0.0.4', '::1'], ['six/24'])).toEqual(['127.0.0.4']);
  });

  it("a target name scans one address and keeps the others for nmap's note: 'other addresses for multi (not scanned)'", async () => {
    const built = await buildTargets({ targets: ['multi', 'dual', '127.0.0.1'] }, fakeDns);
    expect(Array.from({ length: built.set.count }, (_, i) => built.set.at(i))).toEqual(['127.0.0.1', '127.0.0.5', '127.0.0.6']);
    expect(built.otherAddresses).toEqual({ multi: ['127.0.0.7'], dual: ['::1'] });
    expect(otherAddressesNote(built.otherAddresses)).toBe('other addresses for multi (not scanned): 127.0.0.7; other addresses for dual (not scanned): ::1');
    expect(otherAddressesNote({})).toBeNull();
    // -6: of that family only, and then none are left over.
    const six = await buildTargets({ targets: ['dual'], family: 6 }, fakeDns);
    expect(six.otherAddresses).toEqual({});
    expect(six.set.at(0)).toBe('::1');
  });

  it('a resolver that answers one address for `all` (a library caller\'s) excludes that one', async () => {
    const one: Resolver = async () => '127.0.0.6';
    expect(await hosts(['127.0.0.4-7'], ['multi'], one)).toEqual(['127.0.0.4', '127.0.0.5', '127.0.0.7']);
  });

  it("calls a bad value a bad exclusion, and an unknown name an excluded one (both said 'target': the user looked for it among the targets)", async () => {
    const refusal = (exclude: string[]): Promise<string> => hosts(['127.0.0.1'], exclude).then(() => 'scanned', (e: Error) => e.message);
    expect(await refusal(['127.0.0.300'])).toBe("bad exclusion '127.0.0.300': not an IPv4 address, CIDR or octet range. Examples: 127.0.0.5, 127.0.0.0/28, 127.0.0.1-127.0.0.9, ::1, localhost");
    expect(await refusal(['127.0.0.2', '127.0.0.0/40'])).toMatch(/^bad exclusion '127\.0\.0\.0\/40': prefix/);
    expect(await refusal(['nosuch'])).toBe("cannot resolve excluded host name 'nosuch'");
    // The same mistakes as targets keep their wording.
    expect(await hosts(['127.0.0.300'], []).catch((e: Error) => e.message)).toMatch(/^bad target '127\.0\.0\.300'.*Examples: 127\.0\.0\.1, /);
    expect(await hosts(['nosuch'], []).catch((e: Error) => e.message)).toBe("cannot resolve host name 'nosuch'");
  });

  it('takes an IPv6 network or range of any size; a target is still held to a /104', async () => {
    expect(await hosts(['127.0.0.1', '::1'], ['2001:db8::/32'])).toEqual(['127.0.0.1', '::1']);
    expect(await hosts(['127.0.0.1', '::1'], ['::/0'])).toEqual(['127.0.0.1']);
    expect(await hosts(['127.0.0.1', '::1'], ['::-ffff::'])).toEqual(['127.0.0.1']);
    await expect(hosts(['2001:db8::/32'], [])).rejects.toThrow(/is too large: at most \/104/);
  });

  it('the system resolver gives every address with `all`, one without (localhost, from /etc/hosts)', async () => {
    const all = await systemResolver('localhost', undefined, true);
    expect(Array.isArray(all)).toBe(true);
    expect(all).toContain('127.0.0.1');
    expect(typeof (await systemResolver('localhost'))).toBe('string');
  });
});
