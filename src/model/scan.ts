/** Small scan-wide vocabulary shared by the config, the pool and the workers. */

/** The probe implementation a worker uses (workers/backends/). */
export type ProbeEngine = 'handle' | 'socket';
export const PROBE_ENGINES: readonly ProbeEngine[] = Object.freeze(['handle', 'socket'] as const);

/** The walk's order: a seeded permutation, or hosts then ports in order. */
export type ScanOrder = 'random' | 'serial';
