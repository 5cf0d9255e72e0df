/**
 * Issue 18's items that only rendering proves, one assertion each: the server pods spread
 * (required anti-affinity on the host name, topology spread over zones, "preferred" or a full
 * affinity only when asked), a dedicated node pool through nodeSelector/tolerations, a grace
 * period for the graceful seal; the injector's webhook never sent its own pods (objectSelector)
 * with its documented failurePolicy and two replicas; the CSI provider's socket directory a
 * hostPath.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { K8sObject } from '../../helpers/helm.js';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { find, modelErrors, render } from './chart.js';

// any: the rendered objects are plain JSON read field by field
type Json = any;
const SERVER = { 'app.kubernetes.io/name': 'ward', 'app.kubernetes.io/instance': 'ward', 'app.kubernetes.io/component': 'server' };
const serverPod = (docs: K8sObject[]): Json => (find(docs, 'StatefulSet', 'ward') as Json).spec.template.spec;
const scratch = mkdtempSync(join(tmpdir(), 'ward-chart-placement-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('where and how the chart places its pods', { skip: skipUnless(GO) }, () => {
  it('requires one server per node and spreads the servers over zones', () => {
    const pod = serverPod(render('ha-etcd', { set: ['server.etcd.address=https://etcd:2379'] }).docs);
    assert.deepEqual(pod.affinity, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: SERVER } }] } });
    assert.deepEqual(pod.topologySpreadConstraints, [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: SERVER } }]);
    const preferred = serverPod(render('ha-postgresql', { set: ['server.antiAffinity=preferred', 'server.topologySpread.enabled=false'] }).docs);
    assert.equal(preferred.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
    assert.equal(preferred.topologySpreadConstraints, undefined);
  });

  it('runs on a dedicated node pool through nodeSelector, tolerations or a full affinity', () => {
    const f = join(scratch, 'pool.yaml');
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['secrets'] }] }] } } };
    const tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'secrets', effect: 'NoSchedule' }];
    writeFileSync(f, yaml.dump({ server: { nodeSelector: { pool: 'secrets' }, tolerations, affinity } }));
    const r = render('ha-postgresql', { values: [f] });
    assert.deepEqual(modelErrors(r.docs), []);
    const pod = serverPod(r.docs);
    assert.deepEqual([pod.nodeSelector, pod.tolerations, pod.affinity], [{ pool: 'secrets' }, tolerations, affinity]);
  });

  it('gives the server time to seal gracefully after SIGTERM', () => {
    assert.equal(serverPod(render(undefined).docs).terminationGracePeriodSeconds, 60);
    assert.equal(serverPod(render(undefined, { set: ['server.terminationGracePeriodSeconds=120'] }).docs).terminationGracePeriodSeconds, 120);
  });

  it("never sends the injector's own pods to its webhook; failurePolicy from values; two replicas", () => {
    const r = render(undefined, { set: ['injector.enabled=true'] });
    const hook = (r.docs.find((d) => d.kind === 'MutatingWebhookConfiguration') as Json).webhooks[0];
    assert.deepEqual(hook.objectSelector, { matchExpressions: [{ key: 'ward-agent-injector', operator: 'DoesNotExist' }] });
    const injector = r.docs.find((d) => d.kind === 'Deployment' && d.metadata.name.endsWith('-agent-injector')) as Json;
    assert.ok(injector.spec.template.metadata.labels['ward-agent-injector'] !== undefined, 'its pods carry the excluded label');
    assert.equal(injector.spec.replicas, 2);
    assert.equal(hook.failurePolicy, 'Ignore');
    assert.equal((render(undefined, { set: ['injector.enabled=true', 'injector.failurePolicy=Fail'] }).docs.find((d) => d.kind === 'MutatingWebhookConfiguration') as Json).webhooks[0].failurePolicy, 'Fail');
  });

  it("puts the CSI provider's socket in the driver's providers directory on each node (hostPath)", () => {
    const ds = render(undefined, { set: ['csiProvider.enabled=true', 'csiProvider.providersDir=/etc/kubernetes/secrets-store-csi-providers'] }).docs.find((d) => d.kind === 'DaemonSet') as Json;
    const spec = ds.spec.template.spec;
    assert.deepEqual(spec.volumes, [{ name: 'providervol', hostPath: { path: '/etc/kubernetes/secrets-store-csi-providers', type: 'DirectoryOrCreate' } }]);
    assert.ok(spec.containers[0].args.includes('-endpoint=/provider/vault.sock'));
    assert.deepEqual(spec.containers[0].volumeMounts, [{ name: 'providervol', mountPath: '/provider' }]);
  });
});
