import { describe, expect, it } from 'vitest';
import { buildPorts } from '../src/ports/parse.js';
import { rankedPortCount, serviceName, topPorts } from '../src/ports/services.js';

describe('port parsing', () => {
  it.each([
    ['22', [22]],
    ['22,80,443', [22, 80, 443]],
    ['80,22,80', [22, 80]],
    ['1000-1003', [1000, 1001, 1002, 1003]],
    ['-3', [1, 2, 3]],
    ['65534-', [65534, 65535]],
    ['T:22', [22]],
    [' 22 , 23 ', [22, 23]],
    ['ssh,80', [22, 80]],
    ['HTTP', [80, 8008]],
    ['ft?,T:telnet', [21, 23]],
  ])('-p %s', (spec, expected) => {
    expect([...buildPorts({ ports: spec }).ports]).toEqual(expected);
  });

  it('-p- is every port', () => {
    const set = buildPorts({ ports: '-' });
    expect(set.count).toBe(65535);
    expect(set.at(0)).toBe(1);
    expect(set.at(65534)).toBe(65535);
    expect(set.toString()).toBe('1-65535');
  });

  it('--exclude-ports removes ports', () => {
    expect([...buildPorts({ ports: '1-10', excludePorts: '2-9' }).ports]).toEqual([1, 10]);
    // Runs of marked ports that end at 65535, and runs split by exclusions, are read whole (buildPorts scans runs, not ports).
    expect([...buildPorts({ ports: '65530-', excludePorts: '65535' }).ports]).toEqual([65530, 65531, 65532, 65533, 65534]);
    expect([...buildPorts({ ports: '-', excludePorts: '2-65534' }).ports]).toEqual([1, 65535]);
    expect([...buildPorts({ ports: '1-6,65535', excludePorts: '1,3,5-6' }).ports]).toEqual([2, 4, 65535]);
    expect(buildPorts({ ports: '-', excludePorts: '1000-1999,3000' }).count).toBe(65535 - 1001);
    expect([...buildPorts({ ports: '20-25', excludePorts: 'ssh,smtp' }).ports]).toEqual([20, 21, 23, 24]);
  });

  it('--top-ports N with --exclude-ports scans N ports, the next common ones in place of the excluded, as nmap does', () => {
    const top6 = [...topPorts(6)];
    const set = buildPorts({ topPorts: 5, excludePorts: String(top6[0]) });
    expect(set.count).toBe(5);
    expect([...set.ports]).toEqual(top6.slice(1).sort((a, b) => a - b));
    expect(buildPorts({ topPorts: 100, excludePorts: topPorts(3).join(',') }).count).toBe(100);
    // Every ranked port excluded: only the excluded remain, so nothing is left.
    expect(() => buildPorts({ topPorts: 2, excludePorts: '1-65535' })).toThrowError(/every port is excluded/);
  });

  it('a wildcard name takes every listed port whose service matches, like nmap', () => {
    const web = [...buildPorts({ ports: 'http*' }).ports];
    expect(web).toEqual(expect.arrayContaining([80, 443, 8000, 8008, 8080, 8443]));
    expect(web.every((p) => serviceName(p).startsWith('http'))).toBe(true);
    expect(buildPorts({ ports: '*' }).count).toBe(topPorts(1000).filter((p) => serviceName(p) !== 'unknown').length);
  });

  // X11:1 is port 6001 in the list: -p X11:1 was refused as "no service of that name", the ':' never looked up.
  it('a name that holds a colon is looked up, as any other; T: before it is the protocol', () => {
    expect([...buildPorts({ ports: 'X11:1' }).ports]).toEqual([6001]);
    expect([...buildPorts({ ports: 'T:x11:1,x11:2' }).ports]).toEqual([6001, 6002]);
    expect(buildPorts({ ports: 'X11:*' }).count).toBeGreaterThan(2);
    expect(() => buildPorts({ ports: 'http:8080' })).toThrowError(/at 'http:8080': no service of that name/);
  });

  it.each([
    ['0', /ports are 1-65535/],
    ['70000', /ports are 1-65535/],
    ['1-70000', /ports are 1-65535/],
    ['abc', /at 'abc': no service of that name in the built-in list/],
    ['h(t)tp', /at 'h\(t\)tp': no service of that name/],
    ['1a', /at '1a': not a port or range/],
    ['22,,80', /at '': not a port or range/],
    ['10-1', /end is before its start/],
    ['', /empty/],
    ['T:80,U:53', /at 'U:53': shardscan scans TCP only \(U: is UDP/],
    ['S:9', /TCP only/],
  ])('rejects -p %j', (spec, message) => {
    expect(() => buildPorts({ ports: spec })).toThrowError(message);
    expect(() => buildPorts({ ports: spec })).toThrowError(/Example: -p 22,80,1000-2000/);
  });

  it('takes one trailing comma, as nmap does (-p 1, was refused); two, or a leading one, are refused as in nmap', () => {
    expect([...buildPorts({ ports: '22,80,' }).ports]).toEqual([22, 80]);
    expect([...buildPorts({ ports: '22 , ' }).ports]).toEqual([22]);
    expect([...buildPorts({ ports: '1-3', excludePorts: '2,' }).ports]).toEqual([1, 3]);
    for (const spec of ['22,,', ',22', ',']) expect(() => buildPorts({ ports: spec }), spec).toThrowError(/not a port or range/);
  });

  it('rejects nothing-left and both -p and --top-ports', () => {
    expect(() => buildPorts({ ports: '22', excludePorts: '22' })).toThrowError(/every port is excluded/);
    expect(() => buildPorts({ ports: '22', topPorts: 10 })).toThrowError(/either -p or --top-ports/);
  });

  it.each([0, 1001, 1.5])('rejects --top-ports %s', (n) => {
    expect(() => buildPorts({ topPorts: n })).toThrowError(/--top-ports/);
  });
});

describe('built-in port list', () => {
  it('holds at least 1000 ranked, distinct ports', () => {
    expect(rankedPortCount()).toBeGreaterThanOrEqual(1000);
    const top = topPorts(1000);
    expect(new Set(top).size).toBe(1000);
    expect([...topPorts(5)]).toEqual([80, 23, 443, 21, 22]);
  });

  it('defaults to the top 1000, like nmap', () => {
    expect(buildPorts({}).count).toBe(1000);
    expect(buildPorts({ topPorts: 16 }).count).toBe(16);
  });

  it('names services', () => {
    expect(serviceName(22)).toBe('ssh');
    expect(serviceName(443)).toBe('https');
    expect(serviceName(2)).toBe('unknown');
  });
});
