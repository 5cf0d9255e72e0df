/**
 * What the API server does to a MutatingWebhookConfiguration on create and update before
 * storing it: the v1 defaults (failurePolicy Fail, matchPolicy Equivalent, empty selectors,
 * timeoutSeconds 10, reinvocationPolicy Never, rule scope `*`, service port 443), then the
 * v1 validation (webhook names, sideEffects and admissionReviewVersions required, clientConfig
 * url xor service, timeout 1..30, known enums, selector operators), worded as the real
 * field errors so a broken manifest fails here as it would on a cluster.
 */
import type { Json } from './http-util.js';
import { status } from './http-util.js';

export interface FieldError {
  field: string;
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate';
  /** The error body, without the field (`Required value: …`). */
  message: string;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Go's %#v of the values that appear in these messages. */
const goValue = (v: unknown): string =>
  Array.isArray(v) ? `[]string{${v.map((x) => JSON.stringify(String(x))).join(', ')}}` : typeof v === 'string' ? JSON.stringify(v) : String(v);

const required = (field: string, detail?: string): FieldError => ({ field, reason: 'FieldValueRequired', message: `Required value${detail ? `: ${detail}` : ''}` });
const invalid = (field: string, value: unknown, detail: string): FieldError => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${goValue(value)}: ${detail}` });
const unsupported = (field: string, value: unknown, allowed: string[]): FieldError => ({
  field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${goValue(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function enumField(errs: FieldError[], field: string, value: unknown, allowed: string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) errs.push(unsupported(field, value, allowed));
}

function validateSelector(errs: FieldError[], field: string, sel: unknown): void {
  const exprs = isObj(sel) && Array.isArray(sel['matchExpressions']) ? (sel['matchExpressions'] as Json[]) : [];
  exprs.forEach((e, i) => {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(String(e['operator']))) {
      errs.push(invalid(`${field}.matchExpressions[${i}].operator`, e['operator'], 'not a valid selector operator'));
    }
  });
}

function validateClientConfig(errs: FieldError[], field: string, cc: unknown): void {
  const c = isObj(cc) ? cc : {};
  const hasUrl = typeof c['url'] === 'string';
  if (hasUrl === isObj(c['service'])) return void errs.push(required(field, 'exactly one of url or service is required'));
  if (hasUrl) {
    const raw = c['url'] as string;
    let u: URL | null = null;
    try {
      u = new URL(raw);
    } catch {
      return void errs.push(invalid(`${field}.url`, raw, 'host must be specified'));
    }
    if (u.protocol !== 'https:') errs.push(invalid(`${field}.url`, raw, "'https' is the only allowed URL scheme"));
    if (u.hash) errs.push(invalid(`${field}.url`, raw, 'fragments are not permitted in the URL'));
    if (u.search) errs.push(invalid(`${field}.url`, raw, 'query parameters are not allowed'));
    return;
  }
  const s = c['service'] as Json;
  if (!s['name']) errs.push(required(`${field}.service.name`, 'service name is required'));
  if (!s['namespace']) errs.push(required(`${field}.service.namespace`, 'service namespace is required'));
  if (typeof s['path'] === 'string' && !s['path'].startsWith('/')) errs.push(invalid(`${field}.service.path`, s['path'], "must start with a '/'"));
  const port = s['port'];
  if (typeof port === 'number' && (port < 1 || port > 65535)) errs.push(invalid(`${field}.service.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
}

