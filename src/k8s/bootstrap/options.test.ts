import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBootstrapOptions, type BootstrapFlags } from './options.js';
import { parseRef } from './refs.js';

const BASE: BootstrapFlags = { address: 'https://ward-0:8200', pgpKeys: 'a.asc,b.asc,c.asc', bootstrapPgpKey: 'secret:ward-bootstrap/key' };

test('options: defaults', () => {
  const o = parseBootstrapOptions(BASE);
  assert.deepEqual([o.keyShares, o.keyThreshold, o.expectedPods, o.podPort, o.podScheme], [3, 3, 1, 8200, 'https']);
  assert.deepEqual([o.keysSecret, o.provisionerTokenSecret, o.progressSecret], ['ward-init', 'ward-provisioner-token', 'ward-bootstrap-progress']);
  assert.deepEqual([o.auditType, o.auditPath, o.auditOptions], ['file', 'file', { file_path: 'stdout' }]);
  assert.deepEqual([o.revokeRoot, o.provisionerTokenTtl, o.waitTimeoutMs, o.kvMount], [true, '768h', 600_000, 'secret']);
  assert.deepEqual(o.bootstrapKey, { kind: 'secret', name: 'ward-bootstrap', key: 'key' });
  assert.equal(parseBootstrapOptions({ ...BASE, pgpKeys: 'a,b', address: 'https://a:8200,https://b:8200' }).keyThreshold, 2);
  assert.equal(parseBootstrapOptions({ ...BASE, address: 'https://a:8200,https://b:8200' }).expectedPods, 2);
});

test('options: bad combinations are refused with the flag named', () => {
  const cases: [BootstrapFlags, RegExp][] = [
    [{ ...BASE, address: undefined }, /missing -address .* or -pod-selector/],
    [{ ...BASE, podSelector: 'app=ward' }, /either -address or -pod-selector/],
    [{ ...BASE, address: 'ward-0:8200' }, /-address: "ward-0:8200" must be http/],
    [{ ...BASE, address: 'not a url' }, /-address: "not a url" is not a URL/],
    [{ ...BASE, pgpKeys: undefined }, /missing -pgp-keys/],
    [{ ...BASE, bootstrapPgpKey: undefined }, /missing -bootstrap-pgp-key/],
    [{ ...BASE, keyShares: 5 }, /-key-shares is 5 but 3 -pgp-keys/],
    [{ ...BASE, keyThreshold: 4 }, /-key-threshold cannot be larger/],
    [{ ...BASE, podSelector: 'a=b', address: undefined, podPort: 70000 }, /-pod-port must be a port/],
    [{ ...BASE, podScheme: 'ftp' }, /-pod-scheme must be https or http/],
    [{ ...BASE, expectedPods: 0 }, /-expected-pods must be at least 1/],
    [{ ...BASE, keysSecret: 'Bad_Name' }, /-keys-secret: "Bad_Name" is not a valid Kubernetes object name/],
    [{ ...BASE, auditOptions: 'file_path' }, /-audit-options: "file_path" is not KEY=VALUE/],
    [{ ...BASE, waitTimeout: 'soon' }, /bad duration/],
    [{ ...BASE, pgpKeys: 'keybase:alice' }, /keybase: keys are not supported/],
    [{ ...BASE, pgpKeys: 'secret:nokey' }, /must be secret:NAME\/KEY/],
  ];
  for (const [flags, re] of cases) assert.throws(() => parseBootstrapOptions(flags), re, JSON.stringify(flags));
});

test('refs: file, secret and configmap keys', () => {
  assert.deepEqual(parseRef('/keys/a.asc', 'x'), { kind: 'file', path: '/keys/a.asc' });
  assert.deepEqual(parseRef('secret:s/k.asc', 'x'), { kind: 'secret', name: 's', key: 'k.asc' });
  assert.deepEqual(parseRef('configmap:keys/ops/alice', 'x'), { kind: 'configmap', name: 'keys', key: 'ops/alice' });
});

test('options: sidecar mode (one bootstrap per server pod, only -init-pod initializes, -watch keeps unsealing)', () => {
  const job = parseBootstrapOptions(BASE);
  assert.deepEqual([job.initPod, job.podName, job.watchMs], [undefined, undefined, 0]);
  const side = parseBootstrapOptions({ ...BASE, initPod: 'ward-0', podName: 'ward-1', watch: '10s' });
  assert.deepEqual([side.initPod, side.podName, side.watchMs], ['ward-0', 'ward-1', 10_000]);
  assert.throws(() => parseBootstrapOptions({ ...BASE, initPod: 'ward-0' }), /-init-pod needs this pod's name \(\$POD_NAME\)/);
  assert.throws(() => parseBootstrapOptions({ ...BASE, initPod: 'Ward_0', podName: 'ward-0' }), /-init-pod: "Ward_0" is not a valid Kubernetes object name/);
  assert.throws(() => parseBootstrapOptions({ ...BASE, watch: 'often' }), /bad duration/);
});
