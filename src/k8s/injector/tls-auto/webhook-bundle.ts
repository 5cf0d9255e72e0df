/**
 * The caBundle side of -tls-auto (pure): whether a MutatingWebhookConfiguration already
 * trusts a CA, and the JSON patch that sets the bundle on every webhook. The patch starts
 * with a `test` of the resourceVersion read, so it cannot overwrite a configuration that
 * changed meanwhile (someone re-applied it with a different webhook list): it fails and the
 * reconcile retries against the new version.
 */
import type { V1MutatingWebhookConfiguration } from '@kubernetes/client-node';

const norm = (pem: string): string => pem.replace(/\s+/g, '');

/** Every webhook's caBundle contains `caPem` (and there is at least one webhook). */
export function trustsCa(cfg: V1MutatingWebhookConfiguration | undefined, caPem: string): boolean {
  const hooks = cfg?.webhooks ?? [];
  return hooks.length > 0 && hooks.every((w) => norm(Buffer.from(w.clientConfig?.caBundle ?? '', 'base64').toString('utf8')).includes(norm(caPem)));
}

export type JsonPatchOp = { op: 'test' | 'add' | 'replace'; path: string; value: unknown };

/** The patch that makes every webhook's caBundle `bundlePem`, or undefined when all already have it. */
export function caBundlePatch(cfg: V1MutatingWebhookConfiguration, bundlePem: string): JsonPatchOp[] | undefined {
  const want = Buffer.from(bundlePem, 'utf8').toString('base64');
  const ops: JsonPatchOp[] = [];
  (cfg.webhooks ?? []).forEach((w, i) => {
    if (w.clientConfig?.caBundle !== want) ops.push({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: want });
  });
  if (ops.length === 0) return undefined;
  return [{ op: 'test', path: '/metadata/resourceVersion', value: cfg.metadata?.resourceVersion ?? '' }, ...ops];
}
