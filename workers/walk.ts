/**
 * Where a chunk's positions point: position → index in the host×port space
 * (through the seeded permutation, or in order) → host and port. The last host
 * is kept: consecutive probes often share one, and its address text and
 * timing cell and clock are then not looked up again.
 */
import { Permutation } from '../src/permute/index.js';
import { TargetSet } from '../src/targets/set.js';
import type { WorkerScanSpec } from '../src/wire/messages.js';
import type { Target } from './attempt.js';
import type { ChunkLedger } from './ledger.js';

export class Walk {
  private readonly targets: TargetSet;
  private readonly perm: Permutation | null;
  private readonly ports: Uint16Array;
  private target: Target = { index: -1, host: '', v6: false, cell: 0, clock: -1, timeoutMs: 0, timedAt: -Infinity };

  constructor(
    spec: WorkerScanSpec,
    /** The host's cell and --host-timeout clock in the shared timing table. */
    private readonly table: { cellOf(hostIndex: number): number; clock: { clockOf(hostIndex: number): number } },
  ) {
    this.targets = TargetSet.fromData(spec.targets);
    this.perm = spec.permutation ? new Permutation(spec.permutation.range, spec.permutation.seed) : null;
    this.ports = spec.ports;
  }

  /** Index in the host×port space of a chunk's offset k. */
  indexOf(chunk: ChunkLedger, k: number): number {
    const position = chunk.task.start + k * chunk.task.stride;
    return this.perm === null ? position : this.perm.shuffle(position);
  }

  hostIndexOf(index: number): number {
    return Math.floor(index / this.ports.length);
  }

  /** The host an index points at. */
  aim(index: number): Target {
    const hostIndex = this.hostIndexOf(index);
    if (hostIndex !== this.target.index) {
      this.target = { index: hostIndex, host: this.targets.at(hostIndex), v6: hostIndex >= this.targets.v4Count, cell: this.table.cellOf(hostIndex), clock: this.table.clock.clockOf(hostIndex), timeoutMs: 0, timedAt: -Infinity };
    }
    return this.target;
  }

  portOf(index: number, target: Target): number {
    return this.ports[index - target.index * this.ports.length]!;
  }
}
