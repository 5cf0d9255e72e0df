/**
 * The pod spec rules of the real validation that catch broken pods and broken mutations
 * (an injector adding a mount without its volume, or a second container of the same name):
 * container and volume names are unique DNS-1123 labels (containers unique across init and
 * app containers), containers have an image, mounts name existing volumes, and a
 * container's mount paths are unique. Pure; returns the causes in the server's words.
 */
import type { Cause } from './status.js';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelMessage = (v: string): string =>
  `Invalid value: "${v}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;

interface Container {
  name?: unknown;
  image?: unknown;
  volumeMounts?: { name?: unknown; mountPath?: unknown }[];
}
interface Spec {
  volumes?: { name?: unknown }[];
  initContainers?: Container[];
  containers?: Container[];
}

const kindOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v === 'object' ? 'object' : typeof v;

/** A decoding error for a pod spec whose lists are not lists of objects (the server's JSON decoder), or null. */
export function podSpecTypeProblem(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (kindOf(raw) !== 'object') return `json: cannot unmarshal ${kindOf(raw)} into Go struct field Pod.spec of type v1.PodSpec`;
  const spec = raw as Record<string, unknown>;
  const listOf = (v: unknown, field: string, goType: string): string | null => {
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v)) return `json: cannot unmarshal ${kindOf(v)} into Go struct field ${field} of type []${goType}`;
    for (const x of v) if (kindOf(x) !== 'object') return `json: cannot unmarshal ${kindOf(x)} into Go struct field ${field} of type ${goType}`;
    return null;
  };
  const top = listOf(spec['volumes'], 'PodSpec.spec.volumes', 'v1.Volume');
  if (top) return top;
  for (const list of ['initContainers', 'containers'] as const) {
    const p = listOf(spec[list], `PodSpec.spec.${list}`, 'v1.Container');
    if (p) return p;
    for (const c of (spec[list] ?? []) as Record<string, unknown>[]) {
      const q = listOf(c['volumeMounts'], `Container.spec.${list}.volumeMounts`, 'v1.VolumeMount') ?? listOf(c['env'], `Container.spec.${list}.env`, 'v1.EnvVar');
      if (q) return q;
    }
  }
  return null;
}

export function podSpecCauses(raw: unknown): Cause[] {
  const spec = (raw ?? {}) as Spec;
  const causes: Cause[] = [];
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const name = String(v.name ?? '');
    const field = `spec.volumes[${i}].name`;
    if (!name) causes.push({ field, message: 'Required value', reason: 'FieldValueRequired' });
    else if (volumes.has(name)) causes.push({ field, message: `Duplicate value: "${name}"`, reason: 'FieldValueDuplicate' });
    else if (name.length > 63 || !LABEL.test(name)) causes.push({ field, message: labelMessage(name) });
    volumes.add(name);
  });
  const names = new Set<string>();
  for (const list of ['initContainers', 'containers'] as const) {
    (spec[list] ?? []).forEach((c, i) => {
      const at = `spec.${list}[${i}]`;
      const name = String(c.name ?? '');
      if (!name) causes.push({ field: `${at}.name`, message: 'Required value', reason: 'FieldValueRequired' });
      else if (names.has(name)) causes.push({ field: `${at}.name`, message: `Duplicate value: "${name}"`, reason: 'FieldValueDuplicate' });
      else if (name.length > 63 || !LABEL.test(name)) causes.push({ field: `${at}.name`, message: labelMessage(name) });
      names.add(name);
      if (typeof c.image !== 'string' || c.image === '') causes.push({ field: `${at}.image`, message: 'Required value', reason: 'FieldValueRequired' });
      const paths = new Set<string>();
      (c.volumeMounts ?? []).forEach((m, j) => {
        const mount = String(m.name ?? '');
        const path = String(m.mountPath ?? '');
        if (!volumes.has(mount)) causes.push({ field: `${at}.volumeMounts[${j}].name`, message: `Not found: "${mount}"`, reason: 'FieldValueNotFound' });
        if (!path) causes.push({ field: `${at}.volumeMounts[${j}].mountPath`, message: 'Required value', reason: 'FieldValueRequired' });
        else if (paths.has(path)) causes.push({ field: `${at}.volumeMounts[${j}].mountPath`, message: `Invalid value: "${path}": must be unique` });
        paths.add(path);
      });
    });
  }
  return causes;
}
