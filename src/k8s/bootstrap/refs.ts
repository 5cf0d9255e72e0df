/**
 * Where a key or policy comes from: a file (mounted into the Job's pod), or a key of a Secret
 * or ConfigMap in the job's namespace read through the API: `secret:NAME/KEY`,
 * `configmap:NAME/KEY`, anything else a path. Pure parsing here; reading is in kube-store.ts.
 */
export type Ref = { kind: 'file'; path: string } | { kind: 'secret' | 'configmap'; name: string; key: string };

export function parseRef(text: string, flag: string): Ref {
  const m = /^(secret|configmap):([^/]+)\/(.+)$/.exec(text);
  if (m) return { kind: m[1] as 'secret' | 'configmap', name: m[2]!, key: m[3]! };
  if (/^(secret|configmap):/.test(text)) throw new Error(`-${flag}: "${text}" must be ${text.split(':')[0]}:NAME/KEY`);
  if (text.startsWith('keybase:')) throw new Error(`-${flag}: keybase: keys are not supported; give the exported public key as a file or a Secret/ConfigMap key`);
  if (text === '') throw new Error(`-${flag}: empty reference`);
  return { kind: 'file', path: text };
}

/** A reference as logged (names where the material is, never the material). */
export function describeRef(r: Ref): string {
  return r.kind === 'file' ? r.path : `${r.kind}:${r.name}/${r.key}`;
}
