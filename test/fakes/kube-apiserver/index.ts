/**
 * A faithful fake of the parts of the Kubernetes API server that Ward uses:
 * TokenReview (with bearer authentication and `system:auth-delegator` authorization),
 * namespace reads, pod get/patch (service registration), service-account token issuance,
 * failures on demand and downtime on the same port. HTTPS with its own CA.
 * See README.md for what is and is not modelled.
 */
import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, type CryptoKey } from 'jose';
import { Cluster, saUsername, signServiceAccountToken, type Alg, type IssueTokenOptions } from './accounts.js';
import { Faults, type FaultCode } from './faults.js';
import { readBody, send, status, type Json } from './http-util.js';
import { Pods, type PodObject, type PodVerb, type RecordedPodRequest } from './pods.js';
import { generateServerPki } from './tls.js';

export type { IssueTokenOptions } from './accounts.js';
export type { FaultCode } from './faults.js';
export type { PodObject, PodVerb, RecordedPodRequest } from './pods.js';

export interface FakeKubeOptions {
  /** `iss` of issued tokens (default `https://kubernetes.default.svc.cluster.local`). */
  issuer?: string;
  /** The API server's own audiences (default `[issuer]`). */
  apiAudiences?: string[];
  alg?: Alg;
  /** Namespaces to pre-create, with labels. */
  namespaces?: Record<string, Record<string, string>>;
  /** The reviewer service account (default `kube-system/ward-token-reviewer`). */
  reviewer?: { namespace: string; name: string };
  /** Bind the reviewer to `system:auth-delegator` (default true). */
  reviewerIsAuthDelegator?: boolean;
}

export interface RecordedReview {
  /** Who called (the bearer's username), or "" when the bearer was rejected. */
  caller: string;
  audiences: string[];
  status: number;
}

export interface FakeKubeApiServer {
  url: string;
  caPem: string;
  issuer: string;
  /** SPKI PEM of the token-signing key (for `pem_keys`). */
  publicKeyPem: string;
  /** A long-lived token of the reviewer service account, audience = the API server. */
  reviewerToken: string;
  issueToken(o: IssueTokenOptions): Promise<string>;
  /** Same claims, signed by a key the cluster does not know. */
  forgeToken(o: IssueTokenOptions): Promise<string>;
  deleteServiceAccount(namespace: string, name: string): void;
  deletePod(namespace: string, name: string): void;
  setNamespaceLabels(namespace: string, labels: Record<string, string>): void;
  /** Grants or removes `system:auth-delegator` (tokenreviews create + namespaces get) for a service account. */
  setAuthDelegator(namespace: string, name: string, allowed: boolean): void;
  reviews: RecordedReview[];
  /** Creates (or recreates) a pod, with no `labels` field unless given; returns it. */
  createPod(namespace: string, name: string, o?: { labels?: Record<string, string> }): PodObject;
  /** The stored pod, for assertions. */
  pod(namespace: string, name: string): PodObject | undefined;
  /** A Role granting `verbs` on pods in `namespace` to a service account. */
  grantPods(namespace: string, serviceAccount: string, verbs: readonly PodVerb[]): void;
  podRequests: RecordedPodRequest[];
  /** The next `count` requests (any route) answer `code` with the API server's Status body. */
  failNext(code: FaultCode, count?: number): void;
  /** Stops listening (dropping open connections); state is kept. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeKubeApiServer(o: FakeKubeOptions = {}): Promise<FakeKubeApiServer> {
  const issuer = o.issuer ?? 'https://kubernetes.default.svc.cluster.local';
  const alg = o.alg ?? 'ES256';
  const cluster = await Cluster.create(issuer, o.apiAudiences ?? [issuer], alg);
  for (const [ns, labels] of Object.entries(o.namespaces ?? {})) cluster.ensureNamespace(ns, labels);
  const reviewer = o.reviewer ?? { namespace: 'kube-system', name: 'ward-token-reviewer' };
  const delegators = new Set<string>();
  if (o.reviewerIsAuthDelegator ?? true) delegators.add(saUsername(reviewer.namespace, reviewer.name));
  const reviewerToken = await cluster.issueToken({ ...reviewer, expiresIn: 86_400, pod: null });
  const reviews: RecordedReview[] = [];
  let forger: CryptoKey | null = null;
  const pods = new Pods();
  const faults = new Faults();

  /** Authenticates the caller's bearer against the API server's own audiences. */
  async function caller(req: import('node:http').IncomingMessage): Promise<string | null> {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return null;
    const r = await cluster.authenticate(m[1], []);
    return r.user?.username ?? null;
  }

