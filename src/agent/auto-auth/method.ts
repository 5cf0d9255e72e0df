/** The auto-auth method contract and the simple methods (kubernetes, token_file). */
import { readFileSync } from 'node:fs';
import type { WardClient } from '../../api/index.js';

/** A token obtained by a method: what the renewal loop needs to keep it alive. */
export type AuthResult = {
  token: string;
  /** Seconds; 0 for a token that never expires. */
  leaseDuration: number;
  renewable: boolean;
};

/** One auto-auth method: logs in with a platform identity and returns a token. */
export interface AuthMethod {
  readonly name: string;
  /** Logs in with `client` (which holds no token). Throws with a message fit for the log. */
  authenticate(client: WardClient): Promise<AuthResult>;
  /**
   * Methods whose credentials can change under them (a JWT file rewritten) watch for that
   * and call `onNew`; the handler then logs in again at once (Vault's NewCreds). Returns a
   * function that stops the watch.
   */
  watchCredentials?(onNew: () => void): () => void;
  /** Releases what the method holds (a TLS client). */
  close?(): void;
}

/** The token from an `auth` block of a login response. */
export function fromAuth(body: { auth?: { client_token: string; lease_duration: number; renewable: boolean } | null } | null, what: string): AuthResult {
  const a = body?.auth;
  if (!a?.client_token) throw new Error(`${what}: the response carried no auth token`);
  return { token: a.client_token, leaseDuration: a.lease_duration ?? 0, renewable: a.renewable ?? false };
}

/** Reads a credential file, trimmed; a missing or empty file is an error naming it. */
export function readCredential(path: string, what: string): string {
  let v: string;
  try {
    v = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new Error(`cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (v === '') throw new Error(`${what} file ${path} is empty`);
  return v;
}

/** Kubernetes: logs in with the pod's service-account JWT, re-read at each login (projected tokens rotate). */
export class KubernetesMethod implements AuthMethod {
  readonly name = 'kubernetes';
  constructor(
    private readonly mount: string,
    private readonly role: string,
    private readonly tokenPath: string,
  ) {}

  async authenticate(client: WardClient): Promise<AuthResult> {
    const jwt = readCredential(this.tokenPath, 'service account token');
    const res = await client.login(this.mount, { role: this.role, jwt });
    return fromAuth(res.body, `auth/${this.mount}/login`);
  }
}

/** token_file: an existing token from a file; its TTL comes from a self lookup. */
export class TokenFileMethod implements AuthMethod {
  readonly name = 'token_file';
  constructor(private readonly path: string) {}

  async authenticate(client: WardClient): Promise<AuthResult> {
    const token = readCredential(this.path, 'token');
    const data = (await client.tokenLookupSelf(token)).body?.data ?? {};
    const ttl = typeof data['ttl'] === 'number' ? data['ttl'] : 0;
    return { token, leaseDuration: ttl, renewable: data['renewable'] === true };
  }
}
