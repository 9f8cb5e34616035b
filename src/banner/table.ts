/**
 * The service detection table (data/banners.json): loaded, validated against
 * schemas/banners.schema.json, then checked for what a schema cannot see
 * (regexes compile, probes named by rules exist, templates use only groups
 * the regex has), and compiled once per thread.
 */
import { readFileSync } from 'node:fs';
import { ShardscanError, messageOf } from '../errors.js';
import { packagePath } from '../paths.js';
import { describeErrors, validator } from '../schemas.js';
import { cleanField } from './escape.js';
import type { BannerTableSpec, MatchResult, ProbeSpec, RuleSpec } from './types.js';

interface CompiledRule {
  spec: RuleSpec;
  probes: ReadonlySet<string>;
  re: RegExp;
}

const GROUP_REF = /\$([1-9])/g;

/**
 * Fill a template from a match: `$1`..`$9` are groups. Undefined when a
 * referenced group did not take part or is empty, so "version $1" never
 * becomes a bare "version ".
 */
export function expandTemplate(template: string, m: RegExpExecArray): string | undefined {
  let missing = false;
  const out = template.replace(GROUP_REF, (_, d: string) => {
    const g = m[Number(d)];
    if (g === undefined || g === '') missing = true;
    return g ?? '';
  });
  if (missing) return undefined;
  const clean = cleanField(out);
  return clean === '' ? undefined : clean;
}

/**
 * The last line of a multi-line reply (RFC 959 and 5321: "220-Welcome\r\n220-…\r\n220 ProFTPD 1.3.8 Server"),
 * the one with the code and a space, where FTP and mail servers name themselves; null for any other text. The
 * rules read a reply from its first line: such a greeting was a plain "ftp" (ProFTPD, a DisplayConnect banner)
 * or "unknown" (Exim behind a "220-host" line), where nmap names both.
 */
export function finalLine(text: string): string | null {
  const code = /^(\d{3})-/.exec(text)?.[1];
  if (code === undefined) return null;
  const m = new RegExp(`(?:\\r?\\n)(${code} [^\\r\\n]*)`).exec(text);
  return m ? m[1]! : null;
}

/** A compiled, validated table; immutable and cheap to query. */
export class BannerTable {
  readonly probes: readonly ProbeSpec[];
  readonly rules: readonly RuleSpec[];
  private readonly compiled: CompiledRule[];
  private readonly until = new Map<string, RegExp>();
  private readonly tlsNames: Readonly<Record<string, string>>;

  constructor(spec: BannerTableSpec, source: string) {
    const bad = (what: string): ShardscanError => new ShardscanError('E_CONFIG', `${source}: ${what}`);
    const byName = new Map<string, ProbeSpec>();
    for (const p of spec.probes) {
      if (byName.has(p.name)) throw bad(`probe '${p.name}' is defined twice`);
      byName.set(p.name, p);
      if (p.kind !== 'tls' && p.until !== undefined) this.until.set(p.name, compile(p.until, '', `probe '${p.name}' until`, bad));
    }
    for (const p of spec.probes) {
      if (p.kind !== 'tls') continue;
      const inner = byName.get(p.inner);
      if (!inner || inner.kind !== 'send') throw bad(`probe '${p.name}': inner '${p.inner}' must name a send probe`);
    }
    const ids = new Set<string>();
    this.compiled = spec.rules.map((r) => {
      if (ids.has(r.id)) throw bad(`rule '${r.id}' is defined twice`);
      ids.add(r.id);
      for (const p of r.probes) {
        const probe = byName.get(p);
        if (!probe) throw bad(`rule '${r.id}' names unknown probe '${p}'`);
        if (probe.kind === 'tls') throw bad(`rule '${r.id}' names tls probe '${p}': TLS answers are matched with the listen and inner probes' rules`);
      }
      const re = compile(r.pattern, r.flags ?? '', `rule '${r.id}'`, bad);
      const groups = new RegExp(`${r.pattern}|`, r.flags).exec('')!.length - 1;
      for (const t of [r.product, r.version, ...(r.info ?? [])]) {
        for (const m of (t ?? '').matchAll(GROUP_REF)) {
          if (Number(m[1]) > groups) throw bad(`rule '${r.id}': template '${t}' uses $${m[1]} but the pattern has ${groups} group(s)`);
        }
      }
      for (const t of r.tests) {
        if (t.probe !== undefined && !r.probes.includes(t.probe)) throw bad(`rule '${r.id}': a test names probe '${t.probe}', which the rule does not apply to`);
      }
      return { spec: r, probes: new Set(r.probes), re };
    });
    this.probes = spec.probes;
    this.rules = spec.rules;
    this.tlsNames = spec.tlsNames;
  }

