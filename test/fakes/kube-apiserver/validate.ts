/**
 * What the API server's validation and decoding say about an object before it is stored:
 * names (DNS-1123), label keys and values, and the kind-specific rules of the kinds
 * modelled (Secret `data` must be base64, `stringData` is folded into `data`; a Pod needs
 * containers). Pure; throws ApiError.
 */
import { canonical } from './canonical.js';
import { crdCauses, crdTypeProblem } from './crd.js';
import { podSpecCauses, podSpecTypeProblem } from './pod-validation.js';
import type { ResourceType } from './registry.js';
import { badRequest, invalid, type Cause } from './status.js';
import type { KObj } from './store.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Kinds whose names are DNS-1123 labels rather than subdomains. */
const LABEL_NAMED = new Set(['namespaces']);
/** Kinds whose names only must be a valid path segment (RBAC). */
const PATH_NAMED = new Set(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']);

function nameCause(t: ResourceType, name: string): Cause | null {
  if (PATH_NAMED.has(t.plural)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) return { field: 'metadata.name', message: `Invalid value: "${name}": may not contain '/' or '%'` };
    return null;
  }
  if (LABEL_NAMED.has(t.plural)) {
    if (name.length > 63 || !LABEL.test(name)) {
      return { field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')` };
    }
    return null;
  }
  if (name.length > 253 || !SUBDOMAIN.test(name)) {
    return { field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` };
  }
  return null;
}

/** Problems with a label map, in the API server's words. */
export function labelCauses(labels: unknown, field = 'metadata.labels'): Cause[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) return [{ field, message: 'Invalid value: must be a map of strings' }];
  const out: Cause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') out.push({ field, message: `Invalid value: ${JSON.stringify(v)}: label values must be strings` });
    else if (k.length > 316 || !LABEL_NAME.test(k)) {
      out.push({ field, message: `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')` });
    } else if (v.length > 63 || !LABEL_VALUE.test(v)) {
      out.push({ field, message: `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')` });
    }
  }
  return out;
}

const jsonType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v === 'object' ? 'object' : typeof v;

/** Type errors in metadata, worded as the server's JSON decoder (its Go field and type). */
function metadataProblem(m: Record<string, unknown>): string | null {
  const into = (v: unknown, field: string, goType: string) => `json: cannot unmarshal ${jsonType(v)} into Go struct field ObjectMeta.metadata.${field} of type ${goType}`;
  for (const f of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid']) {
    if (m[f] !== undefined && m[f] !== null && typeof m[f] !== 'string') return into(m[f], f, 'string');
  }
  for (const f of ['labels', 'annotations']) {
    const v = m[f];
    if (v === undefined || v === null) continue;
    if (jsonType(v) !== 'object') return into(v, f, 'map[string]string');
    for (const x of Object.values(v as object)) if (typeof x !== 'string') return into(x, f, 'string');
  }
  const fin = m['finalizers'];
  if (fin !== undefined && fin !== null) {
    if (!Array.isArray(fin)) return into(fin, 'finalizers', '[]string');
    for (const x of fin) if (typeof x !== 'string') return into(x, 'finalizers', 'string');
  }
  const refs = m['ownerReferences'];
  if (refs !== undefined && refs !== null) {
    if (!Array.isArray(refs)) return into(refs, 'ownerReferences', '[]v1.OwnerReference');
    for (const x of refs) if (jsonType(x) !== 'object') return into(x, 'ownerReferences', 'v1.OwnerReference');
  }
  return null;
}

/** Decoding rules that the real server applies before validation (400 when the body cannot be decoded). */
export function decode(t: ResourceType, obj: KObj): void {
  const problem = metadataProblem(obj.metadata as Record<string, unknown>);
  const specProblem = t.group === '' && t.plural === 'pods' ? podSpecTypeProblem(obj['spec'])
    : t.group === 'apiextensions.k8s.io' && t.plural === 'customresourcedefinitions' ? crdTypeProblem(obj['spec']) : null;
  if (problem ?? specProblem) throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${problem ?? specProblem ?? ''}`);
  if (t.group !== '' || t.plural !== 'secrets') return;
  const data = (obj['data'] ?? {}) as Record<string, unknown>;
  for (const v of Object.values(data)) {
    const s = typeof v === 'string' ? v : '';
    const bad = typeof v !== 'string' ? 0 : [...s].findIndex((c) => !/[A-Za-z0-9+/=]/.test(c));
    if (typeof v !== 'string' || bad >= 0 || !BASE64.test(s) || s.length % 4 !== 0) {
      const at = bad >= 0 ? bad : Math.floor(s.length / 4) * 4;
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`);
    }
  }
  const stringData = obj['stringData'];
  if (stringData && typeof stringData === 'object') {
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    delete obj['stringData'];
  }
  if (Object.keys(data).length > 0) obj['data'] = data;
  obj['type'] ??= 'Opaque';
}

