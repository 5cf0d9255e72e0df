/**
 * `bootstrap.mode: sidecar`: instead of a Job, a `bootstrap` container in every server pod runs
 * `ward k8s bootstrap` against its own server over loopback, hardened like the Job's container,
 * with the Job's Role (unchanged) bound to the server's ServiceAccount (a pod has one). Only the
 * sidecar of pod 0 initializes (-init-pod); every sidecar keeps unsealing its server (-watch).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { K8sObject } from '../../helpers/helm.js';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { BOOTSTRAP_VALUES, MODES, find, modelErrors, names, render, schemaErrors, values } from './chart.js';
import { policyViolations } from './policy.js';

// any: the rendered objects are plain JSON read field by field
type Json = any;
const SIDECAR = ['bootstrap.mode=sidecar'];
const scratch = mkdtempSync(join(tmpdir(), 'ward-chart-sidecar-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
/** A values file holding `v` (lists cannot be given with --set here). */
const valuesFile = (v: Record<string, unknown>): string => {
  const f = join(scratch, `values-${n++}.yaml`);
  writeFileSync(f, yaml.dump(v));
  return f;
};
const pod = (docs: K8sObject[]): Json => (find(docs, 'StatefulSet', 'ward') as Json).spec.template.spec;
const sidecar = (docs: K8sObject[]): Json => pod(docs).containers.find((c: Json) => c.name === 'bootstrap');

