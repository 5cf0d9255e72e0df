/**
 * `ward k8s secrets-operator`: the manager. Per sync kind (sync-kinds.ts) informers and one
 * controller (kind-runner.ts); informers on the Secrets the operator owns (drift: a deleted or
 * edited Secret wakes its resource) and on VaultAuths/VaultConnections/VaultAuthGlobals;
 * optional Lease leader election (only the leader writes; becoming leader re-enqueues every
 * resource), health and metrics endpoints. Runs until SIGTERM/SIGINT.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeClient } from '../kube/client.js';
import { Controller } from '../kube/controller.js';
import { Informer } from '../kube/informer.js';
import { LeaderElector } from '../kube/leader.js';
import { apiLeaseLock } from '../kube/lease-lock.js';
import { listWatches } from '../kube/list-watch.js';
import { apiEventRecorder } from './events.js';
import { loadHmacKey } from './hmac-key.js';
import { MANAGED_BY, MANAGED_BY_VALUE, SECRET_TRANSFORMATIONS, VAULT_AUTH_GLOBALS, VAULT_AUTHS, VAULT_CONNECTIONS } from './kinds.js';
import { kindMetrics, runKind } from './kind-runner.js';
import { operatorClients } from './operator-clients.js';
import { watchOwned, wakeOnSpecChange } from './owned.js';
import { listen, parseBindAddress } from './probes.js';
import { validateAuth } from './auth-spec.js';
import { parseConnection } from './spec.js';
import type { Cr } from './sync-kind.js';
import { SYNC_KINDS } from './sync-kinds.js';
import { parseSecretTransformation } from './transform.js';
import { usersOfTransformation } from './transform-sync.js';
import { InstantUpdates } from './instant-updates.js';
import { staticSecretKind } from './static-secret.js';
import { validityReconciler } from './validity.js';

export interface OperatorFlags {
  kubeconfig: string | undefined;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  leaderElect: boolean;
  watchNamespaces: string[];
  clientCachePersistenceModel: string;
}

/** A lookup over one informer per watched namespace. */
const cachedIn = <T extends KubernetesObject>(informers: Informer<T>[]) => (ns: string, name: string): T | undefined => {
  for (const i of informers) {
    const hit = i.get(`${ns}/${name}`);
    if (hit) return hit;
  }
  return undefined;
};

type Io = { stderr: { write(s: string): unknown }; env: NodeJS.ProcessEnv };

