/**
 * Multi-process HA clusters for tests and benchmarks: N real `bin/ward server` processes on
 * one 3-member etcd cluster or one PostgreSQL (a fresh schema), each on its own loopback
 * api/cluster ports with api_addr/cluster_addr, ha_enabled, a short lock_timeout (so a
 * failover fits in seconds) and a static seal, so every node (and every restart) unseals
 * itself with no human step. Nodes can be killed (-9), paused (SIGSTOP), resumed and
 * restarted on the same ports; close() stops everything, also after a failed test.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEtcd, type TestEtcd } from './etcd.js';
import { startPgStorageEnv, type PgStorageEnv } from './pg-storage.js';
import { configDir, freePort, spawnWard, type ConfigDir, type WardProcess } from './process.js';
import { waitFor } from './wait.js';

export type Engine = 'etcd' | 'postgresql';

export interface WardNode {
  name: string;
  /** http://127.0.0.1:<api port>: also its api_addr. */
  url: string;
  clusterAddr: string;
  proc: WardProcess | null;
  readonly running: boolean;
  /** Starts the process (again) on the same ports and config; does not wait. */
  start(): void;
  /** SIGKILL (resuming it first if paused); resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM: a clean shutdown (releases the lock). */
  stop(): Promise<void>;
  pause(): void;
  resume(): void;
  /** sys/health's status code, or 0 when it does not answer within a second. */
  health(): Promise<number>;
  /** What the process printed (for failure messages). */
  log(): string;
}

export interface WardCluster {
  engine: Engine;
  nodes: WardNode[];
  rootToken: string;
  etcd: TestEtcd | null;
  pg: PgStorageEnv | null;
  /** The PostgreSQL schema holding the nodes' tables (vault_kv_store, vault_ha_locks). */
  pgSchema: string;
  /** Lock TTL in seconds, as configured. */
  lockTimeoutSeconds: number;
  /** Waits for exactly one running node to answer sys/health 200 (the active) and returns it. */
  active(o?: { not?: WardNode; timeoutMs?: number }): Promise<WardNode>;
  /** Waits until every running node is unsealed (active or standby). */
  allUnsealed(timeoutMs?: number): Promise<void>;
  log(): string;
  close(): Promise<void>;
}

export interface ClusterOptions {
  engine: Engine;
  nodes: number;
  /** Seconds; default 3. */
  lockTimeoutSeconds?: number;
  /**
   * Holds the HA lock in this other engine (`ha_storage`), the data staying in `engine`
   * with ha_enabled off. Both engines are started.
   */
  lockIn?: Engine;
  /** `performance_standby = true` on every node. */
  performanceStandby?: boolean;
}

/** Unsealed node: 200 active, 429 standby, 473 performance standby (sys/health's defaults). */
const UNSEALED = new Set([200, 429, 473]);

export function nodeConfig(o: { engine: Engine; storage: string; port: number; clusterPort: number; keyFile: string; lockTimeoutSeconds: number; lock?: { engine: Engine; storage: string }; performanceStandby?: boolean }): string {
  const haStanza = (label: string, engine: Engine, storage: string): string[] => [
    `${label} "${engine}" {`,
    storage,
    `  ha_enabled   = "true"`,
    `  lock_timeout = "${o.lockTimeoutSeconds}s"`,
    `}`,
    ``,
  ];
  return [
    ...(o.lock === undefined ? haStanza('storage', o.engine, o.storage) : [`storage "${o.engine}" {`, o.storage, `}`, ``, ...haStanza('ha_storage', o.lock.engine, o.lock.storage)]),
    `listener "tcp" {`,
    `  address         = "127.0.0.1:${o.port}"`,
    `  cluster_address = "127.0.0.1:${o.clusterPort}"`,
    `  tls_disable     = true`,
    `}`,
    ``,
    `seal "static" {`,
    `  current_key_id = "ha-test-1"`,
    `  current_key    = "file://${o.keyFile}"`,
    `}`,
    ``,
    `api_addr      = "http://127.0.0.1:${o.port}"`,
    `cluster_addr  = "https://127.0.0.1:${o.clusterPort}"`,
    `disable_mlock = true`,
    `allow_root    = true`,
    // Debug: a standby logs why it forwarded a read it could have answered (perf-standby.ts).
    ...(o.performanceStandby ? ['performance_standby = true', 'log_level = "debug"'] : []),
    ``,
  ].join('\n');
}

