/**
 * `ward k8s injector` as a real process: cert files, a free loopback port, one
 * AdmissionReview answered over HTTPS, a clean exit on SIGTERM; and the start-up errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa } from '../../helpers/test-ca.js';
import { freePort, runWard, spawnWard } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

function post(port: number, ca: string, body: string): Promise<{ status: number; json: Record<string, any> }> { // any: decoded review
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mutate', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, any> })); // any: see above
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('ward k8s injector answers an AdmissionReview with cert files and stops on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'injector-cli-'));
  const ca = await makeCa('injector-cli-ca', 'ec');
  const cert = await ca.server('injector');
  writeFileSync(join(dir, 'tls.crt'), cert.certPem);
  writeFileSync(join(dir, 'tls.key'), cert.keyPem);
  const port = await freePort();
  const p = spawnWard(['k8s', 'injector', `-listen=127.0.0.1:${port}`, `-tls-cert-file=${join(dir, 'tls.crt')}`, `-tls-key-file=${join(dir, 'tls.key')}`], '', {
    AGENT_INJECT_VAULT_ADDR: 'https://ward.ward.svc:8200',
    AGENT_INJECT_NATIVE_SIDECARS: 'false',
    KUBERNETES_SERVICE_HOST: '',
  });
  t.after(async () => {
    await p.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor('the injector to listen', () => /listening on/.test(p.stderr()), { timeoutMs: 30_000, context: () => p.stderr() });
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-', annotations: { 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'web', 'vault.hashicorp.com/agent-inject-secret-db': 'secret/data/db' } },
    spec: { containers: [{ name: 'app', image: 'web', volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }] },
  };
  const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'cli-1', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'apps', operation: 'CREATE', object: pod } };
  const r = await post(port, ca.certPem, JSON.stringify(review));
  assert.equal(r.status, 200);
  assert.equal(r.json['response']['uid'], 'cli-1');
  assert.equal(r.json['response']['allowed'], true);
  const patch = JSON.parse(Buffer.from(r.json['response']['patch'], 'base64').toString('utf8')) as { path: string; value: { name?: string; env?: { name: string; value?: string }[] } }[];
  const sidecar = patch.find((op) => op.path === '/spec/containers/-')?.value;
  assert.equal(sidecar?.name, 'vault-agent');
  const cfg = JSON.parse(Buffer.from(sidecar?.env?.find((e) => e.name === 'VAULT_CONFIG')?.value ?? '', 'base64').toString('utf8')) as { vault: { address: string } };
  assert.equal(cfg.vault.address, 'https://ward.ward.svc:8200');
  await p.kill('SIGTERM');
  assert.deepEqual(await p.exited, { code: 0, signal: null });
});

test('start-up errors name the flag', async () => {
  const none = await runWard(['k8s', 'injector']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /a serving certificate is required: -tls-cert-file and -tls-key-file, or -tls-auto/);
  const bad = await runWard(['k8s', 'injector', '-tls-auto=cfg', '-memory-limit=-5Mi']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid -memory-limit "-5Mi"/);
  const missing = await runWard(['k8s', 'injector', '-tls-cert-file=/nonexistent/c', '-tls-key-file=/nonexistent/k']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot load the TLS certificate \/nonexistent\/c/);
  const noHosts = await runWard(['k8s', 'injector', '-tls-auto=vault-agent-injector-cfg']);
  assert.equal(noHosts.code, 1);
  assert.match(noHosts.stderr, /-tls-auto-hosts: at least one host name is needed/);
  const noCluster = await runWard(['k8s', 'injector', '-tls-auto=vault-agent-injector-cfg', '-tls-auto-hosts=injector.ward.svc'], 60_000, { KUBECONFIG: '/nonexistent/kubeconfig' });
  assert.equal(noCluster.code, 1);
  assert.match(noCluster.stderr, /kubeconfig \/nonexistent\/kubeconfig/);
});
