/**
 * tee (src/model/sink.ts): one sink that feeds several in the given order. A
 * sink that throws keeps the later ones from seeing that batch; the tee is
 * paused while any sink is; checkpoints go only to sinks that take them.
 */
import { describe, expect, it } from 'vitest';
import type { CheckpointState } from '../src/model/checkpoint.js';
import { emptyCheckpoint } from '../src/model/checkpoint.js';
import { type RecordBatch, arrayBatch } from '../src/model/record.js';
import { type ScanSink, tee } from '../src/model/sink.js';

const batch = arrayBatch([]);

function recorder(name: string, log: string[], over: Partial<ScanSink> = {}): ScanSink {
  return { records: (b: RecordBatch) => void log.push(`${name}:records:${b.length}`), ...over };
}

describe('tee', () => {
  it('feeds records to every sink in the order given, skipping null ones', () => {
    const log: string[] = [];
    const t = tee(recorder('a', log), null, recorder('b', log), undefined, recorder('c', log));
    t.records(batch);
    t.records(arrayBatch([]));
    expect(log).toEqual(['a:records:0', 'b:records:0', 'c:records:0', 'a:records:0', 'b:records:0', 'c:records:0']);
  });

  it('stops at a sink that throws: the ones before got the batch, the ones after did not', () => {
    const log: string[] = [];
    const boom = new Error('ENOSPC');
    const t = tee(recorder('a', log), { records: () => { throw boom; } }, recorder('c', log));
    expect(() => t.records(batch)).toThrow(boom);
    expect(log).toEqual(['a:records:0']);
  });

  it('sends checkpoints only to sinks that take them, in order; none when no sink does', () => {
    const log: string[] = [];
    const cp: CheckpointState = emptyCheckpoint(256, 3);
    const t = tee(
      recorder('a', log, { checkpoint: (s) => void log.push(`a:cp:${s.chunks}`) }),
      recorder('b', log),
      recorder('c', log, { checkpoint: (s) => void log.push(`c:cp:${s.chunks}`) }),
    );
    t.checkpoint!(cp);
    expect(log).toEqual(['a:cp:3', 'c:cp:3']);
    expect(tee(recorder('x', log)).checkpoint).toBeUndefined();
  });

  it('is paused while any sink is, and has no paused() when no sink can pause', () => {
    let aPaused = false;
    let cPaused = false;
    const log: string[] = [];
    const t = tee(recorder('a', log, { paused: () => aPaused }), recorder('b', log), recorder('c', log, { paused: () => cPaused }));
    expect(t.paused!()).toBe(false);
    cPaused = true;
    expect(t.paused!()).toBe(true);
    aPaused = true;
    cPaused = false;
    expect(t.paused!()).toBe(true);
    aPaused = false;
    expect(t.paused!()).toBe(false);
    expect(tee(recorder('x', log)).paused).toBeUndefined();
  });
});
