/**
 * The shape checks the injector relies on before reading a pod: the API server only sends
 * valid pods, but a hand-made review must get a denial naming the field, not a crash.
 */

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function list(v: unknown, path: string, each: (item: unknown, p: string) => string | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return `${path} must be a list`;
  for (let i = 0; i < v.length; i++) {
    const why = each(v[i], `${path}[${i}]`);
    if (why) return why;
  }
  return undefined;
}

const stringList = (v: unknown, path: string): string | undefined =>
  list(v, path, (x, p) => (typeof x === 'string' ? undefined : `${p} must be a string`));

function named(x: unknown, p: string): string | undefined {
  if (!isObj(x)) return `${p} must be an object`;
  if (typeof x['name'] !== 'string') return `${p}.name must be a string`;
  return undefined;
}

function container(x: unknown, p: string): string | undefined {
  const why = named(x, p);
  if (why || !isObj(x)) return why;
  return (
    stringList(x['command'], `${p}.command`) ??
    stringList(x['args'], `${p}.args`) ??
    list(x['volumeMounts'], `${p}.volumeMounts`, (m, mp) => named(m, mp) ?? (isObj(m) && typeof m['mountPath'] !== 'string' ? `${mp}.mountPath must be a string` : undefined)) ??
    (x['securityContext'] !== undefined && !isObj(x['securityContext']) ? `${p}.securityContext must be an object` : undefined)
  );
}

/** Why `pod` cannot be read as a Pod, or undefined when it can. */
export function podShapeError(pod: Record<string, unknown>): string | undefined {
  const meta = pod['metadata'];
  if (meta !== undefined && !isObj(meta)) return 'metadata must be an object';
  const ann = isObj(meta) ? meta['annotations'] : undefined;
  if (ann !== undefined && ann !== null) {
    if (!isObj(ann)) return 'metadata.annotations must be an object';
    for (const [k, v] of Object.entries(ann)) if (typeof v !== 'string') return `metadata.annotations[${JSON.stringify(k)}] must be a string`;
  }
  const spec = pod['spec'];
  if (spec === undefined || spec === null) return undefined;
  if (!isObj(spec)) return 'spec must be an object';
  return list(spec['containers'], 'spec.containers', container) ?? list(spec['initContainers'], 'spec.initContainers', container) ?? list(spec['volumes'], 'spec.volumes', named);
}
