/** Runs one chunk through the connect loop (workers/loop.ts) with a fake backend, as the coordinator would take its records. */
import { MessageChannel } from 'node:worker_threads';
import type { ChunkTask, WorkerMessage, WorkerScanSpec } from '../../src/wire/messages.js';
import { type WireRecordView, readRecords } from '../../src/wire/records.js';
import { SharedSlots } from '../../src/wire/slots.js';
import type { BackendFactory } from '../../workers/backends/index.js';
import { Engine } from '../../workers/loop.js';

/** The records of positions 0 to count − 1 of the spec's walk. */
export async function runChunk(s: WorkerScanSpec, backend: BackendFactory, count: number): Promise<WireRecordView[]> {
  const { port1, port2 } = new MessageChannel();
  const records: WireRecordView[] = [];
  const slots = new SharedSlots(s.slots);
  port1.on('message', (m: WorkerMessage) => {
    if (m.t === 'hungry') return;
    // As the coordinator: records taken (the workers stop at MAX_BACKLOG untaken).
    readRecords(m.records, (r) => records.push({ ...r }));
    slots.taken(m.records.n);
  });
  const task: ChunkTask = { spec: s, chunkId: 0, attempt: 0, start: 0, stride: 1, count, fromK: 0, skip: [], port: port2 };
  await new Engine(s, { backend }).run(task);
  await new Promise((r) => setTimeout(r, 20));
  port1.close();
  return records;
}
