/**
 * merge of shards of scans with different ports says how they differ
 * ("different ports" alone did not); shards with different timing settings
 * merge with a note (--host-timeout decides which ports are left as errors).
 */
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

describe('merge of shards whose ports differ', () => {
  it('names each one\'s ports as given, and how many', async () => {
    const cwd = scratchDir();
    const common = ['127.0.0.1', '--seed', '3', '-q', '-o', '/dev/null'];
    expect((await runCli([...common, '-p', 'ssh,http', '--shard', '1/2', '--out-dir', 'a'], { cwd })).code).toBe(0);
    expect((await runCli([...common, '--top-ports', '5', '--exclude-ports', '80', '--shard', '2/2', '--out-dir', 'b'], { cwd })).code).toBe(0);
    const r = await runCli(['merge', 'a', 'b'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shardscan: error: b is from a different scan than a (different ports: -p ssh,http (3 ports) vs --top-ports 5 --exclude-ports 80 (5 ports)); merge only shards of one scan\n');
  });

  it('notes shards that ran with different --host-timeout or RTT bounds (they merged without a word)', async () => {
    const cwd = scratchDir();
    const common = ['127.0.0.1', '-p', '1-50', '--seed', '3', '-q', '-o', '/dev/null'];
    // --max-rtt-timeout above the default ceiling too: an audit of a change that raised the ceiling for it found such shards refused as another scan.
    expect((await runCli([...common, '--shard', '1/2', '--host-timeout', '30m', '--max-rtt-timeout', '5s', '--out-dir', 'a'], { cwd })).code).toBe(0);
    expect((await runCli([...common, '--shard', '2/2', '--out-dir', 'b'], { cwd })).code).toBe(0);
    const r = await runCli(['merge', 'a', 'b', '-f', 'ndjson', '-oA', 'm'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('shardscan: the shards ran with different timing settings, and are merged as they were recorded: --host-timeout 1800000 ms (shard 1), none (shard 2); --max-rtt-timeout 5000 ms (shard 1), none (shard 2)\n');
    // -q: merge prints only errors.
    const quiet = await runCli(['merge', 'a', 'b', '-f', 'ndjson', '-q', '-o', 'q.ndjson'], { cwd });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const same = await runCli(['merge', 'b', '-f', 'ndjson', '--allow-partial'], { cwd });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).not.toMatch(/timing settings/);
  });

  // Helper 20: a shard read with --banner-timeout 100ms merged without a word (nine ports "unknown"), and shards with
  // and without --banners were refused as "different --states or options".
  it('notes shards read with different --banner-timeout, and names --banners or --states where they differ', async () => {
    const cwd = scratchDir();
    const common = ['127.0.0.1', '-p', '1-20', '--seed', '3', '-q', '-o', '/dev/null'];
    expect((await runCli([...common, '-sV', '--shard', '1/2', '--out-dir', 'a'], { cwd })).code).toBe(0);
    expect((await runCli([...common, '-sV', '--banner-timeout', '100ms', '--shard', '2/2', '--out-dir', 'b'], { cwd })).code).toBe(0);
    expect((await runCli([...common, '--shard', '2/2', '--out-dir', 'c'], { cwd })).code).toBe(0);
    expect((await runCli([...common, '-sV', '--states', 'open,closed', '--shard', '2/2', '--out-dir', 'd'], { cwd })).code).toBe(0);
    const r = await runCli(['merge', 'a', 'b', '-o', '/dev/null'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('shardscan: the shards ran with different timing settings, and are merged as they were recorded: --banner-timeout 3000 ms (shard 1), 100 ms (shard 2)\n');
    expect((await runCli(['merge', 'a', 'c'], { cwd })).stderr).toBe('shardscan: error: c is from a different scan than a (--banners vs no --banners); merge only shards of one scan\n');
    expect((await runCli(['merge', 'c', 'a'], { cwd })).stderr).toBe('shardscan: error: a is from a different scan than c (no --banners vs --banners); merge only shards of one scan\n');
    expect((await runCli(['merge', 'a', 'd'], { cwd })).stderr).toBe('shardscan: error: d is from a different scan than a (--states open vs open,closed); merge only shards of one scan\n');
    // Helper 23: both named when both differ, --states as typed ("all" for every state).
    expect((await runCli([...common, '--states', 'all', '--shard', '2/2', '--out-dir', 'e'], { cwd })).code).toBe(0);
    expect((await runCli(['merge', 'a', 'e'], { cwd })).stderr).toBe('shardscan: error: e is from a different scan than a (--banners vs no --banners; --states open vs all); merge only shards of one scan\n');
  });
});
