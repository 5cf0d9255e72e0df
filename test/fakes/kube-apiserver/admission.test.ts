import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../helpers/net.js';
import type { Json } from './http-util.js';
import { MutatingAdmission, warningHeader, type AdmissionRequest, type AdmissionResult } from './admission.js';
import { patchResponse, startTestWebhook, type TestWebhook } from './test-webhook.js';

const user = { username: 'system:serviceaccount:apps:deployer', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:authenticated'], extra: {} };
const podCreate = (o: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  operation: 'CREATE',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  resource: { group: '', version: 'v1', resource: 'pods' },
  namespace: 'apps',
  name: '',
  object: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', namespace: 'apps', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
  oldObject: null,
  userInfo: user,
  ...o,
});
const hook = (name: string, clientConfig: Json, o: Json = {}): Json => ({
  name,
  clientConfig,
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
  admissionReviewVersions: ['v1'],
  sideEffects: 'None',
  ...o,
});
const config = (name: string, webhooks: Json[]): Json => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name }, webhooks });
const rejected = (r: AdmissionResult) => {
  assert.equal(r.allowed, false);
  if (r.allowed) throw new Error('unreachable');
  return { code: r.code, message: String(r.status['message']), reason: r.status['reason'] };
};

describe('mutating admission', () => {
  let configs: Json[] = [];
  const endpoints: Record<string, string> = {};
  const admission = () => new MutatingAdmission({ configurations: () => configs, namespaceLabels: (ns) => ({ 'kubernetes.io/metadata.name': ns }), serviceEndpoints: endpoints });
  let mutator: TestWebhook;
  let denier: TestWebhook;
  let hanging: TestWebhook;
  let svc: TestWebhook;
  const stuck: (() => void)[] = [];
  before(async () => {
    mutator = await startTestWebhook(() => patchResponse([{ op: 'add', path: '/metadata/annotations', value: { 'injected': 'yes' } }, { op: 'add', path: '/spec/containers/-', value: { name: 'sidecar', image: 'ward:1' } }], { warnings: ['sidecar resources are defaults'] }));
    denier = await startTestWebhook(() => ({ allowed: false, status: { code: 403, message: 'role annotation missing' }, warnings: ['check vault.hashicorp.com/role'] }));
    hanging = await startTestWebhook(() => new Promise<Json>((resolve) => stuck.push(() => resolve({}))));
    svc = await startTestWebhook(() => patchResponse([{ op: 'add', path: '/metadata/labels/seen', value: 'svc' }]), { dnsNames: ['injector-svc.vault.svc'] });
  });
  after(async () => {
    for (const s of stuck) s();
    await Promise.all([mutator, denier, hanging, svc].map((w) => w.close()));
  });

  it('sends an AdmissionReview v1, applies the JSONPatch and collects warnings', async () => {
    configs = [config('inject', [hook('inject.example.com', { url: `${mutator.url}/mutate`, caBundle: mutator.caBundle })])];
    const a = admission();
    const r = await a.admit(podCreate());
    assert.equal(r.allowed, true);
    if (!r.allowed) return;
    assert.deepEqual((r.object?.['metadata'] as Json)['annotations'], { injected: 'yes' });
    assert.deepEqual(((r.object?.['spec'] as Json)['containers'] as Json[]).map((c) => c['name']), ['app', 'sidecar']);
    assert.deepEqual(r.warnings, ['sidecar resources are defaults']);
    assert.equal(warningHeader(r.warnings[0] ?? ''), '299 - "sidecar resources are defaults"');
    const sent = mutator.reviews.at(-1) as { apiVersion: string; kind: string; request: Json };
    assert.equal(sent.apiVersion, 'admission.k8s.io/v1');
    assert.equal(sent.kind, 'AdmissionReview');
    const q = sent.request;
    assert.match(String(q['uid']), /^[0-9a-f-]{36}$/);
    assert.deepEqual([q['kind'], q['resource'], q['requestKind'], q['namespace'], q['name'], q['operation'], q['dryRun']],
      [{ group: '', version: 'v1', kind: 'Pod' }, { group: '', version: 'v1', resource: 'pods' }, { group: '', version: 'v1', kind: 'Pod' }, 'apps', '', 'CREATE', false]);
    assert.deepEqual(q['userInfo'], { username: user.username, uid: 'sa-uid', groups: user.groups });
    assert.deepEqual(q['object'], podCreate().object);
    assert.equal(q['oldObject'], null);
    assert.deepEqual(q['options'], { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' });
    const call = a.calls.at(-1);
    assert.equal(call?.webhook, 'inject.example.com');
    assert.equal(call?.outcome, 'patched');
    assert.match(call?.url ?? '', /\/mutate\?timeout=10s$/);
    assert.ok((call?.latencyMs ?? -1) >= 0);
  });

  it('rejects with the webhook status on a denial, keeping its warnings', async () => {
    configs = [config('deny', [hook('deny.example.com', { url: denier.url, caBundle: denier.caBundle })])];
    const r = await admission().admit(podCreate());
    assert.deepEqual(rejected(r), { code: 403, message: 'admission webhook "deny.example.com" denied the request: role annotation missing', reason: undefined });
    assert.deepEqual(r.warnings, ['check vault.hashicorp.com/role']);
  });

  it('failurePolicy Fail rejects a webhook that is down; Ignore admits unchanged', async () => {
    const port = await freePort();
    const down = { url: `https://127.0.0.1:${port}/mutate`, caBundle: mutator.caBundle };
    configs = [config('down', [hook('down.example.com', down)])];
    const fail = rejected(await admission().admit(podCreate()));
    assert.equal(fail.code, 500);
    assert.equal(fail.reason, 'InternalError');
    assert.equal(fail.message, `Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/mutate?timeout=10s": dial tcp 127.0.0.1:${port}: connect: connection refused`);
    configs = [config('down', [hook('down.example.com', down, { failurePolicy: 'Ignore' })])];
    const a = admission();
    const r = await a.admit(podCreate());
    assert.equal(r.allowed, true);
    if (r.allowed) assert.deepEqual(r.object, podCreate().object);
    assert.equal(a.calls.at(-1)?.outcome, 'failed-open');
  });

  it('honours timeoutSeconds', async () => {
    configs = [config('slow', [hook('slow.example.com', { url: hanging.url, caBundle: hanging.caBundle }, { timeoutSeconds: 1 })])];
    const f = rejected(await admission().admit(podCreate()));
    assert.equal(f.message, `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${hanging.url}/?timeout=1s": context deadline exceeded`);
  });

  it('trusts the caBundle only, and uses a patched caBundle on the next call', async () => {
    configs = [config('inject', [hook('inject.example.com', { url: mutator.url, caBundle: denier.caBundle })])];
    const f = rejected(await admission().admit(podCreate()));
    assert.match(f.message, /failed calling webhook "inject\.example\.com": failed to call webhook: Post ".*": tls: failed to verify certificate: x509: certificate signed by unknown authority$/);
    ((configs[0]?.['webhooks'] as Json[])[0]?.['clientConfig'] as Json)['caBundle'] = mutator.caBundle;
    assert.equal((await admission().admit(podCreate())).allowed, true);
  });

  it('resolves clientConfig.service through serviceEndpoints and checks the <svc>.<ns>.svc name', async () => {
    const service = { service: { namespace: 'vault', name: 'injector-svc', path: '/mutate', port: 443 }, caBundle: svc.caBundle };
    configs = [config('svc', [hook('svc.example.com', service)])];
    const missing = rejected(await admission().admit(podCreate()));
    assert.match(missing.message, /Post "https:\/\/injector-svc\.vault\.svc:443\/mutate\?timeout=10s": no endpoints available for service "injector-svc"$/);
    endpoints['vault/injector-svc'] = svc.url;
    const r = await admission().admit(podCreate());
    assert.equal(r.allowed, true);
    if (r.allowed) assert.equal(((r.object?.['metadata'] as Json)['labels'] as Json)['seen'], 'svc');
    // A certificate without the service name is refused, as the API server would.
    endpoints['vault/injector-svc'] = mutator.url;
    configs = [config('svc', [hook('svc.example.com', { ...service, caBundle: mutator.caBundle })])];
    assert.match(rejected(await admission().admit(podCreate())).message, /x509: certificate is valid for localhost, 127\.0\.0\.1, .*not injector-svc\.vault\.svc$/);
  });

  it('rejects an answer whose uid does not match, per failurePolicy', async () => {
    const liar = await startTestWebhook(() => ({ uid: 'someone-else' }));
    try {
      configs = [config('liar', [hook('liar.example.com', { url: liar.url, caBundle: liar.caBundle })])];
      assert.match(rejected(await admission().admit(podCreate())).message, /failed calling webhook "liar\.example\.com": received invalid webhook response: expected response\.uid="[0-9a-f-]+", got "someone-else"$/);
    } finally {
      await liar.close();
    }
  });

  it('runs configurations in name order, each seeing the previous patch; skips non-matching selectors', async () => {
    configs = [
      config('b-second', [hook('svc.example.com', { service: { namespace: 'vault', name: 'injector-svc', path: '/' }, caBundle: svc.caBundle })]),
      config('a-first', [hook('inject.example.com', { url: mutator.url, caBundle: mutator.caBundle }), hook('skipped.example.com', { url: denier.url, caBundle: denier.caBundle }, { objectSelector: { matchLabels: { app: 'db' } } })]),
      config('c-other-ns', [hook('deny.example.com', { url: denier.url, caBundle: denier.caBundle }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } } })]),
    ];
    endpoints['vault/injector-svc'] = svc.url;
    const before = svc.reviews.length;
    const a = admission();
    const r = await a.admit(podCreate());
    assert.equal(r.allowed, true);
    assert.deepEqual(a.calls.map((c) => c.webhook), ['inject.example.com', 'svc.example.com']);
    const seenBySecond = (svc.reviews[before] as { request: { object: { spec: { containers: Json[] } } } }).request.object;
    assert.equal(seenBySecond.spec.containers.length, 2);
  });

  it('refuses a dry run for a webhook with side effects', async () => {
    configs = [config('inject', [hook('inject.example.com', { url: mutator.url, caBundle: mutator.caBundle }, { sideEffects: 'Unknown' })])];
    assert.deepEqual(rejected(await admission().admit(podCreate({ dryRun: true }))), { code: 400, message: 'admission webhook "inject.example.com" does not support dry run', reason: 'BadRequest' });
  });
});
