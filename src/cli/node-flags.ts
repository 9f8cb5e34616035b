/**
 * The Node flags the shardscan command runs with. The bin's shebang
 * (src/cli/main.ts) and `npm run scan` carry them; the bench and the lab start
 * the CLI with them, so they measure what a user runs (test/node-flags.test.ts
 * keeps the three in step).
 *
 * --max-semi-space-size=1: the main thread turns packed records into report
 * lines, garbage that dies young; V8 let its young generation grow to 8-16 MB
 * for it. At 1 MB peak RSS with every record written fell by ~5 MB (W1
 * `--states all -f ndjson`: 96.6-98.1 MiB → 91.7-92.4 MiB; a /12 walk:
 * 101-107 → 95.8-96.2 MiB) at the same rate.
 */
export const CLI_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
