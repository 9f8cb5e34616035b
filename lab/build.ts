/**
 * The lab's two C programs (lab/relay.c, lab/cscan.c), compiled on first use
 * with `gcc -O2 -Wall` into dist/lab/bin/, and again whenever the source is
 * newer than the binary. Tests and the bench call this; `npm run build` does not
 * need gcc.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';

/** The C programs the lab ships as source. */
export type LabTool = 'relay' | 'cscan';

const LINK_FLAGS: Record<LabTool, string[]> = { relay: [], cscan: ['-pthread'] };

function mtimeMs(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The path of the compiled tool, building it if needed. Throws with gcc's
 * diagnostics (or a hint to install gcc) when it cannot be built: a lab that
 * cannot be built must fail loudly, never skip.
 */
export function labBinary(tool: LabTool): string {
  const source = packagePath('lab', `${tool}.c`);
  const dir = packagePath('dist', 'lab', 'bin');
  const out = join(dir, tool);
  const srcTime = mtimeMs(source);
  if (srcTime === null) throw new Error(`lab: source ${source} is missing`);
  const binTime = mtimeMs(out);
  if (binTime !== null && binTime >= srcTime) return out;
  mkdirSync(dir, { recursive: true });
  // Build beside the target and rename: two test files may build at once.
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', tmp, source, ...LINK_FLAGS[tool]], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('lab: gcc is not installed (apt-get install -y gcc)');
    throw new Error(`lab: gcc failed on ${source}:\n${e.stderr?.toString() ?? e.message}`);
  }
  renameSync(tmp, out);
  return out;
}
