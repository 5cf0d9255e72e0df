/**
 * Shared by the chart tests: rendering deploy/helm/ward in a mode with extra values, checking
 * the merged values against values.schema.json (ajv, as Helm checks the schema before
 * rendering) and every rendered object against the Kubernetes OpenAPI schemas
 * (kubernetes-models; CRDs and cert-manager objects by apiVersion and kind only).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import * as models from 'kubernetes-models';
import { mergedValues, renderChart, type K8sObject, type Rendered, type RenderOptions } from '../../helpers/helm.js';
import { REPO_ROOT } from '../../helpers/process.js';

export const CHART = join(REPO_ROOT, 'deploy', 'helm', 'ward');
export const MODES = ['standalone', 'ha-postgresql', 'ha-etcd'] as const;
export type Mode = (typeof MODES)[number];

export const modeValues = (mode: Mode): string => join(CHART, `values-${mode}.yaml`);
/** The bootstrap job switched on with the keys it requires (fixtures/bootstrap-values.yaml). */
export const BOOTSTRAP_VALUES = join(REPO_ROOT, 'test', 'integration', 'helm', 'fixtures', 'bootstrap-values.yaml');

/** Renders the chart with `values-<mode>.yaml` (when given) and then `o`'s own values files and sets. */
export function render(mode: Mode | undefined, o: RenderOptions = {}): Rendered {
  return renderChart(CHART, { ...o, values: [...(mode ? [modeValues(mode)] : []), ...(o.values ?? [])] });
}

/** The merged values for `mode` and `o`, without rendering. */
export function values(mode: Mode | undefined, o: RenderOptions = {}): Record<string, unknown> {
  return mergedValues(CHART, { ...o, values: [...(mode ? [modeValues(mode)] : []), ...(o.values ?? [])] });
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateValues = ajv.compile(JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object);

/** Schema errors for the merged values, as `path message` strings; empty when valid. */
export function schemaErrors(values: unknown): string[] {
  if (validateValues(values)) return [];
  return (validateValues.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
}

/** Objects of these API groups are not in kubernetes-models: checked by apiVersion/kind only. */
const KNOWN_ELSEWHERE: Record<string, string[]> = {
  'cert-manager.io/v1': ['Certificate', 'Issuer', 'ClusterIssuer'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
};

const camel = (group: string): string => group.split('.').map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1))).join('');

type ModelClass = new (data: unknown) => { validate(): void };

function modelClass(apiVersion: string, kind: string): ModelClass | undefined {
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  const byGroup = models as unknown as Record<string, Record<string, Record<string, ModelClass>>>;
  const ns = group === '' ? (models.v1 as unknown as Record<string, ModelClass>) : byGroup[camel(group)]?.[version];
  return ns?.[kind];
}

/** Why each invalid object is invalid; empty when every object validates. */
export function modelErrors(docs: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const d of docs) {
    const where = `${d.apiVersion} ${d.kind}/${d.metadata?.name}`;
    if (typeof d.apiVersion !== 'string' || typeof d.kind !== 'string' || typeof d.metadata?.name !== 'string') {
      out.push(`${where}: apiVersion, kind and metadata.name are required`);
      continue;
    }
    if (KNOWN_ELSEWHERE[d.apiVersion]?.includes(d.kind)) continue;
    const Cls = modelClass(d.apiVersion, d.kind);
    if (!Cls) {
      out.push(`${where}: unknown apiVersion/kind`);
      continue;
    }
    try {
      new Cls(d).validate();
    } catch (e) {
      out.push(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

export const find = (docs: readonly K8sObject[], kind: string, name: string): K8sObject | undefined => docs.find((d) => d.kind === kind && d.metadata.name === name);
export const names = (docs: readonly K8sObject[]): string[] => docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
