/**
 * aws auth, ec2 type: the binds Vault checks against EC2's DescribeInstances
 * (bound_vpc_id, bound_subnet_id, bound_iam_instance_profile_arn) and IAM's
 * GetInstanceProfile (bound_iam_role_arn), asked with the config/client credentials at its
 * `endpoint` / `iam_endpoint` (a local EC2 + IAM query API, test/fakes/aws-ec2/ec2-api.ts,
 * that verifies the SigV4 signature), on a real Ward server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeEc2Api, type FakeEc2Api } from '../../fakes/aws-ec2/ec2-api.js';
import { instanceDocument, startFakeInstanceSigner, type FakeInstanceSigner } from '../../fakes/aws-ec2/index.js';
import { OPENSSL, skipUnless } from '../../helpers/requirement.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const KEYS = { accessKeyId: 'AKIAWARDEC2READER', secretAccessKey: 'ec2-reader-secret' };
const PROFILE = 'arn:aws:iam::123456789012:instance-profile/web/web-profile';

describe('auth/aws (ec2) binds through DescribeInstances', { skip: skipUnless(OPENSSL) }, () => {
  let s: TestServer;
  let aws: FakeInstanceSigner;
  let ec2: FakeEc2Api;
  const root = () => ({ token: s.rootToken });
  before(async () => {
    s = await startTestServer();
    aws = startFakeInstanceSigner('rsa');
    ec2 = await startFakeEc2Api(KEYS, [
      { instanceId: 'i-run', state: 'running', vpcId: 'vpc-1', subnetId: 'subnet-1', instanceProfileArn: PROFILE },
      { instanceId: 'i-stopped', state: 'stopped', vpcId: 'vpc-1', subnetId: 'subnet-1' },
      { instanceId: 'i-no-profile', state: 'running', vpcId: 'vpc-1', subnetId: 'subnet-1' },
    ], { 'web-profile': ['arn:aws:iam::123456789012:role/app/web-role'] });
    assert.equal((await api(s, 'POST', 'sys/auth/aws', { ...root(), body: { type: 'aws' } })).status, 204);
    assert.equal((await api(s, 'POST', 'auth/aws/config/certificate/aws', { ...root(), body: { aws_public_cert: aws.certPem } })).status, 204);
  });
  after(async () => {
    await Promise.all([s?.close(), ec2?.close()]);
    aws?.close();
  });

  const login = (role: string, instanceId: string) => api(s, 'POST', 'auth/aws/login', { body: { role, pkcs7: aws.pkcs7(instanceDocument({ instanceId })), nonce: `nonce-${instanceId}` } });
  const refused = async (p: Promise<{ status: number; body: { errors?: string[] } }>, message: string | RegExp) => {
    const r = await p;
    assert.equal(r.status, 400, JSON.stringify(r.body));
    if (typeof message === 'string') assert.deepEqual(r.body.errors, [message]);
    else assert.match(r.body.errors?.[0] ?? '', message);
  };
  const role = (name: string, body: Record<string, unknown>) => api(s, 'POST', `auth/aws/role/${name}`, { ...root(), body: { auth_type: 'ec2', ...body } });

  it('config/client takes the EC2 credentials and endpoint; the secret key is never read back', async () => {
    await refused(api(s, 'POST', 'auth/aws/config/client', { ...root(), body: { endpoint: 'not a url' } }), /^invalid endpoint "not a url"/);
    await refused(api(s, 'POST', 'auth/aws/config/client', { ...root(), body: { access_key: KEYS.accessKeyId } }), 'access_key and secret_key must be set together');
    await refused(api(s, 'POST', 'auth/aws/config/client', { ...root(), body: { iam_endpoint: 'ftp://x' } }), /^invalid iam_endpoint "ftp:\/\/x"/);
    const w = await api(s, 'POST', 'auth/aws/config/client', { ...root(), body: { access_key: KEYS.accessKeyId, secret_key: 'wrong', endpoint: ec2.url, iam_endpoint: ec2.url } });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    const read = (await api(s, 'GET', 'auth/aws/config/client', root())).body.data;
    assert.deepEqual([read.access_key, read.endpoint, read.iam_endpoint, read.secret_key], [KEYS.accessKeyId, ec2.url, ec2.url, undefined]);
  });

  it('roles store the EC2- and IAM-API binds', async () => {
    for (const [name, body] of [['iam-role', { bound_iam_role_arn: 'arn:aws:iam::123456789012:role/app/*' }], ['other-iam-role', { bound_iam_role_arn: 'arn:aws:iam::123456789012:role/db' }], ['vpc', { bound_vpc_id: 'vpc-1' }], ['subnet', { bound_subnet_id: 'subnet-2,subnet-3' }], ['profile', { bound_iam_instance_profile_arn: 'arn:aws:iam::123456789012:instance-profile/web/*' }], ['other-profile', { bound_iam_instance_profile_arn: 'arn:aws:iam::123456789012:instance-profile/db' }]] as const) {
      const r = await role(name, body);
      assert.equal(r.status, 204, JSON.stringify(r.body));
    }
    const read = (await api(s, 'GET', 'auth/aws/role/subnet', root())).body.data;
    assert.deepEqual([read.bound_subnet_id, read.bound_vpc_id], [['subnet-2', 'subnet-3'], []]);
    assert.deepEqual((await api(s, 'GET', 'auth/aws/role/iam-role', root())).body.data.bound_iam_role_arn, ['arn:aws:iam::123456789012:role/app/*']);
  });

  it('EC2 refusing the credentials is a login error naming EC2\'s code', async () => {
    await refused(login('vpc', 'i-run'), /^failed to verify instance ID: .*SignatureDoesNotMatch/);
    assert.equal(ec2.calls.length, 0);
    assert.equal((await api(s, 'POST', 'auth/aws/config/client', { ...root(), body: { secret_key: KEYS.secretAccessKey } })).status, 204);
  });

  it('a running instance in the bound VPC / profile logs in; other binds and states are refused with Vault\'s words', async () => {
    const ok = await login('vpc', 'i-run');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ec2.calls.at(-1), 'eu-west-1 DescribeInstances i-run', 'signed for the document\'s region');
    const viaProfile = await login('profile', 'i-run');
    assert.equal(viaProfile.status, 200, JSON.stringify(viaProfile.body));
    await refused(login('subnet', 'i-run'), 'Error validating instance: subnet ID "subnet-1" does not satisfy the constraint on role "subnet"');
    await refused(login('other-profile', 'i-run'), `Error validating instance: IAM instance profile ARN "${PROFILE}" does not satisfy the constraint role "other-profile"`);
    await refused(login('vpc', 'i-stopped'), "failed to verify instance ID: instance is not in 'running' state");
    await refused(login('vpc', 'i-gone'), /^failed to verify instance ID: .*InvalidInstanceID\.NotFound/);
  });

  it('bound_iam_role_arn: the instance profile\'s role from IAM GetInstanceProfile', async () => {
    const ok = await login('iam-role', 'i-run');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ec2.calls.at(-1), 'us-east-1 GetInstanceProfile web-profile', 'IAM is global: signed for us-east-1');
    await refused(login('other-iam-role', 'i-run'), 'Error validating instance: IAM role ARN "arn:aws:iam::123456789012:role/app/web-role" does not satisfy the constraint role "other-iam-role"');
    await refused(login('iam-role', 'i-no-profile'), 'Error validating instance: IAM instance profile in the instance description is nil');
  });
});