export async function runSecretsOperator(f: OperatorFlags, io: Io): Promise<number> {
  const log = (msg: string, fields: Record<string, unknown> = {}): void => {
    io.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), msg, ...fields })}\n`);
  };
  if (!['none', '', 'direct-encrypted'].includes(f.clientCachePersistenceModel)) {
    io.stderr.write(`invalid --client-cache-persistence-model "${f.clientCachePersistenceModel}" (want none or direct-encrypted)\n`);
    return 1;
  }
  let metricsAddr;
  let healthAddr;
  try {
    metricsAddr = parseBindAddress(f.metricsBindAddress, 'metrics-bind-address');
    healthAddr = parseBindAddress(f.healthProbeBindAddress, 'health-probe-bind-address');
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  const kube = KubeClient.load(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {});
  const operatorNamespace = io.env['OPERATOR_NAMESPACE'] || kube.namespace || 'default';
  const namespaces: (string | undefined)[] = f.watchNamespaces.length > 0 ? f.watchNamespaces : [undefined];

  const onInformerError = (err: Error): void => log('watch failed; retrying', { error: err.message });
  const secretInformers = namespaces.map((ns) => new Informer(listWatches.secrets(kube, ns, { labelSelector: `${MANAGED_BY}=${MANAGED_BY_VALUE}` }), { onError: onInformerError }));
  // ConfigMap destinations (Ward's destination.kind: ConfigMap) carry the same labels.
  const configMapInformers = namespaces.map((ns) => new Informer(listWatches.configMaps(kube, ns, { labelSelector: `${MANAGED_BY}=${MANAGED_BY_VALUE}` }), { onError: onInformerError }));
  // A VaultAuth or VaultConnection is read at each reconcile; these informers only wake the
  // resources that use one when it changes (a fixed VaultAuth must not wait for a resync).
  const refInformers = {
    auths: new Informer<Cr>(listWatches.customObjects<Cr>(kube, VAULT_AUTHS), { onError: onInformerError }),
    connections: new Informer<Cr>(listWatches.customObjects<Cr>(kube, VAULT_CONNECTIONS), { onError: onInformerError }),
    globals: new Informer<Cr>(listWatches.customObjects<Cr>(kube, VAULT_AUTH_GLOBALS), { onError: onInformerError }),
  };
  // SecretTransformations are read from this cache; a change wakes the resources that reference one.
  const transformations = new Informer<Cr>(listWatches.customObjects<Cr>(kube, SECRET_TRANSFORMATIONS), { onError: onInformerError });

  const macKey = await loadHmacKey(kube, operatorNamespace);
  const clients = operatorClients({ kube, operatorNamespace, refs: refInformers, persistenceModel: f.clientCachePersistenceModel, log });
  let elector: LeaderElector | undefined;
  // Late-bound: the VaultStaticSecret controller exists once its kind runs.
  let enqueueStatic: (key: string) => void = () => {};
  const event = apiEventRecorder(kube, 'ward-secrets-operator', (err) => log('could not record an event', { error: (err as Error).message }));
  const instant = new InstantUpdates({ open: (t, o) => clients.subscribe(t, o), enqueue: (key) => enqueueStatic(key), event, log });
  const kinds = SYNC_KINDS.map((kind) => runKind(kind, {
    kube, clients, operatorNamespace, macKey, log, event, refs: refInformers, transformations, instant,
    owned: { secret: cachedIn(secretInformers), configMap: cachedIn(configMapInformers) },
    isLeader: () => isLeader(),
  }, namespaces, onInformerError));
  const staticKind = kinds.find((k) => k.kind === staticSecretKind);
  enqueueStatic = (key) => staticKind?.ctl.enqueue(key);
  for (const inf of [...secretInformers, ...configMapInformers]) {
    // A destination wakes the resource that owns it (drift: deleted or edited by hand).
    for (const k of kinds) watchOwned(k.ctl, inf, k.kind.kind);
  }
  for (const k of kinds) {
    wakeOnSpecChange(k.ctl, refInformers.auths, (auth) => k.usersOfAuth(auth, operatorNamespace));
    // Connections are few and shared: a change to one re-checks every resource.
    wakeOnSpecChange(k.ctl, refInformers.connections, () => k.keys());
    wakeOnSpecChange(k.ctl, transformations, (st) => usersOfTransformation(k.informers.flatMap((i) => i.list()), st));
    // So are VaultAuthGlobals: a changed default reaches every resource (unchanged logins stay cached).
    wakeOnSpecChange(k.ctl, refInformers.globals, () => k.keys());
  }

  const isLeader = () => !elector || elector.isLeader;
  const refControllers = ([[refInformers.auths, VAULT_AUTHS, validateAuth, true], [refInformers.connections, VAULT_CONNECTIONS, parseConnection, false], [transformations, SECRET_TRANSFORMATIONS, parseSecretTransformation, true]] as const).map(([inf, resource, parse, withError]) => {
    const c = new Controller({
      name: resource.plural,
      reconcile: validityReconciler({ kube, resource, get: (k) => inf.get(k), parse, withError, isLeader }),
      onError: (key, err) => log('status update failed; retrying', { resource: `${resource.plural}/${key}`, error: (err as Error).message }),
    });
    c.watch(inf);
    return c;
  });

  let synced = false;
  const probes = {
    ready: () => synced,
    metrics: () => kindMetrics(kinds),
  };
  const servers: Server[] = [];
  if (healthAddr) servers.push(await listen(healthAddr, probes, 'health'));
  if (metricsAddr) servers.push(await listen(metricsAddr, probes, 'metrics'));

  const informers = [...kinds.flatMap((k) => k.informers), ...secretInformers, ...configMapInformers, refInformers.auths, refInformers.connections, refInformers.globals, transformations];
  await Promise.all(informers.map((i) => i.start()));
  synced = true;
  for (const k of kinds) k.ctl.start();
  for (const c of refControllers) c.start();
  if (f.leaderElect) {
    elector = new LeaderElector({
      lock: apiLeaseLock(kube, operatorNamespace, 'ward-secrets-operator-lock'),
      identity: `${hostname()}_${randomUUID()}`,
      onStartedLeading: () => {
        log('became leader');
        for (const k of kinds) for (const key of k.keys()) k.ctl.enqueue(key);
        refControllers.forEach((c, i) => [refInformers.auths, refInformers.connections, transformations][i]?.keys().forEach((k) => c.enqueue(k)));
      },
      onStoppedLeading: () => log('lost leadership'),
      onError: (err) => log('leader election error', { error: (err as Error).message }),
    });
    elector.start();
  }
  log('secrets operator started', { namespace: operatorNamespace, watchNamespaces: f.watchNamespaces.length > 0 ? f.watchNamespaces : 'all', leaderElect: f.leaderElect });

  const signal = await new Promise<string>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve(s));
  });
  log('shutting down', { signal });
  await elector?.stop();
  await Promise.all([...kinds.map((k) => k.ctl), ...refControllers].map((c) => c.stop()));
  await Promise.all(informers.map((i) => i.stop()));
  instant.close();
  clients.close();
  kube.close();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return 0;
}
