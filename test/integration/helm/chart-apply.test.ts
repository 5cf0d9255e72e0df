/**
 * Everything the chart renders is accepted by the fake cluster as rendered (names, RBAC
 * rules, webhook configurations, pod templates, CRDs), in every mode with every toggle on
 * (the bootstrap as a Job and as a sidecar):
 * a template mistake fails here rather than at `helm install`. (PodDisruptionBudgets,
 * NetworkPolicies and Ingresses are not served by the fake and are skipped.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { BOOTSTRAP_VALUES, MODES, render } from './chart.js';

/** Kinds the fake cluster does not serve (test/fakes/kube-apiserver/README.md); kubernetes-models checks them in chart-render.test.ts. */
const NOT_SERVED = new Set(['PodDisruptionBudget', 'NetworkPolicy', 'Ingress']);
const ALL_ON = ['injector.enabled=true', 'csiProvider.enabled=true', 'operator.enabled=true', 'bootstrap.enabled=true', 'ingress.enabled=true', 'ingress.host=ward.example.com'];

describe('the rendered chart applies to a cluster', { skip: skipUnless(GO) }, () => {
  for (const mode of MODES) for (const bootstrap of ['job', 'sidecar']) {
    it(`applies mode ${mode} with every toggle on, the bootstrap as a ${bootstrap}`, async (t) => {
      const r = render(mode, { values: [BOOTSTRAP_VALUES], set: [...ALL_ON, `bootstrap.mode=${bootstrap}`] });
      const kube = await startFakeKubeApiServer();
      t.after(() => kube.close());
      const kc = kubeConfigFor(kube);
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'ward' } } });
      const generic = KubernetesObjectApi.makeApiClient(kc);
      // CRDs first, as Helm installs them first.
      const served = r.docs.filter((d) => !NOT_SERVED.has(d.kind));
      assert.ok(served.length > 30, `expected the whole chart, got ${served.length} objects`);
      const ordered = [...served].sort((a, b) => Number(b.kind === 'CustomResourceDefinition') - Number(a.kind === 'CustomResourceDefinition'));
      for (const o of ordered) {
        const created = await generic.create(o as unknown as KubernetesObject);
        assert.equal(created.metadata?.name, o.metadata.name, `${o.kind} ${o.metadata.name}`);
      }
    });
  }
});
