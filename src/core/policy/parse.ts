/**
 * Policy documents: HCL or JSON text (optionally base64 of either) parsed into rules.
 * Parsing only validates and normalises; matching lives in acl.ts.
 */
import hcl from 'js-hcl-parser';
import { parseDurationSeconds } from '../../lib/duration.js';
import { badRequest, type WardError } from '../../sdk/errors.js';

export const CAPABILITIES = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
  'recover',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

export interface PathRule {
  /** The pattern as written: exact, `*`-suffixed glob, or with `+` segments. */
  path: string;
  capabilities: Capability[];
  requiredParameters: string[];
  /** Lower-cased parameter name → allowed values; `[]` means any value. Null when absent. */
  allowedParameters: Record<string, unknown[]> | null;
  deniedParameters: Record<string, unknown[]> | null;
  /** Seconds; 0 = no bound. */
  minWrappingTtl: number;
  maxWrappingTtl: number;
  /** `subscribe_event_types`: globs of the event types `subscribe` covers here (absent: none). */
  subscribeEventTypes?: string[];
}

export interface Policy {
  name: string;
  /** The policy text as the client meant it (after base64 decoding). */
  raw: string;
  rules: PathRule[];
}

/** What the pre-capabilities `policy = "..."` shorthand grants. */
const LEGACY: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  list: ['list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const TOP_LEVEL_KEYS = new Set(['name', 'path']);

/** Keys Vault accepts inside a path block; the ones we do not enforce are accepted and ignored. */
const PATH_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
  'pagination_limit',
]);

const CAPABILITY_SET: ReadonlySet<string> = new Set(CAPABILITIES);

const fail = (msg: string): WardError => badRequest(`failed to parse policy: ${msg}`);

/**
 * Parses a policy document. Throws a 400 WardError naming the problem (with the parser's
 * `At line:col` for syntax errors). Empty text yields a policy with no rules; the store
 * is the one that refuses empty policies.
 */
export function parsePolicy(name: string, text: string): Policy {
  const raw = policyText(text);
  const doc = parseDocument(raw);
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw fail(`invalid key "${key}"`);
  }
  const rules: PathRule[] = [];
  for (const [pattern, body] of pathEntries(doc['path'])) rules.push(parseRule(pattern, body));
  return { name, raw, rules };
}

/** The document as it is parsed and stored: `text`, or what its base64 decodes to. */
export function policyText(text: string): string {
  return decodeBase64(text) ?? text;
}

/**
 * Standard base64 (with padding) decodes to the policy text, as Vault does. Anything with
 * characters outside the alphabet (every real HCL or JSON policy has quotes or spaces) is
 * left alone.
 */
function decodeBase64(text: string): string | null {
  const t = text.trim();
  if (t === '' || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return null;
  const decoded = Buffer.from(t, 'base64').toString('utf8');
  return decoded.includes('\uFFFD') ? null : decoded;
}

function parseDocument(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  // HCL's own JSON reader is lenient (it drops malformed members silently), so JSON
  // documents go through the strict platform parser instead.
  if (trimmed.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(trimmed);
    } catch (e) {
      throw fail(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isObject(v)) throw fail('expected a JSON object');
    return v;
  }
  let out: string;
  try {
    out = hcl.parse(text);
  } catch (e) {
    throw fail(syntaxMessage(e instanceof Error ? e.message : String(e)));
  }
  let v: unknown;
  try {
    v = JSON.parse(out);
  } catch {
    // The library reports some syntax errors as its return value instead of throwing.
    throw fail(syntaxMessage(out));
  }
  if (!isObject(v)) throw fail('expected an object at the top level');
  return v;
}

/** Keeps the parser's `At L:C: detail` part and drops the library's wrapper text. */
function syntaxMessage(msg: string): string {
  const at = /At \d+:\d+:.*/s.exec(msg);
  return (at ? at[0] : msg).trim();
}

/**
 * HCL renders `path "p" {...}` as `[{p: [{...}]}]`; JSON policies usually say
 * `{p: {...}}`. Both, and mixtures, flatten to (pattern, body) pairs in document order.
 */
function pathEntries(node: unknown): [string, Record<string, unknown>][] {
  if (node === undefined) return [];
  const out: [string, Record<string, unknown>][] = [];
  for (const group of Array.isArray(node) ? node : [node]) {
    if (!isObject(group)) throw fail('path must be a block keyed by the path pattern');
    for (const [pattern, bodies] of Object.entries(group)) {
      for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
        if (!isObject(body)) throw fail(`path "${pattern}": expected a block`);
        out.push([pattern, body]);
      }
    }
  }
  return out;
}

