/**
 * aws auth, ec2 type, end to end on a real Ward server: instance identity documents
 * signed by a stand-in "AWS" key (test/fakes/aws-ec2: openssl's PKCS#7, and the
 * document + SHA256 RSA signature form), verified against the certificate registered at
 * config/certificate/:name; role binds from the signed document; the nonce and the
 * identity access list (allow_instance_migration, disallow_reauthentication).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { instanceDocument, startFakeInstanceSigner, type FakeInstanceSigner, type InstanceDocument } from '../../fakes/aws-ec2/index.js';
import { OPENSSL, skipUnless } from '../../helpers/requirement.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('auth/aws (ec2)', { skip: skipUnless(OPENSSL) }, () => {
  let s: TestServer;
  let aws: FakeInstanceSigner;
  let forger: FakeInstanceSigner;
  const root = () => ({ token: s.rootToken });
  before(async () => {
    s = await startTestServer();
    aws = startFakeInstanceSigner('rsa');
    forger = startFakeInstanceSigner('rsa');
    assert.equal((await api(s, 'POST', 'sys/auth/aws', { ...root(), body: { type: 'aws' } })).status, 204);
  });
  after(async () => {
    await s?.close();
    aws?.close();
    forger?.close();
  });

  const login = (body: Record<string, unknown>) => api(s, 'POST', 'auth/aws/login', { body });
  const pkcs7Login = (doc: InstanceDocument, extra: Record<string, unknown> = {}) => login({ role: 'web', pkcs7: aws.pkcs7(doc), ...extra });
  const refused = async (p: Promise<{ status: number; body: { errors?: string[] } }>, message: string | RegExp) => {
    const r = await p;
    assert.equal(r.status, 400, JSON.stringify(r.body));
    if (typeof message === 'string') assert.deepEqual(r.body.errors, [message]);
    else assert.match(r.body.errors?.[0] ?? '', message);
  };

  it('registers AWS public certificates and validates them', async () => {
    await refused(api(s, 'POST', 'auth/aws/config/certificate/aws', { ...root(), body: {} }), 'missing aws_public_cert');
    await refused(api(s, 'POST', 'auth/aws/config/certificate/aws', { ...root(), body: { aws_public_cert: 'not a cert' } }), /^failed to parse aws_public_cert/);
    await refused(api(s, 'POST', 'auth/aws/config/certificate/aws', { ...root(), body: { aws_public_cert: aws.certPem, type: 'x' } }), 'invalid certificate type "x"');
    // Vault takes the PEM or its base64.
    const b64 = Buffer.from(aws.certPem).toString('base64');
    assert.equal((await api(s, 'POST', 'auth/aws/config/certificate/aws', { ...root(), body: { aws_public_cert: b64 } })).status, 204);
    const read = await api(s, 'GET', 'auth/aws/config/certificate/aws', root());
    assert.deepEqual([read.body.data.aws_public_cert, read.body.data.type], [aws.certPem, 'pkcs7']);
    assert.equal((await api(s, 'POST', 'auth/aws/config/certificate/aws-rsa', { ...root(), body: { aws_public_cert: aws.certPem, type: 'identity' } })).status, 204);
    assert.deepEqual((await api(s, 'LIST', 'auth/aws/config/certificates', root())).body.data.keys, ['aws', 'aws-rsa']);
  });

  it('validates ec2 roles', async () => {
    await refused(api(s, 'POST', 'auth/aws/role/web', { ...root(), body: { auth_type: 'ec2' } }), 'at least one bound parameter should be specified on the role');
    await refused(api(s, 'POST', 'auth/aws/role/iamrole', { ...root(), body: { auth_type: 'iam', bound_vpc_id: 'vpc-1' } }), /^specified bound_vpc_id but not specifying ec2 auth type/);
    await refused(api(s, 'POST', 'auth/aws/role/web', { ...root(), body: { auth_type: 'ec2', bound_ami_id: 'ami-0abc', allow_instance_migration: true, disallow_reauthentication: true } }),
      'cannot specify both disallow_reauthentication=true and allow_instance_migration=true');
    await refused(api(s, 'POST', 'auth/aws/role/iamrole', { ...root(), body: { auth_type: 'iam', bound_ami_id: 'ami-0abc' } }), /^specified bound_ami_id but not specifying ec2 auth type/);
    const ok = await api(s, 'POST', 'auth/aws/role/web', {
      ...root(),
      body: { auth_type: 'ec2', bound_ami_id: 'ami-0abc', bound_account_id: '123456789012', bound_region: 'eu-west-1', token_policies: 'web', token_ttl: '10m' },
    });
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
    const read = (await api(s, 'GET', 'auth/aws/role/web', root())).body.data;
    assert.deepEqual([read.auth_type, read.bound_ami_id, read.bound_region, read.allow_instance_migration, read.disallow_reauthentication], ['ec2', ['ami-0abc'], ['eu-west-1'], false, false]);
  });

  it('logs in with the PKCS#7 document: nonce issued once, then required', async () => {
    const doc = instanceDocument({ instanceId: 'i-web-1' });
    const first = await pkcs7Login(doc);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const auth = first.body.auth;
    assert.deepEqual(auth.token_policies, ['default', 'web']);
    assert.equal(auth.metadata.role, 'web');
    assert.equal(auth.metadata.account_id, '123456789012');
    assert.equal(auth.metadata.auth_type, 'ec2');
    const nonce = auth.metadata.nonce as string;
    assert.match(nonce, /^[0-9a-f-]{36}$/);
    assert.ok(auth.entity_id);
    // Again without the nonce: the access list remembers the instance.
    await refused(pkcs7Login(doc), 'client nonce mismatch');
    await refused(pkcs7Login(doc, { nonce: 'guess' }), 'client nonce mismatch');
    const again = await pkcs7Login(doc, { nonce });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.auth.metadata.nonce, undefined, 'a supplied nonce is not echoed');
    assert.equal(again.body.auth.entity_id, auth.entity_id);
    // An older document (earlier pendingTime) is refused even with the nonce.
    await refused(pkcs7Login({ ...doc, pendingTime: '2026-11-01T10:00:00Z' }, { nonce }), 'instance meta-data is older than the one used for previous login');
    const entry = await api(s, 'GET', 'auth/aws/identity-accesslist/i-web-1', root());
    assert.deepEqual([entry.body.data.role, entry.body.data.pending_time, entry.body.data.disallow_reauthentication], ['web', doc.pendingTime, false]);
    assert.equal(entry.body.data.client_nonce, undefined, 'the nonce is a credential: never read back');
    // Deleting the entry lets the instance start over.
    assert.equal((await api(s, 'DELETE', 'auth/aws/identity-accesslist/i-web-1', root())).status, 204);
    assert.equal((await pkcs7Login(doc)).status, 200);
  });

  it('parallel first logins of one instance: exactly one gets in (a copied document loses the race)', async () => {
    const pkcs7 = aws.pkcs7(instanceDocument({ instanceId: 'i-race' }));
    const results = await Promise.all(Array.from({ length: 6 }, () => login({ role: 'web', pkcs7 })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400]);
    for (const r of results.filter((x) => x.status === 400)) assert.deepEqual(r.body.errors, ['client nonce mismatch']);
  });

  it('logs in with the identity document and its SHA256 RSA signature', async () => {
    const r = await login({ role: 'web', ...aws.signed(instanceDocument({ instanceId: 'i-web-2' })), nonce: 'my-own-nonce' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.auth.metadata.nonce, undefined);
  });

  it('names the alias by config/identity ec2_alias and carries ec2_metadata', async () => {
    assert.equal((await api(s, 'POST', 'auth/aws/config/identity', { ...root(), body: { ec2_alias: 'instance_id', ec2_metadata: 'instance_id,region' } })).status, 204);
    const a = await pkcs7Login(instanceDocument({ instanceId: 'i-alias-a' }));
    const b = await pkcs7Login(instanceDocument({ instanceId: 'i-alias-b' }));
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.notEqual(a.body.auth.entity_id, b.body.auth.entity_id);
    const entity = (await api(s, 'GET', `identity/entity/id/${a.body.auth.entity_id}`, root())).body.data;
    assert.equal(entity.aliases[0].name, 'i-alias-a');
    const { nonce: _n, ...meta } = a.body.auth.metadata;
    assert.deepEqual(meta, { role: 'web', role_tag_max_ttl: '0s', instance_id: 'i-alias-a', region: 'eu-west-1' });
    assert.equal((await api(s, 'POST', 'auth/aws/config/identity', { ...root(), body: { ec2_alias: 'role_id', ec2_metadata: 'default' } })).status, 204);
  });

  it("refuses forged, unbound and malformed logins with Vault's errors", async () => {
    await refused(login({ role: 'web', pkcs7: forger.pkcs7(instanceDocument({ instanceId: 'i-f' })) }), 'failed to verify the signature');
    await refused(login({ role: 'web', ...forger.signed(instanceDocument({ instanceId: 'i-f' })) }), 'instance identity verification using SHA256 RSA signature is unsuccessful');
    await refused(pkcs7Login(instanceDocument({ instanceId: 'i-x1', imageId: 'ami-other' })), 'Error validating instance: AMI ID "ami-other" does not belong to role "web"');
    await refused(pkcs7Login(instanceDocument({ instanceId: 'i-x2', accountId: '999999999999' })), 'Error validating instance: account ID "999999999999" does not belong to role "web"');
    await refused(pkcs7Login(instanceDocument({ instanceId: 'i-x3', region: 'us-east-1' })), 'Region "us-east-1" does not satisfy the constraint on role "web"');
    await refused(login({ role: 'nope', pkcs7: aws.pkcs7(instanceDocument()) }), 'entry for role "nope" not found');
    await refused(login({ pkcs7: 'bm90IGRlcg==' }), /^failed to parse the BER encoded PKCS#7 signature/);
    await refused(login({ identity: 'e30=' }), 'supplied some of the auth values for the ec2 auth type but not all');
    await refused(login({ pkcs7: 'x', iam_http_request_method: 'POST' }), 'supplied auth values for both ec2 and iam auth types');
    await refused(pkcs7Login(instanceDocument({ instanceId: 'i-x4' }), { nonce: 'n'.repeat(129) }), 'client nonce exceeding the limit of 128 characters');
  });

  it('disallow_reauthentication: one login per instance; allow_instance_migration: a newer document needs no nonce', async () => {
    assert.equal((await api(s, 'POST', 'auth/aws/role/once', { ...root(), body: { auth_type: 'ec2', bound_ami_id: 'ami-0abc', disallow_reauthentication: true } })).status, 204);
    const doc = instanceDocument({ instanceId: 'i-once' });
    const first = await login({ role: 'once', pkcs7: aws.pkcs7(doc) });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.auth.metadata.nonce, undefined, 'no nonce when reauthentication is disallowed');
    await refused(login({ role: 'once', pkcs7: aws.pkcs7(doc) }), 'reauthentication is disabled');

    assert.equal((await api(s, 'POST', 'auth/aws/role/mig', { ...root(), body: { auth_type: 'ec2', bound_ami_id: 'ami-0abc', allow_instance_migration: true } })).status, 204);
    const m = instanceDocument({ instanceId: 'i-mig' });
    assert.equal((await login({ role: 'mig', pkcs7: aws.pkcs7(m) })).status, 200);
    await refused(login({ role: 'mig', pkcs7: aws.pkcs7(m), nonce: 'lost' }), 'client nonce mismatch and instance meta-data incorrect');
    const moved = await login({ role: 'mig', pkcs7: aws.pkcs7({ ...m, pendingTime: '2026-12-05T10:00:00Z' }), nonce: 'lost' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
  });

  it('renews while the role exists and still binds the instance', async () => {
    const r = await pkcs7Login(instanceDocument({ instanceId: 'i-renew' }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const token = r.body.auth.client_token as string;
    assert.equal((await api(s, 'POST', 'auth/token/renew-self', { token, body: {} })).status, 200);
    assert.equal((await api(s, 'POST', 'auth/aws/role/web', { ...root(), body: { bound_ami_id: 'ami-new' } })).status, 204);
    const gone = await api(s, 'POST', 'auth/token/renew-self', { token, body: {} });
    assert.equal(gone.status, 400, JSON.stringify(gone.body));
  });
});
