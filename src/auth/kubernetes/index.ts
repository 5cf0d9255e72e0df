/**
 * The Kubernetes auth method: pods log in with their service-account JWT, which the
 * Kubernetes API server vouches for through TokenReview. Paths: `config`, `role/<name>`,
 * LIST `role`, and the unauthenticated `login`.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { BackendFactory } from '../../sdk/logical.js';
import { configPath } from './path-config.js';
import { loginPath, renewAuth } from './path-login.js';
import { roleListPath, rolePath } from './path-role.js';

/** Where a pod's own service-account token and cluster CA are mounted. */
export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubernetesAuthOptions {
  /** Overrides the pod service-account directory (tests). */
  serviceAccountDir?: string;
  /** Bound on each call to the API server, in milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Time source for JWT lifetime checks (epoch ms). */
  now?: () => number;
}

/** A factory with injected environment; `kubernetesAuthFactory` is the production one. */
export function createKubernetesAuthFactory(o: KubernetesAuthOptions = {}): BackendFactory {
  return async (config) =>
    defineBackend({
      type: 'kubernetes',
      kind: 'auth',
      specialPaths: { unauthenticated: ['login'] },
      paths: [
        configPath,
        roleListPath,
        rolePath,
        loginPath({
          serviceAccountDir: o.serviceAccountDir ?? DEFAULT_SERVICE_ACCOUNT_DIR,
          timeoutMs: o.timeoutMs ?? 10_000,
          nowMs: o.now ?? (() => Date.now()),
          logger: config.logger,
        }),
      ],
      renewAuth,
      help: 'The Kubernetes auth method validates service-account JWTs through the TokenReview API.',
    });
}

export const kubernetesAuthFactory: BackendFactory = createKubernetesAuthFactory();
