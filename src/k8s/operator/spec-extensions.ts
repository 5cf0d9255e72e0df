/**
 * Ward's additions to VaultStaticSecret, spelled so no manifest written for HashiCorp's
 * operator can mean something else by them (VSO's schema has neither field):
 * - `spec.destination.kind`: `Secret` (default, VSO's behaviour) or `ConfigMap`, for
 *   non-secret values that applications read from a ConfigMap (VSO issue #543);
 * - `spec.additionalPaths`: more KV paths merged into the same destination, each
 *   `{path, mount (default spec.mount), keyPrefix}` (VSO issues #954, #923, #1047). The
 *   main path's fields and `_raw` come first; a key two paths would both write is a
 *   SpecError naming both, never a silent overwrite.
 */
import { SpecError, type CustomObject } from './spec.js';

export type DestinationKind = 'Secret' | 'ConfigMap';

export interface ExtraPath {
  mount: string;
  path: string;
  keyPrefix: string;
}

export interface WardExtensions {
  destinationKind: DestinationKind;
  additionalPaths: ExtraPath[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const trim = (s: string): string => s.replace(/^\/+|\/+$/g, '');
/** Secret and ConfigMap keys: `[-._a-zA-Z0-9]+`; a prefix may be empty. */
const KEY_CHARS = /^[-._a-zA-Z0-9]*$/;

function optString(o: Obj, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new SpecError(`${field}: must be a string`);
  return v;
}

export function parseWardExtensions(cr: CustomObject): WardExtensions {
  const s = obj(cr.spec);
  const d = obj(s['destination']);
  const kind = optString(d, 'kind', 'spec.destination.kind') || 'Secret';
  if (kind !== 'Secret' && kind !== 'ConfigMap') throw new SpecError(`spec.destination.kind: unsupported value ${JSON.stringify(kind)}: supported values: "Secret", "ConfigMap"`);
  if (kind === 'ConfigMap' && optString(d, 'type', 'spec.destination.type')) throw new SpecError('spec.destination.type: not allowed with destination.kind ConfigMap (a ConfigMap has no type)');
  const raw = s['additionalPaths'];
  if (raw !== undefined && raw !== null && !Array.isArray(raw)) throw new SpecError('spec.additionalPaths: must be a list');
  const mainMount = trim(typeof s['mount'] === 'string' ? s['mount'] : '');
  const additionalPaths = ((raw as unknown[] | undefined) ?? []).map((p, i): ExtraPath => {
    const o = obj(p);
    const f = `spec.additionalPaths[${i}]`;
    const path = trim(optString(o, 'path', `${f}.path`) ?? '');
    if (!path) throw new SpecError(`${f}.path: required`);
    const keyPrefix = optString(o, 'keyPrefix', `${f}.keyPrefix`) ?? '';
    if (!KEY_CHARS.test(keyPrefix)) throw new SpecError(`${f}.keyPrefix: must consist of alphanumeric characters, "-", "_" or "."`);
    return { mount: trim(optString(o, 'mount', `${f}.mount`) ?? '') || mainMount, path, keyPrefix };
  });
  return { destinationKind: kind, additionalPaths };
}

/** The main path's data (with `_raw`) plus each additional path's fields under its prefix. */
export function mergePaths<V>(main: Record<string, V>, extras: Array<{ data: Record<string, V>; keyPrefix: string }>): Record<string, V> {
  const out: Record<string, V> = { ...main };
  const from = new Map(Object.keys(main).map((k) => [k, 'spec.path']));
  extras.forEach((x, i) => {
    for (const [k, v] of Object.entries(x.data)) {
      if (k === '_raw') continue; // only the main path's raw answer is kept, as VSO's `_raw`
      const key = x.keyPrefix + k;
      const other = from.get(key);
      if (other) throw new SpecError(`spec.additionalPaths[${i}]: key ${JSON.stringify(key)} also comes from ${other} (set a keyPrefix)`);
      from.set(key, `spec.additionalPaths[${i}]`);
      out[key] = v;
    }
  });
  return out;
}
