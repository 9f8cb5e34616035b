/**
 * Outbox (workers/outbox.ts): what a chunk found goes to the coordinator over
 * the chunk's port, as 'batch' messages of BATCH_RECORDS records and a final
 * 'done' that names the engine; every message's record count is reported to
 * the back-pressure counter. A real MessageChannel carries the messages.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChunkTask, WorkerMessage } from '../src/wire/messages.js';
import { type WireRecordView, readRecords } from '../src/wire/records.js';
import { ChunkLedger } from '../workers/ledger.js';
import { BATCH_RECORDS, Outbox } from '../workers/outbox.js';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const ch of channels.splice(0)) {
    ch.port1.close();
    ch.port2.close();
  }
  vi.useRealTimers();
});

function setup(count = 4096): { chunk: ChunkLedger; coordinator: MessagePort; posted: number[]; outbox: Outbox } {
  const ch = new MessageChannel();
  channels.push(ch);
  const chunk = new ChunkLedger({ chunkId: 3, attempt: 0, start: 0, stride: 1, count, fromK: 0, skip: [], port: ch.port1 } as unknown as ChunkTask, () => {}, null);
  const posted: number[] = [];
  const outbox = new Outbox(() => 'socket', (n) => posted.push(n));
  return { chunk, coordinator: ch.port2, posted, outbox };
}

/** Every message waiting on the port, synchronously. */
function drain(port: MessagePort): WorkerMessage[] {
  const out: WorkerMessage[] = [];
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) out.push(m.message as WorkerMessage);
  return out;
}

function addRecords(chunk: ChunkLedger, from: number, n: number): void {
  for (let k = from; k < from + n; k++) {
    chunk.decide(k, 'open');
    chunk.records.add(k, 0, 1000 + k, 'open', 'syn-ack', 0.5, 1_700_000_000_000);
  }
}

describe('Outbox', () => {
  it('posts a batch when a chunk holds BATCH_RECORDS records, not before', () => {
    expect(BATCH_RECORDS).toBe(512);
    const { chunk, coordinator, posted, outbox } = setup();
    addRecords(chunk, 0, BATCH_RECORDS - 1);
    outbox.maybePost(chunk);
    expect(drain(coordinator)).toEqual([]);
    addRecords(chunk, BATCH_RECORDS - 1, 1);
    outbox.maybePost(chunk);
    const msgs = drain(coordinator);
    expect(msgs.map((m) => [m.t, m.records.n, m.progress.watermark])).toEqual([['batch', 512, 512]]);
    const ports: number[] = [];
    readRecords(msgs[0]!.records, (r: Readonly<WireRecordView>) => ports.push(r.port));
    expect(ports).toEqual(Array.from({ length: 512 }, (_, k) => 1000 + k));
    expect(posted).toEqual([512]);
    expect(chunk.records.length).toBe(0);
  });

  it("ends a chunk with 'done', carrying the rest of the records and the engine's name", () => {
    const { chunk, coordinator, posted, outbox } = setup(20);
    addRecords(chunk, 0, 20);
    chunk.event('EMFILE');
    outbox.post(chunk, true);
    const [msg, ...rest] = drain(coordinator);
    expect(rest).toEqual([]);
    expect(msg).toMatchObject({ t: 'done', engine: 'socket', records: { n: 20 }, progress: { watermark: 20, events: { EMFILE: 1 } } });
    expect(posted).toEqual([20]);
  });

  it('flushes the running chunks that have news on a timer until stopped; a quiet chunk posts nothing', () => {
    vi.useFakeTimers();
    const { chunk, coordinator, posted, outbox } = setup();
    addRecords(chunk, 0, 3);
    chunk.changed = true; // decisions came with the records
    outbox.start(() => [chunk]);
    outbox.start(() => [chunk, chunk]); // a second start does not add a timer
    vi.advanceTimersByTime(250);
    expect(posted).toEqual([3]);
    chunk.event('EMFILE'); // news without records: a message with 0
    vi.advanceTimersByTime(100);
    expect(posted).toEqual([3, 0]);
    outbox.stop();
    chunk.event('EMFILE');
    vi.advanceTimersByTime(1000);
    expect(posted).toEqual([3, 0]);
    expect(drain(coordinator).map((m) => [m.t, m.records.n])).toEqual([['batch', 3], ['batch', 0]]);
  });
});