const POD_UPDATE_FORBIDDEN = 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A pod spec with what an update may change blanked out, for comparison. */
function frozenPodSpec(spec: unknown): string {
  const s = structuredClone((spec ?? {}) as Record<string, unknown>);
  for (const list of ['containers', 'initContainers']) {
    const cs = s[list];
    if (Array.isArray(cs)) s[list] = cs.map((c: Record<string, unknown>) => ({ ...c, image: undefined }));
  }
  delete s['activeDeadlineSeconds'];
  delete s['terminationGracePeriodSeconds'];
  delete s['tolerations'];
  return canonical(s);
}

/** Whether a pod update keeps the spec as the real validation requires (tolerations may only be added). */
function podSpecUpdateAllowed(oldSpec: unknown, newSpec: unknown): boolean {
  if (frozenPodSpec(oldSpec) !== frozenPodSpec(newSpec)) return false;
  const before = ((oldSpec ?? {}) as { tolerations?: unknown[] }).tolerations ?? [];
  const after = ((newSpec ?? {}) as { tolerations?: unknown[] }).tolerations ?? [];
  return before.every((t) => after.some((u) => canonical(u) === canonical(t)));
}

/** Validation of a decoded object about to be stored (`old` on update); throws 422 Invalid listing every cause. */
export function validate(t: ResourceType, obj: KObj, old?: KObj): void {
  const name = obj.metadata.name ?? '';
  const causes: Cause[] = [];
  if (old?.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).some((f) => !(old.metadata.finalizers ?? []).includes(f))) {
    causes.push({ field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted', reason: 'FieldValueForbidden' });
  }
  if (!name) causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' });
  else {
    const c = nameCause(t, name);
    if (c) causes.push(c);
  }
  causes.push(...labelCauses(obj.metadata.labels));
  for (const ref of obj.metadata.ownerReferences ?? []) {
    for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (!ref[f]) causes.push({ field: `metadata.ownerReferences.${f}`, message: `Invalid value: "": ${f} must not be empty` });
    }
  }
  if (t.group === 'apiextensions.k8s.io' && t.plural === 'customresourcedefinitions') {
    const spec = (obj['spec'] ?? {}) as { group?: string; names?: { plural?: string } };
    if (name && name !== `${spec.names?.plural ?? ''}.${spec.group ?? ''}`) {
      causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group` });
    }
    causes.push(...crdCauses(spec));
  }
  if (t.group === '' && (t.plural === 'secrets' || t.plural === 'configmaps') && old?.['immutable'] === true) {
    const frozen = 'Forbidden: field is immutable when `immutable` is set';
    if (obj['immutable'] !== true) causes.push({ field: 'immutable', message: frozen, reason: 'FieldValueForbidden' });
    for (const f of t.plural === 'secrets' ? ['data'] : ['data', 'binaryData']) {
      if (canonical(obj[f] ?? {}) !== canonical(old[f] ?? {})) causes.push({ field: f, message: frozen, reason: 'FieldValueForbidden' });
    }
  }
  if (t.group === '' && t.plural === 'pods' && old && !podSpecUpdateAllowed(old['spec'], obj['spec'])) {
    causes.push({ field: 'spec', message: POD_UPDATE_FORBIDDEN, reason: 'FieldValueForbidden' });
  }
  if (t.group === '' && t.plural === 'pods') {
    const spec = (obj['spec'] ?? {}) as { containers?: unknown };
    if (!Array.isArray(spec.containers) || spec.containers.length === 0) causes.push({ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
    causes.push(...podSpecCauses(spec));
  }
  if (causes.length > 0) throw invalid(t, name, causes);
}

/** Defaults the API server fills in on create, after status from the client was dropped. */
export function createDefaults(t: ResourceType, obj: KObj): void {
  if (t.group !== '') return;
  if (t.plural === 'namespaces') {
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
    obj['spec'] ??= { finalizers: ['kubernetes'] };
    obj['status'] ??= { phase: 'Active' };
  } else if (t.plural === 'pods') {
    const spec = obj['spec'] as Record<string, unknown>;
    spec['serviceAccountName'] ??= 'default';
    obj['status'] ??= { phase: 'Pending' };
  }
}
