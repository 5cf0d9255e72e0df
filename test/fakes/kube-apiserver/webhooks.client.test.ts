import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { AdmissionregistrationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1MutatingWebhook, type V1Pod } from '@kubernetes/client-node';
import { freePort } from '../../helpers/net.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { failure, kubeConfigFor } from './test-client.js';
import { patchResponse, startTestWebhook, type TestWebhook } from './test-webhook.js';

/** Admission webhooks registered as MutatingWebhookConfigurations and called by pod creates through client-node. */
describe('fake cluster: mutating admission webhooks through client-node', () => {
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  let reg: AdmissionregistrationV1Api;
  let injector: TestWebhook;
  let denier: TestWebhook;
  let hanging: TestWebhook;
  const release: (() => void)[] = [];
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { apps: { inject: 'on' }, plain: {}, vault: {} } });
    core = kubeConfigFor(k).makeApiClient(CoreV1Api);
    reg = kubeConfigFor(k).makeApiClient(AdmissionregistrationV1Api);
    injector = await startTestWebhook(() => patchResponse(
      [{ op: 'add', path: '/metadata/annotations', value: { 'vault.hashicorp.com/agent-inject-status': 'injected' } }, { op: 'add', path: '/spec/containers/-', value: { name: 'vault-agent', image: 'ward:1' } }],
      { warnings: ['unknown annotation vault.hashicorp.com/agent-inject-secrt-db; did you mean agent-inject-secret-db?'] },
    ), { dnsNames: ['injector.vault.svc'] });
    denier = await startTestWebhook(() => ({ allowed: false, status: { code: 400, message: 'vault.hashicorp.com/role is required' } }));
    hanging = await startTestWebhook(() => new Promise((resolve) => release.push(() => resolve({}))));
    k.serviceEndpoints['vault/injector'] = injector.url;
  });
  afterEach(async () => {
    for (const c of (await reg.listMutatingWebhookConfiguration()).items) await reg.deleteMutatingWebhookConfiguration({ name: c.metadata?.name ?? '' });
  });
  after(async () => {
    for (const r of release) r();
    await Promise.all([injector, denier, hanging].map((w) => w.close()));
    await k.close();
  });

  const register = (name: string, webhook: Partial<V1MutatingWebhook> & { clientConfig: V1MutatingWebhook['clientConfig'] }) =>
    reg.createMutatingWebhookConfiguration({
      body: {
        metadata: { name },
        webhooks: [{
          name: `${name}.example.com`,
          admissionReviewVersions: ['v1', 'v1beta1'],
          sideEffects: 'None',
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
          ...webhook,
        }],
      },
    });
  const viaService = { service: { namespace: 'vault', name: 'injector', path: '/mutate', port: 443 } };
  const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({ metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'app:1' }] } });
  const containers = (p: V1Pod) => p.spec?.containers.map((c) => c.name);

  it('mutates a pod created through CoreV1Api, with the warning in the response headers', async () => {
    await register('injector', { clientConfig: { ...viaService, caBundle: injector.caBundle }, failurePolicy: 'Fail', timeoutSeconds: 30 });
    const res = await core.createNamespacedPodWithHttpInfo({ namespace: 'apps', body: pod('web') });
    assert.equal(res.httpStatusCode, 201);
    assert.deepEqual(containers(res.data), ['app', 'vault-agent']);
    assert.equal(res.data.metadata?.annotations?.['vault.hashicorp.com/agent-inject-status'], 'injected');
    assert.equal(res.headers['warning'], '299 - "unknown annotation vault.hashicorp.com/agent-inject-secrt-db; did you mean agent-inject-secret-db?"');
    const stored = await core.readNamespacedPod({ namespace: 'apps', name: 'web' });
    assert.deepEqual(containers(stored), ['app', 'vault-agent']);
    const review = injector.reviews.at(-1) as { request: { namespace: string; operation: string; userInfo: { username: string }; object: V1Pod } };
    assert.equal(review.request.namespace, 'apps');
    assert.equal(review.request.operation, 'CREATE');
    assert.equal(review.request.userInfo.username, 'kubernetes-admin');
    // The webhook sees the pod after the built-in ServiceAccount admission, as on a real cluster.
    assert.ok(review.request.object.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')));
    const call = k.admission.calls.at(-1);
    assert.deepEqual([call?.webhook, call?.outcome, call?.url], ['injector.example.com', 'patched', 'https://injector.vault.svc:443/mutate?timeout=30s']);
  });

  it('reaches a clientConfig.service through a stored Service and Endpoints when serviceEndpoints has no entry', async () => {
    delete k.serviceEndpoints['vault/injector'];
    try {
      await register('injector', { clientConfig: { ...viaService, caBundle: injector.caBundle } });
      const missing = await failure(core.createNamespacedPod({ namespace: 'apps', body: pod('svc0') }));
      assert.match(missing.status.message ?? '', /Post "https:\/\/injector\.vault\.svc:443\/mutate\?timeout=10s": service "injector" not found$/);
      await core.createNamespacedService({ namespace: 'vault', body: { metadata: { name: 'injector' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8080 }] } } });
      const port = Number(new URL(injector.url).port);
      await core.createNamespacedEndpoints({ namespace: 'vault', body: { metadata: { name: 'injector' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port }] }] } });
      assert.deepEqual(containers(await core.createNamespacedPod({ namespace: 'apps', body: pod('svc1') })), ['app', 'vault-agent']);
    } finally {
      k.serviceEndpoints['vault/injector'] = injector.url;
    }
  });

  it('defaults and validates configurations as the API server does', async () => {
    const stored = await register('injector', { clientConfig: { ...viaService, caBundle: injector.caBundle } });
    const h = stored.webhooks?.[0];
    assert.deepEqual([h?.failurePolicy, h?.matchPolicy, h?.timeoutSeconds, h?.reinvocationPolicy, { ...h?.namespaceSelector }, h?.clientConfig.service?.port, h?.rules?.[0]?.scope],
      ['Fail', 'Equivalent', 10, 'Never', {}, 443, 'Namespaced']);
    const bad = await failure(reg.createMutatingWebhookConfiguration({ body: { metadata: { name: 'bad' }, webhooks: [{ name: 'injector', clientConfig: { url: 'http://127.0.0.1/mutate' }, sideEffects: 'None', admissionReviewVersions: ['v1'] }] } }));
    assert.equal(bad.code, 422);
    assert.equal(bad.status.message, 'MutatingWebhookConfiguration.admissionregistration.k8s.io "bad" is invalid: [webhooks[0].name: Invalid value: "injector": should be a domain with at least three segments separated by dots, webhooks[0].clientConfig.url: Invalid value: "http://127.0.0.1/mutate": \'https\' is the only allowed URL scheme]');
    const patched = await failure(reg.patchMutatingWebhookConfiguration({ name: 'injector', body: [{ op: 'replace', path: '/webhooks/0/timeoutSeconds', value: 60 }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)));
    assert.equal(patched.code, 422);
  });

  it('skips namespaces and objects the selectors exclude', async () => {
    await register('injector', {
      clientConfig: { ...viaService, caBundle: injector.caBundle },
      namespaceSelector: { matchLabels: { inject: 'on' } },
      objectSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['vault-agent-injector'] }] },
    });
    const before = injector.reviews.length;
    assert.deepEqual(containers(await core.createNamespacedPod({ namespace: 'plain', body: pod('p1') })), ['app']);
    assert.deepEqual(containers(await core.createNamespacedPod({ namespace: 'apps', body: pod('self', { 'app.kubernetes.io/name': 'vault-agent-injector' }) })), ['app']);
    assert.equal(injector.reviews.length, before);
    assert.deepEqual(containers(await core.createNamespacedPod({ namespace: 'apps', body: pod('p2') })), ['app', 'vault-agent']);
  });

  it('rejects the pod with the denying webhook\'s message', async () => {
    await register('deny', { clientConfig: { url: `${denier.url}/mutate`, caBundle: denier.caBundle } });
    const f = await failure(core.createNamespacedPod({ namespace: 'apps', body: pod('denied') }));
    assert.equal(f.code, 400);
    assert.equal(f.status.message, 'admission webhook "deny.example.com" denied the request: vault.hashicorp.com/role is required');
    assert.equal((await failure(core.readNamespacedPod({ namespace: 'apps', name: 'denied' }))).code, 404);
  });

  it('failurePolicy Fail rejects when the webhook is down; Ignore admits the pod unchanged', async () => {
    const port = await freePort();
    await register('down', { clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: injector.caBundle }, failurePolicy: 'Fail' });
    const f = await failure(core.createNamespacedPod({ namespace: 'apps', body: pod('f1') }));
    assert.equal(f.code, 500);
    assert.equal(f.status.message, `Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/mutate?timeout=10s": dial tcp 127.0.0.1:${port}: connect: connection refused`);
    await reg.patchMutatingWebhookConfiguration({ name: 'down', body: [{ op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Ignore' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    assert.deepEqual(containers(await core.createNamespacedPod({ namespace: 'apps', body: pod('f2') })), ['app']);
  });

  it('honours timeoutSeconds', async () => {
    await register('slow', { clientConfig: { url: hanging.url, caBundle: hanging.caBundle }, timeoutSeconds: 1 });
    const f = await failure(core.createNamespacedPod({ namespace: 'apps', body: pod('slow') }));
    assert.equal(f.status.message, `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${hanging.url}/?timeout=1s": context deadline exceeded`);
  });

  it('uses a caBundle patched into the configuration on the next call (as -tls-auto does)', async () => {
    await register('injector', { clientConfig: { ...viaService, caBundle: denier.caBundle } });
    const f = await failure(core.createNamespacedPod({ namespace: 'apps', body: pod('ca1') }));
    assert.match(f.status.message ?? '', /x509: certificate signed by unknown authority$/);
    await reg.patchMutatingWebhookConfiguration({ name: 'injector', body: [{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: injector.caBundle }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    assert.deepEqual(containers(await core.createNamespacedPod({ namespace: 'apps', body: pod('ca2') })), ['app', 'vault-agent']);
  });
});
