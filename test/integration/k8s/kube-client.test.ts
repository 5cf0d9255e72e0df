/**
 * The Kubernetes client's configuration sources and error mapping, against the fake API
 * server over real HTTPS: in-cluster config re-reads a rotated token file, TLS is verified
 * against the configured CA, failures arrive as KubeErrors with status and reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { KubeClient } from '../../../src/k8s/kube/client.js';
import { loadKubeConfig } from '../../../src/k8s/kube/config.js';
import { isForbidden, isNotFound, KubeError } from '../../../src/k8s/kube/errors.js';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { makeCa } from '../../helpers/test-ca.js';

function kubeconfigYaml(server: string, caPem: string, token: string, namespace = 'default'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: fake\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:',
    `- name: admin\n  user:\n    token: ${token}`,
    'contexts:',
    `- name: fake\n  context:\n    cluster: fake\n    user: admin\n    namespace: ${namespace}`,
    'current-context: fake',
    '',
  ].join('\n');
}

test('in-cluster config: CA and token from the service-account dir; a rotated token is used on the next call', async (t) => {
  const k = await startFakeKubeApiServer({ namespaces: { prod: {} } });
  const dir = mkdtempSync(join(tmpdir(), 'kube-sa-'));
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await k.close();
  });
  const url = new URL(k.url);
  writeFileSync(join(dir, 'ca.crt'), k.caPem);
  writeFileSync(join(dir, 'namespace'), 'ward-system\n');
  // A service account that may not read namespaces, then the reviewer that may.
  const weak = await k.issueToken({ namespace: 'ward-system', name: 'nobody', pod: null });
  writeFileSync(join(dir, 'token'), `${weak}\n`);

  const loaded = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port }, serviceAccountDir: dir, home: dir });
  assert.equal(loaded.source, 'in-cluster');
  assert.equal(loaded.namespace, 'ward-system');
  const c = new KubeClient(loaded.kc, loaded.namespace);

  const denied = await c.core.readNamespace({ name: 'prod' }).then(() => undefined, (e: unknown) => e);
  assert.ok(denied instanceof KubeError, `a KubeError, got ${String(denied)}`);
  assert.equal(isForbidden(denied), true);
  assert.match(denied.message, /system:serviceaccount:ward-system:nobody/);

  // The kubelet swaps the file atomically; the next request must use the new token.
  writeFileSync(join(dir, 'token.new'), k.reviewerToken);
  renameSync(join(dir, 'token.new'), join(dir, 'token'));
  const ns = await c.core.readNamespace({ name: 'prod' });
  assert.equal(ns.metadata?.name, 'prod');

  const missing = await c.core.readNamespace({ name: 'nope' }).then(() => undefined, (e: unknown) => e);
  assert.equal(isNotFound(missing), true);
  assert.equal((missing as KubeError).reason, 'NotFound');
  assert.equal((missing as KubeError).message, 'namespaces "nope" not found');

  rmSync(join(dir, 'token'));
  const noToken = await c.core.readNamespace({ name: 'prod' }).then(() => undefined, (e: unknown) => e);
  assert.ok(noToken instanceof KubeError);
  assert.match(noToken.message, /service-account token .*token: ENOENT/);
});

test('--kubeconfig beats KUBECONFIG and in-cluster; TLS is verified against the kubeconfig CA', async (t) => {
  const k = await startFakeKubeApiServer({ namespaces: { prod: {} } });
  const other = await makeCa('not-the-cluster', 'ec');
  const dir = mkdtempSync(join(tmpdir(), 'kube-cfg-'));
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await k.close();
  });
  writeFileSync(join(dir, 'good.yaml'), kubeconfigYaml(k.url, k.caPem, k.reviewerToken, 'apps'));
  writeFileSync(join(dir, 'wrong-ca.yaml'), kubeconfigYaml(k.url, other.certPem, k.reviewerToken));

  const env = { KUBECONFIG: join(dir, 'wrong-ca.yaml'), KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '1' };
  const flag = loadKubeConfig({ kubeconfig: join(dir, 'good.yaml'), env });
  assert.deepEqual([flag.source, flag.namespace], ['flag', 'apps']);
  assert.equal((await new KubeClient(flag.kc).core.readNamespace({ name: 'prod' })).metadata?.name, 'prod');

  const fromEnv = loadKubeConfig({ env });
  assert.equal(fromEnv.source, 'env');
  const err = await new KubeClient(fromEnv.kc).core.readNamespace({ name: 'prod' }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof KubeError);
  assert.equal(err.status, 0, 'a certificate from an unknown CA is refused before any HTTP status');
  assert.match(err.message, /certificate/i);
});

test('with no configuration at all the error says what to provide', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-none-'));
  try {
    assert.throws(() => loadKubeConfig({ env: {}, serviceAccountDir: dir, home: dir }), /--kubeconfig.*KUBECONFIG/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a kubeconfig that is missing, or that turns TLS verification off, is refused with a message naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-bad-'));
  try {
    assert.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'nope.yaml') }), /kubeconfig .*nope\.yaml/);
    const insecure = kubeconfigYaml('https://127.0.0.1:6443', 'x', 't').replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true');
    writeFileSync(join(dir, 'insecure.yaml'), insecure);
    assert.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'insecure.yaml') }), /insecure-skip-tls-verify/);
    writeFileSync(join(dir, 'http.yaml'), kubeconfigYaml('http://127.0.0.1:8080', 'x', 't'));
    assert.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'http.yaml') }), /https/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a request to an API server that never answers fails with a Timeout KubeError instead of hanging', async (t) => {
  const sockets = new Set<import('node:net').Socket>();
  const silent = createServer((s) => sockets.add(s)); // accepts, never completes TLS
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const ca = await makeCa('silent', 'ec');
  const dir = mkdtempSync(join(tmpdir(), 'kube-silent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'k.yaml'), kubeconfigYaml(`https://127.0.0.1:${(silent.address() as AddressInfo).port}`, ca.certPem, 't'));
  const c = new KubeClient(loadKubeConfig({ kubeconfig: join(dir, 'k.yaml') }).kc, undefined, { timeoutMs: 300 });
  const err = await c.core.readNamespace({ name: 'x' }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof KubeError, `a KubeError, got ${String(err)}`);
  assert.equal(err.status, 0);
  assert.equal(err.reason, 'Timeout');
  assert.match(err.message, /300 ms/);
});
