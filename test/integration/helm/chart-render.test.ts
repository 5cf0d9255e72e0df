/**
 * deploy/helm/ward rendered as Helm renders it, in each mode and each combination of the
 * injector / CSI provider / operator / bootstrap toggles: the merged values match the schema,
 * every object is valid for Kubernetes, the hardening policy holds, and the toggled parts
 * appear only when enabled.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { REPO_ROOT } from '../../helpers/process.js';
import type { K8sObject } from '../../helpers/helm.js';
import { BOOTSTRAP_VALUES, CHART, MODES, find, modelErrors, names, render, schemaErrors } from './chart.js';
import { policyViolations, podSpecs } from './policy.js';

const TOGGLES = ['injector', 'csiProvider', 'operator', 'bootstrap'] as const;
const combos = (): Record<(typeof TOGGLES)[number], boolean>[] =>
  Array.from({ length: 1 << TOGGLES.length }, (_, bits) => Object.fromEntries(TOGGLES.map((t, i) => [t, (bits & (1 << i)) !== 0])) as Record<(typeof TOGGLES)[number], boolean>);

/** The part each toggle adds, identified by one object it renders. */
const MARKER: Record<(typeof TOGGLES)[number], (d: K8sObject) => boolean> = {
  injector: (d) => d.kind === 'MutatingWebhookConfiguration',
  csiProvider: (d) => d.kind === 'DaemonSet',
  operator: (d) => d.kind === 'Deployment' && d.metadata.name.endsWith('-secrets-operator'),
  bootstrap: (d) => d.kind === 'Job',
};