function validateRule(errs: FieldError[], field: string, r: Json): void {
  const ops = Array.isArray(r['operations']) ? r['operations'] : [];
  if (ops.length === 0) errs.push(required(`${field}.operations`));
  ops.forEach((op, i) => enumField(errs, `${field}.operations[${i}]`, op, ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE']));
  for (const list of ['apiGroups', 'apiVersions', 'resources']) {
    if (!Array.isArray(r[list]) || (r[list] as unknown[]).length === 0) errs.push(required(`${field}.${list}`));
  }
  enumField(errs, `${field}.scope`, r['scope'], ['*', 'Cluster', 'Namespaced']);
}

/** Defaults a configuration in place (as the API server's v1 defaulting) and returns its field errors. */
export function defaultAndValidate(config: Json): FieldError[] {
  const errs: FieldError[] = [];
  const hooks = Array.isArray(config['webhooks']) ? (config['webhooks'] as Json[]) : [];
  const seen = new Set<string>();
  hooks.forEach((h, i) => {
    const f = `webhooks[${i}]`;
    h['failurePolicy'] ??= 'Fail';
    h['matchPolicy'] ??= 'Equivalent';
    h['namespaceSelector'] ??= {};
    h['objectSelector'] ??= {};
    h['timeoutSeconds'] ??= 10;
    h['reinvocationPolicy'] ??= 'Never';
    for (const r of Array.isArray(h['rules']) ? (h['rules'] as Json[]) : []) r['scope'] ??= '*';
    const svc = isObj(h['clientConfig']) ? h['clientConfig']['service'] : undefined;
    if (isObj(svc)) svc['port'] ??= 443;

    const name = typeof h['name'] === 'string' ? h['name'] : '';
    if (!name) errs.push(required(`${f}.name`));
    else if (name.split('.').length < 3 || !name.split('.').every((l) => DNS_LABEL.test(l))) {
      errs.push(invalid(`${f}.name`, name, 'should be a domain with at least three segments separated by dots'));
    } else if (seen.has(name)) errs.push({ field: `${f}.name`, reason: 'FieldValueDuplicate', message: `Duplicate value: "${name}"` });
    seen.add(name);
    (Array.isArray(h['rules']) ? (h['rules'] as Json[]) : []).forEach((r, j) => validateRule(errs, `${f}.rules[${j}]`, r));
    enumField(errs, `${f}.failurePolicy`, h['failurePolicy'], ['Fail', 'Ignore']);
    enumField(errs, `${f}.matchPolicy`, h['matchPolicy'], ['Equivalent', 'Exact']);
    enumField(errs, `${f}.reinvocationPolicy`, h['reinvocationPolicy'], ['IfNeeded', 'Never']);
    if (h['sideEffects'] === undefined) errs.push(required(`${f}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
    else enumField(errs, `${f}.sideEffects`, h['sideEffects'], ['None', 'NoneOnDryRun']);
    const versions = Array.isArray(h['admissionReviewVersions']) ? (h['admissionReviewVersions'] as unknown[]) : [];
    if (versions.length === 0) errs.push(required(`${f}.admissionReviewVersions`, 'must specify one of v1, v1beta1'));
    else if (!versions.some((v) => v === 'v1' || v === 'v1beta1')) errs.push(invalid(`${f}.admissionReviewVersions`, versions, 'must include at least one of v1, v1beta1'));
    const t = h['timeoutSeconds'];
    if (typeof t !== 'number' || t < 1 || t > 30) errs.push(invalid(`${f}.timeoutSeconds`, t, 'the timeout value must be between 1 and 30 seconds'));
    validateClientConfig(errs, `${f}.clientConfig`, h['clientConfig']);
    validateSelector(errs, `${f}.namespaceSelector`, h['namespaceSelector']);
    validateSelector(errs, `${f}.objectSelector`, h['objectSelector']);
  });
  return errs;
}

/** The 422 `Status` for a configuration with field errors. */
export function invalidConfiguration(name: string, errs: FieldError[]): Json {
  const text = errs.map((e) => `${e.field}: ${e.message}`);
  const joined = text.length === 1 ? text[0] : `[${text.join(', ')}]`;
  return status(422, 'Invalid', `MutatingWebhookConfiguration.admissionregistration.k8s.io "${name}" is invalid: ${joined}`, {
    name, group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration',
    causes: errs.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
  });
}
