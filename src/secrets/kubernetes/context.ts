/**
 * What the kubernetes engine's paths share: the mount's TTL view, logging, and how to
 * reach the API server: the stored config, else the pod's in-cluster defaults (the
 * KUBERNETES_SERVICE_HOST/PORT env vars and the mounted service-account token and CA),
 * unless `disable_local_ca_jwt`. The token file is re-read per call: projected tokens rotate.
 */
import { readFile } from 'node:fs/promises';
import { badRequest } from '../../sdk/errors.js';
import type { Logger, SystemView } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import type { KubeConn } from './kube-http.js';
import { getConfig, type KubeEngineConfig } from './store.js';

export const LOCAL_SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeEngineContext {
  system: SystemView;
  logger: Logger;
  /** The in-cluster environment; injectable so tests need not be inside a pod. */
  env: Record<string, string | undefined>;
  serviceAccountDir: string;
}

async function readLocal(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return '';
  }
}

/** The in-cluster API server address, or the env vars that are missing. */
export function inClusterHost(env: Record<string, string | undefined>): { host: string } | { missing: string[] } {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  const missing = [...(host === '' ? ['KUBERNETES_SERVICE_HOST'] : []), ...(port === '' ? ['KUBERNETES_SERVICE_PORT'] : [])];
  if (missing.length > 0) return { missing };
  return { host: `https://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

export async function connectionFor(ctx: KubeEngineContext, config: KubeEngineConfig | null): Promise<KubeConn> {
  const c = config ?? { kubernetes_host: '', kubernetes_ca_cert: '', service_account_jwt: '', disable_local_ca_jwt: false };
  const local = !c.disable_local_ca_jwt;
  let host = c.kubernetes_host;
  if (host === '') {
    const found = local ? inClusterHost(ctx.env) : { missing: ['kubernetes_host'] };
    if ('missing' in found) throw badRequest(`kubernetes_host is not configured and the in-cluster defaults are missing: ${found.missing.join(', ')}`);
    host = found.host;
  }
  const caCert = c.kubernetes_ca_cert || (local ? await readLocal(`${ctx.serviceAccountDir}/ca.crt`) : '');
  const token = c.service_account_jwt || (local ? await readLocal(`${ctx.serviceAccountDir}/token`) : '');
  return { host, caCert, token };
}

export async function connection(ctx: KubeEngineContext, storage: Storage): Promise<KubeConn> {
  return connectionFor(ctx, await getConfig(storage));
}
