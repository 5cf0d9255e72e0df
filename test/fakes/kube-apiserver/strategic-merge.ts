/**
 * Strategic merge patch for the built-in kinds the fake serves: lists with a merge key
 * are merged element by element (containers by name, volumeMounts by mountPath …), other
 * lists are replaced, maps merge as in a merge patch (`null` deletes), and the directives
 * `$patch: delete | replace | merge`, `$deleteFromPrimitiveList/<f>`, `$setElementOrder/<f>`
 * and `$retainKeys` are understood. Keys are those of the Kubernetes Go types' patchMergeKey
 * tags, by field name, which is unambiguous for the kinds modelled.
 */
import { PatchApplyError } from './patch-apply.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field name → merge key of its elements. */
export const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  conditions: 'type',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

/** Lists of scalars merged as sets (patchStrategy:"merge" without a key). */
const PRIMITIVE_MERGE = new Set(['finalizers']);

function mergeList(field: string, doc: unknown[], patch: unknown[]): unknown[] {
  if (patch.some((e) => isObj(e) && e['$patch'] === 'replace')) return patch.filter((e) => !(isObj(e) && e['$patch'] === 'replace'));
  const key = MERGE_KEYS[field];
  if (PRIMITIVE_MERGE.has(field)) return [...doc, ...patch.filter((v) => !doc.includes(v))];
  if (!key) return patch;
  const out = [...doc];
  for (const el of patch) {
    if (!isObj(el)) throw new PatchApplyError(`unable to find api field in struct for the json field "${field}"`);
    const k = el[key];
    if (k === undefined) throw new PatchApplyError(`map: ${JSON.stringify(el)} does not contain declared merge key: ${key}`);
    const at = out.findIndex((d) => isObj(d) && d[key] === k);
    if (el['$patch'] === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = mergeMap(out[at] as Obj, el);
    else out.push(mergeMap({}, el));
  }
  return out;
}

function mergeMap(doc: Obj, patch: Obj): Obj {
  const directive = patch['$patch'];
  if (directive === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return mergeMap({}, rest);
  }
  if (directive !== undefined && directive !== 'merge' && directive !== 'delete') throw new PatchApplyError(`Unknown patch type: ${String(directive)}`);
  const out: Obj = { ...doc };
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null || (isObj(v) && v['$patch'] === 'delete')) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(k, Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v);
    else if (isObj(v)) out[k] = mergeMap(isObj(out[k]) ? (out[k] as Obj) : {}, v);
    else out[k] = v;
  }
  return out;
}

/** Applies a strategic merge patch to a copy of `doc`. */
export function applyStrategicMergePatch<T>(doc: T, patch: unknown): T {
  if (!isObj(patch)) throw new PatchApplyError('json: cannot unmarshal array into Go value of type map[string]interface {}');
  return mergeMap(structuredClone(doc) as Obj, patch) as T;
}
