/**
 * What `bench --target --save` may store. Loopback answers at once and never
 * loses a packet, so it rewards windows narrower than the default, which make
 * real networks slower (bench/README.md): from a loopback target none is
 * stored (it stored a quarter window, silently, and the CLI then used it).
 * Parsing only: nothing is scanned.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applySave, checkTarget, loopbackRefusal } from '../bench/target.js';
import type { TargetSetting } from '../bench/net-types.js';
import { scratchDir } from './helpers/cli.js';

describe('bench --target --save rules', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.0/30', true],
    ['::1', true],
    ['198.18.1.1', false],
  ])('%s is loopback: %s', async (target, loopback) => {
    expect((await checkTarget(target, '1-10', false)).loopback).toBe(loopback);
  });

  // This machine's own address goes through lo too: --target at it stored half the default window. And a /8 of
  // 127.x, over 2^20 addresses, was taken for a network.
  it('this machine\'s own address, or a huge loopback network, is loopback too', async () => {
    const own = new Set(['198.18.7.1']);
    expect((await checkTarget('198.18.7.1', '1-10', false, own)).loopback).toBe(true);
    expect((await checkTarget('198.18.7.0/30', '1-10', false, own)).loopback).toBe(true);
    expect((await checkTarget('198.18.7.2', '1-10', false, own)).loopback).toBe(false);
    expect((await checkTarget('127.0.0.0/8', '1', true, own)).loopback).toBe(true);
  });

  it('stores nothing narrower than the default from loopback, nor another worker count; elsewhere, what was measured', () => {
    const defaults = { workers: 2, concurrency: 15_936 };
    expect(loopbackRefusal('127.0.0.1', true, { workers: 2, concurrency: 3_984 }, defaults)).toMatch(/^--save: nothing stored: 127\.0\.0\.1 is loopback or this machine's own address, which favours a window narrower than the default \(3984 < 15936\)/);
    // "one worker" at the default window was stored from 127.0.0.1 -p-.
    expect(loopbackRefusal('127.0.0.1', true, { workers: 1, concurrency: 15_936 }, defaults)).toMatch(/^--save: nothing stored: .*a worker count other than the default \(1, not 2\)/);
    expect(loopbackRefusal('127.0.0.1', true, { workers: 2, concurrency: 15_936 }, defaults)).toBeNull();
    expect(loopbackRefusal('198.18.1.1', false, { workers: 1, concurrency: 3_984 }, defaults)).toBeNull();
  });

  // A loopback run where the defaults won deleted a tuning.json measured against a network (an audit's find).
  it('the defaults winning removes an older tuning, but not from loopback', () => {
    const setting = (label: string, workers: number, concurrency: number): TargetSetting => ({ label, flags: [], workers, concurrency, runs: [], medianWallMs: 1, medianElapsedMs: 1, missingOpens: 0, missingClosed: 0, otherDiffs: 0, safe: true });
    const defaults = setting('defaults', 2, 15_936);
    const file = join(scratchDir(), 'tuning.json');
    const older = JSON.stringify({ workers: 2, concurrency: 4096, measuredAt: '2026-12-01T00:00:00Z' });
    writeFileSync(file, older);
    const kept = applySave(file, '127.0.0.1', true, defaults, defaults, '2026-12-07T00:00:00Z');
    expect(kept).toEqual({ savedTo: null, removed: null, said: expect.stringMatching(/^--save: .*tuning\.json kept: the defaults won against 127\.0\.0\.1, which is loopback/) });
    expect(readFileSync(file, 'utf8')).toBe(older);
    expect(applySave(file, '198.18.1.1', false, defaults, defaults, '2026-12-07T00:00:00Z')).toEqual({ savedTo: null, removed: file, said: null });
    expect(existsSync(file)).toBe(false);
    // Nothing to remove: said so (helper 17: --save printed nothing).
    expect(applySave(file, '127.0.0.1', true, defaults, defaults, '2026-12-07T00:00:00Z')).toEqual({ savedTo: null, removed: null, said: '--save: nothing stored: the defaults won, and they need no tuning file' });
    const saved = applySave(file, '198.18.1.1', false, setting('half window', 2, 7_968), defaults, '2026-12-07T00:00:00Z');
    expect(saved.savedTo).toBe(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ workers: 2, concurrency: 7_968 });
  });
});
