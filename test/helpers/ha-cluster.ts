/**
 * Several Ward nodes in this process on one in-memory HA engine, each with a real API
 * listener and a real cluster listener on free loopback ports: the HA tests' cluster.
 * Node 0 initialises; every node is unsealed and then settles as active or standby.
 */
import { WardCore } from '../../src/core/core.js';
import type { ClusterListener } from '../../src/core/ha/cluster-listener.js';
import { createHandler } from '../../src/http/handler.js';
import { startListener, type Listener, type RequestHandler } from '../../src/http/listener.js';
import type { Duplex } from 'node:stream';
import type { Server } from 'node:http';
import { silentLogger } from '../../src/sdk/logical.js';
import { startClusterFor } from '../../src/server/cluster.js';
import { InmemHaEngine } from '../../src/storage/inmem/inmem-ha.js';
import { InmemPhysical } from '../../src/storage/inmem/inmem-physical.js';
import { waitFor } from './wait.js';
import type { BackendRegistry } from '../../src/core/router/registry.js';

export interface HaNode {
  url: string;
  clusterUrl: string;
  core: WardCore;
  physical: InmemPhysical;
  cluster: ClusterListener | null;
  /** Seals and closes the node's listeners and store (it leaves the cluster). */
  close(): Promise<void>;
}

export interface HaCluster {
  engine: InmemHaEngine;
  nodes: HaNode[];
  rootToken: string;
  unsealKey: string;
  /** The node that currently reports itself active (waits for one). */
  active(): Promise<HaNode>;
  close(): Promise<void>;
}

export interface HaClusterOptions {
  nodes?: number;
  stepDownBackoffMs?: number;
  echoIntervalMs?: number;
  /** `disable_clustering`: no cluster listeners, standbys only redirect. */
  disableClustering?: boolean;
  /** `performance_standby`: standbys serve reads themselves. */
  performanceStandby?: boolean;
  /** Backends beyond the built-in ones (test engines), on every node. */
  registry?: () => BackendRegistry;
}

async function startNode(engine: InmemHaEngine, o: HaClusterOptions): Promise<HaNode> {
  const physical = InmemPhysical.shared(engine);
  let handler: RequestHandler = (_req, res) => res.destroy();
  // The handler exists only once the core does: both requests and upgrades go to it then.
  const front: RequestHandler = Object.assign((req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => handler(req, res), {
    upgrade: (req: Parameters<RequestHandler>[0], socket: Duplex, head: Buffer, server?: Server) => (handler.upgrade ? handler.upgrade(req, socket, head, server) : socket.destroy()),
  });
  const api: Listener = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, front);
  let core!: WardCore;
  const cluster: ClusterListener | null = o.disableClustering ? null : await startClusterFor(() => core, '127.0.0.1:0', silentLogger);
  core = new WardCore({
    physical,
    logger: silentLogger,
    ...(o.registry ? { registry: o.registry() } : {}),
    ha: {
      apiAddr: api.url,
      clusterAddr: cluster?.url ?? '',
      clusterListener: cluster,
      stepDownBackoffMs: o.stepDownBackoffMs ?? 3000,
      echoIntervalMs: o.echoIntervalMs ?? 200,
      ...(o.performanceStandby ? { performanceStandby: true } : {}),
    },
  });
  handler = createHandler(core, { logger: silentLogger });
  let closed = false;
  return {
    url: api.url,
    clusterUrl: cluster?.url ?? '',
    core,
    physical,
    cluster,
    async close() {
      if (closed) return;
      closed = true;
      await api.close(500);
      await cluster?.close();
      await core.shutdown();
    },
  };
}

export async function startHaCluster(o: HaClusterOptions = {}): Promise<HaCluster> {
  const engine = new InmemHaEngine({ lockTtlMs: 2000 });
  const nodes: HaNode[] = [];
  try {
    for (let i = 0; i < (o.nodes ?? 3); i++) nodes.push(await startNode(engine, o));
    const init = await nodes[0]!.core.init(1, 1);
    const unsealKey = init.keys[0]!;
    for (const n of nodes) await n.core.unseal(unsealKey, false);
    const active = async (): Promise<HaNode> =>
      waitFor('an active node', async () => {
        for (const n of nodes) if ((await n.core.leader()).is_self) return n;
        return undefined;
      });
    await active();
    return {
      engine,
      nodes,
      rootToken: init.root_token,
      unsealKey,
      active,
      async close() {
        for (const n of nodes) await n.close();
      },
    };
  } catch (e) {
    for (const n of nodes) await n.close();
    throw e;
  }
}
