/**
 * Starts the cluster listener for a core: the pinned mutual-TLS port through which
 * standbys forward client requests and send heartbeats. The core gets the listener in its
 * HA options (it installs the cluster certificate while active); the listener calls back
 * into the core, hence the getter.
 */
import { startClusterListener, type ClusterListener } from '../core/ha/cluster-listener.js';
import type { WardCore } from '../core/core.js';
import { createHandler } from '../http/handler.js';
import { parseAddress } from '../http/listener.js';
import type { Logger } from '../sdk/logical.js';

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
