/**
 * Judging one answer. A failure is: a 5xx that is not on the documented list below, no
 * answer (timeout, reset) where Vault would answer, a crash, an unexpected seal. Softer
 * oddities (a 4xx without Vault's error body, a slow but timely answer) become notes.
 */
import { normalisedPath } from './guard.js';
import type { Outcome } from './raw-client.js';
import type { FuzzRequest } from './request.js';
import { OVERFLOW_DURATION_TEXTS, OVERFLOW_DURATIONS } from './values.js';

export type FailureKind = 'server-error' | 'timeout' | 'wedged' | 'reset' | 'crash' | 'canary' | 'unexpected-seal';

export type Verdict = { ok: true; note?: string } | { ok: false; kind: FailureKind; reason: string };

/**
 * 5xx answers that are correct, each with its reason. Everything else ≥ 500 fails the run.
 */
export const ALLOWED_5XX: readonly { why: string; test: (r: FuzzRequest, status: number, body: string, sealed: boolean) => boolean }[] = [
  {
    why: 'sealed: Vault answers 503 "Vault is sealed"',
    test: (_r, status, _b, sealed) => sealed && status === 503,
  },
  {
    why: 'sys/health answers the status code the client asked for (activecode=, sealedcode=, …)',
    test: (r, status) => normalisedPath(r.target).startsWith('sys/health') && new RegExp(`code=\\+?0*${status}(?:&|$)`).test(r.target),
  },
  {
    why: 'documented upstream 502: the database engine, the Kubernetes TokenReview or the kubernetes secrets engine could not reach their (closed) server',
    test: (r, status) => status === 502 && (r.mount === 'database/' || r.mount === 'auth/kubernetes/' || r.mount === 'kubernetes/'),
  },
  {
    why: "Vault parity: the database engine answers 500 when a role names a connection that no longer exists (Vault's DatabaseConfig error is internal)",
    test: (r, status, body) => status === 500 && r.mount === 'database/' && body.includes('failed to find entry for connection'),
  },
];

/**
 * True when a 4xx body has a shape Vault uses: `{"errors":[...]}`, or the full response
 * envelope (KV v2's 404 for an invalid path carries only `warnings`; transit batch
 * failures answer 400 with `data.batch_results`).
 */
function vaultShaped(body: string): boolean {
  try {
    const v = JSON.parse(body) as { errors?: unknown; request_id?: unknown };
    return Array.isArray(v.errors) || typeof v.request_id === 'string';
  } catch {
    return false;
  }
}

/** The request carries a duration Vault cannot represent (a body field or X-Vault-Wrap-TTL). */
function acceptsOverflow(r: FuzzRequest): boolean {
  // Notes read `field=label field=label`, after an optional `all: `.
  if (r.generator === 'duration' && r.note.split(' ').some((part) => OVERFLOW_DURATIONS.some((l) => part.endsWith(`=${l}`)))) return true;
  return r.headers.some(([k, v]) => k === 'X-Vault-Wrap-TTL' && OVERFLOW_DURATION_TEXTS.has(v));
}

export function judge(r: FuzzRequest, o: Outcome, sealed: boolean): Verdict {
  if (o.kind === 'timeout') return { ok: false, kind: 'timeout', reason: `no complete answer within ${Math.round(o.ms)} ms${o.partial ? `; received ${JSON.stringify(o.partial.slice(0, 120))}` : ''}` };
  if (o.kind === 'reset') return { ok: false, kind: 'reset', reason: `connection ended without an answer (${o.error ?? 'closed'})${o.partial ? `; received ${JSON.stringify(o.partial.slice(0, 120))}` : ''}` };
  if (o.kind !== 'answer') return { ok: false, kind: 'crash', reason: 'connection refused: the server is gone' };
  const body = o.body.toString('utf8');
  if (o.status >= 500) {
    if (ALLOWED_5XX.some((a) => a.test(r, o.status, body, sealed))) return { ok: true };
    if (!sealed && o.status === 503 && body.includes('Vault is sealed')) return { ok: false, kind: 'unexpected-seal', reason: 'the server is sealed outside a scheduled window' };
    return { ok: false, kind: 'server-error', reason: `${o.status} ${body.slice(0, 300)}` };
  }
  if (o.status >= 400 && r.method !== 'HEAD' && body !== '' && !vaultShaped(body)) return { ok: true, note: `${o.status} without Vault's {"errors":[...]} body` };
  if (o.interim.length > 0 && !r.headers.some(([k]) => k.toLowerCase() === 'expect')) return { ok: true, note: `interim ${o.interim.join(',')} before the answer` };
  if (o.status < 300 && acceptsOverflow(r)) return { ok: true, note: 'a duration beyond int64 nanoseconds was accepted (Vault answers 400)' };
  if (o.ms > 1000) return { ok: true, note: 'answered in more than 1 s' };
  return { ok: true };
}
