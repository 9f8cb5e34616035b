/** HOST:PORT in messages: an IPv6 host in brackets, as a URL writes it (`::1:40101` read as one address; helper 14). */
import { describe, expect, it } from 'vitest';
import { twiceText } from '../src/store/consistency.js';
import { endpoint } from '../src/targets/ip.js';
import type { ProbeRecord } from '../src/model/record.js';

describe('endpoint', () => {
  it('brackets an IPv6 host and leaves IPv4 and names as they are', () => {
    expect(endpoint('::1', 40101)).toBe('[::1]:40101');
    expect(endpoint('127.0.0.1', 22)).toBe('127.0.0.1:22');
    expect(endpoint('localhost', 80)).toBe('localhost:80');
  });

  it('names a record given twice so', () => {
    expect(twiceText('s/shard-1-of-1.ndjson', 3, { host: '::1', port: 40101 } as ProbeRecord)).toBe('s/shard-1-of-1.ndjson:3: record [::1]:40101 is there twice; the directory was damaged or edited');
  });
});
