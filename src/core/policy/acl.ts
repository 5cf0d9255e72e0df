/**
 * The compiled access-control list for one set of policies. Built once per policy set
 * (the store caches it) and consulted on every request, so lookups avoid scanning rules:
 * exact patterns sit in a Map, `*` globs in a Map probed by candidate prefix length
 * (longest first), and the few `+` patterns in a list pre-sorted by priority.
 */
import { parametersAllowed } from './params.js';
import type { Policy } from './parse.js';
import { BIT, capabilityNames, DENY, SUDO, wrapTtlAllowed, type Permissions } from './permissions.js';
import { RuleTables } from './rule-tables.js';
import { globMatch } from '../../lib/glob.js';

export type AclOperation = 'create' | 'read' | 'update' | 'delete' | 'list' | 'patch' | 'help';

export interface AclQuery {
  path: string;
  operation: AclOperation;
  /** What the client sent (body or query); defaults are not considered. */
  data?: Record<string, unknown> | null;
  /** Requested response-wrapping TTL in seconds; 0 or absent = not wrapping. */
  wrapTtl?: number;
}

export interface AclResult {
  allowed: boolean;
  /** The matched rule grants `sudo` (root-protected paths need it on top of the operation). */
  sudo: boolean;
  root: boolean;
  /** Sorted capabilities of the matched rule (empty when nothing matched). */
  capabilities: string[];
  /** Policies that granted the operation's capability; empty when denied. */
  grantingPolicies: string[];
}

const OP_BIT: Record<Exclude<AclOperation, 'help'>, number> = {
  create: BIT.create,
  read: BIT.read,
  update: BIT.update,
  delete: BIT.delete,
  list: BIT.list,
  patch: BIT.patch,
};
const PARAMETER_OPS = new Set<AclOperation>(['read', 'update', 'create', 'patch']);
/** Capabilities that reveal a mount to `hasMountAccess`. */
const MOUNT_ACCESS_BITS = BIT.create | BIT.read | BIT.update | BIT.patch | BIT.delete | BIT.list | BIT.sudo;

/** A non-exact match candidate, carrying what Vault's priority rules compare. */
interface Candidate {
  /** Index of the first `+` or `*`. */
  firstWc: number;
  isPrefix: boolean;
  plusCount: number;
  /** The pattern without its trailing `*`. */
  wcPath: string;
  perms: Permissions;
}

interface SegmentRule extends Candidate {
  segments: string[];
  /** Literal text before the first `+`: a cheap filter before walking segments. */
  literal: string;
}

/** Rules fed to the tables between two turns of the event loop in ACL.compile. */
const COMPILE_SLICE = 500;

/** Fresh objects each time: callers may keep or change results without affecting the ACL. */
const deniedNothing = (): AclResult => ({ allowed: false, sudo: false, root: false, capabilities: [], grantingPolicies: [] });

export class ACL {
  readonly root: boolean;
  private readonly exact: Map<string, Permissions>;
  private readonly prefix: Map<string, Permissions>;
  /**
   * Distinct lengths of the keys in `prefix`, longest first, each with the last characters
   * seen at that length: a cheap filter that skips most Map probes.
   */
  private readonly prefixLengths: { len: number; lastChars: Set<number> }[];
  /** `+` patterns, highest priority first, so the first match is the best one. */
  private readonly segmentRules: SegmentRule[] = [];

