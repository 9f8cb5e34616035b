/**
 * What `bench --target --save` may store. Loopback answers at once and never
 * loses a packet, so it rewards windows narrower than the default, which make
 * real networks slower (bench/README.md): from a loopback target none is
 * stored (it stored a quarter window, silently, and the CLI then used it).
 * Parsing only: nothing is scanned.
 */
import { describe, expect, it } from 'vitest';
import { checkTarget, loopbackRefusal } from '../bench/target.js';

describe('bench --target --save rules', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.0/30', true],
    ['::1', true],
    ['198.18.1.1', false],
  ])('%s is loopback: %s', async (target, loopback) => {
    expect((await checkTarget(target, '1-10', false)).loopback).toBe(loopback);
  });

  it('stores nothing narrower than the default from loopback; elsewhere, what was measured', () => {
    const defaults = { concurrency: 15_936 };
    expect(loopbackRefusal('127.0.0.1', true, { concurrency: 3_984 }, defaults)).toMatch(/^--save: nothing stored: 127\.0\.0\.1 is loopback, which favours a window narrower than the default \(3984 < 15936\)/);
    expect(loopbackRefusal('127.0.0.1', true, { concurrency: 15_936 }, defaults)).toBeNull();
    expect(loopbackRefusal('198.18.1.1', false, { concurrency: 3_984 }, defaults)).toBeNull();
  });
});
