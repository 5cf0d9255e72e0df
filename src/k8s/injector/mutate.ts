/**
 * The admission decision, pure: an AdmissionRequest and the injector's options in, an
 * allow (with a JSON patch and warnings) or a denial out. The flow mirrors vault-k8s: no
 * opt-in, a pod past Pending or already injected → allowed unchanged; system namespaces
 * → denied; malformed annotations → denied naming the annotation.
 */
import { PREFIX, closest, lookup } from './annotations.js';
import { agentVolumes, initContainer, secretMounts, sidecarContainer } from './containers.js';
import { applyJsonPatch, escapePointer, type JsonPatchOp } from './json-patch.js';
import type { InjectorOptions } from './options.js';
import type { Container, Pod } from './pod.js';
import { podShapeError } from './pod-shape.js';
import { buildSpec, type AgentSpec } from './spec.js';
import { Annotations, DenyError, parseBool, quantityValue } from './values.js';

export const STATUS = `${PREFIX}agent-inject-status`;

/** The fields of admission.k8s.io/v1 AdmissionRequest the injector reads. */
export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  namespace?: string;
  operation?: string;
  object?: unknown;
}

export type MutateResult =
  | { allowed: true; patch: JsonPatchOp[]; warnings: string[] }
  | { allowed: false; message: string; warnings: string[] };

const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public']);

export function mutate(req: AdmissionRequest, o: InjectorOptions): MutateResult {
  // Only pod creation (and updates) carry a pod to inject into; anything else passes.
  if (req.operation === 'DELETE' || req.operation === 'CONNECT') return allow([], []);
  const obj = req.object;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return deny('could not decode the pod: request.object is not an object', []);
  const shape = podShapeError(obj as Record<string, unknown>);
  if (shape) return deny(`could not decode the pod: ${shape}`, []);
  const pod = obj as Pod;
  const all = pod.metadata?.annotations ?? {};
  const warnings = unknownAnnotations(all);
  const flag = all[`${PREFIX}agent-inject`];
  if (flag === undefined) return allow([], warnings);
  const inject = parseBool(flag);
  if (inject === undefined) return deny(`invalid annotation ${PREFIX}agent-inject: value ${JSON.stringify(flag)}: expected a boolean (true or false)`, warnings);
  if (!inject) return allow([], warnings);
  if (pod.status?.phase && pod.status.phase !== 'Pending') return allow([], warnings);
  if (all[STATUS] === 'injected') return allow([], warnings);
  const ns = req.namespace || pod.metadata?.namespace || '';
  if (SYSTEM_NAMESPACES.has(ns)) return deny(`error checking if pod should be injected: cannot inject into system namespaces (${ns})`, warnings);
  try {
    const a = new Annotations(all, o);
    const spec = buildSpec(pod, a, o);
    validate(spec);
    warnings.push(...orphans(a, spec), ...jobWarning(pod, spec), ...nativeWarning(spec));
    return allow(patchFor(pod, spec), warnings);
  } catch (e) {
    if (e instanceof DenyError) return deny(e.message, warnings);
    throw e;
  }
}

const allow = (patch: JsonPatchOp[], warnings: string[]): MutateResult => ({ allowed: true, patch, warnings });
const deny = (message: string, warnings: string[]): MutateResult => ({ allowed: false, message, warnings });

/** A warning per unknown `vault.hashicorp.com/*` key, naming the closest known one. */
export function unknownAnnotations(all: Record<string, string>): string[] {
  const out: string[] = [];
  for (const full of Object.keys(all)) {
    if (!full.startsWith(PREFIX)) continue;
    const key = full.slice(PREFIX.length);
    if (!lookup(key)) out.push(`unknown annotation ${full} (did you mean ${closest(key)}?)`);
  }
  return out;
}

/** Per-secret annotations whose `<name>` no secret declares: silently ignored by vault-k8s, a typo in practice. */
function orphans(a: Annotations, s: AgentSpec): string[] {
  const raws = new Set(s.secrets.map((x) => x.raw));
  const out: string[] = [];
  for (const p of ['agent-inject-file-', 'agent-inject-perms-', 'agent-inject-command-', 'agent-template-left-delim-', 'agent-template-right-delim-', 'error-on-missing-key-', 'secret-volume-path-']) {
    for (const [raw] of a.withPrefix(p)) if (!raws.has(raw)) out.push(`annotation ${PREFIX}${p}${raw} names no secret (no ${PREFIX}agent-inject-secret-${raw}); it is ignored`);
  }
  return out;
}

function nativeWarning(s: AgentSpec): string[] {
  if (!s.native || !s.hasInitJsonPatch) return [];
  return [`${PREFIX}agent-init-json-patch is not used with a native sidecar (there is no separate init container); patch the agent with ${PREFIX}agent-json-patch, or opt out with ${PREFIX}agent-native-sidecar: "false"`];
}

function jobWarning(pod: Pod, s: AgentSpec): string[] {
  const owners = (pod.metadata?.['ownerReferences'] ?? []) as { kind?: string }[];
  if (s.native || s.prePopulateOnly || !owners.some((r) => r.kind === 'Job')) return [];
  return [`pod of a Job without native sidecars: the vault-agent sidecar keeps running after the job's containers finish; set ${PREFIX}agent-pre-populate-only: "true"`];
}

