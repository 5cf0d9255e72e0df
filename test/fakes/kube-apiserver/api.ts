/** The fake API server's public surface: its options and the handle tests drive it with. */
import type { Alg, IssueTokenOptions } from './accounts.js';
import type { FaultCode } from './faults.js';
import type { MutatingAdmission } from './admission.js';
import type { Admitter, Authorizer, SubresourceHandler } from './hooks.js';
import type { PodObject, PodVerb, RecordedPodRequest } from './pods.js';
import type { Registry } from './registry.js';
import type { RecordedRequest } from './rest.js';
import type { KObj, Store } from './store.js';
import type { RecordedReview } from './token-review.js';

export interface FakeKubeOptions {
  /** `iss` of issued tokens (default `https://kubernetes.default.svc.cluster.local`). */
  issuer?: string;
  /**
   * The issuer is the server's own URL (as clusters whose issuer is public, e.g. EKS), so a
   * relying party can use it as its OIDC discovery URL. Overrides `issuer`.
   */
  selfIssuer?: boolean;
  /** The API server's own audiences (default `[issuer]`). */
  apiAudiences?: string[];
  alg?: Alg;
  /** Namespaces to pre-create, with labels. */
  namespaces?: Record<string, Record<string, string>>;
  /** The reviewer service account (default `kube-system/ward-token-reviewer`). */
  reviewer?: { namespace: string; name: string };
  /** Bind the reviewer to `system:auth-delegator` (default true). */
  reviewerIsAuthDelegator?: boolean;
  /** The cluster-admin bearer token (default: random). */
  adminToken?: string;
  /** `gitVersion` of `/version` (default v1.31.0, which has native sidecars). */
  version?: string;
  /** How many change events watches can resume from (default 1000); older resourceVersions get 410. */
  historyLimit?: number;
  /** Interval of BOOKMARK events for watches that allow them (default 10 s). */
  bookmarkIntervalMs?: number;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Where admission webhooks' `clientConfig.service` live: `"<ns>/<service>"` → `https://127.0.0.1:<port>` (there is no cluster network). */
  serviceEndpoints?: Record<string, string>;
}

export interface FakeKubeApiServer {
  url: string;
  port: number;
  caPem: string;
  issuer: string;
  /** SPKI PEM of the token-signing key (for `pem_keys`). */
  publicKeyPem: string;
  /** A long-lived token of the reviewer service account, audience = the API server. */
  reviewerToken: string;
  /** The cluster-admin bearer (group system:masters), as in the kubeconfig. */
  adminToken: string;
  /** A kubeconfig (YAML) for this server with the admin token, or another bearer. */
  kubeconfig(token?: string): string;
  issueToken(o: IssueTokenOptions): Promise<string>;
  /** Same claims, signed by a key the cluster does not know. */
  forgeToken(o: IssueTokenOptions): Promise<string>;
  deleteServiceAccount(namespace: string, name: string): void;
  deletePod(namespace: string, name: string): void;
  setNamespaceLabels(namespace: string, labels: Record<string, string>): void;
  /** Stores (or deletes) ClusterRoleBindings of a service account to `system:auth-delegator` and `ward:namespace-reader` (tokenreviews create, namespaces get). */
  setAuthDelegator(namespace: string, name: string, allowed: boolean): void;
  reviews: RecordedReview[];
  /** Creates (or recreates) a running pod, with no `labels` field unless given; returns it. */
  createPod(namespace: string, name: string, o?: { labels?: Record<string, string> }): PodObject;
  /** The stored pod, for assertions. */
  pod(namespace: string, name: string): PodObject | undefined;
  /** Stores a Role `ward-pods-<sa>` granting `verbs` on pods in `namespace` (added to those granted before) and its RoleBinding. */
  grantPods(namespace: string, serviceAccount: string, verbs: readonly PodVerb[]): void;
  /** Requests on pods, as recorded. */
  readonly podRequests: RecordedPodRequest[];
  /** Every answered resource request. */
  requests: RecordedRequest[];
  /** Stores an object directly (no authorization or admission), as a controller would; its namespace must exist. */
  seed(obj: KObj): KObj;
  /** A stored object by apiVersion and kind, for assertions. */
  object(apiVersion: string, kind: string, namespace: string | undefined, name: string): KObj | undefined;
  /** Ends every open watch stream cleanly, as the API server's request timeout does; clients reconnect from their last resourceVersion. */
  endWatches(): void;
  /** Forgets the watch history (as etcd compaction): watches from older resourceVersions get 410. */
  compact(): void;
  /** Replaces the authorizer (default: RBAC over the stored roles and bindings; system:masters may do anything). */
  setAuthorizer(a: Authorizer): void;
  /** Replaces admission (default: the stored MutatingWebhookConfigurations). */
  setAdmitter(a: Admitter): void;
  /** Mutating admission; `admission.calls` records every webhook call. */
  admission: MutatingAdmission;
  /** `"<ns>/<service>"` → `https://127.0.0.1:<port>` for webhooks' clientConfig.service; may be changed at any time. */
  serviceEndpoints: Record<string, string>;
  /** Serves `<group>/<plural>/<subresource>` (e.g. `/serviceaccounts/token`). */
  subresources: Map<string, SubresourceHandler>;
  store: Store;
  registry: Registry;
  /** The next `count` requests (any route) answer `code` with the API server's Status body. */
  failNext(code: FaultCode, count?: number): void;
  /** Stops listening (dropping open connections); state is kept. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

