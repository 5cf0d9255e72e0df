/**
 * Effective permissions of one policy path pattern, built from the rules of every policy
 * that names the same pattern: capabilities unite, `deny` overrides, constraints merge.
 */
import { CAPABILITIES, type Capability, type PathRule } from './parse.js';

export const BIT = Object.fromEntries(CAPABILITIES.map((c, i) => [c, 1 << i])) as Record<Capability, number>;
export const DENY = BIT.deny;
export const SUDO = BIT.sudo;

/** Effective permissions of one pattern, merged across every policy that names it. */
export interface Permissions {
  bits: number;
  /** Capability bit → names of the policies granting it, in policy order. */
  granting: Map<number, string[]>;
  required: string[];
  /** `required` as a set, so merging many rules stays linear. */
  requiredSeen: Set<string>;
  allowed: Map<string, unknown[]> | null;
  denied: Map<string, unknown[]> | null;
  minWrap: number;
  maxWrap: number;
  /** Sorted capability names, filled in once compilation is done. */
  names: string[];
  /** Event type globs `subscribe` covers, united across policies. */
  subscribeTypes: string[];
}

function bitsOf(rule: PathRule): number {
  let bits = 0;
  for (const c of rule.capabilities) bits |= BIT[c];
  return (bits & DENY) !== 0 ? DENY : bits;
}

const NAMES = new Map<number, string[]>();

/**
 * Sorted names of the capabilities set in `bits`. One shared array per combination (there
 * are at most 2^10): compiling a large policy set then allocates nothing here. Callers
 * copy before handing a list out.
 */
export function capabilityNames(bits: number): string[] {
  let names = NAMES.get(bits);
  if (!names) {
    names = CAPABILITIES.filter((c) => (bits & BIT[c]) !== 0).sort();
    NAMES.set(bits, names);
  }
  return names;
}

/** The permissions of a pattern as first seen, in `policy`. */
export function fromRule(rule: PathRule, policy: string): Permissions {
  const bits = bitsOf(rule);
  const deny = bits === DENY;
  const granting = new Map<number, string[]>();
  for (const c of CAPABILITIES) if ((bits & BIT[c]) !== 0) granting.set(BIT[c], [policy]);
  const required = deny ? [] : [...new Set(rule.requiredParameters)];
  return {
    bits,
    granting,
    required,
    requiredSeen: new Set(required),
    allowed: deny ? null : toMap(rule.allowedParameters),
    denied: deny ? null : toMap(rule.deniedParameters),
    minWrap: rule.minWrappingTtl,
    maxWrap: rule.maxWrappingTtl,
    names: [],
    subscribeTypes: deny ? [] : [...(rule.subscribeEventTypes ?? [])],
  };
}

function toMap(params: Record<string, unknown[]> | null): Map<string, unknown[]> | null {
  if (!params || Object.keys(params).length === 0) return null;
  return new Map(Object.entries(params).map(([k, v]) => [k.toLowerCase(), [...v]]));
}

/** Folds another policy's rule for the same pattern into `into`: union, deny wins. */
export function merge(into: Permissions, rule: PathRule, policy: string): void {
  if ((into.bits & DENY) !== 0) return;
  const bits = bitsOf(rule);
  if (bits === DENY) {
    into.bits = DENY;
    into.granting = new Map([[DENY, [policy]]]);
    into.allowed = null;
    into.denied = null;
    into.required = [];
    into.requiredSeen = new Set();
    into.subscribeTypes = [];
    return;
  }
  for (const t of rule.subscribeEventTypes ?? []) if (!into.subscribeTypes.includes(t)) into.subscribeTypes.push(t);
  into.bits |= bits;
  for (const c of CAPABILITIES) {
    const bit = BIT[c];
    if ((bits & bit) === 0) continue;
    const list = into.granting.get(bit);
    // A policy's rules are merged one after another, so a repeat can only be the last entry.
    if (!list) into.granting.set(bit, [policy]);
    else if (list[list.length - 1] !== policy) list.push(policy);
  }
  // The tighter bound wins for each of min and max, as in Vault.
  if (rule.maxWrappingTtl > 0 && (into.maxWrap === 0 || rule.maxWrappingTtl < into.maxWrap)) into.maxWrap = rule.maxWrappingTtl;
  if (rule.minWrappingTtl > 0 && (into.minWrap === 0 || rule.minWrappingTtl < into.minWrap)) into.minWrap = rule.minWrappingTtl;
  into.allowed = mergeParams(into.allowed, toMap(rule.allowedParameters));
  into.denied = mergeParams(into.denied, toMap(rule.deniedParameters));
  for (const r of rule.requiredParameters) {
    if (into.requiredSeen.has(r)) continue;
    into.requiredSeen.add(r);
    into.required.push(r);
  }
}

/**
 * Value lists for the same key concatenate; an empty list ("any value") absorbs the other.
 * Lists in `a` are owned by the permissions (toMap copies), so they grow in place.
 */
function mergeParams(a: Map<string, unknown[]> | null, b: Map<string, unknown[]> | null): Map<string, unknown[]> | null {
  if (!b) return a;
  if (!a) return b;
  for (const [key, values] of b) {
    const prev = a.get(key);
    if (prev === undefined) a.set(key, values);
    else if (prev.length === 0) continue;
    else if (values.length === 0) a.set(key, []);
    else for (const v of values) prev.push(v);
  }
  return a;
}

/** Bounds from `min_wrapping_ttl`/`max_wrapping_ttl`; a bound makes wrapping mandatory. */
export function wrapTtlAllowed(perms: Permissions, wrapTtl: number): boolean {
  if (perms.maxWrap > 0 && (wrapTtl <= 0 || wrapTtl > perms.maxWrap)) return false;
  if (perms.minWrap > 0 && (wrapTtl <= 0 || wrapTtl < perms.minWrap)) return false;
  // Merging can leave min above max even though each policy was consistent.
  return !(perms.minWrap > 0 && perms.maxWrap > 0 && perms.maxWrap < perms.minWrap);
}
