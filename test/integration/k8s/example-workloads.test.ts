/**
 * examples/kubernetes/: the annotated workloads the README points to. Each file is read the
 * way Ward's components read it (the injector's admission of the Deployment's pod template,
 * the CSI provider's Mount parameters, the operator's parsing of its resources, the policy
 * parser) and applied to the fake cluster, so an example that drifts from what Ward accepts
 * fails here instead of in a user's cluster.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { parsePolicy } from '../../../src/core/policy/parse.js';
import { parseMountRequest } from '../../../src/k8s/csi/params.js';
import { inject, review, testOptions } from '../../../src/k8s/injector/testing.js';
import { SA_TOKEN_DIR, type Pod } from '../../../src/k8s/injector/pod.js';
import { parseAuth } from '../../../src/k8s/operator/auth-spec.js';
import { parseDynamicSecret } from '../../../src/k8s/operator/spec-dynamic.js';
import { parseStaticSecret, type CustomObject } from '../../../src/k8s/operator/spec.js';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { REPO_ROOT } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

const DIR = join(REPO_ROOT, 'examples/kubernetes');
type Doc = KubernetesObject & { spec?: Record<string, any> }; // any: the tests read deep into the YAML
const docs = (file: string): Doc[] => (yaml.loadAll(readFileSync(join(DIR, file), 'utf8')) as Array<Doc | null>).filter((d): d is Doc => d !== null);
const one = (file: string, kind: string): Doc => docs(file).find((d) => d.kind === kind) ?? assert.fail(`${file}: no ${kind}`);

describe('examples/kubernetes', () => {
  it('app-injected.yaml: the injector admits the pod template without warnings and adds the agent', () => {
    const d = one('app-injected.yaml', 'Deployment');
    const spec = structuredClone(d.spec?.['template'].spec) as NonNullable<Pod['spec']>;
    // What the ServiceAccount admission plugin adds before mutating webhooks run.
    spec.volumes = [...(spec.volumes ?? []), { name: 'kube-api-access-x1', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }];
    for (const c of spec.containers ?? []) c.volumeMounts = [...(c.volumeMounts ?? []), { name: 'kube-api-access-x1', mountPath: SA_TOKEN_DIR, readOnly: true }];
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...d.spec?.['template'].metadata, namespace: 'apps' }, spec };
    const r = review(pod, testOptions());
    assert.ok(r.allowed, r.allowed ? '' : r.message);
    assert.deepEqual(r.warnings, []);
    const i = inject(pod, r);
    assert.ok(i.init || i.sidecar, 'a Ward agent is injected');
    const templates = ((i.sidecarConfig ?? i.initConfig)?.['template'] ?? []) as { destination: string }[];
    assert.deepEqual(templates.map((t) => t.destination).sort(), ['/vault/secrets/config', '/vault/secrets/db']);
  });

  it('app-csi.yaml: the CSI provider accepts the SecretProviderClass parameters', () => {
    const spc = one('app-csi.yaml', 'SecretProviderClass');
    const attributes = { ...spc.spec?.['parameters'], 'csi.storage.k8s.io/pod.name': 'web-csi-1', 'csi.storage.k8s.io/pod.namespace': 'apps', 'csi.storage.k8s.io/serviceAccount.name': 'app' };
    const p = parseMountRequest({ attributes: JSON.stringify(attributes), secrets: '{}', permission: '420' }, { vaultAddr: '', vaultMount: 'kubernetes', vaultNamespace: '' });
    assert.equal(p.roleName, 'app');
    assert.deepEqual(p.objects.map((o) => o.objectName), ['password', 'db.json']);
    const volume = one('app-csi.yaml', 'Deployment').spec?.['template'].spec.volumes[0];
    assert.equal(volume.csi.volumeAttributes.secretProviderClass, spc.metadata?.name);
  });

  it("app-operator.yaml: the operator parses every resource as it would reconcile it", () => {
    const crs = docs('app-operator.yaml') as unknown as CustomObject[];
    const of = (kind: string): CustomObject => crs.find((c) => c.kind === kind) ?? assert.fail(kind);
    assert.equal(parseAuth(of('VaultAuth')).kubernetes?.role, 'app');
    assert.equal(parseStaticSecret(of('VaultStaticSecret')).path, 'app/config');
    assert.equal(parseDynamicSecret(of('VaultDynamicSecret')).path, 'creds/app');
  });

  it('policy-app.hcl parses and grants what the three need', () => {
    const p = parsePolicy('app', readFileSync(join(DIR, 'policy-app.hcl'), 'utf8'));
    const caps = (path: string) => p.rules.find((r) => r.path === path)?.capabilities ?? [];
    assert.ok(caps('secret/data/app/*').includes('read'));
    assert.ok(caps('database/creds/app').includes('read'));
    assert.ok(caps('sys/leases/renew').includes('update'));
  });

  it('every object applies to a cluster with the CRDs installed (SecretProviderClass needs the CSI driver\'s CRD)', async (t) => {
    const kube = await startFakeKubeApiServer();
    t.after(() => kube.close());
    const kc = kubeConfigFor(kube);
    for (const name of ['ward', 'apps']) await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    const generic = KubernetesObjectApi.makeApiClient(kc);
    const crdDir = join(REPO_ROOT, 'deploy/crds');
    for (const f of readdirSync(crdDir).filter((x) => x.endsWith('.yaml'))) {
      for (const c of yaml.loadAll(readFileSync(join(crdDir, f), 'utf8')) as KubernetesObject[]) await generic.create(c);
    }
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(files.sort(), ['app-csi.yaml', 'app-injected.yaml', 'app-operator.yaml']);
    for (const o of files.flatMap(docs).filter((x) => x.kind !== 'SecretProviderClass')) {
      // Custom resources are served once their CRD is established: retry until then.
      const created = await waitFor(`${o.kind} ${o.metadata?.name} created`, async () => generic.create(o).catch(() => undefined));
      assert.equal(created.metadata?.name, o.metadata?.name);
    }
  });
});
