/**
 * Destination transformation, as VSO does it: templates (inline, and from the
 * SecretTransformations the destination references) rendered with the agent's Go template
 * engine over `{Secrets, Metadata, Annotations, Labels}`; the untemplated fields filtered by
 * the `excludes` then `includes` regexes; `_raw` unless `excludeRaw`. Pure: the caller
 * resolves the referenced SecretTransformations. A bad template or reference is a SpecError
 * (reported as a condition); its message never carries a secret value.
 */
import type { SecretData } from './secret-data.js';
import { obj, parseTemplates, regexList, SpecError, type CustomObject, type TemplateSpec, type Transformation } from './spec.js';
import { transformFuncs } from './transform-funcs.js';
import { execute, parseTemplate, TemplateExecError, TemplateSyntaxError, type Value } from './template-engine.js';

export interface SecretTransformationSpec {
  templates: Record<string, TemplateSpec>;
  sourceTemplates: TemplateSpec[];
  includes: string[];
  excludes: string[];
}

export interface TransformInput {
  /** The secret's fields (KV v2: `data.data`; PKI: the issue response's `data`). */
  secrets: Record<string, unknown>;
  /** The whole response `data`: `_raw`, and `.Metadata` is its `metadata` member. */
  raw: Record<string, unknown>;
  /** The custom resource's own annotations and labels. */
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

export function parseSecretTransformation(cr: CustomObject): SecretTransformationSpec {
  const s = obj(cr.spec);
  const src = s['sourceTemplates'] ?? [];
  if (!Array.isArray(src)) throw new SpecError('spec.sourceTemplates: must be a list');
  return {
    templates: parseTemplates(s['templates'], 'spec.templates'),
    sourceTemplates: src.map((t, i) => {
      const text = obj(t)['text'];
      if (typeof text !== 'string') throw new SpecError(`spec.sourceTemplates[${i}].text: required`);
      const name = obj(t)['name'];
      return { name: typeof name === 'string' ? name : '', text };
    }),
    includes: regexList(s, 'includes', 'spec.includes'),
    excludes: regexList(s, 'excludes', 'spec.excludes'),
  };
}

interface Keyed {
  key: string;
  name: string;
  text: string;
  /** Where it was declared, for error messages. */
  field: string;
}

const F = 'spec.destination.transformation';

/** The templates and filters a destination ends up with (VSO's gatherTemplates). */
function gather(t: Transformation, refs: ReadonlyMap<string, SecretTransformationSpec>, owner: { namespace: string; name: string }): { keyed: Keyed[]; includes: string[]; excludes: string[] } {
  const keyed = new Map<string, Keyed>();
  const includes = new Set(t.includes);
  const excludes = new Set(t.excludes);
  for (const [key, tmpl] of Object.entries(t.templates)) {
    keyed.set(key, { key, name: tmpl.name || `${owner.namespace}/${owner.name}/${key}`, text: tmpl.text, field: `${F}.templates.${key}` });
  }
  const seen = new Set<string>();
  t.transformationRefs.forEach((ref, i) => {
    const id = `${ref.namespace ?? owner.namespace}/${ref.name}`;
    const f = `${F}.transformationRefs[${i}]`;
    if (seen.has(id)) throw new SpecError(`${f}: duplicate SecretTransformation ${id}`);
    seen.add(id);
    const st = refs.get(id);
    if (!st) throw new SpecError(`${f}: SecretTransformation ${id} not found`);
    if (st.sourceTemplates.length > 0) throw new SpecError(`${f}: SecretTransformation ${id}: sourceTemplates are not supported by Ward's operator yet`);
    if (!ref.ignoreExcludes) st.excludes.forEach((x) => excludes.add(x));
    if (!ref.ignoreIncludes) st.includes.forEach((x) => includes.add(x));
    if (ref.templateRefs.length > 0) {
      ref.templateRefs.forEach((tr, j) => {
        const tmpl = st.templates[tr.name];
        if (!tmpl) throw new SpecError(`${f}.templateRefs[${j}]: template "${tr.name}" not found in SecretTransformation ${id}`);
        const key = tr.keyOverride ?? tr.name;
        if (keyed.has(key)) throw new SpecError(`${f}.templateRefs[${j}]: duplicate template key "${key}"`);
        keyed.set(key, { key, name: tmpl.name || `${id}/${tr.name}`, text: tmpl.text, field: `${f}.templateRefs[${j}]` });
      });
      return;
    }
    // No templateRefs: every template of the SecretTransformation; inline templates win.
    for (const [key, tmpl] of Object.entries(st.templates)) {
      if (!keyed.has(key)) keyed.set(key, { key, name: tmpl.name || `${id}/${key}`, text: tmpl.text, field: `${f} (template "${key}")` });
    }
  });
  return { keyed: [...keyed.values()], includes: [...includes], excludes: [...excludes] };
}

// Messages of these shapes quote the value being evaluated, which may be secret (VSO redacts them too).
const LEAKY = /(range can't iterate over|expected a [a-z]+, got|invalid integer|illegal base64 data|index out of range:|can't index item of type|incompatible types for comparison).*$/s;

async function render(k: Keyed, dot: Value): Promise<string> {
  const where = `${k.field}: template "${k.name}"`;
  let nodes;
  try {
    nodes = parseTemplate(k.text);
  } catch (e) {
    if (e instanceof TemplateSyntaxError) throw new SpecError(`${where}: line ${e.line}: ${e.message.replace(/^line \d+: /, '')}`);
    throw e;
  }
  try {
    return await execute(nodes, { funcs: transformFuncs(), errorOnMissingKey: false }, dot);
  } catch (e) {
    if (e instanceof TemplateExecError) throw new SpecError(`${where}: ${e.message.replace(LEAKY, '$1 <redacted>')}`);
    throw e;
  }
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function keep(key: string, includes: string[], excludes: string[]): boolean {
  if (excludes.some((p) => new RegExp(p).test(key))) return false;
  return includes.length === 0 || includes.some((p) => new RegExp(p).test(key));
}

/**
 * Secret data for a destination. `templated` tells whether any template rendered (PKI then
 * leaves `tls.crt`/`tls.key` to the templates, as VSO does).
 */
export async function transformSecretData(input: TransformInput, t: Transformation | undefined, refs: ReadonlyMap<string, SecretTransformationSpec>, owner: { namespace: string; name: string }): Promise<{ data: SecretData; templated: boolean }> {
  const { keyed, includes, excludes } = t ? gather(t, refs, owner) : { keyed: [], includes: [], excludes: [] };
  const excludeRaw = t?.excludeRaw ?? false;
  const data: SecretData = {};
  if (!excludeRaw) {
    if (Object.prototype.hasOwnProperty.call(input.secrets, '_raw')) throw new Error('the secret data has a field named "_raw", which is reserved for the raw response');
    const clash = keyed.find((k) => k.key === '_raw');
    if (clash) throw new SpecError(`${clash.field}: key "_raw" is reserved for the raw response (set excludeRaw)`);
    data['_raw'] = b64(JSON.stringify(input.raw));
  }
  if (keyed.length > 0) {
    const meta = input.raw['metadata'];
    const dot = {
      Secrets: input.secrets,
      Metadata: meta && typeof meta === 'object' && !Array.isArray(meta) ? meta : {},
      Annotations: input.annotations,
      Labels: input.labels,
    } as Value;
    for (const k of keyed) data[k.key] = b64(await render(k, dot));
  }
  for (const [k, v] of Object.entries(input.secrets)) {
    if (data[k] === undefined && keep(k, includes, excludes)) data[k] = b64(asText(v));
  }
  return { data, templated: keyed.length > 0 };
}
