/**
 * Every manifest under deploy/kubernetes/ is accepted by the fake cluster as written
 * (validation of names, RBAC rules, webhook configurations, pod templates), so a typo in
 * what an operator applies fails here rather than in their cluster.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { REPO_ROOT } from '../../helpers/process.js';

const DIR = join(REPO_ROOT, 'deploy/kubernetes');

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
  test(`deploy/kubernetes/${file} applies to a cluster as written`, async (t) => {
    const kube = await startFakeKubeApiServer();
    t.after(() => kube.close());
    const kc = kubeConfigFor(kube);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'ward' } } });
    const generic = KubernetesObjectApi.makeApiClient(kc);
    const objects = (yaml.loadAll(readFileSync(join(DIR, file), 'utf8')) as Array<KubernetesObject | null>).filter((o): o is KubernetesObject => o !== null);
    assert.ok(objects.length > 0);
    for (const o of objects) {
      const created = await generic.create(o);
      assert.equal(created.metadata?.name, o.metadata?.name, `${o.kind} ${o.metadata?.name}`);
    }
  });
}
