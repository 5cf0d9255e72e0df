/**
 * Authorization codes: held in memory only (as Vault's cache), for five minutes, and
 * handed out once. A code never reaches storage or a log; a restart simply voids the
 * codes in flight, which the relying party answers by starting the login again.
 */
import { randomBase62 } from '../../lib/ids.js';

export interface AuthCodeGrant {
  provider: string;
  clientId: string;
  entityId: string;
  redirectUri: string;
  nonce: string;
  scopes: string[];
  /** Epoch seconds of the token's login when max_age was asked for, else 0. */
  authTime: number;
  /** PKCE: empty when the request sent no code_challenge. */
  challenge: string;
  method: string;
}

const CODE_TTL_MS = 5 * 60_000;

export class AuthCodes {
  private readonly codes = new Map<string, { grant: AuthCodeGrant; expireAt: number }>();

  constructor(private readonly clockMs: () => number) {}

  issue(grant: AuthCodeGrant): string {
    const now = this.clockMs();
    // Expired codes go whenever a new one is made, so the map stays bounded by the rate of logins.
    for (const [c, e] of this.codes) if (e.expireAt <= now) this.codes.delete(c);
    const code = randomBase62(32);
    this.codes.set(code, { grant, expireAt: now + CODE_TTL_MS });
    return code;
  }

  /** The grant, removed on the first call; null when unknown, used or expired. */
  take(code: string): AuthCodeGrant | null {
    const e = this.codes.get(code);
    if (!e) return null;
    this.codes.delete(code);
    return e.expireAt > this.clockMs() ? e.grant : null;
  }
}
