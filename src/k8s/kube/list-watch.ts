/**
 * The two calls an informer makes, behind one small interface so the informer's loop can be
 * tested without a server: `list` (a consistent snapshot with its resourceVersion) and
 * `watch` (changes after a resourceVersion, until the stream ends). `apiListWatch` is the real
 * one: the typed list call and client-node's Watch stream, which authenticates and verifies
 * TLS exactly like the typed calls.
 */
import { Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { KubeError, toKubeError } from './errors.js';

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per list page (client-go's pager: 500); 0 lists everything in one answer. */
  pageSize?: number;
}

/** What a list call is given: the selectors and the page (`limit`, `_continue`, client-node's spelling). */
export interface ListParams {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  _continue?: string;
}

/** client-go's ListPager default: a 10,000-object list is twenty answers, not one huge body held twice in memory. */
export const DEFAULT_PAGE_SIZE = 500;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface ListWatch<T extends KubernetesObject> {
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  /**
   * Streams events after `resourceVersion` to `onEvent` until the server ends the stream
   * (resolves) or it fails (rejects with a KubeError; 410 when the version is too old).
   * Aborting `signal` ends it quietly.
   */
  watch(resourceVersion: string, onEvent: (type: WatchEventType, obj: T) => void, signal: AbortSignal): Promise<void>;
}

export function apiListWatch<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: (p: ListParams) => Promise<KubernetesListObject<T>>,
  sel: Selectors = {},
): ListWatch<T> {
  const watcher = new Watch(kc);
  const pageSize = sel.pageSize ?? DEFAULT_PAGE_SIZE;
  const filter = { labelSelector: sel.labelSelector, fieldSelector: sel.fieldSelector };
  return {
    async list() {
      const items: T[] = [];
      let resourceVersion: string | undefined;
      let next: string | undefined;
      do {
        const l = await list({ ...filter, ...(pageSize > 0 ? { limit: pageSize } : {}), ...(next ? { _continue: next } : {}) })
          .catch((e: unknown) => Promise.reject(toKubeError(e)));
        items.push(...l.items);
        // Every page of a paged list is the first page's snapshot: watch from its version.
        resourceVersion ??= l.metadata?.resourceVersion ?? '';
        // Typed lists carry client-node's `_continue`; custom objects come back as the raw JSON, `continue`.
        const meta = l.metadata as { _continue?: string; continue?: string } | undefined;
        next = meta?._continue || meta?.continue || undefined;
      } while (next);
      return { items, resourceVersion: resourceVersion ?? '' };
    },
    watch(resourceVersion, onEvent, signal) {
      return new Promise<void>((resolve, reject) => {
        let gone: KubeError | undefined;
        const params = {
          resourceVersion,
          allowWatchBookmarks: true,
          // As client-go: the server ends each watch after 5-10 minutes, so a silently dead
          // connection (a NAT dropping it) cannot stall the informer forever.
          timeoutSeconds: Math.floor(300 * (1 + Math.random())),
          ...filter,
        };
        const onData = (type: string, obj: unknown): void => {
          if (type === 'ERROR') {
            // A Status object: 410 Expired when resourceVersion is too old; the server closes the stream next.
            gone = toKubeError(obj);
            return;
          }
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' || type === 'BOOKMARK') onEvent(type, obj as T);
        };
        const done = (err: unknown): void => {
          if (signal.aborted) return resolve();
          if (gone) return reject(gone);
          if (err) return reject(toKubeError(err));
          resolve();
        };
        watcher.watch(path, params, onData, done).then(
          (ctrl) => {
            if (signal.aborted) ctrl.abort();
            else signal.addEventListener('abort', () => ctrl.abort(), { once: true });
          },
          (e: unknown) => done(e),
        );
      });
    },
  };
}

/** A custom resource type, as CustomObjectsApi addresses it. */
export interface CustomResource {
  group: string;
  version: string;
  plural: string;
}

/** List-watches for the kinds k8s/ components use. */
export const listWatches = {
  secrets: (c: KubeClient, namespace?: string, sel: Selectors = {}) =>
    apiListWatch(c.kc, namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets` : '/api/v1/secrets',
      (s) => (namespace ? c.core.listNamespacedSecret({ namespace, ...s }) : c.core.listSecretForAllNamespaces(s)), sel),
  configMaps: (c: KubeClient, namespace?: string, sel: Selectors = {}) =>
    apiListWatch(c.kc, namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps` : '/api/v1/configmaps',
      (s) => (namespace ? c.core.listNamespacedConfigMap({ namespace, ...s }) : c.core.listConfigMapForAllNamespaces(s)), sel),
  leases: (c: KubeClient, namespace: string, sel: Selectors = {}) =>
    apiListWatch(c.kc, `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`,
      (s) => c.coordination.listNamespacedLease({ namespace, ...s }), sel),
  mutatingWebhookConfigurations: (c: KubeClient, sel: Selectors = {}) =>
    apiListWatch(c.kc, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      (s) => c.admission.listMutatingWebhookConfiguration(s), sel),
  /** Custom resources (the operator's CRDs), in one namespace or all. */
  customObjects: <T extends KubernetesObject>(c: KubeClient, r: CustomResource, namespace?: string, sel: Selectors = {}) =>
    apiListWatch<T>(c.kc,
      namespace ? `/apis/${r.group}/${r.version}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `/apis/${r.group}/${r.version}/${r.plural}`,
      // CustomObjectsApi returns untyped objects; the list shape is the API server's.
      async (s) => (await (namespace ? c.custom.listNamespacedCustomObject({ ...r, namespace, ...s }) : c.custom.listClusterCustomObject({ ...r, ...s }))) as KubernetesListObject<T>, sel),
};