  /** The probe called `name`, or undefined. */
  probe(name: string): ProbeSpec | undefined {
    return this.probes.find((p) => p.name === name);
  }

  /** The regex that ends a read of this probe's answer early, if any. */
  untilOf(probe: string): RegExp | undefined {
    return this.until.get(probe);
  }

  /**
   * The first rule (in table order) that applies to one of `probes` and
   * matches `response` (bytes, read as latin1); with `hardOnly`, the first
   * that is not soft.
   */
  match(probes: string | readonly string[], response: Uint8Array | string, hardOnly = false): MatchResult | null {
    const names = typeof probes === 'string' ? [probes] : probes;
    const text = typeof response === 'string' ? response : Buffer.from(response.buffer, response.byteOffset, response.byteLength).toString('latin1');
    const texts = [text];
    const last = finalLine(text);
    if (last !== null) texts.push(last);
    for (const r of this.compiled) {
      if (!names.some((n) => r.probes.has(n)) || (hardOnly && r.spec.soft === true)) continue;
      let m: RegExpExecArray | null = null;
      for (const t of texts) if ((m = r.re.exec(t))) break;
      if (!m) continue;
      const s = r.spec;
      const out: MatchResult = { rule: s.id, service: s.service, soft: s.soft === true };
      const product = s.product === undefined ? undefined : expandTemplate(s.product, m);
      const version = s.version === undefined ? undefined : expandTemplate(s.version, m);
      const info = (s.info ?? []).map((t) => expandTemplate(t, m)).filter((x): x is string => x !== undefined);
      if (product !== undefined) out.product = product;
      if (version !== undefined) out.version = version;
      if (info.length > 0) out.extraInfo = info.join('; ');
      return out;
    }
    return null;
  }

  /**
   * Whether `probe` is worth sending once a soft match has named `service`:
   * a send probe when some rule for that service reads its answers; the TLS
   * probe only when the service is `tls` (a plain-text soft match means the
   * service speaks plain text, so a handshake would only wait out the clock).
   */
  canName(probe: ProbeSpec, service: string): boolean {
    if (probe.kind === 'tls') return service === 'tls';
    return this.compiled.some((r) => r.spec.service === service && r.probes.has(probe.name));
  }

  /** Service name when found inside TLS: http → https, else tls/<name>. */
  tlsName(service: string): string {
    return this.tlsNames[service] ?? `tls/${service}`;
  }

  /** Names of the listen probes (their rules also apply to answers over TLS). */
  listenProbes(): string[] {
    return this.probes.filter((p) => p.kind === 'listen').map((p) => p.name);
  }
}

function compile(source: string, flags: string, where: string, bad: (what: string) => ShardscanError): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw bad(`${where}: bad regex: ${messageOf(err)}`);
  }
}

/** Validate and compile a parsed table document. */
export function compileTable(doc: unknown, source = 'banner table'): BannerTable {
  const validate = validator('banners');
  if (!validate(doc)) throw new ShardscanError('E_CONFIG', `${source}: ${describeErrors(validate.errors)}`);
  return new BannerTable(doc as BannerTableSpec, source);
}

let builtIn: BannerTable | undefined;

/** The table shipped in data/banners.json (compiled once per thread), or another file. */
export function loadBannerTable(path?: string): BannerTable {
  if (path === undefined && builtIn) return builtIn;
  const file = path ?? packagePath('data', 'banners.json');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ShardscanError('E_CONFIG', `${file}: cannot read the banner table: ${messageOf(err)}`, { cause: err });
  }
  const table = compileTable(doc, file);
  if (path === undefined) builtIn = table;
  return table;
}
