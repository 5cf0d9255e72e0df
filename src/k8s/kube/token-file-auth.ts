/**
 * Bearer token from a file that the kubelet rotates (projected service-account tokens are
 * replaced well before they expire, by an atomic symlink swap). client-node's own tokenFile
 * provider re-reads only every 60 s; this one re-reads as soon as the file changes (checked
 * by stat on each request, which is cheap next to the request itself), so a rotated token
 * is used on the next call and an expired one never lingers.
 */
import { readFileSync, statSync } from 'node:fs';
import type { KubeConfig, User } from '@kubernetes/client-node';

/** client-node's Authenticator interface (not re-exported by its index). */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

export const TOKEN_FILE_PROVIDER = 'ward-token-file';

export class TokenFileAuth implements Authenticator {
  #stamp = '';
  #token = '';

  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === TOKEN_FILE_PROVIDER;
  }

  async applyAuthentication(user: User, opts: { headers?: unknown }): Promise<void> {
    const path = String(user.authProvider?.config?.['path'] ?? '');
    try {
      const st = statSync(path);
      const stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
      if (stamp !== this.#stamp) {
        // Trimmed: a token file written by hand often ends in a newline, which is not part of the token.
        this.#token = readFileSync(path, 'utf8').trim();
        this.#stamp = stamp;
      }
    } catch (e) {
      throw new Error(`service-account token ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const headers = (opts.headers ??= {}) as Record<string, string>;
    headers['Authorization'] = `Bearer ${this.#token}`;
  }
}
