/**
 * Audit record field text in Go's omitempty style, as Vault's record structs are
 * written: an empty value leaves its field out.
 */
import { quote } from '../../lib/json-text.js';

/** Go's omitempty, which Vault's record structs use: empty values drop out of the JSON. */
export const str = (s: string | undefined | null): string | undefined => (s ? s : undefined);
export const num = (n: number | undefined | null): number | undefined => (n ? n : undefined);
export const list = <T>(a: T[] | undefined | null): T[] | undefined => (a && a.length > 0 ? a : undefined);

export const ROOT_NAMESPACE_FIELD = ',"namespace":{"id":"root"}';

/** `,"key":"value"`, or "" for an empty value (Go's omitempty). */
export function strField(key: string, v: string | undefined): string {
  return v ? `,"${key}":${quote(v)}` : '';
}

/**
 * `,"key":"value"` for values Ward itself generated in a plain alphabet (request ids,
 * operations, `hmac-sha256:<hex>`), which need no escaping; "" when empty.
 */
export function plainField(key: string, v: string | undefined): string {
  return v ? `,"${key}":"${v}"` : '';
}

export function numField(key: string, n: number | undefined): string {
  return n ? `,"${key}":${n}` : '';
}

/** A shallow copy of list data with `keys` and `key_info` reduced to their sizes. */
export function elideList(data: Record<string, unknown>): Record<string, unknown> {
  const keys = data['keys'];
  const info = data['key_info'];
  if (!Array.isArray(keys) && (info === null || typeof info !== 'object')) return data;
  const out: Record<string, unknown> = { ...data };
  if (Array.isArray(keys)) out['keys'] = keys.length;
  if (info !== null && typeof info === 'object') out['key_info'] = Object.keys(info).length;
  return out;
}
