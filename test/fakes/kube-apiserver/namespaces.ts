/**
 * The namespace lifecycle the controllers give a real cluster: a new namespace gets its
 * `kubernetes.io/metadata.name` label, `Active` phase, a `default` service account and the
 * `kube-root-ca.crt` ConfigMap; a
 * deleted one turns `Terminating`, everything in it is deleted, then it goes.
 */
import type { Registry, ResourceType } from './registry.js';
import type { Store, StoreEvent } from './store.js';
import { ApiError } from './status.js';

export class NamespaceController {
  private readonly nsType: ResourceType;
  private readonly saType: ResourceType;
  private readonly cmType: ResourceType;

  /** `caPem` is what kube-root-ca.crt publishes (the API server's CA). */
  constructor(private readonly store: Store, registry: Registry, private readonly caPem: string) {
    const ns = registry.lookup('', 'v1', 'namespaces');
    const sa = registry.lookup('', 'v1', 'serviceaccounts');
    const cm = registry.lookup('', 'v1', 'configmaps');
    if (!ns || !sa || !cm) throw new Error('core types missing from the registry');
    [this.nsType, this.saType, this.cmType] = [ns, sa, cm];
    store.listeners.add((e) => this.observe(e));
  }

  private observe(e: StoreEvent): void {
    if (e.t !== this.nsType && (e.t.group !== '' || e.t.plural !== 'namespaces')) return;
    const name = e.object.metadata.name ?? '';
    if (e.type === 'ADDED' && !this.store.get(this.saType, name, 'default')) {
      this.store.create(this.saType, name, { metadata: { name: 'default' } });
    }
    if (e.type === 'ADDED' && !this.store.get(this.cmType, name, 'kube-root-ca.crt')) {
      this.store.create(this.cmType, name, { metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': this.caPem } });
    }
    if (e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp && (e.object['status'] as { phase?: string } | undefined)?.phase !== 'Terminating') {
      setImmediate(() => this.terminate(name));
    }
  }

  private terminate(name: string): void {
    const ns = this.store.get(this.nsType, undefined, name);
    if (!ns) return;
    this.store.update(this.nsType, undefined, name, { ...ns, status: { phase: 'Terminating' } }, { subresource: 'status' });
    for (const [t, o] of [...this.store.everything()]) {
      if (!t.namespaced || o.metadata.namespace !== name) continue;
      try {
        this.store.delete(t, name, o.metadata.name ?? '');
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
      }
    }
    const left = [...this.store.everything()].some(([t, o]) => t.namespaced && o.metadata.namespace === name);
    const current = this.store.get(this.nsType, undefined, name);
    if (!current) return;
    if (left) {
      setTimeout(() => this.terminate(name), 50).unref(); // objects with finalizers: wait for them
      return;
    }
    this.store.update(this.nsType, undefined, name, { ...current, spec: { finalizers: [] } }, { keepStatus: true });
  }
}