  /**
   * Compiles like the constructor, but feeds the rules in slices of `slice` and lets the
   * event loop turn between them: a set with tens of thousands of rules would otherwise
   * hold it for a noticeable time.
   */
  static async compile(policies: readonly Policy[], slice = COMPILE_SLICE): Promise<ACL> {
    if (policies.some((p) => p.name === 'root')) return new ACL(policies);
    const tables = new RuleTables();
    let n = 0;
    for (const policy of policies) {
      for (const rule of policy.rules) {
        tables.add(rule, policy.name);
        if (++n % slice === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return new ACL(policies, tables);
  }

  /** `tables`, when given, already holds every rule of `policies` (see compile). */
  constructor(policies: readonly Policy[], tables?: RuleTables) {
    this.root = policies.some((p) => p.name === 'root');
    let t = tables;
    if (!t) {
      t = new RuleTables();
      if (!this.root) for (const policy of policies) for (const rule of policy.rules) t.add(rule, policy.name);
    }
    this.exact = t.exact;
    this.prefix = t.prefix;
    const segments = t.segments;
    for (const perms of [...this.exact.values(), ...this.prefix.values(), ...segments.values()]) {
      perms.names = capabilityNames(perms.bits);
    }
    const byLength = new Map<number, Set<number>>();
    for (const k of this.prefix.keys()) {
      const chars = byLength.get(k.length) ?? new Set<number>();
      if (k.length > 0) chars.add(k.charCodeAt(k.length - 1));
      byLength.set(k.length, chars);
    }
    this.prefixLengths = [...byLength].map(([len, lastChars]) => ({ len, lastChars })).sort((a, b) => b.len - a.len);
    for (const [pattern, perms] of segments) {
      const isPrefix = pattern.endsWith('*');
      const wcPath = isPrefix ? pattern.slice(0, -1) : pattern;
      const segs = wcPath.split('/');
      const firstWc = pattern.indexOf('+');
      this.segmentRules.push({
        firstWc,
        isPrefix,
        plusCount: segs.filter((s) => s === '+').length,
        wcPath,
        perms,
        segments: segs,
        literal: pattern.slice(0, firstWc),
      });
    }
    this.segmentRules.sort((a, b) => (outranks(a, b) ? -1 : outranks(b, a) ? 1 : 0));
  }

  allowOperation(q: AclQuery): AclResult {
    if (this.root) {
      return { allowed: true, sudo: true, root: true, capabilities: ['root'], grantingPolicies: ['root'] };
    }
    if (q.operation === 'help') return { ...deniedNothing(), allowed: true };
    const perms = this.lookup(q.path, q.operation === 'list');
    if (!perms) return deniedNothing();
    const denied: AclResult = {
      allowed: false,
      sudo: (perms.bits & SUDO) !== 0,
      root: false,
      capabilities: [...perms.names],
      grantingPolicies: [],
    };
    const opBit = OP_BIT[q.operation];
    if ((perms.bits & DENY) !== 0 || (perms.bits & opBit) === 0) return denied;
    if (!wrapTtlAllowed(perms, q.wrapTtl ?? 0)) return denied;
    if (PARAMETER_OPS.has(q.operation) && !parametersAllowed(perms, q.data ?? {})) return denied;
    return { ...denied, allowed: true, grantingPolicies: [...(perms.granting.get(opBit) ?? [])] };
  }

  /** Sorted capability names on `path`; `['root']` for a root ACL, `['deny']` when nothing is granted. */
  capabilities(path: string): string[] {
    if (this.root) return ['root'];
    const perms = this.lookup(path, false);
    if (!perms || (perms.bits & DENY) !== 0 || perms.names.length === 0) return ['deny'];
    return [...perms.names];
  }

  /**
   * Whether an event of `eventType` about `path` (its data path, mount included) may reach
   * this caller, as Vault decides per event: the rule matching the path grants `subscribe`
   * and one of its `subscribe_event_types` globs matches. Root sees every event.
   */
  subscribeAllowed(path: string, eventType: string): boolean {
    if (this.root) return true;
    const perms = this.lookup(path, false);
    if (!perms || (perms.bits & DENY) !== 0 || (perms.bits & BIT.subscribe) === 0) return false;
    return perms.subscribeTypes.some((glob) => globMatch(glob, eventType));
  }

  /**
   * Whether the caller may learn about the mount at `mountPath` (e.g. `secret/`), as
   * `sys/internal/ui/mounts` needs for the KV preflight: true when any capability is held
   * on the mount path, on a rule beneath it, or on a `+` rule that reaches into it.
   * Not on the hot path, so the rule tables are scanned.
   */
  hasMountAccess(mountPath: string): boolean {
    if (this.root) return true;
    if (!this.capabilities(mountPath).includes('deny')) return true;
    const grants = (p: Permissions): boolean => (p.bits & DENY) === 0 && (p.bits & MOUNT_ACCESS_BITS) !== 0;
    for (const table of [this.exact, this.prefix]) {
      for (const [key, perms] of table) if (key.startsWith(mountPath) && grants(perms)) return true;
    }
    const parts = (mountPath.endsWith('/') ? mountPath.slice(0, -1) : mountPath).split('/');
    return this.segmentRules.some((r) => grants(r.perms) && segmentsReach(r, parts));
  }

  private lookup(path: string, isList: boolean): Permissions | null {
    const exact = this.exact.get(path);
    if (exact) return exact;
    // LIST paths arrive with a trailing slash; rules are often written without one.
    const trimmed = isList && path.endsWith('/') ? path.slice(0, -1) : null;
    if (trimmed !== null) {
      const e = this.exact.get(trimmed);
      if (e) return e;
    }
    return this.nonExact(path) ?? (trimmed !== null ? this.nonExact(trimmed) : null);
  }

  /** The single highest-priority glob or `+` pattern matching `path`. */
  private nonExact(path: string): Permissions | null {
    let best: Candidate | null = null;
    for (const { len, lastChars } of this.prefixLengths) {
      if (len > path.length || (len > 0 && !lastChars.has(path.charCodeAt(len - 1)))) continue;
      const key = path.slice(0, len);
      const perms = this.prefix.get(key);
      if (perms) {
        best = { firstWc: len, isPrefix: true, plusCount: 0, wcPath: key, perms };
        break;
      }
    }
    if (this.segmentRules.length > 0) {
      for (const rule of this.segmentRules) {
        if (!path.startsWith(rule.literal) || !segmentsMatch(rule, path)) continue;
        if (!best || outranks(rule, best)) best = rule;
        break;
      }
    }
    return best?.perms ?? null;
  }
}

/**
 * Walks the path segment by segment without splitting it (this runs per request).
 * A `*`-suffixed rule needs at least as many segments, its last one matched as a prefix;
 * otherwise the segment counts must be equal.
 */
function segmentsMatch(rule: SegmentRule, path: string): boolean {
  const n = rule.segments.length;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const want = rule.segments[i] as string;
    const slash = path.indexOf('/', pos);
    const end = slash === -1 ? path.length : slash;
    const last = i === n - 1;
    if (!last && slash === -1) return false;
    if (want !== '+') {
      if (rule.isPrefix && last) {
        if (!path.startsWith(want, pos)) return false;
      } else if (end - pos !== want.length || !path.startsWith(want, pos)) {
        return false;
      }
    }
    if (last && !rule.isPrefix && slash !== -1) return false;
    pos = end + 1;
  }
  return true;
}

/** A `+` rule reaches into a mount when its segments agree with the mount's as far as both go. */
function segmentsReach(rule: SegmentRule, mountParts: string[]): boolean {
  const n = rule.segments.length;
  if (mountParts.length > n && !rule.isPrefix) return false;
  for (let i = 0; i < Math.min(n, mountParts.length); i++) {
    const want = rule.segments[i] as string;
    const got = mountParts[i] as string;
    if (want === '+' || want === got) continue;
    if (rule.isPrefix && i === n - 1 && got.startsWith(want)) continue;
    return false;
  }
  return true;
}

/**
 * True when `a` beats `b` under Vault's ordering. `b` is lower priority if, in order:
 * its first wildcard comes earlier; it ends in `*` and `a` does not; it has more `+`
 * segments; it is shorter; it sorts lexicographically lower.
 */
function outranks(a: Candidate, b: Candidate): boolean {
  if (a.firstWc !== b.firstWc) return a.firstWc > b.firstWc;
  if (a.isPrefix !== b.isPrefix) return !a.isPrefix;
  if (a.plusCount !== b.plusCount) return a.plusCount < b.plusCount;
  if (a.wcPath.length !== b.wcPath.length) return a.wcPath.length > b.wcPath.length;
  return a.wcPath > b.wcPath;
}
