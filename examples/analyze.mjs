#!/usr/bin/env node
// Example analysis of shardscan shard directories: open ports per host and the
// most common services. Plain Node, no dependencies: read manifest.json for
// where the records are, then stream the NDJSON records line by line.
//
//   node examples/analyze.mjs results/scan-shard-1-of-4 results/scan-shard-2-of-4 ...
//   node examples/analyze.mjs results/          (a directory of shard directories)
import { createReadStream, existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const given = process.argv.slice(2);
if (given.length === 0) {
  console.error('usage: node examples/analyze.mjs SHARD_DIR... (or a directory of them)');
  process.exit(2);
}
// A shard directory holds manifest.json; a directory of them is read as its shards, as shardscan merge reads it.
const found = given.flatMap((d) => {
  if (existsSync(join(d, 'manifest.json'))) return [d];
  const inner = existsSync(d) ? readdirSync(d).map((n) => join(d, n)).filter((s) => existsSync(join(s, 'manifest.json'))) : [];
  if (inner.length === 0) {
    console.error(`analyze: '${d}' is not a shard directory and holds none (no manifest.json)`);
    process.exit(2);
  }
  return inner;
});
// A directory named twice (itself and inside its parent, or by two paths) is one directory.
const dirs = [...new Map(found.map((d) => [realpathSync(d), d])).values()];

// Shards of one scan share its scanKey; a directory of results may hold several scans, or a shard not finished yet.
const manifests = dirs.map((d) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')));
const scans = new Set(manifests.map((m) => m.scanKey));
if (scans.size > 1) console.error(`analyze: note: these are shards of ${scans.size} different scans (scan keys ${[...scans].join(', ')}), counted together; name one scan's directories to see it alone`);
const unfinished = dirs.filter((_, i) => manifests[i].status !== 'complete');
if (unfinished.length > 0) console.error(`analyze: note: not finished, so counted as far as they got: ${unfinished.join(', ')} (shardscan resume DIR finishes one)`);

const openByHost = new Map(); // host -> sorted open ports
const services = new Map(); // service -> count of open ports
const seen = new Set(); // host:port, so a shard copied twice is counted once
let records = 0;
for (const [i, dir] of dirs.entries()) {
  const manifest = manifests[i];
  const lines = createInterface({ input: createReadStream(join(dir, manifest.records)), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.endsWith('}')) continue; // a half-written last line of a killed run
    const r = JSON.parse(line);
    const key = `${r.host} ${r.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
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
