/**
 * VaultAuthGlobal: shared login defaults that a VaultAuth pulls in with `vaultAuthGlobalRef`,
 * merged as VSO does (internal/common MergeInVaultAuthGlobal): the VaultAuth's own values win
 * field by field; the method comes from `defaultAuthMethod` when the VaultAuth sets none; mount
 * and Ward namespace from the global's method section, else `defaultMount` /
 * `defaultVaultNamespace`; headers and params by `mergeStrategy` (none: the VaultAuth's only;
 * replace: the first non-empty of VaultAuth, method section, global default; union: all three,
 * the VaultAuth winning). Pure: the caller finds the objects.
 */
import type { GlobalRef } from './auth-spec.js';
import { obj, SpecError, type Obj, type Ref } from './spec.js';

export interface Named { namespace: string; name: string }

/** The VaultAuthGlobals a reference may mean, in lookup order. */
export function globalCandidates(ref: GlobalRef, authNamespace: string, operatorNamespace: string): Ref[] {
  if (ref.name) return [{ namespace: ref.namespace ?? authNamespace, name: ref.name }];
  if (ref.namespace) return [{ namespace: ref.namespace, name: 'default' }];
  const own = { namespace: authNamespace, name: 'default' };
  return authNamespace === operatorNamespace ? [own] : [own, { namespace: operatorNamespace, name: 'default' }];
}

/**
 * VSO's isAllowedNamespace: an object may be used from its own namespace, the operator's
 * `default` from anywhere, otherwise only from the namespaces listed (`["*"]`: all).
 */
export function isAllowedNamespace(o: Named, target: string, allowed: string[] | undefined, operatorNamespace: string): boolean {
  if (target === o.namespace) return true;
  if (o.name === 'default' && o.namespace === operatorNamespace) return true;
  if (!allowed || allowed.length === 0) return false;
  if (allowed.length === 1 && allowed[0] === '*') return true;
  return allowed.includes(target);
}

const isSet = (v: unknown): boolean => {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
};
const first = (...vs: unknown[]): unknown => vs.find(isSet);
/** Fields of a global's method section that are not the method's own settings. */
const SECTION_ONLY = new Set(['namespace', 'mount', 'params', 'headers']);

function mergeMaps(strategy: GlobalRef['mergeStrategy']['headers'], local: unknown, section: unknown, dflt: unknown): unknown {
  if (strategy === 'none') return local;
  if (strategy === 'replace') return first(local, section, dflt);
  return { ...obj(dflt), ...obj(section), ...obj(local) };
}

/** The VaultAuth's spec with the global merged in (then parsed by parseAuthSpec). */
export function mergeAuthGlobal(auth: Named & { spec: Obj }, ref: GlobalRef, global: Named & { spec: Obj }): Obj {
  const a = auth.spec;
  const g = global.spec;
  const authName = `VaultAuth ${auth.namespace}/${auth.name}`;
  const globalName = `VaultAuthGlobal ${global.namespace}/${global.name}`;
  const method = first(a['method'], g['defaultAuthMethod']);
  if (!method) throw new SpecError(`no auth method set in ${authName} and no defaultAuthMethod in ${globalName}`);
  if (typeof method !== 'string') throw new SpecError('spec.method: must be a string');
  const section = obj(g[method]);
  const own = obj(a[method]);
  if (!isSet(section) && !isSet(own)) throw new SpecError(`auth method ${method} is not configured in ${authName} nor in ${globalName}`);
  const settings: Obj = {};
  for (const [k, v] of Object.entries(section)) if (!SECTION_ONLY.has(k)) settings[k] = v;
  for (const [k, v] of Object.entries(own)) if (isSet(v) || !(k in settings)) settings[k] = v;
  const out: Obj = { ...a, method, [method]: settings };
  const set = (k: string, v: unknown) => {
    if (isSet(v)) out[k] = v;
    else delete out[k];
  };
  set('mount', first(a['mount'], section['mount'], g['defaultMount']));
  set('namespace', first(a['namespace'], section['namespace'], g['defaultVaultNamespace']));
  set('vaultConnectionRef', first(a['vaultConnectionRef'], g['vaultConnectionRef']));
  set('headers', mergeMaps(ref.mergeStrategy.headers, a['headers'], section['headers'], g['headers']));
  set('params', mergeMaps(ref.mergeStrategy.params, a['params'], section['params'], g['params']));
  return out;
}
