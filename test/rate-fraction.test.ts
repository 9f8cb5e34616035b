/**
 * --rate and --host-rate take a fraction as the time options do: `.5` was
 * refused ("give a plain decimal number ... fractions allowed") while
 * `--timeout .5s` was taken (the audit of timing options).
 */
import { describe, expect, it } from 'vitest';
import { closedPorts } from './fixtures/net.js';
import { runCli } from './helpers/cli.js';

describe('a rate written .5', () => {
  it.each(['--rate', '--host-rate'])('%s .5 is half a probe a second', async (flag) => {
    const [port] = await closedPorts(1);
    const r = await runCli(['127.0.0.1', '-p', String(port), flag, '.5', '--no-out-dir', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a lone dot or a trailing one is still refused', async () => {
    for (const value of ['.', '5.']) {
      const r = await runCli(['127.0.0.1', '-p', '1', '--rate', value, '--no-out-dir']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad --rate/);
    }
  });
});
