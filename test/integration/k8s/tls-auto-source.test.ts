/**
 * -tls-auto against the fake cluster: two replicas (two sources) end up serving certificates
 * from the same CA, written once by the leader to the shared Secret; the webhook
 * configuration's caBundle is patched on every webhook; a TLS client that trusts only that
 * bundle connects to a replica; and across a CA rotation the old CA stays in the bundle while
 * the client keeps connecting, before and after the served certificate switches CA.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { JSON_PATCH, KubeClient, MERGE_PATCH } from '../../../src/k8s/kube/client.js';
import { TlsAutoSource, type TlsAutoOptions } from '../../../src/k8s/injector/tls-auto/source.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { waitFor } from '../../helpers/wait.js';

const CFG = 'vault-agent-injector-cfg';
const NS = 'ward-system';

async function cluster(t: TestContext): Promise<{ k: FakeKubeApiServer; client: () => KubeClient }> {
  const k = await startFakeKubeApiServer({ namespaces: { [NS]: {} } });
  t.after(() => k.close());
  const admin = new KubeClient(kubeConfigFor(k));
  const hook = (name: string) => ({
    name,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    clientConfig: { service: { name: 'vault-agent-injector-svc', namespace: NS, path: '/mutate' } },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  });
  await admin.admission.createMutatingWebhookConfiguration({ body: { metadata: { name: CFG }, webhooks: [hook('vault.hashicorp.com'), hook('second.ward.io')] } });
  return { k, client: () => new KubeClient(kubeConfigFor(k)) };
}

function bundles(k: FakeKubeApiServer): string[] {
  const cfg = k.object('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', undefined, CFG) as { webhooks?: { clientConfig?: { caBundle?: string } }[] } | undefined;
  return (cfg?.webhooks ?? []).map((w) => Buffer.from(w.clientConfig?.caBundle ?? '', 'base64').toString('utf8'));
}

const pemCerts = (bundle: string): string[] => bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

/** An HTTPS server that serves the source's certificate and follows its changes, as the webhook does. */
async function serve(t: TestContext, src: TlsAutoSource): Promise<number> {
  const server = https.createServer({ ...toTls(src), minVersion: 'TLSv1.2' }, (_req, res) => res.end('ok'));
  src.onChange(() => server.setSecureContext({ ...toTls(src), minVersion: 'TLSv1.2' }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}
const toTls = (src: TlsAutoSource) => ({ cert: src.get().certPem, key: src.get().keyPem });

/** GET over TLS trusting only `caPem`; resolves with the body or the TLS error's message. */
function fetchTrusting(port: number, caPem: string): Promise<string> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', ca: caPem, agent: false, minVersion: 'TLSv1.2' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

function start(t: TestContext, client: KubeClient, identity: string, extra: Partial<TlsAutoOptions> = {}): Promise<TlsAutoSource> {
  const logs: string[] = [];
  return TlsAutoSource.start({
    client,
    namespace: NS,
    hosts: ['vault-agent-injector-svc.ward-system.svc', 'localhost', '127.0.0.1'],
    identity,
    lease: { leaseDurationSeconds: 2, renewDeadlineMs: 1_500, retryPeriodMs: 200 },
    log: (_l, m) => logs.push(m),
    ...extra,
  }).then((s) => {
    t.after(() => s.close());
    return s;
  });
}

test('two replicas share one CA written by the leader; every webhook gets the caBundle; a client trusting only it connects', async (t) => {
  const { k, client } = await cluster(t);
  const [a, b] = await Promise.all([start(t, client(), 'replica-a'), start(t, client(), 'replica-b')]);
  assert.equal([a.isLeader, b.isLeader].filter(Boolean).length, 1, 'exactly one leader');
  assert.equal(fingerprint(a.caPem), fingerprint(b.caPem), 'both serve from the same CA');
  assert.equal(a.get().certPem, b.get().certPem, 'and the same certificate from the shared Secret');

  await waitFor('the caBundle on both webhooks', () => bundles(k).length === 2 && bundles(k).every((x) => x.length > 0));
  const [first, second] = bundles(k);
  assert.equal(first, second);
  assert.deepEqual(pemCerts(first ?? '').map(fingerprint), [fingerprint(a.caPem)]);

  const secret = k.object('v1', 'Secret', NS, 'vault-injector-certs') as { data?: Record<string, string> } | undefined;
  assert.deepEqual(Object.keys(secret?.data ?? {}).sort(), ['ca.crt', 'ca.key', 'hosts', 'tls.crt', 'tls.key']);
  const writes = k.requests.filter((r) => r.resource === 'secrets' && (r.verb === 'create' || r.verb === 'update') && r.status < 300);
  assert.equal(writes.length, 1, 'written once, by the leader');

  for (const src of [a, b]) {
    const port = await serve(t, src);
    assert.equal(await fetchTrusting(port, first ?? ''), 'ok');
  }
});

test('a webhook configuration re-applied without caBundle gets it back', async (t) => {
  const { k, client } = await cluster(t);
  await start(t, client(), 'solo');
  await waitFor('caBundle set', () => bundles(k).every((x) => x.length > 0));
  const admin = client();
  const patched = await admin.admission.patchMutatingWebhookConfiguration({ name: CFG, body: [{ op: 'remove', path: '/webhooks/1/clientConfig/caBundle' }] }, JSON_PATCH);
  // The removal as the API server applied it: by the time the test looks at the stored object
  // the injector may already have put the bundle back.
  assert.equal(patched.webhooks?.[1]?.clientConfig.caBundle, undefined);
  await waitFor('caBundle restored', () => bundles(k).every((x) => x.length > 0));
});

test('CA rotation: the old CA stays in the bundle, the served certificate switches CA after the bundle is published, a client trusting the bundle connects throughout', async (t) => {
  const { k, client } = await cluster(t);
  // Short lifetimes so a rotation happens within the test: the CA is rotated at 2/3 of 12 s.
  const src = await start(t, client(), 'rotator', { caValidityMs: 12_000, servingValidityMs: 4_000, propagationMs: 300 });
  const port = await serve(t, src);
  await waitFor('first bundle', () => (bundles(k)[0] ?? '').length > 0);
  const firstCa = fingerprint(src.caPem);
  assert.equal(await fetchTrusting(port, bundles(k)[0] ?? ''), 'ok', 'before rotation');

  // Rotation: the bundle holds the new CA and the old one.
  const during = await waitFor('a bundle with two CAs', () => {
    const certs = pemCerts(bundles(k)[0] ?? '');
    return certs.length === 2 ? certs : undefined;
  }, { timeoutMs: 20_000 });
  assert.equal(fingerprint(during[1] ?? ''), firstCa, 'the previous CA is kept, after the new one');
  const bundle = bundles(k)[0] ?? '';
  assert.equal(await fetchTrusting(port, bundle), 'ok', 'during rotation');

  await waitFor('the served certificate from the new CA', () => fingerprint(src.caPem) === fingerprint(during[0] ?? ''), { timeoutMs: 20_000 });
  assert.equal(await fetchTrusting(port, bundle), 'ok', 'after the switch, the same bundle still works');
  assert.match(await fetchTrusting(port, pemCerts(bundle)[1] ?? ''), /^error: /, 'the old CA alone no longer verifies the served certificate');
});

test('without a certificate in time (another holder keeps the lease, nothing written), start fails naming the Secret and the holder', async (t) => {
  const { client } = await cluster(t);
  const admin = client();
  const now = new Date();
  await admin.coordination.createNamespacedLease({
    namespace: NS,
    body: { metadata: { name: 'vault-agent-injector-leader' }, spec: { holderIdentity: 'ghost', leaseDurationSeconds: 3600, renewTime: now, acquireTime: now } },
  });
  const err = await start(t, client(), 'late', { readyTimeoutMs: 1_500 }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof Error, 'start rejected');
  assert.match(err.message, /ward-system\/vault-injector-certs/);
  assert.match(err.message, /ghost/);
});

test('failover: when the leader goes, the other replica takes over and renews under the same CA', async (t) => {
  const { k, client } = await cluster(t);
  const opts = { servingValidityMs: 3_000, propagationMs: 300 };
  const [a, b] = await Promise.all([start(t, client(), 'replica-a', opts), start(t, client(), 'replica-b', opts)]);
  const [leader, follower] = a.isLeader ? [a, b] : [b, a];
  const ca = fingerprint(follower.caPem);
  await leader.close();
  await waitFor('the follower leads', () => follower.isLeader);
  const served = follower.get().certPem;
  await waitFor('a renewal by the new leader', () => follower.get().certPem !== served, { timeoutMs: 20_000 });
  assert.equal(fingerprint(follower.caPem), ca, 'same CA after failover and renewal');
  assert.deepEqual(pemCerts(bundles(k)[0] ?? '').map(fingerprint), [ca]);
});

test('a serving lifetime longer than a third of the CA lifetime is refused', async (t) => {
  const { client } = await cluster(t);
  await assert.rejects(start(t, client(), 'x', { caValidityMs: 10_000, servingValidityMs: 4_000 }), /at least three serving-certificate lifetimes/);
});

test('without permission to list secrets, start gives up in time and says what the API server refused', async (t) => {
  const { k } = await cluster(t);
  const injector = await k.issueToken({ namespace: NS, name: 'injector', pod: null });
  k.setAuthorizer((user, a) => user.groups.includes('system:masters') || (user.username.endsWith(':injector') && a.resource !== 'secrets'));
  const err = await start(t, new KubeClient(kubeConfigFor(k, injector)), 'no-rbac', { readyTimeoutMs: 1_500 }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof Error, 'start rejected');
  assert.match(err.message, /no certificate in secret ward-system\/vault-injector-certs/);
  assert.match(err.message, /forbidden/);
});

test('a hand-damaged Secret is never served: replicas keep the good certificate and the leader reissues under the same CA', async (t) => {
  const { client } = await cluster(t);
  const [a, b] = await Promise.all([start(t, client(), 'replica-a'), start(t, client(), 'replica-b')]);
  const before = a.get().certPem;
  const ca = fingerprint(a.caPem);
  let changes = 0;
  b.onChange(() => changes++);
  await client().core.patchNamespacedSecret({ namespace: NS, name: 'vault-injector-certs', body: { data: { 'tls.key': Buffer.from('not a key').toString('base64') } } }, MERGE_PATCH);
  await waitFor('a reissued certificate', () => a.get().certPem !== before && b.get().certPem === a.get().certPem);
  assert.equal(fingerprint(b.caPem), ca, 'same CA');
  assert.equal(changes, 1, 'the damaged state was never handed to the server');
  const port = await serve(t, b);
  assert.equal(await fetchTrusting(port, a.caPem), 'ok');
});
