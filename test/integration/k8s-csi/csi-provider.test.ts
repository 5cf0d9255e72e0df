/**
 * Issue 16, CSI provider end to end: a real `ward k8s csi-provider` process serves the driver's
 * gRPC API on a unix socket, logs pods in through Kubernetes auth (TokenReview against the fake
 * API server) over TLS, and returns files, modes and object versions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { MountResponse } from '../../../src/k8s/csi/proto.js';
import { leaseLog } from '../../helpers/lease-engine.js';
import { api } from '../../helpers/server.js';
import { startWorld, type World } from './harness.js';

const files = (r: MountResponse) => Object.fromEntries(r.files.map((f) => [f.path, { mode: f.mode, text: Buffer.from(f.contents).toString('utf8') }]));
const versions = (r: MountResponse) => Object.fromEntries(r.object_version.map((v) => [v.id, v.version]));
const put = async (w: World, path: string, data: Record<string, string>) => assert.equal((await api(w.ward, 'POST', path, { token: w.ward.rootToken, body: { data } })).status, 200);

/** Fails unless the Mount is refused with `code` and a message matching `message`. */
async function refused(p: Promise<unknown>, code: status, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    const err = e as { code?: number; details?: string };
    assert.equal(err.code, code, `code ${err.code}: ${err.details}`);
    assert.match(err.details ?? '', message);
    return true;
  });
}

