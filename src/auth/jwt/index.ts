/**
 * The JWT/OIDC auth method (mounted as type `jwt` or `oidc`; one backend): workloads log
 * in with a JWT their platform signed (CI OIDC tokens, Kubernetes service-account tokens
 * through the cluster's discovery document), verified against static keys, a JWKS URL or
 * OIDC discovery. Paths: `config`, `role/<name>`, LIST `role`, unauthenticated `login`.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { BackendFactory } from '../../sdk/logical.js';
import { KeySetCache } from './keyset.js';
import { configPath } from './path-config.js';
import { loginPath, renewAuth } from './path-login.js';
import { roleListPath, rolePath } from './path-role.js';

export interface JwtAuthOptions {
  /** Time source for the JWT time claims (epoch ms). */
  now?: () => number;
  /** Bound on each request to the issuer (discovery, JWKS), in ms (default 10 s). */
  timeoutMs?: number;
}

export function createJwtAuthFactory(o: JwtAuthOptions = {}): BackendFactory {
  return async (config) => {
    const keys = new KeySetCache(o.timeoutMs ?? 10_000);
    return defineBackend({
      type: config.mountType === 'oidc' ? 'oidc' : 'jwt',
      kind: 'auth',
      specialPaths: { unauthenticated: ['login'] },
      paths: [configPath(keys), roleListPath, rolePath, loginPath({ keys, nowMs: o.now ?? (() => Date.now()) })],
      renewAuth,
      help: 'The JWT/OIDC auth method verifies JWTs signed by a trusted issuer.',
    });
  };
}

export const jwtAuthFactory: BackendFactory = createJwtAuthFactory();