describe('the bootstrap as a sidecar of the server pods', { skip: skipUnless(GO) }, () => {
  it('defaults to the Job', () => {
    assert.equal((values(undefined, { values: [BOOTSTRAP_VALUES] })['bootstrap'] as Json).mode, 'job');
  });

  for (const mode of MODES) {
    it(`renders in mode ${mode}: valid, hardened, no Job, the Job's Role bound to the server's ServiceAccount`, () => {
      const r = render(mode, { values: [BOOTSTRAP_VALUES], set: [...SIDECAR, 'tls.source=secret', 'tls.secretName=ward-tls', 'injector.enabled=true', 'operator.enabled=true'] });
      assert.deepEqual(schemaErrors(r.values), []);
      assert.deepEqual(modelErrors(r.docs), []);
      assert.deepEqual(policyViolations(r.docs), []);
      assert.ok(!r.docs.some((d) => d.kind === 'Job'), names(r.docs).join(' '));
      assert.equal(find(r.docs, 'ServiceAccount', 'ward-bootstrap'), undefined);
      const job = render(mode, { values: [BOOTSTRAP_VALUES], set: ['tls.source=secret', 'tls.secretName=ward-tls'] });
      assert.deepEqual((find(r.docs, 'Role', 'ward-bootstrap') as Json).rules, (find(job.docs, 'Role', 'ward-bootstrap') as Json).rules);
      assert.deepEqual((find(r.docs, 'RoleBinding', 'ward-bootstrap') as Json).subjects, [{ kind: 'ServiceAccount', name: 'ward', namespace: 'ward' }]);
      assert.equal(pod(r.docs).serviceAccountName, 'ward');
      // The server stays the first container (what `kubectl exec` picks) and PID 1 of its own.
      assert.deepEqual(pod(r.docs).containers.map((c: Json) => c.name), ['ward', 'bootstrap']);
    });
  }

  it('runs `ward k8s bootstrap` on loopback to its own server; only pod 0 initializes; it keeps watching the seal', () => {
    const r = render('ha-postgresql', { values: [BOOTSTRAP_VALUES, valuesFile({ bootstrap: { args: ['-audit-type=none'] } })], set: [...SIDECAR, 'server.replicas=2'] });
    const c = sidecar(r.docs);
    assert.deepEqual(c.command, ['/usr/local/bin/node', '/app/bin/ward']);
    assert.equal(c.image, pod(r.docs).containers[0].image);
    assert.deepEqual(c.args, [
      'k8s', 'bootstrap',
      '-address=https://127.0.0.1:8200', '-ca-cert=/ward/tls/ca.crt', '-init-pod=ward-0',
      '-bootstrap-pgp-key=secret:ward-bootstrap/private.asc',
      '-pgp-keys=secret:ward-bootstrap/public.asc,secret:ward-bootstrap/public.asc,configmap:ward-operator-keys/alice.asc',
      '-key-shares=3', '-key-threshold=2',
      '-keys-secret=ward-init', '-provisioner-token-secret=ward-provisioner-token', '-progress-secret=ward-bootstrap-progress',
      '-admin-policy=admin', '-provisioner-policy=provisioner', '-kv-mount=secret',
      '-audit-type=file', '-provisioner-token-ttl=768h', '-revoke-root=true', '-wait-timeout=10m', '-watch=10s',
      '-audit-type=none',
    ]);
    assert.deepEqual(c.env, [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    // Hardened as the Job's container: no capability at all (mlock is the server's).
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.resources.requests, { cpu: '50m', memory: '64Mi' });
    assert.ok(!('readinessProbe' in c) && !('livenessProbe' in c), 'the pod is ready when the server is');
    // Its own volumes: the CA certificate only (not the server's key) and an in-memory /tmp.
    assert.deepEqual(c.volumeMounts, [{ name: 'bootstrap-tmp', mountPath: '/tmp' }, { name: 'bootstrap-tls', mountPath: '/ward/tls', readOnly: true }]);
    const vols = pod(r.docs).volumes as Json[];
    assert.deepEqual(vols.find((v) => v.name === 'bootstrap-tls').secret.items, [{ key: 'ca.crt', path: 'ca.crt' }]);
    assert.deepEqual(vols.find((v) => v.name === 'bootstrap-tmp').emptyDir, { medium: 'Memory', sizeLimit: '16Mi' });
    assert.ok(!pod(r.docs).containers[0].volumeMounts.some((m: Json) => m.name.startsWith('bootstrap-')));
  });

  it('takes the watch interval from values and speaks plain HTTP only when TLS is explicitly disabled', () => {
    const r = render(undefined, { values: [BOOTSTRAP_VALUES], set: [...SIDECAR, 'bootstrap.sidecar.watchInterval=30s', 'insecure.disableTls=true'] });
    const args: string[] = sidecar(r.docs).args;
    assert.ok(args.includes('-address=http://127.0.0.1:8200') && args.includes('-watch=30s'), JSON.stringify(args));
    assert.ok(!args.some((a) => a.startsWith('-ca-cert')), JSON.stringify(args));
    assert.deepEqual(sidecar(r.docs).volumeMounts, [{ name: 'bootstrap-tmp', mountPath: '/tmp' }]);
  });

  it('adds nothing to the NetworkPolicy (loopback never crosses it)', () => {
    const apiFrom = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } }];
    const r = render(undefined, { values: [BOOTSTRAP_VALUES, valuesFile({ networkPolicy: { apiFrom } })], set: SIDECAR });
    assert.deepEqual((find(r.docs, 'NetworkPolicy', 'ward') as Json).spec.ingress[0].from, apiFrom);
  });

  it('tells in NOTES where to follow it and what it leaves behind', () => {
    const notes = render('ha-etcd', { values: [BOOTSTRAP_VALUES], set: [...SIDECAR, 'server.etcd.address=https://etcd:2379'] }).notes;
    assert.match(notes, /kubectl -n ward logs -f ward-0 -c bootstrap/);
    assert.match(notes, /Secret ward-init/);
    assert.doesNotMatch(notes, /job\/ward-bootstrap/);
  });

  it('rejects an unknown mode and unknown sidecar keys', () => {
    const errors = schemaErrors(values(undefined, { values: [BOOTSTRAP_VALUES], set: ['bootstrap.mode=cron', 'bootstrap.sidecar.interval=1s', 'bootstrap.sidecar.watchInterval=often'] }));
    for (const re of [/\/bootstrap\/mode must be equal to one of the allowed values/, /\/bootstrap\/sidecar must NOT have additional properties \(interval\)/, /\/bootstrap\/sidecar\/watchInterval must match pattern/]) {
      assert.ok(errors.some((e) => re.test(e)), `${re} in ${JSON.stringify(errors)}`);
    }
  });
});
