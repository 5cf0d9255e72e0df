/**
 * The JWT/OIDC auth method (mounted as type `jwt` or `oidc`; one backend): workloads log
 * in with a JWT their platform signed (CI OIDC tokens, Kubernetes service-account tokens
 * through the cluster's discovery document), verified against static keys, a JWKS URL or
 * OIDC discovery; people log in through the OIDC browser flow. Paths: `config`,
 * `role/<name>`, LIST `role`, and the unauthenticated `login`, `oidc/auth_url`, `oidc/callback`.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { BackendFactory } from '../../sdk/logical.js';
import { KeySetCache } from './keyset.js';
import { configPath } from './path-config.js';
import { PendingLogins } from './oidc-state.js';
import { loginPath, renewAuth } from './path-login.js';
import { authUrlPath, callbackPath } from './path-oidc.js';
import { roleListPath, rolePath } from './path-role.js';

export interface JwtAuthOptions {
  /** Time source for the JWT time claims (epoch ms). */
  now?: () => number;
  /**
   * Bound on fetching keys from the issuer (discovery and JWKS together) and on the code
   * exchange, in ms. Default 4 s: a login or config write waits at most this long for a
   * slow issuer, well inside the server's own answer deadlines.
   */
  timeoutMs?: number;
}

export function createJwtAuthFactory(o: JwtAuthOptions = {}): BackendFactory {
  return async (config) => {
    const timeoutMs = o.timeoutMs ?? 4_000;
    const nowMs = o.now ?? (() => Date.now());
    const keys = new KeySetCache(timeoutMs, nowMs);
    const oidc = { keys, pending: new PendingLogins(nowMs), nowMs, timeoutMs, logger: config.logger };
    return defineBackend({
      type: config.mountType === 'oidc' ? 'oidc' : 'jwt',
      kind: 'auth',
      specialPaths: { unauthenticated: ['login', 'oidc/auth_url', 'oidc/callback'] },
      paths: [configPath(keys), roleListPath, rolePath, loginPath({ keys, nowMs }), authUrlPath(oidc), callbackPath(oidc)],
      renewAuth,
      help: 'The JWT/OIDC auth method verifies JWTs signed by a trusted issuer.',
    });
  };
}

export const jwtAuthFactory: BackendFactory = createJwtAuthFactory();
