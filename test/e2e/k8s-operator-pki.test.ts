/**
 * VaultPKISecret and destination transformations end to end, as operator-harness.ts sets
 * things up: deploy/crds/ and deploy/kubernetes/secrets-operator.yaml applied unchanged to the
 * fake cluster, a Ward server behind TLS with a PKI mount and role and Kubernetes auth, and a
 * real `ward k8s secrets-operator` process. A VaultPKISecret yields a kubernetes.io/tls Secret
 * whose certificate verifies against the CA and carries the SANs asked for; with a short ttl
 * and expiryOffset it is re-issued before expiry, the Deployment restarts once per new
 * certificate, and with `revoke` the old serials land on the CRL (the last one on deletion);
 * an operator restart re-issues nothing. A VaultStaticSecret with a transformation template
 * (inline and from a SecretTransformation) yields the templated keys and honours excludes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PatchStrategy, setHeaderOptions, type AppsV1Api, type CoreV1Api, type CustomObjectsApi } from '@kubernetes/client-node';
import * as x509 from '@peculiar/x509';
import type { WardProcess } from '../helpers/process.js';
import { api, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { APP_NS, G, must, OperatorEnv, RESTARTED_AT, text } from './operator-harness.js';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const hex = (serial: string) => serial.replace(/:/g, '').toLowerCase().replace(/^0+/, '');
type PkiStatus = { serialNumber?: string; expiration?: number; lastRotation?: number; lastGeneration?: number; secretMAC?: string; valid?: boolean; error?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };

describe('secrets operator end to end: VaultPKISecret and transformations', { timeout: 180_000 }, () => {
  const env = new OperatorEnv({ dirPrefix: 'ward-operator-pki-e2e-' });
  let ward: TestServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let operator: WardProcess;
  let caCert: x509.X509Certificate;
  const startOperator = () => env.startOperator();

  before(async () => {
    await env.start();
    ({ ward, core, apps, custom } = env);
    const T = ward.rootToken;
    await must(api(ward, 'POST', 'sys/mounts/pki', { token: T, body: { type: 'pki', config: { max_lease_ttl: '87600h' } } }), 'pki mount');
    const root = await api(ward, 'POST', 'pki/root/generate/internal', { token: T, body: { common_name: 'Ward PKI e2e root', ttl: '8760h', key_type: 'ec' } });
    assert.equal(root.status, 200, JSON.stringify(root.body));
    caCert = new x509.X509Certificate(root.body.data.certificate);
    await must(api(ward, 'POST', 'pki/roles/web', { token: T, body: { allowed_domains: 'apps.svc', allow_subdomains: true, allow_ip_sans: true, key_type: 'ec', key_bits: 256, max_ttl: '2h' } }), 'pki role');
    await must(api(ward, 'POST', 'secret/data/app/db', { token: T, body: { data: { username: 'app', password: 's3cret', host: 'db.apps.svc' } } }), 'kv write');
    await must(api(ward, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }\npath "pki/issue/web" { capabilities = ["update"] }\npath "pki/revoke" { capabilities = ["update"] }' } }), 'policy');
    await env.kubernetesRole('app', 'app');
    await env.deployment('web');
    operator = await startOperator();
  });

  after(() => env.close());

  const create = (plural: string, kind: string, name: string, spec: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({ ...G, namespace: APP_NS, plural, body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind, metadata: { name }, spec } });
  const getCr = async (plural: string, name: string) => (await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural, name }).catch(() => undefined)) as { metadata: { finalizers?: string[] }; status?: PkiStatus } | undefined;
  const pkiStatus = async (name: string) => (await getCr('vaultpkisecrets', name))?.status ?? {};
  const secret = (name: string) => core.readNamespacedSecret({ namespace: APP_NS, name }).catch(() => undefined);
  const restartedAt = async () => (await apps.readNamespacedDeployment({ namespace: APP_NS, name: 'web' })).spec?.template.metadata?.annotations?.[RESTARTED_AT];
  const logLines = (p: WardProcess, what: string, resource: string) => p.stderr().split('\n').filter((l) => l.includes(what) && l.includes(`"resource":"${APP_NS}/${resource}"`));
  const crl = async () => {
    const r = await api(ward, 'GET', 'pki/cert/crl', { token: ward.rootToken });
    return new x509.X509Crl(r.body.data.certificate);
  };

  test('a VaultPKISecret yields a kubernetes.io/tls Secret whose certificate verifies against the CA and has the SANs', async () => {
    await create('vaultpkisecrets', 'VaultPKISecret', 'web-tls', { mount: 'pki', role: 'web', commonName: 'web.apps.svc', altNames: ['api.apps.svc'], ipSans: ['127.0.0.1'], ttl: '1h', expiryOffset: '5m', destination: { name: 'web-tls', create: true, type: 'kubernetes.io/tls' } });
    const s = await waitFor('the TLS Secret', () => secret('web-tls'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(s.type, 'kubernetes.io/tls');
    const chain = text(s.data, 'tls.crt') ?? '';
    const certs = chain.split(/(?=-----BEGIN CERTIFICATE-----)/).map((p) => new x509.X509Certificate(p));
    const leaf = certs[0]!;
    assert.ok(await leaf.verify({ publicKey: caCert.publicKey, signatureOnly: true }), 'signed by the CA');
    assert.equal(certs[1]?.serialNumber, caCert.serialNumber, 'followed by the CA');
    assert.equal(leaf.subject, 'CN=web.apps.svc');
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(san?.names.items.map((n) => `${n.type}:${n.value}`).sort(), ['dns:api.apps.svc', 'dns:web.apps.svc', 'ip:127.0.0.1']);
    // The key in tls.key is the certificate's.
    const key = text(s.data, 'tls.key') ?? '';
    assert.match(key, /-----BEGIN (EC )?PRIVATE KEY-----/);
    assert.equal(text(s.data, 'certificate'), leaf.toString('pem').trim());
    assert.ok(text(s.data, 'serial_number'));
    assert.ok(text(s.data, '_raw'));
    const st = await waitFor('status.serialNumber', async () => { const x = await pkiStatus('web-tls'); return x.serialNumber ? x : undefined; });
    assert.equal(hex(st.serialNumber ?? ''), hex(leaf.serialNumber));
    assert.equal(st.expiration, Math.floor(leaf.notAfter.getTime() / 1000));
    assert.equal(st.valid, true);
    assert.equal(st.lastGeneration, 1);
    assert.ok(st.secretMAC && st.lastRotation);
    assert.equal(st.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.doesNotMatch(JSON.stringify(st), /PRIVATE KEY/, 'never the key in status');
    assert.deepEqual((await getCr('vaultpkisecrets', 'web-tls'))?.metadata.finalizers ?? [], [], 'no finalizer without revoke or clear');
  });

  test('with a short ttl it is re-issued before expiry, restarts the Deployment once per certificate, and revokes the old serials', async (t) => {
    await create('vaultpkisecrets', 'VaultPKISecret', 'short-tls', { mount: 'pki', role: 'web', commonName: 'short.apps.svc', ttl: '12s', expiryOffset: '7s', revoke: true, rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }], destination: { name: 'short-tls', create: true, type: 'kubernetes.io/tls' } });
    const first = await waitFor('the first certificate', async () => { const x = await pkiStatus('short-tls'); return x.serialNumber ? x : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(await restartedAt(), undefined, 'the first certificate restarts nothing');
    const second = await waitFor('a new certificate', async () => { const x = await pkiStatus('short-tls'); return x.serialNumber && x.serialNumber !== first.serialNumber ? x : undefined; }, { timeoutMs: 30_000, context: () => operator.stderr() });
    assert.ok((second.lastRotation ?? 0) < (first.expiration ?? 0), `re-issued (at ${second.lastRotation}) before the old one expired (${first.expiration})`);
    // Reported, not asserted: with ttl 12s and expiryOffset 7s, about 7 s before expiry.
    t.diagnostic(`re-issued ${(first.expiration ?? 0) - (second.lastRotation ?? 0)} s before the old certificate expired (expiryOffset 7s)`);
    const leaf = new x509.X509Certificate((text((await secret('short-tls'))?.data, 'tls.crt') ?? '').split(/(?=-----BEGIN CERTIFICATE-----)/)[0]!);
    assert.ok(leaf.notAfter.getTime() / 1000 > (first.expiration ?? 0), 'the Secret holds the new certificate');
    await waitFor('the Deployment restarted', () => restartedAt(), { timeoutMs: 10_000, context: () => operator.stderr() });
    await waitFor('the old serial on the CRL', async () => (await crl()).findRevoked(hex(first.serialNumber ?? '')), { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.deepEqual((await getCr('vaultpkisecrets', 'short-tls'))?.metadata.finalizers, ['vaultpkisecrets.secrets.hashicorp.com/finalizer']);
    // Deleting stops the rotations; the finalizer revokes the current certificate on the way out.
    await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultpkisecrets', name: 'short-tls' });
    await waitFor('the VaultPKISecret gone', async () => (await getCr('vaultpkisecrets', 'short-tls')) === undefined, { timeoutMs: 10_000, context: () => operator.stderr() });
    const issued = logLines(operator, 'certificate issued', 'short-tls');
    const rotations = issued.filter((l) => l.includes('renewal window')).length;
    assert.equal(issued.length, rotations + 1, issued.join('\n'));
    assert.equal(logLines(operator, 'rollout restart triggered', 'short-tls').length, rotations, 'one restart per new certificate');
    const serials = issued.map((l) => (JSON.parse(l) as { serial: string }).serial);
    const list = await crl();
    for (const s of serials) assert.ok(list.findRevoked(hex(s)), `serial ${s} revoked (all ${serials.length}, the last on deletion)`);
    await waitFor('the Secret gone with its owner', async () => (await secret('short-tls')) === undefined, { timeoutMs: 10_000 });
  });

  test('an expiryOffset as long as the lifetime renews at half the lifetime (with a warning), not in a loop', async () => {
    await create('vaultpkisecrets', 'VaultPKISecret', 'too-early', { mount: 'pki', role: 'web', commonName: 'early.apps.svc', ttl: '6s', expiryOffset: '1m', destination: { name: 'too-early', create: true, type: 'kubernetes.io/tls' } });
    const first = await waitFor('the first certificate', async () => { const x = await pkiStatus('too-early'); return x.serialNumber ? x : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    const second = await waitFor('the renewal', async () => { const x = await pkiStatus('too-early'); return x.serialNumber !== first.serialNumber ? x : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    // Half of a 6 s lifetime: not sooner than 3 s after the first (whole seconds in status).
    assert.ok((second.lastRotation ?? 0) - (first.lastRotation ?? 0) >= 2, `renewed ${(second.lastRotation ?? 0) - (first.lastRotation ?? 0)} s after issue`);
    const events = (await core.listNamespacedEvent({ namespace: APP_NS })).items.filter((e) => e.involvedObject.name === 'too-early' && e.reason === 'InvalidConfiguration');
    assert.ok(events.length > 0 && events[0]!.type === 'Warning', 'a warning says why');
    await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultpkisecrets', name: 'too-early' });
  });

  test('a hand-edited TLS Secret gets a new certificate (the key is kept nowhere else)', async () => {
    const first = await pkiStatus('web-tls');
    const s = await secret('web-tls');
    assert.ok(s && first.serialNumber);
    await core.replaceNamespacedSecret({ namespace: APP_NS, name: 'web-tls', body: { ...s, data: { ...s.data, 'tls.key': Buffer.from('tampered').toString('base64') } } });
    const second = await waitFor('a new certificate', async () => { const x = await pkiStatus('web-tls'); return x.serialNumber !== first.serialNumber ? x : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.match(text((await secret('web-tls'))?.data, 'tls.key') ?? '', /PRIVATE KEY/);
    assert.equal(second.lastGeneration, 1, 'no spec change involved');
    // Logged after the status write, so it may trail what the test just read.
    await waitFor('the re-issue logged as drift', () => logLines(operator, 'certificate issued', 'web-tls').some((l) => l.includes('destination drift')), { timeoutMs: 10_000, context: () => operator.stderr() });
  });

  test('with clear, deleting the resource empties a Secret it did not create', async () => {
    await core.createNamespacedSecret({ namespace: APP_NS, body: { metadata: { name: 'given-tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } } });
    // No ttl: the role's default applies (VSO sends the empty fields; Ward must take them as unset).
    await create('vaultpkisecrets', 'VaultPKISecret', 'given', { mount: 'pki', role: 'web', commonName: 'given.apps.svc', clear: true, destination: { name: 'given-tls', type: 'kubernetes.io/tls' } });
    const st = await waitFor('the certificate', async () => { const x = await pkiStatus('given'); return x.serialNumber ? x : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    const s = await waitFor('the certificate in the given Secret', async () => { const x = await secret('given-tls'); return text(x?.data, 'tls.key') ? x : undefined; });
    assert.equal(s.metadata?.ownerReferences, undefined, 'a Secret it did not create stays unowned');
    await waitFor('the finalizer', async () => (await getCr('vaultpkisecrets', 'given'))?.metadata.finalizers?.includes('vaultpkisecrets.secrets.hashicorp.com/finalizer'));
    await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultpkisecrets', name: 'given' });
    await waitFor('the VaultPKISecret gone', async () => (await getCr('vaultpkisecrets', 'given')) === undefined, { timeoutMs: 10_000, context: () => operator.stderr() });
    const left = await secret('given-tls');
    assert.ok(left, 'the Secret stays');
    assert.deepEqual(left.data ?? {}, {}, 'its data cleared');
    assert.equal((await crl()).findRevoked(hex(st.serialNumber ?? '')), null, 'not revoked without revoke');
  });

  test('a role Ward refuses is a condition with Ward\'s error; a bad spec names the field', async () => {
    await create('vaultpkisecrets', 'VaultPKISecret', 'no-role', { mount: 'pki', role: 'nope', commonName: 'x.apps.svc', destination: { name: 'no-role', create: true } });
    await create('vaultpkisecrets', 'VaultPKISecret', 'bad-offset', { mount: 'pki', role: 'web', commonName: 'x.apps.svc', expiryOffset: '1d', destination: { name: 'bad-offset', create: true } });
    const c = await waitFor('no-role: Ready=False', async () => (await pkiStatus('no-role')).conditions?.find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.equal(c.reason, 'VaultClientError');
    assert.match(c.message, /permission denied/, 'the policy allows only pki/issue/web');
    assert.equal((await pkiStatus('no-role')).valid, false);
    const b = await waitFor('bad-offset: Ready=False', async () => (await pkiStatus('bad-offset')).conditions?.find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.equal(b.reason, 'InvalidResource');
    assert.equal(b.message, 'spec.expiryOffset: invalid duration "1d" (want e.g. 30s, 5m, 1h)');
    assert.equal(await secret('no-role'), undefined);
    assert.equal(await secret('bad-offset'), undefined);
  });

  test('an operator restart re-issues no certificate that is still valid', async () => {
    const before = await pkiStatus('web-tls');
    // SIGTERM releases the Lease, so the new process leads at once.
    await operator.kill('SIGTERM');
    operator = await startOperator();
    await waitFor('the new process to look at web-tls', () => logLines(operator, 'certificate valid', 'web-tls').length > 0, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(logLines(operator, 'certificate issued', 'web-tls').length, 0);
    assert.equal((await pkiStatus('web-tls')).serialNumber, before.serialNumber);
  });

  test('a VaultStaticSecret with transformation templates yields the templated keys and honours excludes; a SecretTransformation change reaches it', async () => {
    await create('vaultstaticsecrets', 'VaultStaticSecret', 'db', { mount: 'secret', type: 'kv-v2', path: 'app/db', destination: { name: 'db', create: true, transformation: {
      templates: { url: { text: '{{- printf "postgres://%s:%s@%s/app" .Secrets.username (get .Secrets "password") .Secrets.host -}}' } },
      transformationRefs: [{ name: 'shared' }],
      excludes: ['^password$'],
    } } });
    const vssStatus = async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name: 'db' })) as { status?: PkiStatus }).status ?? {};
    const missing = await waitFor('a condition for the missing SecretTransformation', async () => (await vssStatus()).conditions?.find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.equal(missing.message, 'spec.destination.transformation.transformationRefs[0]: SecretTransformation apps/shared not found');
    // Creating it wakes the resource (it is not retried on its own: the error is terminal until something changes).
    const st = { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'SecretTransformation', metadata: { name: 'shared' }, spec: { templates: { hostport: { text: '{{ .Secrets.host }}:5432' } } } };
    await custom.createNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'secrettransformations', body: st });
    const s = await waitFor('the transformed Secret', () => secret('db'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(text(s.data, 'url'), 'postgres://app:s3cret@db.apps.svc/app');
    assert.equal(text(s.data, 'hostport'), 'db.apps.svc:5432');
    assert.equal(text(s.data, 'username'), 'app');
    assert.equal(text(s.data, 'password'), undefined, 'excluded');
    assert.deepEqual(Object.keys(s.data ?? {}).sort(), ['_raw', 'host', 'hostport', 'url', 'username']);
    await custom.patchNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'secrettransformations', name: 'shared', body: { spec: { templates: { hostport: { text: '{{ .Secrets.host }}:6543' } } } } }, MERGE);
    const stStatus = await waitFor('the SecretTransformation valid', async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'secrettransformations', name: 'shared' })) as { status?: { valid?: boolean; error?: string } }).status, { timeoutMs: 10_000 });
    assert.equal(stStatus.valid, true);
    await waitFor('the SecretTransformation change in the Secret', async () => text((await secret('db'))?.data, 'hostport') === 'db.apps.svc:6543', { timeoutMs: 10_000, context: () => operator.stderr() });
  });

  test('a bad template is a condition on the resource, naming the template; nothing is written', async () => {
    await create('vaultstaticsecrets', 'VaultStaticSecret', 'bad-tmpl', { mount: 'secret', type: 'kv-v2', path: 'app/db', destination: { name: 'bad-tmpl', create: true, transformation: { templates: { url: { text: '{{ .Secrets.username ' } } } } });
    const st = async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name: 'bad-tmpl' })) as { status?: PkiStatus }).status ?? {};
    const c = await waitFor('Ready=False', async () => (await st()).conditions?.find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.equal(c.reason, 'InvalidResource');
    assert.match(c.message, /^spec\.destination\.transformation\.templates\.url: template "apps\/bad-tmpl\/url": line 1: /);
    assert.equal(await secret('bad-tmpl'), undefined);
  });
});