describe('Helm chart rendering', { skip: skipUnless(GO) }, () => {
  it('renders the defaults: a hardened standalone server with a generated certificate', () => {
    const r = render(undefined);
    assert.deepEqual(schemaErrors(r.values), []);
    assert.deepEqual(modelErrors(r.docs), []);
    assert.deepEqual(policyViolations(r.docs), []);
    assert.deepEqual(names(r.docs), [
      'ConfigMap/ward-config',
      'NetworkPolicy/ward',
      'Role/ward-service-registration',
      'RoleBinding/ward-service-registration',
      'ClusterRoleBinding/ward-auth-delegator',
      'Secret/ward-tls',
      'Service/ward',
      'Service/ward-active',
      'Service/ward-internal',
      'ServiceAccount/ward',
      'StatefulSet/ward',
    ].sort());
  });

  for (const mode of MODES) {
    it(`renders mode ${mode} with every toggle combination: valid, hardened, toggles honoured`, () => {
      for (const on of combos()) {
        const set = [...TOGGLES.map((t) => `${t}.enabled=${on[t]}`), 'tls.source=secret', 'tls.secretName=ward-tls'];
        const r = render(mode, { values: [BOOTSTRAP_VALUES], set });
        const label = `${mode} ${JSON.stringify(on)}`;
        assert.deepEqual(schemaErrors(r.values), [], label);
        assert.deepEqual(modelErrors(r.docs), [], label);
        assert.deepEqual(policyViolations(r.docs), [], label);
        for (const t of TOGGLES) assert.equal(r.docs.some(MARKER[t]), on[t], `${label}: ${t}`);
        assert.equal(r.docs.filter((d) => d.kind === 'CustomResourceDefinition').length, on.operator ? 7 : 0, label);
        // Every pod the chart runs has requests and runs Ward's entry point in exec form.
        for (const { where, spec } of podSpecs(r.docs)) {
          const c = (spec['containers'] as { command?: string[] }[])[0];
          assert.deepEqual(c?.command, ['/usr/local/bin/node', '/app/bin/ward'], `${label} ${where}`);
        }
      }
    });
  }

  it('selects the active and standby pods by the labels service registration writes (HA)', () => {
    const r = render('ha-postgresql');
    const selector = (n: string): unknown => (find(r.docs, 'Service', n)?.['spec'] as { selector: unknown }).selector;
    const server = { 'app.kubernetes.io/name': 'ward', 'app.kubernetes.io/instance': 'ward', 'app.kubernetes.io/component': 'server' };
    assert.deepEqual(selector('ward-active'), { ...server, 'vault-active': 'true' });
    assert.deepEqual(selector('ward-standby'), { ...server, 'vault-active': 'false' });
    const internal = find(r.docs, 'Service', 'ward-internal')?.['spec'] as Record<string, unknown>;
    assert.equal(internal['clusterIP'], 'None');
    assert.equal(internal['publishNotReadyAddresses'], true);
    assert.deepEqual((find(r.docs, 'PodDisruptionBudget', 'ward')?.['spec'] as Record<string, unknown>)['maxUnavailable'], 1);
    assert.equal((find(r.docs, 'StatefulSet', 'ward')?.['spec'] as Record<string, unknown>)['replicas'], 3);
    const role = find(r.docs, 'Role', 'ward-service-registration') as unknown as { rules: unknown };
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'update', 'patch'] }]);
  });

  it('has no standby service or disruption budget with one standalone pod', () => {
    const r = render('standalone');
    assert.equal(find(r.docs, 'Service', 'ward-standby'), undefined);
    assert.equal(find(r.docs, 'PodDisruptionBudget', 'ward'), undefined);
  });

  it('mounts the service-account token only in pods that call the API server, and says why', () => {
    const r = render('ha-etcd', { values: [BOOTSTRAP_VALUES], set: TOGGLES.map((t) => `${t}.enabled=true`) });
    for (const d of r.docs.filter((x) => x.kind === 'ServiceAccount')) assert.equal(d['automountServiceAccountToken'], false, d.metadata.name);
    for (const { where, spec } of podSpecs(r.docs)) assert.equal(spec['automountServiceAccountToken'], true, where);
    for (const file of r.files.keys()) {
      const text = r.files.get(file) ?? '';
      if (text.includes('automountServiceAccountToken: true')) assert.match(text, /# Needed/, file);
    }
  });

  it('ships the operator CRDs as exact copies of deploy/crds', () => {
    const src = join(REPO_ROOT, 'deploy', 'crds');
    const copy = join(CHART, 'files', 'crds');
    assert.deepEqual(readdirSync(copy).sort(), readdirSync(src).sort());
    for (const f of readdirSync(src)) assert.equal(readFileSync(join(copy, f), 'utf8'), readFileSync(join(src, f), 'utf8'), f);
  });

  it('grants the operator the ClusterRole rules of deploy/kubernetes/secrets-operator.yaml (finalizers included)', () => {
    const manifest = yaml.loadAll(readFileSync(join(REPO_ROOT, 'deploy', 'kubernetes', 'secrets-operator.yaml'), 'utf8')) as Array<{ kind?: string; rules?: unknown }>;
    const want = manifest.find((o) => o.kind === 'ClusterRole')?.rules;
    const got = (find(render(undefined, { set: ['operator.enabled=true'] }).docs, 'ClusterRole', 'ward-secrets-operator') as unknown as { rules?: unknown } | undefined)?.rules;
    assert.ok(want);
    assert.deepEqual(got, want);
  });

  it('gives the injector and operator a disruption budget only when they have more than one replica', () => {
    const pdbs = (set: string[]): string[] => render(undefined, { set: ['injector.enabled=true', 'operator.enabled=true', ...set] }).docs.filter((d) => d.kind === 'PodDisruptionBudget').map((d) => d.metadata.name).sort();
    assert.deepEqual(pdbs([]), ['ward-agent-injector', 'ward-secrets-operator']);
    // minAvailable 1 of 1 would block every node drain.
    assert.deepEqual(pdbs(['injector.replicas=1', 'operator.replicas=1']), []);
  });

  it('renders the ingress with TLS passthrough to the active service', () => {
    const r = render('ha-postgresql', { set: ['ingress.enabled=true', 'ingress.host=ward.example.com'] });
    assert.deepEqual(modelErrors(r.docs), []);
    const ing = find(r.docs, 'Ingress', 'ward');
    assert.equal(ing?.metadata.annotations?.['nginx.ingress.kubernetes.io/ssl-passthrough'], 'true');
    assert.match(JSON.stringify(ing?.['spec']), /"name":"ward-active"/);
  });

  it('allows only the API and cluster ports in the NetworkPolicy', () => {
    const np = find(render(undefined).docs, 'NetworkPolicy', 'ward')?.['spec'] as { ingress: { ports: { port: number }[]; from?: unknown[] }[] };
    assert.deepEqual(np.ingress.flatMap((i) => i.ports.map((p) => p.port)), [8200, 8201]);
    assert.ok(np.ingress[1]?.from, 'the cluster port is open to the server pods only');
  });
});
