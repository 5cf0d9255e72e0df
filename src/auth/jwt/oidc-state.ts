/**
 * Pending OIDC browser logins, by state, in this node's memory (as Vault keeps them):
 * each lives ten minutes and is used at most once. The auth_url endpoint is
 * unauthenticated, so the table is bounded: past the cap the oldest pending login is
 * dropped rather than letting anonymous callers grow the heap.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface PendingLogin {
  role: string;
  redirectUri: string;
  nonce: string;
  codeVerifier: string;
  clientNonce: string;
  /** Set by a form_post callback; a later GET with code=no_code uses it. */
  code: string;
  expiresAtMs: number;
}

const TTL_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

const token = (): string => randomBytes(32).toString('base64url');

/** RFC 7636 S256: base64url(SHA-256(verifier)). */
export const codeChallenge = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

export class PendingLogins {
  private readonly byState = new Map<string, PendingLogin>();

  constructor(private readonly nowMs: () => number) {}

  create(o: { role: string; redirectUri: string; clientNonce: string }): { state: string; login: PendingLogin } {
    this.sweep();
    while (this.byState.size >= MAX_PENDING) {
      const oldest = this.byState.keys().next().value as string;
      this.byState.delete(oldest);
    }
    const state = token();
    const login: PendingLogin = { ...o, nonce: token(), codeVerifier: token(), code: '', expiresAtMs: this.nowMs() + TTL_MS };
    this.byState.set(state, login);
    return { state, login };
  }

  /** Records a form_post code; the login stays pending. */
  amend(state: string, code: string): PendingLogin | null {
    const l = this.live(state);
    if (l) l.code = code;
    return l;
  }

  /** The pending login, removed: a state completes at most one login. */
  take(state: string): PendingLogin | null {
    const l = this.live(state);
    this.byState.delete(state);
    return l;
  }

  private live(state: string): PendingLogin | null {
    const l = this.byState.get(state);
    if (!l) return null;
    if (l.expiresAtMs <= this.nowMs()) {
      this.byState.delete(state);
      return null;
    }
    return l;
  }

  private sweep(): void {
    const now = this.nowMs();
    for (const [s, l] of this.byState) if (l.expiresAtMs <= now) this.byState.delete(s);
  }
}
