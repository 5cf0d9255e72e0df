/**
 * What goes into a destination Secret and what the status records about it: VSO's data
 * layout for KV answers, the HMAC of the data (change and drift detection without keeping
 * plaintext in status), and conditions with Kubernetes' transition-time semantics.
 */
import { createHmac } from 'node:crypto';

/** Secret `data` as the API carries it: base64 values. */
export type SecretData = Record<string, string>;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The fields of a KV read's `data` (KV v2: `data.data`; a deleted or destroyed version has none). */
export function kvFields(type: 'kv-v1' | 'kv-v2', responseData: Record<string, unknown>): Record<string, unknown> {
  if (type === 'kv-v1') return responseData;
  const fields = responseData['data'];
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) throw new Error('the KV v2 secret has no data (deleted or destroyed version)');
  return fields as Record<string, unknown>;
}

/** `data` of a KV read → Secret data: one key per field (KV v2: of `data.data`), plus `_raw`. */
export function secretDataFromKv(type: 'kv-v1' | 'kv-v2', responseData: Record<string, unknown>): SecretData {
  const out: SecretData = {};
  for (const [k, v] of Object.entries(kvFields(type, responseData))) {
    if (k === '_raw') throw new Error('the secret data has a field named "_raw", which is reserved for the raw response');
    out[k] = b64(typeof v === 'string' ? v : JSON.stringify(v));
  }
  out['_raw'] = b64(JSON.stringify(responseData));
  return out;
}

/** HMAC-SHA256 over the data in key order, base64: equal data ⇔ equal MAC under one key. */
export function secretMac(key: Buffer, data: SecretData | undefined): string {
  const h = createHmac('sha256', key);
  for (const k of Object.keys(data ?? {}).sort()) {
    // Length-prefixed so no two different maps serialise to the same bytes.
    const v = Buffer.from(data?.[k] ?? '', 'base64');
    h.update(`${Buffer.byteLength(k)}:${k}:${v.length}:`);
    h.update(v);
  }
  return h.digest('base64');
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** meta.SetStatusCondition: replaces the condition of that type; the transition time moves only when the status does. */
export function setCondition(cs: readonly Condition[], c: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const old = cs.find((x) => x.type === c.type);
  const next: Condition = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
  return old ? cs.map((x) => (x.type === c.type ? next : x)) : [...cs, next];
}

/** Whether writing `b` over `a` would change anything (so an unchanged status is not re-written, which would wake every watcher). */
export function conditionsChanged(a: readonly Condition[], b: readonly Condition[]): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}
