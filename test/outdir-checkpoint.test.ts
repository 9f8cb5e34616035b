/**
 * A checkpoint that cannot be written for want of a file descriptor (the
 * probes hold them all under a tight ulimit -n) is skipped, and the next one
 * tries again: it stopped the whole scan before ("cannot write
 * checkpoint.json: EMFILE. Free some space", with 8 connects in flight). A
 * full disk still stops it, with its own words.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { emptyCheckpoint } from '../src/model/checkpoint.js';
import { prepareScan } from '../src/prepare.js';
import { OutDir } from '../src/store/outdir.js';
import { scratchDir } from './helpers/cli.js';

const fail = vi.hoisted(() => ({ code: null as string | null, file: 'checkpoint.json.tmp' }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeFileSync: typeof fs.writeFileSync = (path, ...rest) => {
    if (fail.code !== null && String(path).endsWith(fail.file)) {
      // As a full disk does: part of the file is written, then the write fails.
      fs.writeFileSync(path, 'partial');
      throw Object.assign(new Error(`${fail.code}: refused`), { code: fail.code });
    }
    return fs.writeFileSync(path, ...rest);
  };
  return { ...fs, default: { ...fs, writeFileSync }, writeFileSync };
});

async function openDir(): Promise<{ out: OutDir; dir: string; chunks: number; chunkSize: number }> {
  const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1-10' }, { tuning: null });
  const prep = await prepareScan(config);
  const dir = join(scratchDir(), 'd');
  return { out: OutDir.create(dir, prep, 'test', new Date()), dir, chunks: prep.plan.chunks, chunkSize: prep.plan.chunkSize };
}

describe('writing checkpoint.json', () => {
  it('out of descriptors: skipped, the last one stays, the next one is written', async () => {
    const { out, dir, chunks, chunkSize } = await openDir();
    const cp = emptyCheckpoint(chunkSize, chunks);
    out.writeCheckpoint(cp);
    const first = readFileSync(join(dir, 'checkpoint.json'), 'utf8');
    for (const code of ['EMFILE', 'ENFILE']) {
      fail.code = code;
      expect(() => out.writeCheckpoint({ ...cp, completedBelow: 1 })).not.toThrow();
      expect(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).toBe(first);
    }
    fail.code = null;
    out.writeCheckpoint({ ...cp, completedBelow: 1 });
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'))).toMatchObject({ completedBelow: 1 });
    out.close();
  });

  it('a full disk still stops the scan, saying so', async () => {
    const { out, chunks, chunkSize } = await openDir();
    fail.code = 'ENOSPC';
    expect(() => out.writeCheckpoint(emptyCheckpoint(chunkSize, chunks))).toThrow(/checkpoint\.json: ENOSPC, the disk is full\. Free some space; then: shardscan resume /);
    fail.code = null;
    out.close();
  });
});