function validate(s: AgentSpec): void {
  if (!s.image) throw new DenyError('no agent image: set the injector\'s -vault-image or the vault.hashicorp.com/agent-image annotation');
  const r = s.resources;
  for (const [what, req, lim] of [['cpu', r.cpuRequest, r.cpuLimit], ['memory', r.memRequest, r.memLimit], ['ephemeral-storage', r.ephemeralRequest, r.ephemeralLimit]] as const) {
    // Kubernetes would reject the pod later with a message about a container the user never wrote.
    if (req && lim && quantityValue(req) > quantityValue(lim)) throw new DenyError(`agent ${what} request ${req} is above its limit ${lim} (vault.hashicorp.com/agent-requests-* / agent-limits-*)`);
  }
  if (s.configMap) return;
  if (!s.address) throw new DenyError('no Vault address: set the injector\'s -vault-address or the vault.hashicorp.com/service annotation');
  if (!s.authPath) throw new DenyError('no auth path: set vault.hashicorp.com/auth-path');
  if (s.authType === 'kubernetes') {
    if (!s.authConfig['role']) throw new DenyError('no Vault role for kubernetes auth: set vault.hashicorp.com/role');
    if (!s.token.volume) throw new DenyError('no service account token mount found in the pod (automountServiceAccountToken off?): set vault.hashicorp.com/agent-service-account-token-volume-name to a projected token volume');
  }
  if (s.secrets.some((x) => x.env) && !s.prePopulate) {
    throw new DenyError(`${PREFIX}agent-inject-env-* needs ${PREFIX}agent-pre-populate (the app reads the file when it starts)`);
  }
}

/** Appends `items` to the array at `path`, creating it when absent (RFC 6902 cannot add to a missing array). */
function append(ops: JsonPatchOp[], path: string, existing: unknown[] | undefined, items: unknown[]): void {
  let empty = !existing || existing.length === 0;
  for (const item of items) {
    if (empty) ops.push({ op: 'add', path, value: [item] });
    else ops.push({ op: 'add', path: `${path}/-`, value: item });
    empty = false;
  }
}

function patched(c: Container, patch: JsonPatchOp[], annotation: string): Container {
  if (patch.length === 0) return c;
  try {
    return applyJsonPatch(c, patch);
  } catch (e) {
    throw new DenyError(`${PREFIX}${annotation}: the patch does not apply to the ${c.name} container: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function patchFor(pod: Pod, s: AgentSpec): JsonPatchOp[] {
  const spec = pod.spec ?? {};
  const ops: JsonPatchOp[] = [];
  append(ops, '/spec/volumes', spec.volumes, agentVolumes(s));
  const mounts = secretMounts(s);
  (spec.containers ?? []).forEach((c, i) => {
    if (!s.containers.includes(c.name)) return;
    append(ops, `/spec/containers/${i}/volumeMounts`, c.volumeMounts, mounts);
    wrapForEnv(ops, c, i, s);
  });
  const initMounts: JsonPatchOp[] = [];
  (spec.initContainers ?? []).forEach((c, i) => append(initMounts, `/spec/initContainers/${i}/volumeMounts`, c.volumeMounts, mounts));

  const inits: Container[] = [];
  if (s.native) inits.push(patched(sidecarContainer(s, pod), s.jsonPatch, 'agent-json-patch'));
  else if (s.prePopulate) inits.push(patched(initContainer(s, pod), s.initJsonPatch, 'agent-init-json-patch'));
  const existing = spec.initContainers ?? [];
  if (s.initFirst && existing.length > 0 && inits.length > 0) {
    // The existing list (with the mounts added above) is replaced by one with the agent first.
    const withMounts = applyJsonPatch({ spec: { initContainers: existing } }, initMounts).spec.initContainers;
    ops.push({ op: 'remove', path: '/spec/initContainers' }, { op: 'add', path: '/spec/initContainers', value: [...inits, ...withMounts] });
  } else {
    ops.push(...initMounts);
    append(ops, '/spec/initContainers', existing, inits);
  }
  if (!s.native && !s.prePopulateOnly) append(ops, '/spec/containers', spec.containers, [patched(sidecarContainer(s, pod), s.jsonPatch, 'agent-json-patch')]);

  if (s.shareProcessNamespace) {
    if (spec.shareProcessNamespace === false) throw new DenyError(`${PREFIX}agent-share-process-namespace: the pod sets shareProcessNamespace: false explicitly`);
    ops.push({ op: 'add', path: '/spec/shareProcessNamespace', value: true });
  }
  if (pod.metadata?.annotations) ops.push({ op: 'add', path: `/metadata/annotations/${escapePointer(STATUS)}`, value: 'injected' });
  else ops.push({ op: 'add', path: '/metadata/annotations', value: { [STATUS]: 'injected' } });
  return ops;
}

/**
 * Secrets as environment variables: the app's command becomes a shell that sources the
 * rendered `export K=V` files and execs the original command, so no value enters the pod spec.
 */
function wrapForEnv(ops: JsonPatchOp[], c: Container, i: number, s: AgentSpec): void {
  const files = s.secrets.filter((x) => x.env).map((x) => x.destination);
  if (files.length === 0) return;
  if (!c.command || c.command.length === 0) {
    throw new DenyError(`${PREFIX}agent-inject-env-*: container "${c.name}" has no command to wrap (the image's entrypoint is unknown at admission); set its command or list other containers in ${PREFIX}agent-inject-containers`);
  }
  const script = `${files.map((f) => `. '${f.replace(/'/g, `'\\''`)}'`).join(' && ')} && exec "$0" "$@"`;
  ops.push({ op: 'add', path: `/spec/containers/${i}/command`, value: ['/bin/sh', '-ec', script] });
  ops.push({ op: 'add', path: `/spec/containers/${i}/args`, value: [...c.command, ...(c.args ?? [])] });
}
