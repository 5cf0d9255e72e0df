/**
 * What the API server's validation and decoding say about an object before it is stored:
 * names (DNS-1123), label keys and values, and the kind-specific rules of the kinds
 * modelled (Secret `data` must be base64, `stringData` is folded into `data`; a Pod needs
 * containers). Pure; throws ApiError.
 */
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

/** Decoding rules that the real server applies before validation (400 when the body cannot be decoded). */
export function decode(t: ResourceType, obj: KObj): void {
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

/** Validation of a decoded object about to be stored; throws 422 Invalid listing every cause. */
export function validate(t: ResourceType, obj: KObj): void {
  const name = obj.metadata.name ?? '';
  const causes: Cause[] = [];
  if (!name) causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' });
  else {
    const c = nameCause(t, name);
    if (c) causes.push(c);
  }
  causes.push(...labelCauses(obj.metadata.labels));
  if (t.group === '' && t.plural === 'pods') {
    const spec = (obj['spec'] ?? {}) as { containers?: unknown };
    if (!Array.isArray(spec.containers) || spec.containers.length === 0) causes.push({ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
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
