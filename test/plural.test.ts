/** Counts in messages: "1 record kept", "1 open port" (they said "1 records kept", "1 open ports"). */
import { describe, expect, it } from 'vitest';
import { plural } from '../src/errors.js';

describe('plural', () => {
  it('says one in the singular, every other count in the plural', () => {
    expect(plural(1, 'record')).toBe('1 record');
    expect(plural(0, 'record')).toBe('0 records');
    expect(plural(2, 'open port')).toBe('2 open ports');
  });
});