function parseRule(pattern: string, body: Record<string, unknown>): PathRule {
  const where = `path "${pattern}"`;
  if (pattern.includes('+*')) throw fail(`${where}: invalid use of wildcards ('+*' is forbidden)`);
  for (const key of Object.keys(body)) {
    if (!PATH_KEYS.has(key)) throw fail(`${where}: invalid key "${key}"`);
  }
  const caps = new Set<Capability>();
  const legacy = body['policy'];
  if (legacy !== undefined) {
    const granted = typeof legacy === 'string' ? LEGACY[legacy.toLowerCase()] : undefined;
    if (!granted) throw fail(`${where}: invalid policy "${String(legacy)}"`);
    for (const c of granted) caps.add(c);
  }
  for (const c of stringList(body['capabilities'], `${where}: capabilities`)) {
    const lc = c.toLowerCase();
    if (!CAPABILITY_SET.has(lc)) throw fail(`${where}: invalid capability "${c}"`);
    caps.add(lc as Capability);
  }
  // deny overrides everything else on the same path, so keep it alone.
  const capabilities: Capability[] = caps.has('deny') ? ['deny'] : CAPABILITIES.filter((c) => caps.has(c));

  const minWrappingTtl = wrapTtl(body['min_wrapping_ttl'], `${where}: error parsing min_wrapping_ttl`);
  const maxWrappingTtl = wrapTtl(body['max_wrapping_ttl'], `${where}: error parsing max_wrapping_ttl`);
  if (minWrappingTtl > 0 && maxWrappingTtl > 0 && maxWrappingTtl < minWrappingTtl) {
    throw fail(`${where}: max_wrapping_ttl cannot be less than min_wrapping_ttl`);
  }
  return {
    path: pattern,
    capabilities,
    requiredParameters: stringList(body['required_parameters'], `${where}: required_parameters`),
    allowedParameters: parameterMap(body['allowed_parameters'], `${where}: allowed_parameters`),
    deniedParameters: parameterMap(body['denied_parameters'], `${where}: denied_parameters`),
    minWrappingTtl,
    maxWrappingTtl,
    ...eventTypes(body['subscribe_event_types'], `${where}: subscribe_event_types`),
  };
}

/** Set only when the block names event types, so rules without them stay as they were. */
function eventTypes(v: unknown, what: string): { subscribeEventTypes?: string[] } {
  const types = stringList(v, what);
  return types.length === 0 ? {} : { subscribeEventTypes: types };
}

function stringList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item) => {
    if (typeof item !== 'string') throw fail(`${what}: expected a list of strings`);
    return item;
  });
}

function wrapTtl(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  let secs: number;
  try {
    secs = parseDurationSeconds(v);
  } catch (e) {
    throw fail(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (secs < 0) throw fail(`${what}: cannot be negative`);
  return secs;
}

/**
 * HCL yields a list of objects for a map attribute (one per repetition); JSON a plain
 * object. Repetitions of a key append in place, so a long list of them stays linear.
 */
function parameterMap(v: unknown, what: string): Record<string, unknown[]> | null {
  if (v === undefined || v === null) return null;
  // A Map, then fromEntries (own data properties): a parameter named "__proto__" stays data.
  const out = new Map<string, unknown[]>();
  for (const part of Array.isArray(v) ? v : [v]) {
    if (!isObject(part)) throw fail(`${what}: expected a map of parameter names to value lists`);
    for (const [key, values] of Object.entries(part)) {
      const list = values === null ? [] : Array.isArray(values) ? values : [values];
      const k = key.toLowerCase();
      const prev = out.get(k);
      // An empty list means "any value" and absorbs any value list given for the same key.
      if (prev === undefined) out.set(k, [...list]);
      else if (prev.length === 0) continue;
      else if (list.length === 0) out.set(k, []);
      else for (const item of list) prev.push(item);
    }
  }
  return Object.fromEntries(out);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
