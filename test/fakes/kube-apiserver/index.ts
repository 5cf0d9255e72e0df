/**
 * A faithful fake Kubernetes API server: a generic object store behind the real REST
 * surface (CRUD, patches, selectors, watch, status subresources, CRDs, discovery), the
 * service-account token authenticator and TokenReview, an admin bearer, hook points for
 * authorization and admission, failures on demand and downtime on the same port. HTTPS
 * with its own CA. See README.md for what is and is not modelled.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, type CryptoKey } from 'jose';
import type { FakeKubeApiServer, FakeKubeOptions } from './api.js';
import { Cluster, signServiceAccountToken, type BoundObjects, type UserInfo } from './accounts.js';
import { CrdController } from './crd.js';
import { discover } from './discovery.js';
import { Faults } from './faults.js';
import { serveIssuerDiscovery } from './issuer-discovery.js';
import { GarbageCollector } from './gc.js';
import { serveAccessReview } from './access-review.js';
import { authHooks } from './auth-hooks.js';
import { ADMIN_GROUP, type Admitter, type Authorizer, type SubresourceHandler } from './hooks.js';
import { send } from './http-util.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { NamespaceController } from './namespaces.js';
import { podTemplate, type PodObject } from './pods.js';
import { Registry, type ResourceType } from './registry.js';
import { serveResource, type RecordedRequest } from './rest.js';
import { ApiError, routeNotFound, status, unauthorized } from './status.js';
import { Store } from './store.js';
import { generateServerPki } from './tls.js';
import { tokenReview, type RecordedReview } from './token-review.js';

export type { IssueTokenOptions, UserInfo } from './accounts.js';
export type { FaultCode } from './faults.js';
export type { AdmissionRequest, Admitter, Attributes, Authorizer, SubresourceHandler, SubresourceRequest } from './hooks.js';
export type { PodObject, PodVerb, RecordedPodRequest } from './pods.js';
export type { RecordedRequest } from './rest.js';
export type { KObj } from './store.js';
export type { RecordedReview } from './token-review.js';
export { ApiError } from './status.js';
export { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';
export type { FakeKubeApiServer, FakeKubeOptions } from './api.js';

const core = (registry: Registry, plural: string): ResourceType => {
  const t = registry.lookup('', 'v1', plural);
  if (!t) throw new Error(`core type ${plural} missing`);
  return t;
};

export async function startFakeKubeApiServer(o: FakeKubeOptions = {}): Promise<FakeKubeApiServer> {
  const alg = o.alg ?? 'ES256';
  const pki = await generateServerPki();
  // Listening first: with selfIssuer the issuer is the URL, so the port must be known before
  // the signing cluster exists. Requests wait for `handle` (nothing can call before we return).
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(503).end();
  const server = https.createServer({ cert: pki.certPem, key: pki.keyPem, minVersion: 'TLSv1.2' }, (req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const issuer = o.selfIssuer ? url : (o.issuer ?? 'https://kubernetes.default.svc.cluster.local');
  const registry = new Registry();
  const store = new Store(registry, o.historyLimit);
  const gc = new GarbageCollector(store);
  const namespaces = new NamespaceController(store, registry, pki.caPem);
  const watches = new Map<() => void, string>();
  // Watches of a CRD's resources end when it goes, as their handler is torn down.
  new CrdController(store, registry, (resource) => {
    for (const [end, r] of [...watches]) if (r === resource) end();
  });
  const [nsT, saT, podT] = [core(registry, 'namespaces'), core(registry, 'serviceaccounts'), core(registry, 'pods')];

  const objects: BoundObjects = {
    ensureNamespace(name) {
      if (!store.get(nsT, undefined, name)) store.create(nsT, undefined, { metadata: { name } });
    },
    ensureServiceAccount(ns, name, uid) {
      const cur = store.get(saT, ns, name);
      if (cur && (uid === undefined || cur.metadata.uid === uid)) return cur.metadata.uid ?? '';
      if (cur) store.delete(saT, ns, name);
      // The uid is the caller's to choose here (tests bind tokens to a known uid).
      return store.create(saT, ns, { metadata: { name } }, uid !== undefined ? { uid } : {}).metadata.uid ?? '';
    },
    serviceAccountUid: (ns, name) => store.get(saT, ns, name)?.metadata.uid,
    ensurePod(ns, name, uid) {
      const cur = store.get(podT, ns, name);
      if (cur?.metadata.uid === uid) return;
      if (cur) store.delete(podT, ns, name);
      store.create(podT, ns, podTemplate(ns, name), { keepStatus: true, uid });
    },
    podUid: (ns, name) => store.get(podT, ns, name)?.metadata.uid,
    secretUid: (ns, name) => store.get(core(registry, 'secrets'), ns, name)?.metadata.uid,
  };

  const cluster = await Cluster.create(issuer, o.apiAudiences ?? [issuer], alg, objects);
  const setLabels = (ns: string, labels: Record<string, string>): void => {
    objects.ensureNamespace(ns);
    const cur = store.mustGet(nsT, undefined, ns);
    store.update(nsT, undefined, ns, { ...cur, metadata: { ...cur.metadata, labels: { ...labels, 'kubernetes.io/metadata.name': ns } } });
  };
  // The namespaces every cluster starts with.
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) objects.ensureNamespace(ns);
  for (const [ns, labels] of Object.entries(o.namespaces ?? {})) setLabels(ns, labels);
  const reviewer = o.reviewer ?? { namespace: 'kube-system', name: 'ward-token-reviewer' };
  const serviceEndpoints: Record<string, string> = { ...(o.serviceEndpoints ?? {}) };
  const auth = authHooks(store, registry, cluster, serviceEndpoints);
  if (o.reviewerIsAuthDelegator ?? true) auth.setAuthDelegator(reviewer.namespace, reviewer.name, true);
  const reviewerToken = await cluster.issueToken({ ...reviewer, expiresIn: 86_400, pod: null });
  const adminToken = o.adminToken ?? randomBytes(24).toString('base64url');
  const reviews: RecordedReview[] = [];
  const requests: RecordedRequest[] = [];
  let forger: CryptoKey | null = null;
  let authorizer: Authorizer = auth.authorizer;
  let admitter: Admitter = auth.admitter;
  const subresources = new Map<string, SubresourceHandler>([['/serviceaccounts/token', auth.tokenRequest]]);
  const faults = new Faults();
  // Bounded, so a long-running standalone fake does not grow without end.
  const record = (r: RecordedRequest): void => {
    requests.push(r);
    if (requests.length > 20_000) requests.splice(0, requests.length - 10_000);
  };

  /** The caller: the admin token, a service-account token for the API server's audiences, or anonymous; null when the bearer is unknown. */
  async function authenticate(req: IncomingMessage): Promise<UserInfo | null> {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return { username: 'system:anonymous', uid: '', groups: ['system:unauthenticated'], extra: {} };
    if (m[1] === adminToken) return { username: 'kubernetes-admin', uid: '', groups: [ADMIN_GROUP, 'system:authenticated'], extra: {} };
    return (await cluster.authenticate(m[1], [])).user ?? null;
  }

  const issuerDiscovery = { issuer, serverUrl: url, alg, jwks: () => cluster.jwks(), authenticate };
  handle = (req, res) => {
    const url = new URL(req.url ?? '/', 'https://fake');
    if (faults.take(url.pathname, res)) return;
    if (req.method === 'GET' && ['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      return void res.end('ok');
    }
    const fail = (e: unknown): void => {
      if (res.headersSent) return;
      if (e instanceof ApiError) send(res, e.code, e.body);
      else send(res, 500, status(500, 'InternalError', e instanceof Error ? e.message : 'internal error'));
    };
    try {
      if (req.method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/tokenreviews') {
        tokenReview(req, res, cluster, authenticate, (u, a) => authorizer(u, a), reviews).catch(fail);
        return;
      }
      if (serveAccessReview(req, res, url.pathname, auth.objects, authenticate)) return;
      if (serveIssuerDiscovery(issuerDiscovery, req, res, url.pathname, fail)) return;
      const doc = req.method === 'GET' ? discover(registry, url.pathname, `127.0.0.1:${port}`, o.version) : null;
      if (doc) {
        // As the real server: a bearer that does not authenticate is 401; anonymous callers
        // may read /version (system:public-info-viewer), not the API groups (system:discovery).
        void (async () => {
          if (/^Bearer\s/i.test(req.headers.authorization ?? '')) {
            if (!(await authenticate(req))) throw unauthorized();
          } else if (url.pathname !== '/version') {
            throw new ApiError(403, status(403, 'Forbidden', `forbidden: User "system:anonymous" cannot get path "${url.pathname}"`));
          }
          send(res, 200, doc);
        })().catch(fail);
        return;
      }
      const deps = {
        registry, store, authenticate, authorize: () => authorizer, admit: () => admitter, subresources,
        bookmarkIntervalMs: o.bookmarkIntervalMs ?? 10_000, watches, record,
      };
      if (!serveResource(deps, req, res, url)) throw routeNotFound();
    } catch (e) {
      fail(e);
    }
  };
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    url,
    port,
    caPem: pki.caPem,
    issuer,
    publicKeyPem: cluster.publicKeyPem,
    reviewerToken,
    adminToken,
    kubeconfig: (token) => kubeconfigYaml({ server: url, caPem: pki.caPem, token: token ?? adminToken }),
    issueToken: (t) => cluster.issueToken(t),
    async forgeToken(t) {
      forger ??= (await generateKeyPair(alg)).privateKey;
      return signServiceAccountToken(forger, alg, cluster.kid, {
        issuer,
        audiences: t.audiences ?? cluster.apiAudiences,
        expiresIn: t.expiresIn ?? 3600,
        namespace: t.namespace,
        name: t.name,
        uid: t.uid ?? objects.serviceAccountUid(t.namespace, t.name) ?? randomUUID(),
        pod: t.pod ?? null,
      });
    },
    deleteServiceAccount(ns, name) {
      if (store.get(saT, ns, name)) store.delete(saT, ns, name);
    },
    deletePod(ns, name) {
      if (store.get(podT, ns, name)) store.delete(podT, ns, name);
    },
    setNamespaceLabels: setLabels,
    setAuthDelegator: (ns, name, allowed) => auth.setAuthDelegator(ns, name, allowed),
    reviews,
    createPod(ns, name, po = {}) {
      objects.ensureNamespace(ns);
      if (store.get(podT, ns, name)) store.delete(podT, ns, name);
      return store.create(podT, ns, podTemplate(ns, name, po), { keepStatus: true }) as PodObject;
    },
    pod: (ns, name) => store.get(podT, ns, name) as PodObject | undefined,
    grantPods: (ns, sa, verbs) => auth.grantPods(ns, sa, verbs),
    get podRequests() {
      return requests.filter((r) => r.group === '' && r.resource === 'pods');
    },
    requests,
    seed(obj) {
      const [t, ns] = [registry.byKind(obj.apiVersion ?? '', obj.kind ?? ''), obj.metadata.namespace];
      if (!t) throw new Error(`no resource type for ${obj.apiVersion ?? ''} ${obj.kind ?? ''}`);
      return store.create(t, ns, obj, { keepStatus: true });
    },
    object(apiVersion, kind, ns, name) {
      const t = registry.byKind(apiVersion, kind);
      return t ? store.get(t, ns, name) : undefined;
    },
    compact: () => store.compact(),
    endWatches() {
      for (const end of [...watches.keys()]) end();
    },
    setAuthorizer(a) {
      authorizer = a;
    },
    setAdmitter(a) {
      admitter = a;
    },
    subresources,
    admission: auth.admission,
    serviceEndpoints,
    store,
    registry,
    failNext: (code, count) => faults.failNext(code, count),
    down: stop,
    up: () => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }),
    async close() {
      gc.stop();
      namespaces.stop();
      await stop();
    },
  };
}
