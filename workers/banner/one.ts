/**
 * The grabber on its own, without the scan engine: connect with net, then
 * grabService. For tests, the bench, and trying the table against a service.
 */
import { type ServiceInfo } from '../../src/banner/index.js';
import { BANNER_DEFAULTS, type GrabOptions, grabService } from './grab.js';
import { connectTcp } from './read.js';

export type GrabOneOptions = Partial<Pick<GrabOptions, 'timeoutMs' | 'maxBytes' | 'maxConnections' | 'signal' | 'table'>> & {
  /** Time a connect may take (default: the grab's whole budget). */
  connectTimeoutMs?: number;
};

/** What grabOne found, and how long it took (connect included). */
export interface GrabOneResult {
  host: string;
  port: number;
  /** null when the first connect failed (not open) or the grab was aborted. */
  info: ServiceInfo | null;
  /** The first connect's error, when there was one. */
  error?: string;
  ms: number;
  /** Connections opened, the first included. */
  connections: number;
}

/** Connect to host:port and detect the service there. */
export async function grabOne(host: string, port: number, opts: GrabOneOptions = {}): Promise<GrabOneResult> {
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? BANNER_DEFAULTS.timeoutMs;
  const connectMs = opts.connectTimeoutMs ?? timeoutMs;
  let connections = 1;
  let socket;
  try {
    socket = await connectTcp(host, port, connectMs);
  } catch (err) {
    return { host, port, info: null, error: err instanceof Error ? err.message : String(err), ms: performance.now() - t0, connections };
  }
  const info = await grabService(socket, {
    host,
    port,
    timeoutMs,
    maxBytes: opts.maxBytes ?? BANNER_DEFAULTS.maxBytes,
    maxConnections: opts.maxConnections ?? BANNER_DEFAULTS.maxConnections,
    reconnect: () => {
      connections++;
      return connectTcp(host, port, connectMs);
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.table ? { table: opts.table } : {}),
  });
  return { host, port, info, ms: performance.now() - t0, connections };
}
