/**
 * The exported helpers refuse input outside their range with a RangeError
 * that names the function. They returned nonsense: formatIPv4(-1) was
 * "-1.-1.-1.-1", topPorts(-1) the top 999, planShard of shard 3/2 a plan,
 * TargetSet.at(-1) and PortSet.at(99) undefined typed as an address or port.
 */
import { describe, expect, it } from 'vitest';
import { buildPorts, buildTargets, formatIPv4, formatIPv6, planShard, topPorts } from '../src/index.js';

describe('exported helpers outside their range', () => {
  it.each([
    ['formatIPv4', () => formatIPv4(-1)],
    ['formatIPv4', () => formatIPv4(2 ** 32)],
    ['formatIPv4', () => formatIPv4(1.5)],
    ['formatIPv4', () => formatIPv4(Number.NaN)],
    ['formatIPv6', () => formatIPv6(-1n)],
    ['formatIPv6', () => formatIPv6(2n ** 128n)],
    ['topPorts', () => topPorts(-1)],
    ['topPorts', () => topPorts(2.5)],
    ['planShard', () => planShard(100, { index: 3, total: 2 }, 10)],
    ['planShard', () => planShard(100, { index: 0, total: 2 }, 10)],
    ['planShard', () => planShard(100, { index: 1, total: 1 }, 0)],
    ['planShard', () => planShard(-5, { index: 1, total: 1 }, 10)],
  ])('%s: a RangeError', (name, call) => {
    expect(call).toThrow(RangeError);
    expect(call).toThrow(new RegExp(`^${name}: `));
  });

  it('TargetSet.at and PortSet.at refuse an index outside the set', async () => {
    const { set: targets } = await buildTargets({ targets: ['127.0.0.0/30', '::1'] });
    expect(targets.at(0)).toBe('127.0.0.0');
    expect(targets.at(4)).toBe('::1');
    for (const i of [-1, 5, 1.5]) expect(() => targets.at(i), String(i)).toThrow(/^TargetSet\.at: /);
    const ports = buildPorts({ ports: '1-10' });
    expect(ports.at(9)).toBe(10);
    for (const i of [-1, 10, 0.5]) expect(() => ports.at(i), String(i)).toThrow(/^PortSet\.at: /);
  });

  it('keeps what is in range', () => {
    expect(formatIPv4(0)).toBe('0.0.0.0');
    expect(formatIPv4(2 ** 32 - 1)).toBe('255.255.255.255');
    expect(formatIPv6(2n ** 128n - 1n)).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(topPorts(0)).toHaveLength(0);
    expect(topPorts(3)).toEqual(new Uint16Array([80, 23, 443]));
    expect(planShard(100, { index: 2, total: 2 }, 10).positions).toBe(50);
  });
});
