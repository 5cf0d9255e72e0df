/** Cache and work-queue keys: `namespace/name`, or `name` for cluster-scoped objects (as client-go's MetaNamespaceKeyFunc). */

export interface ObjectMetaLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export function objectKey(obj: ObjectMetaLike): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
