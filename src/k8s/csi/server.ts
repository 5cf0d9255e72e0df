import * as grpc from '@grpc/grpc-js';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PodAuth } from './auth.js';
import { grpcCode } from './grpc-status.js';
import { LeaseKeeper } from './leases.js';
import type { Logger } from './logger.js';
import { Mounter } from './mount.js';
import { SERVICE_NAME, csiPackageDefinition, type MountRequest, type MountResponse, type VersionResponse } from './proto.js';
import type { ProviderDefaults } from './params.js';
import { prepareSocketPath, removeSocket, restrictSocket } from './socket.js';
import type { TokenRequester } from './token-request.js';
import { ObjectVersions } from './versions.js';

export type ProviderOptions = ProviderDefaults & {
  /** Unix socket path the driver dials (`<providers dir>/vault.sock`). */
  endpoint: string;
  /** `host:port` for `/health/ready`; '' for none. */
  healthAddr: string;
  cacheSize: number;
  /** Ward's version, answered as runtime_version. */
  version: string;
  requester?: TokenRequester | undefined;
  log: Logger;
};

export type RunningProvider = { endpoint: string; healthUrl: string; close(): Promise<void> };

export const RUNTIME_NAME = 'ward-csi-provider';

function listenHealth(addr: string): Promise<http.Server> {
  const m = /^(.*):(\d+)$/.exec(addr);
  if (!m) throw new Error(`-health-addr "${addr}" is not host:port`);
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  const server = http.createServer((req, res) => {
    const ok = req.url === '/health/ready' && (req.method === 'GET' || req.method === 'HEAD');
    res.writeHead(ok ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(ok ? '{"ready":true}' : '{"errors":["not found"]}');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[2]), host === '' ? undefined : host, () => resolve(server));
  });
}

/** `namespace/name` of the pod a Mount is for, for log lines (best effort: the attributes may be malformed). */
function podOf(attributes: string): string {
  try {
    const a = JSON.parse(attributes) as Record<string, unknown>;
    return `${String(a['csi.storage.k8s.io/pod.namespace'] ?? '')}/${String(a['csi.storage.k8s.io/pod.name'] ?? '')}`;
  } catch {
    return '?';
  }
}

/** Starts the CSIDriverProvider service on the unix socket and the health endpoint. */
export async function startCsiProvider(o: ProviderOptions): Promise<RunningProvider> {
  const auth = new PodAuth({ cacheSize: o.cacheSize, requester: o.requester, warn: (m) => o.log.warn(m) });
  const mounter = new Mounter({ auth, versions: new ObjectVersions(), leases: new LeaseKeeper(o.cacheSize), defaults: o });
  const server = new grpc.Server();
  const def = csiPackageDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
  server.addService(def, {
    Version(_call: grpc.ServerUnaryCall<unknown, VersionResponse>, cb: grpc.sendUnaryData<VersionResponse>) {
      cb(null, { version: 'v1alpha1', runtime_name: RUNTIME_NAME, runtime_version: o.version });
    },
    Mount(call: grpc.ServerUnaryCall<MountRequest, MountResponse>, cb: grpc.sendUnaryData<MountResponse>) {
      const started = Date.now();
      const pod = podOf(call.request.attributes);
      mounter.mount(call.request).then(
        (res) => {
          o.log.debug('mounted', { pod, objects: res.object_version.length, files: res.files.length, ms: Date.now() - started });
          cb(null, res);
        },
        (e: unknown) => {
          const message = e instanceof Error ? e.message : String(e);
          o.log.warn('mount failed', { pod, error: message });
          cb({ code: grpcCode(e), details: message });
        },
      );
    },
  });
  await prepareSocketPath(o.endpoint);
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${o.endpoint}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  restrictSocket(o.endpoint);
  let health: http.Server | undefined;
  try {
    if (o.healthAddr !== '') health = await listenHealth(o.healthAddr);
  } catch (e) {
    server.forceShutdown();
    removeSocket(o.endpoint);
    throw e;
  }
  const addr = health?.address() as AddressInfo | undefined; // a TCP listener, so AddressInfo
  const healthUrl = addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/health/ready` : '';
  o.log.info('listening', { endpoint: o.endpoint, health: healthUrl, vault_addr: o.vaultAddr, vault_mount: o.vaultMount });
  return {
    endpoint: o.endpoint,
    healthUrl,
    async close() {
      // Finish Mount calls in flight, then stop; a stuck call does not hold shutdown forever.
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
      if (health) {
        health.closeAllConnections();
        await new Promise<void>((resolve) => health?.close(() => resolve()));
      }
      auth.close();
      removeSocket(o.endpoint);
    },
  };
}
