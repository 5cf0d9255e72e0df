/**
 * The `kubernetes` secrets engine: Kubernetes service-account tokens under leases
 * (`creds/<role>`), for an existing account, a new account bound to an existing Role or
 * ClusterRole, or a new account with a generated role. Revocation deletes what was created.
 * At mount start it finishes rollbacks that a crash interrupted (see issue.ts).
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, BackendConfig, BackendFactory } from '../../sdk/logical.js';
import { connection, LOCAL_SA_DIR, type KubeEngineContext } from './context.js';
import { finishRollbacks } from './issue.js';
import { configPaths } from './path-config.js';
import { credsPath, KUBE_TOKEN_TYPE, kubeTokenSecretType } from './path-creds.js';
import { rolePaths } from './path-roles.js';

export interface KubeEngineOptions {
  env?: Record<string, string | undefined>;
  serviceAccountDir?: string;
  /** How often a running mount retries rollbacks that failed (default 1 min). */
  rollbackIntervalMs?: number;
  /**
   * Only records at least this old are swept while running (default 5 min): younger ones
   * may belong to a request still in flight (each API call has a 15 s deadline).
   */
  rollbackMinAgeMs?: number;
}

export function createKubernetesSecretsBackend(config: BackendConfig, o: KubeEngineOptions = {}): { backend: Backend; recovered: Promise<number> } {
  const ctx: KubeEngineContext = {
    system: config.system,
    logger: config.logger,
    env: o.env ?? process.env,
    serviceAccountDir: o.serviceAccountDir ?? LOCAL_SA_DIR,
  };
  let timer: NodeJS.Timeout | undefined;
  const backend = defineBackend({
    type: 'kubernetes',
    kind: 'secret',
    paths: [...configPaths(ctx), ...rolePaths(), credsPath(ctx)],
    secretTypes: { [KUBE_TOKEN_TYPE]: kubeTokenSecretType(ctx) },
    help: 'The kubernetes secrets engine issues Kubernetes service-account tokens and the objects behind them under leases.',
    async cleanup() {
      if (timer !== undefined) clearInterval(timer);
      await sweeping;
    },
  });
  // One sweep at a time; a sweep never throws (failures are logged and retried later).
  let sweeping: Promise<number> = Promise.resolve(0);
  const sweep = (before: number): Promise<number> => {
    sweeping = sweeping.then(() =>
      finishRollbacks(() => connection(ctx, config.storage), config.storage, config.logger, before).catch((e: unknown) => {
        config.logger.warn('kubernetes: could not finish interrupted rollbacks', { error: e instanceof Error ? e.message : String(e) });
        return 0;
      }),
    );
    return sweeping;
  };
  // A read-only copy (a performance standby) never sweeps: its records may belong to the
  // active node's requests in flight, and it could not delete a record anyway.
  if (config.system.readOnly?.() === true) return { backend, recovered: Promise.resolve(0) };
  // At start every record is from an earlier run. In the background: an unreachable API
  // server must not hold up mounting or unsealing.
  const recovered = sweep(Date.now());
  const minAge = o.rollbackMinAgeMs ?? 5 * 60_000;
  timer = setInterval(() => void sweep(Date.now() - minAge), o.rollbackIntervalMs ?? 60_000);
  timer.unref();
  return { backend, recovered };
}

export const kubernetesSecretsFactory: BackendFactory = async (config) => createKubernetesSecretsBackend(config).backend;