async function healthOf(url: string): Promise<number> {
  try {
    const r = await fetch(`${url}/v1/sys/health`, { signal: AbortSignal.timeout(1000) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

function makeNode(name: string, dir: ConfigDir, port: number, clusterPort: number, config: string): WardNode {
  const file = dir.write(`${name}.hcl`, config);
  const url = `http://127.0.0.1:${port}`;
  let paused = false;
  const node: WardNode = {
    name,
    url,
    clusterAddr: `https://127.0.0.1:${clusterPort}`,
    proc: null,
    get running() {
      const c = node.proc?.child;
      return c !== undefined && c.exitCode === null && c.signalCode === null;
    },
    start() {
      if (node.running) throw new Error(`${name} is still running`);
      node.proc = spawnWard(['server', `-config=${file}`], url);
    },
    async kill() {
      if (!node.proc) return;
      node.resume();
      await node.proc.kill('SIGKILL');
    },
    async stop() {
      if (!node.proc) return;
      node.resume();
      await node.proc.kill('SIGTERM');
    },
    pause() {
      node.proc?.child.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      if (paused) node.proc?.child.kill('SIGCONT');
      paused = false;
    },
    health: () => healthOf(url),
    log: () => (node.proc ? `--- ${name} (${url})\n${node.proc.stderr()}${node.proc.stdout()}` : ''),
  };
  return node;
}

/** Starts the engine and N nodes, initialises through the first (static seal: recovery keys), waits for all to unseal. */
export async function startWardCluster(o: ClusterOptions): Promise<WardCluster> {
  const lockTimeoutSeconds = o.lockTimeoutSeconds ?? 3;
  const dir = configDir();
  const keyFile = join(dir.dir, 'static-seal.key');
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  let etcd: TestEtcd | null = null;
  let pg: PgStorageEnv | null = null;
  const nodes: WardNode[] = [];
  const log = (): string => nodes.map((n) => n.log()).join('\n');
  const close = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill()));
    await etcd?.stop();
    await pg?.stop();
    dir.cleanup();
  };
  const cluster: WardCluster = {
    engine: o.engine,
    nodes,
    rootToken: '',
    etcd: null,
    pg: null,
    pgSchema: '',
    lockTimeoutSeconds,
    async active(a = {}) {
      return waitFor(
        'one active node',
        async () => {
          const candidates = nodes.filter((n) => n.running && n !== a.not);
          const codes = await Promise.all(candidates.map((n) => n.health()));
          const actives = candidates.filter((_, i) => codes[i] === 200);
          return actives.length === 1 ? actives[0] : undefined;
        },
        { timeoutMs: a.timeoutMs ?? 60_000, intervalMs: 25, context: log },
      );
    },
    async allUnsealed(timeoutMs = 60_000) {
      await waitFor(
        'every node to be unsealed',
        async () => (await Promise.all(nodes.filter((n) => n.running).map((n) => n.health()))).every((c) => UNSEALED.has(c)),
        { timeoutMs, context: log },
      );
    },
    log,
    close,
  };
  try {
    const stanzaFor = async (engine: Engine): Promise<string> => {
      if (engine === 'etcd') {
        etcd = cluster.etcd = await startEtcd(3);
        return [`  address      = "${etcd.address}"`, `  path         = "/ward-ha/"`].join('\n');
      }
      pg = cluster.pg = await startPgStorageEnv();
      const fresh = await pg.freshUrl();
      cluster.pgSchema = fresh.schema;
      // Three nodes' pools within the test PostgreSQL's ~100 connections (the default 128 each
      // would exceed it: "too many clients" under load).
      return `  connection_url = "${fresh.url}"\n  max_parallel   = "24"`;
    };
    const storage = await stanzaFor(o.engine);
    const lock = o.lockIn !== undefined && o.lockIn !== o.engine ? { engine: o.lockIn, storage: await stanzaFor(o.lockIn) } : undefined;
    for (let i = 0; i < o.nodes; i++) {
      const port = await freePort();
      const clusterPort = await freePort();
      nodes.push(makeNode(`n${i}`, dir, port, clusterPort, nodeConfig({ engine: o.engine, storage, port, clusterPort, keyFile, lockTimeoutSeconds, ...(lock ? { lock } : {}), ...(o.performanceStandby ? { performanceStandby: true } : {}) })));
    }
    for (const n of nodes) n.start();
    const first = nodes[0]!;
    await waitFor(
      'the first node to answer',
      async () => {
        if (!first.running) throw new Error(`n0 exited\n${log()}`);
        return (await first.health()) !== 0;
      },
      { timeoutMs: 60_000, context: log },
    );
    const init = await fetch(`${first.url}/v1/sys/init`, { method: 'PUT', body: JSON.stringify({ recovery_shares: 1, recovery_threshold: 1 }) });
    const body = (await init.json()) as { root_token?: string };
    if (init.status !== 200 || !body.root_token) throw new Error(`sys/init answered ${init.status}: ${JSON.stringify(body)}\n${log()}`);
    cluster.rootToken = body.root_token;
    await cluster.allUnsealed();
    await cluster.active();
  } catch (e) {
    await close();
    throw e;
  }
  return cluster;
}
