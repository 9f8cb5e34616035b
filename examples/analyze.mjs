#!/usr/bin/env node
// Example analysis of shardscan shard directories: open ports per host and the
// most common services. Plain Node, no dependencies: read manifest.json for
// where the records are, then stream the NDJSON records line by line.
//
//   node examples/analyze.mjs results/scan-shard-1-of-4 results/scan-shard-2-of-4 ...
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node examples/analyze.mjs SHARD_DIR...');
  process.exit(2);
}

const openByHost = new Map(); // host -> sorted open ports
const services = new Map(); // service -> count of open ports
let records = 0;
for (const dir of dirs) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const lines = createInterface({ input: createReadStream(join(dir, manifest.records)), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.endsWith('}')) continue; // a half-written last line of a killed run
    const r = JSON.parse(line);
    records++;
    if (r.state !== 'open') continue;
    if (!openByHost.has(r.host)) openByHost.set(r.host, []);
    openByHost.get(r.host).push(r.port);
    services.set(r.service, (services.get(r.service) ?? 0) + 1);
  }
}

console.log(`${records} records from ${dirs.length} shard director${dirs.length === 1 ? 'y' : 'ies'}`);
console.log(`\nopen ports per host (${openByHost.size} hosts with any):`);
for (const [host, ports] of [...openByHost].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
  console.log(`  ${host}\t${ports.sort((a, b) => a - b).join(',')}`);
}
console.log('\nmost common services:');
for (const [name, n] of [...services].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10)) {
  console.log(`  ${String(n).padStart(6)}  ${name}`);
}
