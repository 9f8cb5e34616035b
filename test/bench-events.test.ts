/**
 * A bench cell says which local events its figures include (a worker that
 * crashed and ran its chunk again), summed over its runs; they were kept in
 * the JSON and never said. Self-connects, which a scan of this host's own
 * ports meets as a matter of course, are not worth a note (17 lines of them
 * in the first full bench that said events).
 */
import { describe, expect, it } from 'vitest';
import { eventNote } from '../bench/matrix.js';

describe('the local events of a bench cell', () => {
  it('are summed over the runs that had any', () => {
    expect(eventNote([{ events: { 'worker-crash': 2, 'chunk-rerun': 2, 'self-connect': 1 } }, { events: { 'worker-crash': 1, 'chunk-rerun': 1 } }, { events: {} }])).toEqual([
      'local events in 2 of 3 run(s), in their figures: worker-crash × 3, chunk-rerun × 3',
    ]);
  });

  it('say nothing for self-connects alone, or for none', () => {
    expect(eventNote([{ events: { 'self-connect': 3 } }, { events: {} }])).toEqual([]);
    expect(eventNote([{ events: {} }])).toEqual([]);
  });
});
