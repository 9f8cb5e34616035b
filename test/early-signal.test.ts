/**
 * A SIGTERM or Ctrl+C that comes while the CLI is still loading (before its
 * handlers exist) is kept by main.ts and acted on once they do: exit 130 with
 * the usual line, as README's exit-status table says, where Node's default
 * ended the process with 143 and no word.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/app.js';

describe('a signal before the CLI was ready', () => {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM'), SIGHUP: process.listeners('SIGHUP') };
  afterEach(() => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) for (const l of process.listeners(sig)) if (!before[sig].includes(l)) process.off(sig, l);
    vi.restoreAllMocks();
  });

  it('stops the scan at once: exit 130, one line, nothing scanned', async () => {
    const err: string[] = [];
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const keep = (): void => undefined;
    process.on('SIGTERM', keep);
    const code = await main(['127.0.0.1', '-p', '1-5', '--no-out-dir', '-q'], null, null, { signals: ['SIGTERM'], listener: keep });
    expect(code).toBe(130);
    // It said only "stopping…", and wrote nothing, with no word why.
    // (A line of its own first only where stderr is a terminal: this thread's may be one.)
    expect(err.join('').replace(/^\n/, '')).toBe('shardscan: stopping on SIGTERM (send it again to quit at once)…\nshardscan: interrupted before the first probe: nothing was scanned, nothing written\n');
    expect(out.join('')).toBe('');
    // The early listener is handed over: main's own handlers replace it.
    expect(process.listeners('SIGTERM')).not.toContain(keep);
  });
});
