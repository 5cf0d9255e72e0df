/**
 * Plugs RBAC, TokenRequest, access reviews and mutating admission into the fake's hook
 * points, over its object store: the authorizer reads the stored RBAC objects, the admitter
 * reads the stored MutatingWebhookConfigurations (so a patched caBundle applies to the next
 * call), TokenRequest signs with the cluster's key. Also the grant helpers the fake had
 * before RBAC (`setAuthDelegator`, `grantPods`), now writing ordinary stored bindings.
 */
import type { Cluster, UserInfo } from './accounts.js';
import { MutatingAdmission } from './admission.js';
import type { Admitter, Authorizer, SubresourceHandler } from './hooks.js';
import type { Json } from './http-util.js';
import { authorize, type RbacObjects } from './rbac.js';
import { authDelegatorBindings, bootstrapObjects, podGrant } from './rbac-bootstrap.js';
import type { Registry, ResourceType } from './registry.js';
import { ApiError, status } from './status.js';
import type { KObj, Store } from './store.js';
import { tokenRequest } from './token-request.js';

export interface AuthHooks {
  authorizer: Authorizer;
  objects: RbacObjects;
  admitter: Admitter;
  admission: MutatingAdmission;
  tokenRequest: SubresourceHandler;
  setAuthDelegator(namespace: string, name: string, allowed: boolean): void;
  grantPods(namespace: string, serviceAccount: string, verbs: readonly string[]): void;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function authHooks(store: Store, registry: Registry, cluster: Cluster, serviceEndpoints: Record<string, string>): AuthHooks {
  const type = (group: string, version: string, plural: string): ResourceType => {
    const t = registry.lookup(group, version, plural);
    if (!t) throw new Error(`resource type ${group}/${version}/${plural} missing`);
    return t;
  };
  const [crT, crbT, roleT, rbT] = ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'].map((p) => type(RBAC_GROUP, 'v1', p)) as [ResourceType, ResourceType, ResourceType, ResourceType];
  const mwcT = type('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations');
  const [nsT, saT, podT, secretT] = ['namespaces', 'serviceaccounts', 'pods', 'secrets'].map((p) => type('', 'v1', p)) as [ResourceType, ResourceType, ResourceType, ResourceType];

  const objects: RbacObjects = {
    clusterRoles: () => store.list(crT) as Json[],
    clusterRoleBindings: () => store.list(crbT) as Json[],
    roles: (ns) => store.list(roleT, ns) as Json[],
    roleBindings: (ns) => store.list(rbT, ns) as Json[],
  };
  /** Creates or replaces a stored object by its kind, as `kubectl apply` would. */
  const put = (obj: Json): void => {
    const o = obj as KObj;
    const t = registry.byKind(o.apiVersion ?? '', o.kind ?? '');
    if (!t) throw new Error(`no resource type for ${o.kind ?? ''}`);
    const ns = o.metadata.namespace;
    if (ns !== undefined && !store.get(nsT, undefined, ns)) store.create(nsT, undefined, { metadata: { name: ns } });
    const cur = store.get(t, ns, o.metadata.name ?? '');
    if (cur) store.update(t, ns, o.metadata.name ?? '', { ...o, metadata: { ...o.metadata, resourceVersion: cur.metadata.resourceVersion } });
    else store.create(t, ns, o);
  };
  for (const o of bootstrapObjects()) put(o);

  const admission = new MutatingAdmission({
    configurations: () => store.list(mwcT) as Json[],
    namespaceLabels: (ns) => store.get(nsT, undefined, ns)?.metadata.labels,
    serviceEndpoints,
  });

  const admitter: Admitter = async (r) => {
    // The API server never sends webhook configurations to webhooks (they could lock themselves out).
    if (r.t.group === 'admissionregistration.k8s.io') return r.object;
    const out = await admission.admit({
      operation: r.operation,
      kind: { group: r.t.group, version: r.t.version, kind: r.t.kind },
      resource: { group: r.t.group, version: r.t.version, resource: r.t.plural },
      ...(r.subresource ? { subResource: r.subresource } : {}),
      namespace: r.namespace,
      name: r.name,
      object: r.object as Json,
      oldObject: (r.oldObject ?? null) as Json | null,
      userInfo: r.user,
      dryRun: r.dryRun,
    });
    for (const w of out.warnings) r.warn?.(w);
    if (!out.allowed) throw new ApiError(out.code, out.status);
    return out.object as KObj;
  };

  const tokenRequestHandler: SubresourceHandler = async (r) => {
    if (r.req.method !== 'POST') throw new ApiError(405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    const ns = r.namespace ?? '';
    const reply = await tokenRequest({
      apiAudiences: cluster.apiAudiences,
      serviceAccountUid: (n, name) => store.get(saT, n, name)?.metadata.uid,
      pod(n, name) {
        const p = store.get(podT, n, name);
        if (!p) return undefined;
        const spec = (p['spec'] ?? {}) as { serviceAccountName?: string };
        return { uid: p.metadata.uid ?? '', serviceAccountName: spec.serviceAccountName || 'default' };
      },
      secret(n, name) {
        const s = store.get(secretT, n, name);
        return s ? { uid: s.metadata.uid ?? '' } : undefined;
      },
      sign: (t) => cluster.issueToken({ namespace: t.namespace, name: t.name, uid: t.uid, audiences: t.audiences, expiresIn: t.expiresIn, pod: t.pod ?? null, ...(t.secret ? { secret: t.secret } : {}) }),
    }, ns, r.name, r.body);
    return reply;
  };

  return {
    authorizer: (user: UserInfo, a) => authorize(objects, user, { ...a, resourceRequest: true }).allowed,
    objects,
    admitter,
    admission,
    tokenRequest: tokenRequestHandler,
    setAuthDelegator(ns, name, allowed) {
      for (const b of authDelegatorBindings(ns, name)) {
        const bName = String((b['metadata'] as { name: string }).name);
        if (allowed) put(b);
        else if (store.get(crbT, undefined, bName)) store.delete(crbT, undefined, bName);
      }
    },
    grantPods(ns, sa, verbs) {
      const [role] = podGrant(ns, sa, verbs);
      const cur = store.get(roleT, ns, String(((role ?? {})['metadata'] as { name: string }).name));
      const had = ((cur?.['rules'] as { verbs?: string[] }[] | undefined)?.[0]?.verbs) ?? [];
      for (const o of podGrant(ns, sa, [...new Set([...had, ...verbs])])) put(o);
    },
  };
}