  async function tokenReview(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const user = await caller(req);
    let body: Json;
    try {
      body = JSON.parse(raw) as Json;
    } catch {
      body = {};
    }
    const spec = (body['spec'] ?? {}) as { token?: unknown; audiences?: unknown };
    const audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
    const record = (code: number) => reviews.push({ caller: user ?? '', audiences, status: code });
    if (user === null) {
      record(401);
      return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (!delegators.has(user)) {
      record(403);
      return send(res, 403, status(403, 'Forbidden',
        `tokenreviews.authentication.k8s.io is forbidden: User "${user}" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope`,
        { group: 'authentication.k8s.io', kind: 'tokenreviews' }));
    }
    if (typeof spec.token !== 'string' || spec.token === '') {
      record(400);
      return send(res, 400, status(400, 'BadRequest', 'token is required for TokenReview in authentication'));
    }
    const result = await cluster.authenticate(spec.token, audiences);
    const st: Json = { user: result.user ?? {} };
    if (result.user) {
      st['authenticated'] = true;
      st['audiences'] = result.audiences;
    }
    if (result.error) st['error'] = result.error;
    record(201);
    send(res, 201, {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { token: spec.token, ...(audiences.length > 0 ? { audiences } : {}) },
      status: st,
    });
  }

  async function getNamespace(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, name: string): Promise<void> {
    const user = await caller(req);
    if (user === null) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if (!delegators.has(user)) {
      return send(res, 403, status(403, 'Forbidden',
        `namespaces "${name}" is forbidden: User "${user}" cannot get resource "namespaces" in API group "" in the namespace "${name}"`,
        { name, kind: 'namespaces' }));
    }
    const ns = cluster.namespaces.get(name);
    if (!ns) return send(res, 404, status(404, 'NotFound', `namespaces "${name}" not found`, { name, kind: 'namespaces' }));
    send(res, 200, {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name, uid: ns.uid, labels: { ...ns.labels } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  const pki = await generateServerPki();
  const server = https.createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://fake');
    if (faults.take(url.pathname, res)) return;
    const nsMatch = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url.pathname);
    const podMatch = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    let work: Promise<void>;
    if (req.method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/tokenreviews') work = tokenReview(req, res);
    else if (req.method === 'GET' && nsMatch?.[1]) work = getNamespace(req, res, decodeURIComponent(nsMatch[1]));
    else if ((req.method === 'GET' || req.method === 'PATCH') && podMatch?.[1] && podMatch[2]) {
      const [ns, name] = [decodeURIComponent(podMatch[1]), decodeURIComponent(podMatch[2])];
      work = caller(req).then((user) => pods.handle(req, res, ns, name, user));
    }
    else work = Promise.resolve(send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource')));
    work.catch((e: unknown) => send(res, 500, status(500, 'InternalError', e instanceof Error ? e.message : 'internal error')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    url: `https://127.0.0.1:${port}`,
    caPem: pki.caPem,
    issuer,
    publicKeyPem: cluster.publicKeyPem,
    reviewerToken,
    issueToken: (t) => cluster.issueToken(t),
    async forgeToken(t) {
      forger ??= (await generateKeyPair(alg)).privateKey;
      return signServiceAccountToken(forger, alg, cluster.kid, {
        issuer,
        audiences: t.audiences ?? cluster.apiAudiences,
        expiresIn: t.expiresIn ?? 3600,
        namespace: t.namespace,
        name: t.name,
        uid: t.uid ?? cluster.serviceAccounts.get(`${t.namespace}/${t.name}`) ?? randomUUID(),
        pod: t.pod ?? null,
      });
    },
    deleteServiceAccount: (ns, name) => cluster.deleteServiceAccount(ns, name),
    deletePod(ns, name) {
      cluster.deletePod(ns, name);
      pods.delete(ns, name);
    },
    setNamespaceLabels: (ns, labels) => cluster.ensureNamespace(ns, labels),
    setAuthDelegator(ns, name, allowed) {
      if (allowed) delegators.add(saUsername(ns, name));
      else delegators.delete(saUsername(ns, name));
    },
    reviews,
    createPod(ns, name, po = {}) {
      cluster.ensureNamespace(ns);
      const pod = pods.create(ns, name, po);
      // Tokens bound to this pod stay valid while it exists.
      cluster.pods.set(`${ns}/${name}`, pod.metadata.uid);
      return pod;
    },
    pod: (ns, name) => pods.get(ns, name),
    grantPods: (ns, sa, verbs) => pods.grant(saUsername(ns, sa), ns, verbs),
    podRequests: pods.requests,
    failNext: (code, count) => faults.failNext(code, count),
    down: stop,
    up: () => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }),
    close: stop,
  };
}
