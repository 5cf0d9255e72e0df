/**
 * The operator's custom resources as typed values: VSO's field names and defaults, parsed and
 * validated from what the API server stores. A bad spec is a SpecError naming the field; the
 * reconciler reports it as a condition and does not retry until the resource changes (the CRD
 * schema catches most of this on a real API server, but not every cluster validates).
 */

export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

/** Anything with metadata and a spec, as the API server returns a custom resource. */
export interface CustomObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { namespace?: string; name?: string; uid?: string; generation?: number; resourceVersion?: string; deletionTimestamp?: Date };
  spec?: unknown;
  status?: unknown;
}

export interface Ref {
  namespace: string;
  name: string;
}

export type RolloutKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'argo.Rollout';

export interface Destination {
  name: string;
  create: boolean;
  overwrite: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type: string;
  /** `destination.transformation` (templates, SecretTransformation refs, key filters), when set. */
  transformation?: Transformation;
}

/** A Go text/template: `name` (defaulted by the renderer) and its text. */
export interface TemplateSpec {
  name: string;
  text: string;
}

export interface TransformationRef {
  namespace: string | undefined;
  name: string;
  templateRefs: { name: string; keyOverride: string | undefined }[];
  ignoreIncludes: boolean;
  ignoreExcludes: boolean;
}

export interface Transformation {
  templates: Record<string, TemplateSpec>;
  transformationRefs: TransformationRef[];
  includes: string[];
  excludes: string[];
  excludeRaw: boolean;
}

export interface StaticSecretSpec {
  vaultAuthRef: string | undefined;
  namespace: string | undefined;
  mount: string;
  path: string;
  type: 'kv-v1' | 'kv-v2';
  version: number | undefined;
  refreshAfterMs: number | undefined;
  hmacSecretData: boolean;
  rolloutRestartTargets: { kind: RolloutKind; name: string }[];
  /** `syncConfig.instantUpdates`: follow Ward's KV events instead of only polling. */
  instantUpdates: boolean;
  destination: Destination;
}

/** VaultAuth's parsing lives in auth-spec.ts (with VaultAuthGlobal in auth-global.ts). */
export type { AuthSpec } from './auth-spec.js';

export interface ConnectionSpec {
  address: string;
  headers: Record<string, string>;
  tlsServerName: string | undefined;
  caCertSecretRef: string | undefined;
  caCertPath: string | undefined;
  skipTLSVerify: boolean;
  timeoutMs: number | undefined;
}

