/**
 * The azure auth method: a VM or scale set logs in with its managed-identity access token,
 * verified through the tenant's OIDC discovery and JWKS (README). Paths: `config`,
 * `role/<name>`, LIST `role`/`roles`, `login`.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { BackendFactory } from '../../sdk/logical.js';
import { configPath } from './path-config.js';
import { loginPath, renewAuth } from './path-login.js';
import { roleListPaths, rolePath } from './path-role.js';

export interface AzureAuthOptions {
  timeoutMs?: number;
  now?: () => number;
}

export function createAzureAuthFactory(o: AzureAuthOptions = {}): BackendFactory {
  return async () =>
    defineBackend({
      type: 'azure',
      kind: 'auth',
      specialPaths: { unauthenticated: ['login'] },
      paths: [configPath, ...roleListPaths, rolePath, loginPath({ timeoutMs: o.timeoutMs ?? 10_000, nowMs: o.now ?? (() => Date.now()) })],
      renewAuth,
      help: 'The azure auth method verifies managed-identity tokens through the tenant OIDC discovery.',
    });
}

export const azureAuthFactory: BackendFactory = createAzureAuthFactory();
