/**
 * The gcp auth method, iam type: a workload logs in with a JWT signed by its service
 * account (iamcredentials signJwt) or a Google identity token, verified against Google's
 * public keys (README). Paths: `config`, `role/<name>`, LIST `role`/`roles`, `login`.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { BackendFactory } from '../../sdk/logical.js';
import { configPath } from './path-config.js';
import { loginPath, renewAuth } from './path-login.js';
import { roleListPaths, rolePath } from './path-role.js';

export interface GcpAuthOptions {
  /** Bound on each key fetch, in milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Time source for JWT lifetime checks (epoch ms). */
  now?: () => number;
}

export function createGcpAuthFactory(o: GcpAuthOptions = {}): BackendFactory {
  return async () =>
    defineBackend({
      type: 'gcp',
      kind: 'auth',
      specialPaths: { unauthenticated: ['login'] },
      paths: [configPath, ...roleListPaths, rolePath, loginPath({ timeoutMs: o.timeoutMs ?? 10_000, nowMs: o.now ?? (() => Date.now()) })],
      renewAuth,
      help: 'The gcp auth method verifies service-account JWTs against Google public keys.',
    });
}

export const gcpAuthFactory: BackendFactory = createGcpAuthFactory();