const DURATION = /^([0-9]+(\.[0-9]+)?)(s|m|h)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/** VSO's duration pattern `^([0-9]+(\.[0-9]+)?(s|m|h))$`, in milliseconds. */
export function parseDuration(v: unknown, field: string): number {
  const m = typeof v === 'string' ? DURATION.exec(v) : null;
  if (!m) throw new SpecError(`${field}: invalid duration ${JSON.stringify(v)} (want e.g. 30s, 5m, 1h)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[3] as keyof typeof UNIT_MS]);
}

/** `[namespace/]name`; empty means VSO's `default` in the operator's namespace. */
export function parseRef(ref: string | undefined, ownNamespace: string, operatorNamespace: string): Ref {
  if (!ref) return { namespace: operatorNamespace, name: 'default' };
  const i = ref.indexOf('/');
  return i < 0 ? { namespace: ownNamespace, name: ref } : { namespace: ref.slice(0, i), name: ref.slice(i + 1) };
}

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export function str(o: Obj, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new SpecError(`${field}: must be a string`);
  return v;
}

export function required(o: Obj, key: string, field: string): string {
  const v = str(o, key, field);
  if (!v) throw new SpecError(`${field}: required`);
  return v;
}

export function bool(o: Obj, key: string, field: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new SpecError(`${field}: must be a boolean`);
  return v;
}

export function strMap(o: Obj, key: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(o[key]))) {
    if (typeof v !== 'string') throw new SpecError(`${field}.${k}: must be a string`);
    out[k] = v;
  }
  return out;
}

export function oneOf<T extends string>(v: string, allowed: readonly T[], field: string): T {
  if (!(allowed as readonly string[]).includes(v)) throw new SpecError(`${field}: unsupported value ${JSON.stringify(v)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return v as T;
}

export const ROLLOUT_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'argo.Rollout'] as const;

export function parseStaticSecret(cr: CustomObject): StaticSecretSpec {
  const s = obj(cr.spec);
  const mount = required(s, 'mount', 'spec.mount');
  const path = required(s, 'path', 'spec.path');
  const type = oneOf(required(s, 'type', 'spec.type'), ['kv-v1', 'kv-v2'] as const, 'spec.type');
  let version: number | undefined;
  if (s['version'] !== undefined && s['version'] !== null) {
    if (!Number.isInteger(s['version']) || (s['version'] as number) < 0) throw new SpecError('spec.version: must be a non-negative integer');
    version = (s['version'] as number) || undefined;
  }
  const refresh = str(s, 'refreshAfter', 'spec.refreshAfter');
  return {
    vaultAuthRef: str(s, 'vaultAuthRef', 'spec.vaultAuthRef'),
    namespace: str(s, 'namespace', 'spec.namespace'),
    mount: mount.replace(/^\/+|\/+$/g, ''),
    path: path.replace(/^\/+|\/+$/g, ''),
    type,
    version,
    refreshAfterMs: refresh ? parseDuration(refresh, 'spec.refreshAfter') : undefined,
    hmacSecretData: bool(s, 'hmacSecretData', 'spec.hmacSecretData', true),
    rolloutRestartTargets: parseRolloutTargets(s),
    instantUpdates: bool(obj(s['syncConfig']), 'instantUpdates', 'spec.syncConfig.instantUpdates', false),
    destination: parseDestination(s),
  };
}

export function parseRolloutTargets(s: Obj): { kind: RolloutKind; name: string }[] {
  const targets = Array.isArray(s['rolloutRestartTargets']) ? (s['rolloutRestartTargets'] as unknown[]) : [];
  return targets.map((t, i) => {
    const o = obj(t);
    const kind = oneOf(required(o, 'kind', `spec.rolloutRestartTargets[${i}].kind`), ROLLOUT_KINDS, `spec.rolloutRestartTargets[${i}].kind`);
    return { kind, name: required(o, 'name', `spec.rolloutRestartTargets[${i}].name`) };
  });
}

/** `spec.destination`, shared by every syncable kind. */
export function parseDestination(s: Obj): Destination {
  const d = obj(s['destination']);
  const transformation = parseTransformation(d['transformation'], 'spec.destination.transformation');
  return {
    name: required(d, 'name', 'spec.destination.name'),
    create: bool(d, 'create', 'spec.destination.create', false),
    overwrite: bool(d, 'overwrite', 'spec.destination.overwrite', false),
    labels: strMap(d, 'labels', 'spec.destination.labels'),
    annotations: strMap(d, 'annotations', 'spec.destination.annotations'),
    type: str(d, 'type', 'spec.destination.type') || 'Opaque',
    ...(transformation ? { transformation } : {}),
  };
}

function strList(o: Obj, key: string, field: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new SpecError(`${field}: must be a list of strings`);
  return v as string[];
}

/** Key filters are regular expressions (Go's RE2 in VSO; the common subset compiles the same here). */
export function regexList(o: Obj, key: string, field: string): string[] {
  const pats = strList(o, key, field);
  pats.forEach((p, i) => {
    try {
      new RegExp(p);
    } catch {
      throw new SpecError(`${field}[${i}]: invalid regular expression ${JSON.stringify(p)}`);
    }
  });
  return pats;
}

/** `templates`: key → {name, text} (a SecretTransformation's and a destination's alike). */
export function parseTemplates(v: unknown, field: string): Record<string, TemplateSpec> {
  const out: Record<string, TemplateSpec> = {};
  for (const [k, t] of Object.entries(obj(v))) {
    const o = obj(t);
    const text = o['text'];
    if (typeof text !== 'string') throw new SpecError(`${field}.${k}.text: required`);
    out[k] = { name: str(o, 'name', `${field}.${k}.name`) ?? '', text };
  }
  return out;
}

export function parseTransformation(v: unknown, field: string): Transformation | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new SpecError(`${field}: must be an object`);
  const t = v as Obj;
  const refs = t['transformationRefs'] ?? [];
  if (!Array.isArray(refs)) throw new SpecError(`${field}.transformationRefs: must be a list`);
  return {
    templates: parseTemplates(t['templates'], `${field}.templates`),
    transformationRefs: refs.map((r, i) => {
      const o = obj(r);
      const f = `${field}.transformationRefs[${i}]`;
      const trefs = o['templateRefs'] ?? [];
      if (!Array.isArray(trefs)) throw new SpecError(`${f}.templateRefs: must be a list`);
      return {
        namespace: str(o, 'namespace', `${f}.namespace`) || undefined,
        name: required(o, 'name', `${f}.name`),
        templateRefs: trefs.map((x, j) => ({ name: required(obj(x), 'name', `${f}.templateRefs[${j}].name`), keyOverride: str(obj(x), 'keyOverride', `${f}.templateRefs[${j}].keyOverride`) || undefined })),
        ignoreIncludes: bool(o, 'ignoreIncludes', `${f}.ignoreIncludes`, false),
        ignoreExcludes: bool(o, 'ignoreExcludes', `${f}.ignoreExcludes`, false),
      };
    }),
    includes: regexList(t, 'includes', `${field}.includes`),
    excludes: regexList(t, 'excludes', `${field}.excludes`),
    excludeRaw: bool(t, 'excludeRaw', `${field}.excludeRaw`, false),
  };
}

export function parseConnection(cr: CustomObject): ConnectionSpec {
  const s = obj(cr.spec);
  const address = required(s, 'address', 'spec.address');
  if (!/^https?:\/\/[^/]/.test(address)) throw new SpecError('spec.address: must be an http(s) URL');
  const caCertSecretRef = str(s, 'caCertSecretRef', 'spec.caCertSecretRef') || undefined;
  const caCertPath = str(s, 'caCertPath', 'spec.caCertPath') || undefined;
  if (caCertSecretRef && caCertPath) throw new SpecError('spec.caCertSecretRef: exclusive with spec.caCertPath');
  const timeout = str(s, 'timeout', 'spec.timeout');
  return {
    address,
    headers: strMap(s, 'headers', 'spec.headers'),
    tlsServerName: str(s, 'tlsServerName', 'spec.tlsServerName') || undefined,
    caCertSecretRef,
    caCertPath,
    skipTLSVerify: bool(s, 'skipTLSVerify', 'spec.skipTLSVerify', false),
    timeoutMs: timeout ? parseDuration(timeout, 'spec.timeout') : undefined,
  };
}
