import { packagePath } from '../paths.js';

/**
 * The Node flags the shardscan command runs with, and the environment it
 * drops. The bin's shebang (src/cli/main.cts) and `npm run scan` carry both;
 * the bench and the lab start the CLI with them, so they measure what a user
 * runs (test/node-flags.test.ts keeps the three in step).
 *
 * --max-semi-space-size=1: the main thread turns packed records into report
 * lines, garbage that dies young; V8 let its young generation grow to 8-16 MB
 * for it. At 1 MB peak RSS with every record written fell by ~5 MB (W1
 * `--states all -f ndjson`: 96.6-98.1 MiB → 91.7-92.4 MiB; a /12 walk:
 * 101-107 → 95.8-96.2 MiB) at the same rate.
 *
 * --max-inlined-bytecode-size-cumulative=250 (V8's default: 920): TurboFan
 * inlined the connect loop's whole call graph into fillLoop and onComplete,
 * and compiling those graphs took ~17 % of a lab scan's CPU (perf, RTT 200 ms,
 * 10,000 ports), on background threads that share the two cores with the
 * CPU-bound main thread. Smaller inlining budgets compile in about half the
 * time, and the code they give is no slower here (same-session medians,
 * alternating: lab rtt200 1.02-1.04 → 0.98 s, rtt20 0.77-0.78 → 0.70-0.76 s,
 * firewalled unchanged; 127.0.0.1 -p- 1.372 → 1.341 s; 4,096 hosts × 16
 * ports 1.407 → 1.381 s; a /14 walk 4.00 → 3.97 s; a 1-port scan and peak
 * RSS unchanged). 150 and 100 measured the same as 250; no inlining at all
 * was slower at RTT 20 ms.
 */
export const CLI_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-inlined-bytecode-size-cumulative=250'];

/**
 * Environment variables the bin drops before Node starts (its shebang runs
 * `env -u`, and `npm run scan` the same), because Node acts on them at start
 * and shardscan has no use for what they do.
 *
 * NODE_EXTRA_CA_CERTS: Node 20 reads and parses the file as it boots, before
 * any of our code runs; on this host (it points at Debian's bundle of ~140
 * roots) `node -e 0` took 97 ms with it and 56 ms without (hyperfine, 20
 * runs), and a 1-port scan (-q --no-out-dir) 216 against 173 ms. shardscan trusts no
 * certificate: TLS banners are read with rejectUnauthorized false and nothing
 * is sent but the probe (workers/banner/grab.ts), so the extra roots change
 * nothing it does.
 */
export const CLI_UNSET_ENV: readonly string[] = ['NODE_EXTRA_CA_CERTS'];

/** The bin's first line: env drops CLI_UNSET_ENV, then starts node with CLI_NODE_FLAGS. */
export const CLI_SHEBANG = `#!/usr/bin/env -S ${CLI_UNSET_ENV.map((v) => `-u ${v} `).join('')}node ${CLI_NODE_FLAGS.join(' ')}`;

/** `env` as the bin gives it to Node: without CLI_UNSET_ENV (for the bench and the lab, which start Node themselves). */
export function cliEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of CLI_UNSET_ENV) delete out[name];
  return out;
}

/** The shardscan command as the build writes it (package.json's bin; src/cli/main.cts), for the build, the bench and the lab. */
export const CLI_BIN = packagePath('dist', 'src', 'cli', 'main.cjs');
