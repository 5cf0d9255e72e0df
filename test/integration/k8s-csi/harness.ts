/**
 * The CSI e2e world: Ward (in-process, with the `leasetest` dynamic engine at dyn/) behind a
 * TLS listener, Kubernetes auth checked by TokenReview against the fake API server, the
 * provider as a real `ward k8s csi-provider` process on a temp socket, and a gRPC client that
 * calls it the way the Secrets Store CSI driver does.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createHandler } from '../../../src/http/handler.js';
import { startListener, type Listener } from '../../../src/http/listener.js';
import { SERVICE_NAME, csiPackageDefinition, type MountRequest, type MountResponse, type VersionResponse } from '../../../src/k8s/csi/proto.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { startLeaseServer } from '../../helpers/lease-engine.js';
import { freePort } from '../../helpers/net.js';
import { spawnWard, type WardProcess } from '../../helpers/process.js';
import { api, type TestServer } from '../../helpers/server.js';
import { makeCa } from '../../helpers/test-ca.js';
import { waitFor } from '../../helpers/wait.js';

export type Driver = {
  version(): Promise<VersionResponse>;
  mount(attributes: Record<string, string>, o?: { permission?: string; secrets?: string }): Promise<MountResponse>;
  close(): void;
};

/** A driver-side client on `unix:<socket>`, as the driver's provider client dials it. */
export function driverClient(socket: string): Driver {
  const pkg = csiPackageDefinition();
  const Ctor = grpc.makeGenericClientConstructor(pkg[SERVICE_NAME] as grpc.ServiceDefinition, SERVICE_NAME);
  // any: generic clients expose their methods by name only at run time.
  const c = new Ctor(`unix:${socket}`, grpc.credentials.createInsecure()) as any;
  const call = <T>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) => c[method](req, { deadline: Date.now() + 20_000 }, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res))));
  return {
    version: () => call('Version', { version: 'v1alpha1' }),
    mount: (attributes, o = {}) => {
      const req: MountRequest = { attributes: JSON.stringify(attributes), secrets: o.secrets ?? '{}', target_path: '/var/lib/kubelet/pods/x/volumes/csi', permission: o.permission ?? '420', current_object_version: [] };
      return call('Mount', req);
    },
    close: () => c.close(),
  };
}

export type World = {
  ward: TestServer;
  tlsUrl: string;
  caFile: string;
  /** A listener that requires a client certificate from the test CA, and one such certificate. */
  mtlsUrl: string;
  clientCertFile: string;
  clientKeyFile: string;
  kube: FakeKubeApiServer;
  provider: WardProcess;
  socket: string;
  healthUrl: string;
  driver: Driver;
  root: string;
  /** The pod attributes the kubelet adds, with a projected token for audience `vault`. */
  podAttributes(o?: { namespace?: string; name?: string; serviceAccount?: string }): Promise<Record<string, string>>;
  close(): Promise<void>;
};

async function must(p: ReturnType<typeof api>, what: string): Promise<void> {
  const r = await p;
  if (r.status !== 200 && r.status !== 204) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
}

const POLICY = `
path "secret/data/app/*" { capabilities = ["read"] }
path "secret/metadata/app/*" { capabilities = ["list", "read"] }
path "dyn/creds/*" { capabilities = ["read", "update"] }
path "sys/leases/renew" { capabilities = ["update"] }
path "pki/issue/web" { capabilities = ["update"] }
`;

export async function startWorld(): Promise<World> {
  const root = mkdtempSync(join(tmpdir(), 'ward-csi-'));
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(root, { recursive: true, force: true })];
  const close = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const [ward, kube, ca] = await Promise.all([startLeaseServer(), startFakeKubeApiServer({ namespaces: { app: {}, other: {} } }), makeCa('csi-test-ca', 'ec')]);
    cleanups.push(() => ward.close(), () => kube.close());
    const cert = await ca.server('ward.test');
    const caFile = join(root, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    writeFileSync(join(root, 'tls.crt'), cert.certPem);
    writeFileSync(join(root, 'tls.key'), cert.keyPem, { mode: 0o600 });
    const tls: Listener = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(root, 'tls.crt'), tlsKeyFile: join(root, 'tls.key') }, createHandler(ward.core, { logger: silentLogger }));
    cleanups.push(() => tls.close());
    const client = await ca.client('csi-provider');
    const clientCertFile = join(root, 'client.crt');
    const clientKeyFile = join(root, 'client.key');
    writeFileSync(clientCertFile, client.certPem);
    writeFileSync(clientKeyFile, client.keyPem, { mode: 0o600 });
    const mtls: Listener = await startListener(
      { address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(root, 'tls.crt'), tlsKeyFile: join(root, 'tls.key'), tlsRequireAndVerifyClientCert: true, tlsClientCaFile: caFile },
      createHandler(ward.core, { logger: silentLogger }),
    );
    cleanups.push(() => mtls.close());
    const T = ward.rootToken;
    await must(api(ward, 'POST', 'sys/auth/kubernetes', { token: T, body: { type: 'kubernetes' } }), 'enable kubernetes auth');
    await must(api(ward, 'POST', 'auth/kubernetes/config', { token: T, body: { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerToken } }), 'auth config');
    await must(api(ward, 'PUT', 'sys/policies/acl/web', { token: T, body: { policy: POLICY } }), 'policy');
    await must(api(ward, 'POST', 'auth/kubernetes/role/web', { token: T, body: { bound_service_account_names: 'web', bound_service_account_namespaces: 'app', audience: 'vault', token_policies: 'web', token_ttl: '1h' } }), 'role');
    const socket = join(root, 'providers', 'vault.sock');
    const healthPort = await freePort();
    const provider = spawnWard(['k8s', 'csi-provider', `-endpoint=${socket}`, `-vault-addr=${tls.url}`, `-health-addr=127.0.0.1:${healthPort}`, '-log-level=debug'], '', { KUBERNETES_SERVICE_HOST: '' });
    cleanups.push(() => provider.kill());
    const healthUrl = `http://127.0.0.1:${healthPort}/health/ready`;
    await waitFor(
      "the provider's readiness",
      async () => {
        if (provider.child.exitCode !== null) throw new Error(`provider exited: ${provider.stderr()}`);
        return (await fetch(healthUrl).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 30_000, context: () => provider.stderr() },
    );
    const driver = driverClient(socket);
    cleanups.push(() => driver.close());
    return {
      ward,
      tlsUrl: tls.url,
      caFile,
      mtlsUrl: mtls.url,
      clientCertFile,
      clientKeyFile,
      kube,
      provider,
      socket,
      healthUrl,
      driver,
      root,
      async podAttributes(o = {}) {
        const namespace = o.namespace ?? 'app';
        const serviceAccount = o.serviceAccount ?? 'web';
        const name = o.name ?? 'web-0';
        const uid = randomUUID();
        const token = await kube.issueToken({ namespace, name: serviceAccount, audiences: ['vault'], pod: { name, uid } });
        return {
          'csi.storage.k8s.io/pod.name': name,
          'csi.storage.k8s.io/pod.namespace': namespace,
          'csi.storage.k8s.io/pod.uid': uid,
          'csi.storage.k8s.io/serviceAccount.name': serviceAccount,
          'csi.storage.k8s.io/ephemeral': 'true',
          'csi.storage.k8s.io/serviceAccount.tokens': JSON.stringify({ vault: { token, expirationTimestamp: new Date(Date.now() + 3600_000).toISOString() } }),
          secretProviderClass: 'web-secrets',
        };
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
