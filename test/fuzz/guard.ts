/**
 * Keeps the run alive: a root token may legitimately seal the server, disable a mount,
 * revoke every token or repoint the audit log at a file of its choosing. Such requests
 * are still sent (the parser and the ACL see them) but with a token that cannot do it,
 * and the note says so. Everything else, including traversal that *would* reach a
 * canary, is sent as generated: a canary that changes is a finding.
 */
import { CANARY_POLICY } from './canaries.js';
import { protectedPrefixes } from './mount-plan.js';
import type { FuzzRequest } from './request.js';

/** The main audit device: it must stay enabled so every request goes through audit hashing. */
export const MAIN_AUDIT = 'fz-audit';

/** Prefixes under which a root revoke-prefix is harmless (no tokens, no canaries). */
const REVOCABLE = ['database/', 'pki/', 'transit/', 'kv1/', 'kv2/'];

/** The path below /v1/ as the server would most plausibly route it: decoded, slashes collapsed. */
export function normalisedPath(target: string): string {
  const q = target.indexOf('?');
  let p = q === -1 ? target : target.slice(0, q);
  try {
    p = decodeURIComponent(p);
  } catch {
    // keep the raw text
  }
  p = p.replace(/^[a-z]+:\/\/[^/]*/i, '').replace(/\/{2,}/g, '/');
  if (p.toLowerCase().startsWith('/v1/')) p = p.slice(4);
  return p.replace(/^\/+/, '');
}

function downgrade(r: FuzzRequest, why: string): FuzzRequest {
  return { ...r, token: { ...r.token, kind: 'default' }, note: `${r.note} [guard: default token instead of root, ${why}]` };
}

const isProtected = (prefix: string): boolean => protectedPrefixes().includes(prefix.endsWith('/') ? prefix : `${prefix}/`);

/** Returns `r`, or a copy whose token cannot do the damage. */
export function guard(r: FuzzRequest): FuzzRequest {
  const p = normalisedPath(r.target);
  const m = r.method.toUpperCase();
  const reads = m === 'GET' || m === 'HEAD' || m === 'LIST';
  if (/^auth\/token\/revoke-self\/?$/.test(p) && (r.token.kind === 'root' || r.token.kind === 'default')) {
    return { ...r, token: { ...r.token, kind: 'none' }, note: `${r.note} [guard: no token, revoke-self would end the run's token]` };
  }
  const rootish = r.token.kind === 'root';
  if (!rootish || reads) return r;
  const body = r.body ? r.body.toString('utf8') : '';
  if (/^sys\/seal\/?$/.test(p)) return downgrade(r, 'sealing is scheduled by the runner');
  // A quota would throttle the runner's own seal cycles and canary checks (429), ending the run.
  if (/^sys\/quotas\/(rate-limit|lease-count)\//.test(p)) return downgrade(r, 'a quota would throttle the runner\'s own checks');
  const mount = /^sys\/(mounts|auth)\/(.+?)\/?$/.exec(p);
  if (mount && m === 'DELETE' && !/\/tune$/.test(p)) {
    const prefix = mount[1] === 'auth' ? `auth/${mount[2]}` : (mount[2] as string);
    if (isProtected(prefix)) return downgrade(r, 'it would disable a fixture mount');
  }
  if (/^sys\/remount/.test(p) && protectedPrefixes().some((x) => body.includes(x.replace(/^auth\//, '').replace(/\/$/, '')))) {
    return downgrade(r, 'it would move a fixture mount');
  }
  const revoke = /^sys\/(?:leases\/)?revoke-(?:prefix|force)\/(.*)$/.exec(p);
  if (revoke && !(REVOCABLE.some((x) => (revoke[1] ?? '').startsWith(x)) && !(revoke[1] ?? '').includes('..'))) {
    return downgrade(r, 'it would revoke the run tokens or canaries');
  }
  const policy = /^sys\/(?:policies\/acl|policy)\/(.+?)\/?$/.exec(p);
  if (policy && ['default', CANARY_POLICY].includes((policy[1] ?? '').trim().toLowerCase())) return downgrade(r, 'it would change the default or canary policy');
  const audit = /^sys\/audit\/(.*)$/.exec(p);
  if (audit) {
    if ((audit[1] ?? '').replace(/\/+$/, '') === MAIN_AUDIT) return downgrade(r, 'it would change the main audit device');
    if (body.includes('file_path') && !body.includes('"discard"')) return downgrade(r, 'the audit device would write a file');
  }
  return r;
}
