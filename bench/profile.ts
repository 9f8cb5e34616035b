/**
 * `npm run profile`: clinic doctor and clinic flame on a loopback scan
 * (`127.0.0.1 -p- -q --no-out-dir`), plus V8 CPU profiles of every thread,
 * all under results/profile/<UTC timestamp>/.
 *
 * Why the third step: clinic flame (0x) keeps one isolate's log, the main
 * thread's, and doctor samples the main thread only. shardscan's connect loop
 * runs in worker threads, so `node --cpu-prof` (one .cpuprofile per thread,
 * opens in Chrome DevTools) is what shows where the workers spend their time.
 * Run with NO_INSIGHT=true (the npm script sets it): clinic 13 otherwise
 * stops to ask about its hosted service and exits without a report.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { packagePath } from '../src/paths.js';
import { CLI_NODE_FLAGS, cliEnv } from '../src/cli/node-flags.js';
import { CLI_ARGV, runChild } from './child.js';
import { loadTuning } from '../src/config/tuning.js';

const SCAN = ['127.0.0.1', '-p-', '-q', '--no-out-dir'];
const CLINIC = packagePath('node_modules', '.bin', 'clinic');
const TARGET = packagePath('dist', 'bench', 'clinic-target.js');
const KILL_AFTER_MS = 300_000;

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** The functions with the most self samples in a .cpuprofile, as "name (file:line) 12.3 %". */
export function topFunctions(path: string, n = 8): { samples: number; top: string[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: CpuNode[] };
  const self = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} (${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : 'native'})`;
    self.set(key, (self.get(key) ?? 0) + hits);
    total += hits;
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  return { samples: total, top };
}

/**
 * Run one clinic tool; returns the report path it printed. It runs in a
 * fresh directory of its own: clinic doctor refuses to start while
 * node_trace.*.log files lie where it runs, and the profiler deleted every
 * such file in the user's directory to make way (any node
 * --trace-events-enabled run writes that name).
 */
async function clinic(tool: 'doctor' | 'flame', dest: string): Promise<string> {
  const args = [tool, '--open=false', '--dest', dest, '--name', tool, '--', process.execPath, ...CLI_NODE_FLAGS, TARGET, ...SCAN];
  const cwd = mkdtempSync(join(tmpdir(), 'shardscan-clinic-'));
  let r;
  try {
    r = await runChild(CLINIC, args, cliEnv({ ...process.env, NO_INSIGHT: 'true' }), KILL_AFTER_MS, false, cwd);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const report = /Generated HTML file is (?:file:\/\/)?(\S+)/.exec(r.stdout + r.stderr)?.[1];
  if (r.code !== 0 || !report) throw new Error(`clinic ${tool} failed (exit ${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim().slice(-600)}`);
  return report;
}

interface DoctorAnalysis {
  issueCategory: string;
  issues: Record<string, string | Record<string, string>>;
}

/** Doctor's verdict, from the analysis JSON it embeds in its report: the category and the flagged measures. */
function doctorVerdict(report: string): string {
  const m = /"analysis": (\{.*?"issueCategory":"[^"]*"\})/s.exec(readFileSync(report, 'utf8'));
  if (!m) return 'analysis not found in the report';
  const a = JSON.parse(m[1]!) as DoctorAnalysis;
  const flagged = Object.entries(a.issues).flatMap(([k, v]) =>
    typeof v === 'string' ? (v === 'none' ? [] : [`${k}: ${v}`]) : Object.entries(v).filter(([, x]) => x !== 'none').map(([sub, x]) => `${k}.${sub}: ${x}`),
  );
  return `category "${a.issueCategory}"; flagged: ${flagged.join(', ') || 'nothing'}`;
}

const USAGE = `usage: npm run profile
  Profiles shardscan ${SCAN.join(' ')} with clinic doctor, clinic flame and
  node --cpu-prof (every thread); reports go to results/profile/<UTC time>/.
  It takes no options. The scan runs with the CLI's defaults, including the
  tuning saved by npm run bench -- --save, if any (the first line names it).`;

async function main(argv: string[]): Promise<number> {
  if (argv.length > 0) {
    if (argv.every((a) => a === '--help' || a === '-h')) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    process.stderr.write(`profile: it takes no options, got '${argv.join(' ')}' (see npm run profile -- --help)\n`);
    return 2;
  }
  // Said before the scan it would profile, not as a spawn ENOENT after it.
  if (!existsSync(CLINIC)) {
    process.stderr.write(`profile: clinic is not installed (${CLINIC} is missing): run npm ci in ${packagePath()}\n`);
    return 1;
  }
  const tuning = loadTuning();
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const dest = packagePath('results', 'profile', stamp);
  const cpuDir = join(dest, 'cpuprofile');
  mkdirSync(cpuDir, { recursive: true });
  // The CLI reads a saved tuning and the bench does not: say which this profile ran with.
  const defaults = tuning ? `the saved tuning (${tuning.source}: --workers ${tuning.workers} --concurrency ${tuning.concurrency})` : 'the built-in defaults (no saved tuning)';
  process.stderr.write(`profiling: shardscan ${SCAN.join(' ')}, with ${defaults}\n`);

  // The plain run first: it is the one whose exit status says whether the scan itself works (clinic exits 0
  // around a scan that failed, and doctor and flame were reported done before the failure was).
  const cpu = await runChild(process.execPath, ['--cpu-prof', '--cpu-prof-dir', cpuDir, ...CLI_ARGV, ...SCAN], cliEnv(process.env), KILL_AFTER_MS);
  if (cpu.code !== 0) {
    rmSync(dest, { recursive: true, force: true });
    throw new Error(`the scan failed, nothing profiled: ${cpu.stderr.trim()}`);
  }
  const doctor = await clinic('doctor', dest);
  process.stderr.write(`clinic doctor: ${doctor}\n`);
  const flame = await clinic('flame', dest);
  process.stderr.write(`clinic flame:  ${flame}\n`);

  const out = ['', `reports in ${dest}/`, `  doctor: ${doctor}`, `  flame:  ${flame}`, `  CPU profiles (one per thread; open in Chrome DevTools › Performance): ${cpuDir}/`, '', `doctor's analysis (main thread): ${doctorVerdict(doctor)}`];
  // File names are CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
  for (const file of readdirSync(cpuDir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const thread = file.split('.')[4] === '0' ? 'main thread' : `worker thread ${file.split('.')[4]}`;
    const { samples, top } = topFunctions(join(cpuDir, file));
    out.push('', `${thread} (${file}), ${samples} samples, top self time:`, ...top.map((t) => `  ${t}`));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`profile: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