describe('ward k8s csi-provider', () => {
  let w: World;
  let attrs: Record<string, string>;
  const spc = (objects: string, extra: Record<string, string> = {}): Record<string, string> => ({ ...attrs, roleName: 'web', vaultCACertPath: w.caFile, objects, ...extra });
  const KV = `
- objectName: db-password
  secretPath: secret/data/app/db
  secretKey: password
  filePermission: 0600
- objectName: db.json
  secretPath: secret/data/app/db
- objectName: tls/key.bin
  secretPath: secret/data/app/api
  secretKey: blob
  encoding: base64
`;

  before(async () => {
    w = await startWorld();
    await put(w, 'secret/data/app/db', { password: 's3cret', user: 'app' });
    await put(w, 'secret/data/app/api', { blob: Buffer.from('binary\x00data').toString('base64'), key: 'k-1' });
    attrs = await w.podAttributes();
  });
  after(() => w?.close());

  it('answers Version as ward-csi-provider with Ward\'s version, and is ready', async () => {
    const v = await w.driver.version();
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.deepEqual(v, { version: 'v1alpha1', runtime_name: 'ward-csi-provider', runtime_version: pkg.version });
    assert.equal((await fetch(w.healthUrl)).status, 200);
    assert.equal(statSync(w.socket).mode & 0o777, 0o600);
  });

  it('mounts KV v2 objects over TLS as the pod: files, modes and versions', async () => {
    const r = await w.driver.mount(spc(KV));
    const f = files(r);
    assert.deepEqual(Object.keys(f).sort(), ['db-password', 'db.json', 'tls/key.bin']);
    assert.deepEqual(f['db-password'], { mode: 0o600, text: 's3cret' });
    assert.equal(f['db.json']?.mode, 0o644);
    assert.deepEqual(JSON.parse(f['db.json']?.text ?? '').data.data, { password: 's3cret', user: 'app' });
    assert.equal(f['tls/key.bin']?.text, 'binary\x00data');
    assert.deepEqual(r.object_version.map((v) => v.id), ['db-password', 'db.json', 'tls/key.bin']);
    for (const v of r.object_version) assert.match(v.version, /^[A-Za-z0-9_-]{43}$/);
    const review = w.kube.reviews.at(-1);
    assert.deepEqual(review?.audiences, ['vault']);
  });

  it('keeps versions while nothing changes and gives a new one when the secret changes', async () => {
    const a = versions(await w.driver.mount(spc(KV)));
    assert.deepEqual(versions(await w.driver.mount(spc(KV))), a);
    await put(w, 'secret/data/app/db', { password: 'rotated', user: 'app' });
    const r = await w.driver.mount(spc(KV));
    const b = versions(r);
    assert.notEqual(b['db-password'], a['db-password']);
    assert.notEqual(b['db.json'], a['db.json']);
    assert.equal(b['tls/key.bin'], a['tls/key.bin'], 'an unchanged object keeps its version');
    assert.equal(files(r)['db-password']?.text, 'rotated');
  });

  it('uses one cached Ward token per pod and logs in again once after a 403', async () => {
    await w.driver.mount(spc(KV));
    const before = w.kube.reviews.length;
    await w.driver.mount(spc(KV));
    assert.equal(w.kube.reviews.length, before, 'a cached token needs no new login');
    // Revoke every token minted by kubernetes logins: the cached one now gets 403.
    assert.equal((await api(w.ward, 'PUT', 'sys/leases/revoke-prefix/auth/kubernetes/login', { token: w.ward.rootToken })).status, 204);
    const r = await w.driver.mount(spc(KV));
    assert.equal(files(r)['db-password']?.text, 'rotated');
    assert.equal(w.kube.reviews.length, before + 1, 'exactly one new login');
  });

  it('mounts a whole secret as one file per key, and every secret under a folder', async () => {
    const r = await w.driver.mount(spc(`
- objectName: api
  secretPath: secret/data/app/api
  expand: keys
- objectName: all
  secretPath: secret/metadata/app/
  expand: secrets
  filePermission: 0400
`));
    const f = files(r);
    assert.deepEqual(Object.keys(f).sort(), ['all/api/blob', 'all/api/key', 'all/db/password', 'all/db/user', 'api/blob', 'api/key']);
    assert.deepEqual(f['all/db/password'], { mode: 0o400, text: 'rotated' });
    assert.equal(f['api/key']?.text, 'k-1');
    assert.deepEqual(r.object_version.map((v) => v.id), ['api', 'all']);
  });

  it('renews the lease of a dynamic secret instead of minting new credentials on each poll', async () => {
    const objects = '- objectName: creds\n  secretPath: dyn/creds/web\n  secretKey: username\n';
    const issued = leaseLog.issued.length;
    const first = await w.driver.mount(spc(objects));
    const user = files(first)['creds']?.text ?? '';
    assert.match(user, /^web-user-\d+$/);
    const second = await w.driver.mount(spc(objects));
    assert.equal(files(second)['creds']?.text, user, 'the same credentials again');
    assert.deepEqual(versions(second), versions(first));
    assert.equal(leaseLog.issued.length, issued + 1, 'minted once');
    assert.ok(leaseLog.renewed.includes(user), 'the lease was renewed');
    // A lease that can no longer be renewed (revoked here) is replaced by fresh credentials.
    assert.equal((await api(w.ward, 'PUT', 'sys/leases/revoke-prefix/dyn/creds/web', { token: w.ward.rootToken })).status, 204);
    const third = await w.driver.mount(spc(objects));
    assert.notEqual(files(third)['creds']?.text, user, 'new credentials');
    assert.notEqual(versions(third)['creds'], versions(first)['creds'], 'and a new version');
    assert.equal(leaseLog.issued.length, issued + 2);
    // Another pod gets its own credentials.
    const other = await w.driver.mount({ ...spc(objects), ...(await w.podAttributes({ name: 'web-1' })) });
    assert.notEqual(files(other)['creds']?.text, user);
  });

  it('issues a certificate with method PUT and secretArgs (PKI)', async () => {
    const T = w.ward.rootToken;
    assert.equal((await api(w.ward, 'POST', 'sys/mounts/pki', { token: T, body: { type: 'pki' } })).status, 204);
    assert.equal((await api(w.ward, 'POST', 'pki/root/generate/internal', { token: T, body: { common_name: 'app.svc', key_type: 'ec', ttl: '24h' } })).status, 200);
    assert.ok([200, 204].includes((await api(w.ward, 'POST', 'pki/roles/web', { token: T, body: { allowed_domains: 'app.svc', allow_subdomains: true, key_type: 'ec', max_ttl: '1h' } })).status));
    const objects = `
- objectName: tls.crt
  secretPath: pki/issue/web
  method: PUT
  secretArgs: {common_name: web.app.svc, ttl: 10m}
  secretKey: certificate
- objectName: tls.key
  secretPath: pki/issue/web
  method: PUT
  secretArgs: {common_name: web.app.svc, ttl: 10m}
  secretKey: private_key
  filePermission: 0400
`;
    const f = files(await w.driver.mount(spc(objects)));
    assert.match(f['tls.crt']?.text ?? '', /^-----BEGIN CERTIFICATE-----/);
    assert.match(f['tls.key']?.text ?? '', /^-----BEGIN (EC |)PRIVATE KEY-----/);
    assert.equal(f['tls.key']?.mode, 0o400);
    // Both objects share one request, so the key belongs to the certificate.
    const { X509Certificate, createPrivateKey } = await import('node:crypto');
    assert.ok(new X509Certificate(f['tls.crt']?.text ?? '').checkPrivateKey(createPrivateKey(f['tls.key']?.text ?? '')));
  });

  it('refuses bad objects with InvalidArgument naming them, and writes nothing', async () => {
    await refused(w.driver.mount(spc('- objectName: [oops\n')), status.INVALID_ARGUMENT, /"objects".*YAML/);
    await refused(w.driver.mount(spc(`${KV}- objectName: db-password\n  secretPath: secret/data/app/db\n`)), status.INVALID_ARGUMENT, /object "db-password": duplicate objectName/);
    await refused(w.driver.mount(spc('- objectName: x\n  secretPath: secret/data/app/db\n  encoding: rot13\n')), status.INVALID_ARGUMENT, /object "x": unknown encoding "rot13"/);
    await refused(w.driver.mount(spc('- objectName: ../escape\n  secretPath: secret/data/app/db\n')), status.INVALID_ARGUMENT, /object "\.\.\/escape"/);
    await refused(w.driver.mount(spc('- objectName: x\n  secretPath: secret/data/app/db\n  filePermission: 0999\n')), status.INVALID_ARGUMENT, /object "x": bad filePermission/);
    await refused(w.driver.mount(spc('- objectName: api\n  secretPath: secret/data/app/api\n  expand: keys\n- objectName: api/key/x\n  secretPath: secret/data/app/db\n')), status.INVALID_ARGUMENT, /file "api\/key\/x" would be inside the file "api\/key"/);
    const { roleName: _drop, ...noRole } = spc(KV);
    await refused(w.driver.mount(noRole), status.INVALID_ARGUMENT, /missing parameter "roleName"/);
    await refused(w.driver.mount(spc(KV), { permission: 'nope' }), status.INVALID_ARGUMENT, /permission/);
    await refused(w.driver.mount(spc('- objectName: x\n  secretPath: secret/data/app/db\n  secretKey: nope\n')), status.INVALID_ARGUMENT, /object "x": key "nope" does not exist/);
  });

  it('reports a refused login, a forbidden path and a missing secret with their gRPC codes', async () => {
    const stranger = await w.podAttributes({ namespace: 'other', name: 'x-0', serviceAccount: 'x' });
    await refused(w.driver.mount({ ...spc(KV), ...stranger }), status.PERMISSION_DENIED, /login to auth\/kubernetes\/login with role "web" for pod other\/x-0 failed/);
    await refused(w.driver.mount(spc('- objectName: x\n  secretPath: secret/data/elsewhere\n')), status.PERMISSION_DENIED, /object "x": .*permission denied/);
    await refused(w.driver.mount(spc('- objectName: x\n  secretPath: secret/data/app/missing\n')), status.NOT_FOUND, /object "x"/);
    const { 'csi.storage.k8s.io/serviceAccount.tokens': _t, ...noToken } = spc(KV, { 'csi.storage.k8s.io/pod.name': 'web-9' });
    await refused(w.driver.mount(noToken), status.PERMISSION_DENIED, /no service-account token for audience "vault"/);
  });

  it('verifies Ward\'s certificate: CA file or directory, server name, and skip-verify only when asked (with a warning)', async () => {
    const one = '- objectName: p\n  secretPath: secret/data/app/db\n  secretKey: password\n';
    const { vaultCACertPath: _ca, ...noCa } = spc(one);
    await refused(w.driver.mount(noCa), status.UNAVAILABLE, /cannot reach https:\/\/127\.0\.0\.1:\d+: .*(certificate|self.signed)/i);
    await refused(w.driver.mount(spc(one, { vaultTLSServerName: 'wrong.example' })), status.UNAVAILABLE, /wrong\.example|altnames|Hostname/i);
    assert.equal(files(await w.driver.mount(spc(one, { vaultTLSServerName: 'localhost' })))['p']?.text, 'rotated');
    const caDir = join(w.root, 'cas');
    mkdirSync(caDir);
    copyFileSync(w.caFile, join(caDir, 'ward-ca.pem'));
    assert.equal(files(await w.driver.mount({ ...noCa, vaultCADirectory: caDir }))['p']?.text, 'rotated');
    assert.equal(files(await w.driver.mount({ ...noCa, vaultSkipTLSVerify: 'true' }))['p']?.text, 'rotated');
    assert.match(w.provider.stderr(), /\[WARN\].*TLS verification of https:\/\/127\.0\.0\.1:\d+ is disabled by vaultSkipTLSVerify/);
  });

  it('presents the client certificate named by vaultTLSClientCertPath/KeyPath', async () => {
    const one = '- objectName: p\n  secretPath: secret/data/app/db\n  secretKey: password\n';
    await refused(w.driver.mount(spc(one, { vaultAddress: w.mtlsUrl })), status.UNAVAILABLE, /cannot reach/);
    const withCert = spc(one, { vaultAddress: w.mtlsUrl, vaultTLSClientCertPath: w.clientCertFile, vaultTLSClientKeyPath: w.clientKeyFile });
    assert.equal(files(await w.driver.mount(withCert))['p']?.text, 'rotated');
  });

  it('stops on SIGTERM and removes its socket', async () => {
    assert.ok(existsSync(w.socket));
    w.provider.child.kill('SIGTERM');
    const { code } = await w.provider.exited;
    assert.equal(code, 0, w.provider.stderr());
    assert.ok(!existsSync(w.socket), 'socket removed');
    assert.ok(!w.provider.stderr().includes('s3cret') && !w.provider.stderr().includes('rotated'), 'no secret in the log');
  });
});
