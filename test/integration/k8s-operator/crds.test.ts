/**
 * deploy/crds/ applied unchanged to the fake cluster through client-node, as `kubectl apply -f`
 * would: each CRD is established in secrets.hashicorp.com/v1beta1 with a status subresource,
 * and a manifest written for HashiCorp's Vault Secrets Operator is accepted for each kind.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { REPO_ROOT } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

const G = 'secrets.hashicorp.com';
const DIR = join(REPO_ROOT, 'deploy/crds');

/** One valid CR per kind, as VSO's documentation writes them. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  VaultConnection: { address: 'https://ward.ward.svc:8200', skipTLSVerify: false, headers: { 'X-Team': 'a' } },
  VaultAuth: { vaultConnectionRef: 'default', method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'], tokenExpirationSeconds: 600 } },
  VaultStaticSecret: { vaultAuthRef: 'default', mount: 'secret', type: 'kv-v2', path: 'app/config', refreshAfter: '30s', hmacSecretData: true, rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }], destination: { name: 'app-config', create: true, labels: { a: 'b' }, type: 'Opaque' } },
  VaultAuthGlobal: { defaultVaultNamespace: 'team-a', defaultAuthMethod: 'kubernetes', kubernetes: { mount: 'kubernetes', role: 'app', serviceAccount: 'app', audiences: ['vault'] } },
  VaultDynamicSecret: { mount: 'database', path: 'creds/app', renewalPercent: 67, revoke: true, allowStaticCreds: false, rolloutRestartTargets: [{ kind: 'StatefulSet', name: 'db-client' }], destination: { name: 'db-creds', create: true } },
  VaultPKISecret: { mount: 'pki', role: 'web', commonName: 'web.apps.svc', altNames: ['web'], ttl: '24h', expiryOffset: '1h', revoke: true, clear: true, destination: { name: 'web-tls', create: true, type: 'kubernetes.io/tls' } },
  SecretTransformation: { templates: { url: { text: '{{ get .Secrets "username" }}@db' } }, includes: ['^user'], excludes: ['_raw'] },
};

describe('deploy/crds: the Vault Secrets Operator CRDs', () => {
  let kube: FakeKubeApiServer;
  before(async () => {
    kube = await startFakeKubeApiServer({ namespaces: { apps: {} } });
  });
  after(() => kube.close());

  it('are established and serve a valid custom resource of each kind', async () => {
    const kc = kubeConfigFor(kube);
    const generic = KubernetesObjectApi.makeApiClient(kc);
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    const crds = files.flatMap((f) => yaml.loadAll(readFileSync(join(DIR, f), 'utf8')) as V1CustomResourceDefinition[]);
    for (const c of crds) await generic.create(c as KubernetesObject);
    const kinds = crds.map((c) => c.spec.names.kind);
    for (const k of Object.keys(SAMPLES)) assert.ok(kinds.includes(k), `a CRD for ${k}`);
    for (const c of crds) {
      assert.equal(c.spec.group, G);
      assert.equal(c.spec.scope, 'Namespaced');
      const v = c.spec.versions.find((x) => x.name === 'v1beta1');
      assert.ok(v?.served && v.storage, `${c.spec.names.kind}: v1beta1 served and stored`);
      assert.ok(v.subresources?.status, `${c.spec.names.kind}: status subresource`);
      assert.equal(v.schema?.openAPIV3Schema?.type, 'object');
      assert.ok(v.schema.openAPIV3Schema.properties?.['spec'], `${c.spec.names.kind}: a spec schema`);
      await waitFor(`${c.metadata?.name} established`, async () => (await ext.readCustomResourceDefinition({ name: c.metadata?.name ?? '' })).status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'));
    }
    for (const c of crds) {
      const spec = SAMPLES[c.spec.names.kind];
      if (!spec) continue;
      const created = await custom.createNamespacedCustomObject({ group: G, version: 'v1beta1', namespace: 'apps', plural: c.spec.names.plural, body: { apiVersion: `${G}/v1beta1`, kind: c.spec.names.kind, metadata: { name: 'default' }, spec } }) as { spec: unknown };
      assert.deepEqual(created.spec, spec);
    }
  });

  it('declare the reference fields in their schemas', () => {
    const crds = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).flatMap((f) => yaml.loadAll(readFileSync(join(DIR, f), 'utf8')) as V1CustomResourceDefinition[]);
    // The YAML's own spelling (`enum`), not client-node's model (`_enum`).
    type Schema = { required?: string[]; enum?: string[]; pattern?: string; properties?: Record<string, Schema> };
    const spec = (kind: string) => (crds.find((c) => c.spec.names.kind === kind)?.spec.versions[0]?.schema?.openAPIV3Schema as Schema | undefined)?.properties?.['spec'];
    assert.deepEqual(spec('VaultConnection')?.required, ['address']);
    assert.deepEqual(spec('VaultAuth')?.properties?.['method']?.enum, ['kubernetes', 'jwt', 'appRole', 'aws', 'gcp']);
    const vss = spec('VaultStaticSecret');
    assert.deepEqual([...(vss?.required ?? [])].sort(), ['destination', 'mount', 'path', 'type']);
    assert.deepEqual(vss?.properties?.['type']?.enum, ['kv-v1', 'kv-v2']);
    assert.equal(vss?.properties?.['refreshAfter']?.pattern, '^([0-9]+(\\.[0-9]+)?(s|m|h))$');
    assert.deepEqual(vss?.properties?.['destination']?.required, ['name']);
  });
});
