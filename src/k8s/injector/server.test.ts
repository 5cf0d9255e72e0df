/**
 * The webhook over real HTTPS on loopback: AdmissionReview v1 in and out, the patch
 * applied to the pod, denials, warnings, bad bodies, health, metrics, certificate reload
 * and a draining shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest, Agent } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { makeCa, type TestCa } from '../../../test/helpers/test-ca.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { PREFIX } from './annotations.js';
import { fileCertSource } from './file-source.js';
import { applyJsonPatch, type JsonPatchOp } from './json-patch.js';
import type { Pod } from './pod.js';
import { startInjectorServer, type InjectorServer } from './server.js';
import { testOptions, testPod } from './testing.js';

type Json = Record<string, any>; // any: decoded AdmissionReview JSON

interface Fixture {
  ca: TestCa;
  dir: string;
  server: InjectorServer;
  agent: Agent;
}

async function setup(t: { after(fn: () => unknown): void }): Promise<Fixture> {
  const ca = await makeCa('injector-test-ca', 'ec');
  const dir = mkdtempSync(join(tmpdir(), 'injector-'));
  const cert = await ca.server('ward-injector');
  writeFileSync(join(dir, 'tls.crt'), cert.certPem);
  writeFileSync(join(dir, 'tls.key'), cert.keyPem);
  const certs = await fileCertSource(join(dir, 'tls.crt'), join(dir, 'tls.key'), { pollMs: 50 });
  const server = await startInjectorServer({ host: '127.0.0.1', port: 0, certs, options: testOptions() });
  const agent = new Agent({ ca: ca.certPem, keepAlive: true });
  t.after(async () => {
    agent.destroy();
    await server.close();
    await certs.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { ca, dir, server, agent };
}

function call(f: Fixture, method: string, path: string, body?: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; text: string; json: () => Json }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: f.server.port, method, path, agent: f.agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) as Json }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const reviewOf = (pod: Pod, uid = 'e2b2d0c4-0000-4000-8000-000000000001', namespace = 'apps'): string =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace, operation: 'CREATE', userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' }, object: pod },
  });

const ann = (o: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [PREFIX + k, v]));

test('a valid review gets a base64 JSON patch that applies cleanly and adds the agent containers', async (t) => {
  const f = await setup(t);
  const pod = testPod(ann({ 'agent-inject': 'true', role: 'web', 'agent-inject-secret-db': 'secret/data/db' }));
  const r = await call(f, 'POST', '/mutate', reviewOf(pod));
  assert.equal(r.status, 200);
  const body = r.json();
  assert.equal(body['apiVersion'], 'admission.k8s.io/v1');
  assert.equal(body['kind'], 'AdmissionReview');
  assert.equal(body['response']['uid'], 'e2b2d0c4-0000-4000-8000-000000000001');
  assert.equal(body['response']['allowed'], true);
  assert.equal(body['response']['patchType'], 'JSONPatch');
  const patch = JSON.parse(Buffer.from(body['response']['patch'], 'base64').toString('utf8')) as JsonPatchOp[];
  const out = applyJsonPatch(pod, patch);
  assert.deepEqual(out.spec?.initContainers?.map((c) => c.name), ['vault-agent-init']);
  assert.deepEqual(out.spec?.containers?.map((c) => c.name), ['app', 'vault-agent']);
  assert.equal(out.metadata?.annotations?.[`${PREFIX}agent-inject-status`], 'injected');
});

test('a pod without the opt-in is allowed with no patch', async (t) => {
  const f = await setup(t);
  const body = (await call(f, 'POST', '/mutate', reviewOf(testPod({ team: 'a' }), 'u2'))).json();
  assert.deepEqual(body['response'], { uid: 'u2', allowed: true });
});

test('a v1beta1 review is answered in v1beta1', async (t) => {
  const f = await setup(t);
  const body = JSON.parse(reviewOf(testPod({}), 'u4')) as Json;
  body['apiVersion'] = 'admission.k8s.io/v1beta1';
  const r = (await call(f, 'POST', '/mutate', JSON.stringify(body))).json();
  assert.deepEqual(r, { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', response: { uid: 'u4', allowed: true } });
});

test('a broken annotation is denied with a message naming it; a typo is a warning', async (t) => {
  const f = await setup(t);
  const denied = (await call(f, 'POST', '/mutate', reviewOf(testPod(ann({ 'agent-inject': 'true', role: 'web', 'agent-limits-mem': '-1Gi' })), 'u3'))).json();
  assert.equal(denied['response']['uid'], 'u3');
  assert.equal(denied['response']['allowed'], false);
  assert.match(denied['response']['status']['message'], /invalid annotation vault\.hashicorp\.com\/agent-limits-mem: value "-1Gi"/);
  assert.equal(denied['response']['patch'], undefined);
  const warned = (await call(f, 'POST', '/mutate', reviewOf(testPod(ann({ 'agent-inject': 'true', role: 'web', 'agent-inject-secert-db': 'secret/data/db' }))))).json();
  assert.equal(warned['response']['allowed'], true);
  assert.deepEqual(warned['response']['warnings'], ['unknown annotation vault.hashicorp.com/agent-inject-secert-db (did you mean vault.hashicorp.com/agent-inject-secret-db?)']);
});

test('bad bodies get 400 and the server keeps serving', async (t) => {
  const f = await setup(t);
  const cases: [string | undefined, Record<string, string>, RegExp][] = [
    ['{"apiVersion":', { 'content-type': 'application/json' }, /could not decode the AdmissionReview/],
    ['', { 'content-type': 'application/json' }, /empty body/],
    [reviewOf(testPod({})), { 'content-type': 'text/plain' }, /Content-Type/],
    ['{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}', { 'content-type': 'application/json' }, /request\.uid/],
    ['[1,2]', { 'content-type': 'application/json' }, /AdmissionReview/],
  ];
  for (const [body, headers, msg] of cases) {
    const r = await call(f, 'POST', '/mutate', body, headers);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, msg);
  }
  const big = await call(f, 'POST', '/mutate', JSON.stringify({ pad: 'x'.repeat(11 * 1024 * 1024) }));
  assert.equal(big.status, 413);
  assert.equal((await call(f, 'GET', '/mutate')).status, 405);
  assert.equal((await call(f, 'GET', '/nope')).status, 404);
  assert.equal((await call(f, 'GET', '/health/ready')).status, 200);
});

test('metrics count reviews by outcome', async (t) => {
  const f = await setup(t);
  await call(f, 'POST', '/mutate', reviewOf(testPod(ann({ 'agent-inject': 'true', role: 'web', 'agent-inject-secret-db': 'x' }))));
  await call(f, 'POST', '/mutate', reviewOf(testPod(ann({ 'agent-inject': 'maybe' }))));
  await call(f, 'POST', '/mutate', 'nope');
  const m = await call(f, 'GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.text, /^ward_injector_requests_total\{outcome="allowed"\} 1$/m);
  assert.match(m.text, /^ward_injector_requests_total\{outcome="denied"\} 1$/m);
  assert.match(m.text, /^ward_injector_requests_total\{outcome="bad_request"\} 1$/m);
  assert.match(m.text, /^ward_injector_request_duration_seconds_count 3$/m);
});

function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256 ?? '';
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

test('TLS 1.2+ only, and rotated certificate files are served without a restart', async (t) => {
  const f = await setup(t);
  await assert.rejects(
    new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: f.server.port, ca: f.ca.certPem, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => resolve(s));
      s.on('error', reject);
    }),
  );
  const next = await f.ca.server('ward-injector-2');
  writeFileSync(join(f.dir, 'tls.key'), next.keyPem);
  writeFileSync(join(f.dir, 'tls.crt'), next.certPem);
  const want = new X509Certificate(next.certPem).fingerprint256;
  await waitFor('the new certificate', async () => (await servedFingerprint(f.server.port, f.ca.certPem)) === want);
});

test('close drains an in-flight review, then stops listening', async (t) => {
  const f = await setup(t);
  const body = reviewOf(testPod({}));
  const answer = new Promise<number>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: f.server.port, method: 'POST', path: '/mutate', agent: f.agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.write(body.slice(0, 10));
    // The rest only once the server is closing: the review is in flight when close() starts.
    void waitFor('the review in flight', () => f.server.inFlight === 1).then(() => {
      closing = f.server.close();
      req.end(body.slice(10));
    });
  });
  let closing: Promise<void> | undefined;
  assert.equal(await answer, 200);
  await closing;
  await assert.rejects(call(f, 'GET', '/health/ready'));
});
