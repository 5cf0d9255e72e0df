/**
 * Starting the configured service registration for `ward server`. Only "kubernetes" exists.
 * The in-cluster paths can be moved with WARD_K8S_SERVICEACCOUNT_DIR (a directory holding
 * `token` and `ca.crt`), for platforms that mount them elsewhere and for tests.
 */
import { join } from 'node:path';
import type { Logger } from '../../sdk/logical.js';
import type { ServiceRegistrationConfig } from '../config-service-registration.js';
import { DEFAULT_SERVICE_ACCOUNT_DIR, inClusterApiUrl, KubernetesRegistration } from './kubernetes.js';
import { coreProbe, PollingStateSource, type CoreLike } from './node-state.js';

export interface ServiceRegistrationHandle {
  /** Stops following the node and marks it sealed and not active, within a few seconds. */
  stop(): Promise<void>;
}

/** Checks what can be checked before anything starts (throws a message for the operator). */
export function prepareServiceRegistration(config: ServiceRegistrationConfig, env: NodeJS.ProcessEnv = process.env): { apiUrl: string; saDir: string } {
  switch (config.type) {
    case 'kubernetes':
      return { apiUrl: inClusterApiUrl(env), saDir: env['WARD_K8S_SERVICEACCOUNT_DIR'] || DEFAULT_SERVICE_ACCOUNT_DIR };
  }
}

export async function startServiceRegistration(
  config: ServiceRegistrationConfig,
  prepared: { apiUrl: string; saDir: string },
  core: CoreLike,
  version: string,
  logger: Logger,
): Promise<ServiceRegistrationHandle> {
  const source = await PollingStateSource.start(coreProbe(core), {
    onError: (e) => logger.debug('service registration: could not read the node state', { error: e instanceof Error ? e.message : String(e) }),
  });
  const registration = new KubernetesRegistration({
    namespace: config.namespace,
    podName: config.podName,
    apiUrl: prepared.apiUrl,
    tokenPath: join(prepared.saDir, 'token'),
    caPath: join(prepared.saDir, 'ca.crt'),
    version,
    source,
    logger,
  });
  registration.start();
  logger.info('service registration: labelling the pod', { pod: `${config.namespace}/${config.podName}`, api_server: prepared.apiUrl });
  return {
    async stop() {
      source.stop();
      await registration.stop({ ...source.current(), sealed: true, active: false, performanceStandby: false });
    },
  };
}
