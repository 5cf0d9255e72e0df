/**
 * HA wiring for `ward server`: which store elects (the data store, or `ha_storage`), this
 * node's api_addr and cluster_addr, and the cluster listener through which standbys
 * forward client requests and send heartbeats. The core gets the listener in its HA
 * options (it installs the cluster certificate while active); the listener calls back
 * into the core, hence the getter.
 */
import { startClusterListener, type ClusterListener } from '../core/ha/cluster-listener.js';
import type { CoreHaOptions } from '../core/ha/core-ha.js';
import type { WardCore } from '../core/core.js';
import { createHandler } from '../http/handler.js';
import { parseAddress } from '../http/listener.js';
import type { Logger } from '../sdk/logical.js';
import type { PhysicalBackend } from '../storage/physical.js';
import type { ServerConfig } from './config.js';

export function startClusterFor(core: () => WardCore, address: string, logger: Logger): Promise<ClusterListener> {
  let api: ReturnType<typeof createHandler> | null = null;
  return startClusterListener({
    address: parseAddress(address),
    api: (req, res) => {
      api ??= createHandler(core(), { logger, forwardedFromStandby: true });
      api(req, res);
    },
    isActive: () => core().isHaActive(),
    onEcho: (info) => core().recordHaEcho(info),
  });
}

export interface HaSetup {
  /** For CoreOptions.ha; undefined when no store can elect (HA off). */
  options: CoreHaOptions | undefined;
  close(): Promise<void>;
}

/** Vault's default: the cluster port is the API port + 1 on the same host. */
export function defaultClusterAddress(apiAddress: string): string {
  const { host, port } = parseAddress(apiAddress);
  const h = host.includes(':') ? `[${host}]` : host;
  return `${h}:${port === 0 ? 0 : port + 1}`;
}

/** The api_addr set for this node, if any: as Vault, the environment wins over the file (a pod spec sets it from the pod's IP). */
export function configuredApiAddr(config: ServerConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return ['WARD_API_ADDR', 'VAULT_API_ADDR', 'VAULT_REDIRECT_ADDR', 'VAULT_ADVERTISE_ADDR'].map((n) => env[n]).find((v) => v !== undefined && v !== '') ?? config.apiAddr;
}

/**
 * Decides HA for a server: `physical` is the data store, `haPhysical` the opened
 * `ha_storage` (if configured). Starts the cluster listener unless clustering is disabled.
 */
export async function setUpHa(
  config: ServerConfig,
  physical: PhysicalBackend,
  haPhysical: PhysicalBackend | null,
  core: () => WardCore,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HaSetup> {
  if (haPhysical !== null && haPhysical.ha === undefined) {
    throw new Error(`ha_storage "${haPhysical.name}" has high availability turned off: set ha_enabled = "true" in it`);
  }
  const backend = haPhysical?.ha ?? physical.ha;
  if (backend === undefined) return { options: undefined, close: async () => {} };
  if (haPhysical !== null) {
    // The engine can only refuse a write conditioned on a lock it holds itself.
    logger.warn(`ha_storage: the HA lock is in ${haPhysical.name} and the data in ${physical.name}, so the data store does not fence writes: a paused active that lost the lock is stopped by Ward, not refused by the engine. Keep lock and data in one engine (ha_enabled in storage) for engine-side fencing`);
  }
  const first = config.listeners[0];
  if (first === undefined) throw new Error('high availability needs a listener "tcp" stanza (standbys redirect clients to its address)');
  const fromEnv = (...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const configured = configuredApiAddr(config, env);
  const apiAddr = configured ?? `${first.tlsDisable ? 'http' : 'https'}://${first.address}`;
  if (configured === undefined) logger.warn('api_addr is not set; standbys will redirect clients to the first listener address', { api_addr: apiAddr });
  let cluster: ClusterListener | null = null;
  let clusterAddr = '';
  if (!config.ha.disableClustering) {
    cluster = await startClusterFor(core, first.clusterAddress ?? defaultClusterAddress(first.address), logger);
    const bound = new URL(cluster.url);
    clusterAddr = fromEnv('WARD_CLUSTER_ADDR', 'VAULT_CLUSTER_ADDR') ?? config.ha.clusterAddr ?? `https://${new URL(apiAddr).host.replace(/:\d+$/, '')}:${bound.port}`;
    logger.info('cluster listener started', { cluster_listener: cluster.url, cluster_addr: clusterAddr });
  }
  return {
    options: { apiAddr, clusterAddr, clusterListener: cluster, ...(haPhysical !== null ? { backend } : {}), ...(config.ha.performanceStandby ? { performanceStandby: true } : {}) },
    async close() {
      await cluster?.close();
      await haPhysical?.close();
    },
  };
}
