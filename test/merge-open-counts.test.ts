/**
 * A merge of an open-only scan (the default --states open) whose merged
 * counts leave every other position in one state: its text and grep reports
 * give per-host counts as the scan's own do ("Not shown: 99 closed",
 * "Ignored State: closed (99)"), where they said "Not shown: 99
 * closed/filtered/error ports" and had no Ignored State.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeView } from '../src/store/merge-states.js';
import type { ProbeRecord } from '../src/model/record.js';
import { type Fixture, openPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';

const rec = (host: string, port: number, state: ProbeRecord['state']): ProbeRecord => ({ host, port, state, reason: 'syn-ack', rttMs: 1, ts: '2026-12-03T00:00:00.000Z' }) as ProbeRecord;

describe('per-host counts of a merged open-only scan', () => {
  it('follow from the records when the rest of the scan is in one state, and are unknown otherwise', () => {
    const view = mergeView(['open'], undefined);
    view.keep(rec('127.0.0.1', 80, 'open'));
    expect(view.hostCounts('127.0.0.1')).toBeNull();
    view.knowTotals({ open: 1, closed: 199, filtered: 0, error: 0 }, true, 100);
    expect(view.hostCounts('127.0.0.1')).toEqual({ open: 1, closed: 99, filtered: 0, error: 0 });
    expect(view.hostCounts('127.0.0.2')).toEqual({ open: 0, closed: 100, filtered: 0, error: 0 });
    // Closed and filtered both present: which ports of a host are which cannot be told.
    view.knowTotals({ open: 1, closed: 150, filtered: 49, error: 0 }, true, 100);
    expect(view.hostCounts('127.0.0.1')).toBeNull();
    // An incomplete merge (--allow-partial): not every position was decided.
    view.knowTotals({ open: 1, closed: 100, filtered: 0, error: 0 }, false, 100);
    expect(view.hostCounts('127.0.0.1')).toBeNull();
  });

  describe('the CLI', () => {
    let fixture: Fixture | undefined;
    beforeAll(async () => {
      fixture = await openPorts(1);
    });
    afterAll(async () => fixture?.close());

    it('writes the same text and grep reports as the unsharded scan', async () => {
      const cwd = scratchDir();
      // Privileged ports no daemon of the suite listens on (22, 80, 443, 6379 are some tests' own).
      const ports = `600-659,${fixture!.ports[0]}`;
      const scan = ['127.0.0.1-3', '-p', ports, '--seed', '5', '-q', '-o', '/dev/null'];
      expect((await runCli([...scan, '--no-out-dir', '-oA', 'whole'], { cwd })).code).toBe(0);
      expect((await runCli([...scan, '--shard', '1/2', '--out-dir', 's1'], { cwd })).code).toBe(0);
      expect((await runCli([...scan, '--shard', '2/2', '--out-dir', 's2'], { cwd })).code).toBe(0);
      const m = await runCli(['merge', 's1', 's2', '-oA', 'merged', '-o', '/dev/null'], { cwd });
      expect(m.code, m.stderr).toBe(0);
      // The lines that differ between any two runs: times, and the command.
      const body = (f: string): string[] => readFileSync(join(cwd, f), 'utf8').split('\n').filter((l) => !/^#|started|done|^shardscan /.test(l)).map((l) => l.replace(/\s[\d.]+ms$/, ''));
      expect(body('merged.nmap')).toEqual(body('whole.nmap'));
      expect(body('merged.gnmap')).toEqual(body('whole.gnmap'));
      expect(readFileSync(join(cwd, 'merged.nmap'), 'utf8')).toContain('Not shown: 60 closed\n');
      expect(readFileSync(join(cwd, 'merged.gnmap'), 'utf8')).toContain('Ignored State: closed (60)');
    });
  });
});
