/**
 * The agent's `aws` auto-auth method with `type = "ec2"`, as Vault Agent does it: the
 * instance identity document and its signature from IMDS (a local fake,
 * test/fakes/aws-ec2/imds.ts, reached through AWS_EC2_METADATA_SERVICE_ENDPOINT as the AWS
 * SDK reads it), IMDSv2 session token first, and a nonce generated once and reused, logging
 * in to a real Ward whose aws method verifies the document against the registered
 * certificate and keeps the nonce in its identity access list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WardClient } from '../../../src/api/index.js';
import { createMethod } from '../../../src/agent/auto-auth/index.js';
import { parseAgentConfig } from '../../../src/agent/config.js';
import { instanceDocument, startFakeInstanceSigner, type FakeInstanceSigner } from '../../fakes/aws-ec2/index.js';
import { startFakeEc2Imds, type FakeEc2Imds } from '../../fakes/aws-ec2/imds.js';
import { OPENSSL, skipUnless } from '../../helpers/requirement.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { put, startAgent, tempDir, tryRead, waitFor } from '../../e2e/agent-harness.js';

const hcl = (config: string) => `auto_auth {
  method "aws" {
    mount_path = "auth/aws"
    config = {
${config}
    }
  }
  sink "file" { config = { path = "/tmp/unused" } }
}
`;

describe('agent auto-auth aws (ec2)', { skip: skipUnless(OPENSSL) }, () => {
  let s: TestServer;
  let aws: FakeInstanceSigner;
  const imdses: FakeEc2Imds[] = [];
  before(async () => {
    s = await startTestServer();
    aws = startFakeInstanceSigner('rsa');
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', 'sys/auth/aws', { ...root, body: { type: 'aws' } })).status, 204);
    assert.equal((await api(s, 'POST', 'auth/aws/config/certificate/aws-rsa', { ...root, body: { aws_public_cert: aws.certPem, type: 'identity' } })).status, 204);
    const role = await api(s, 'POST', 'auth/aws/role/web', { ...root, body: { auth_type: 'ec2', bound_ami_id: 'ami-0abc', token_ttl: 300 } });
    assert.equal(role.status, 204, JSON.stringify(role.body));
  });
  after(async () => {
    await Promise.all([s?.close(), ...imdses.map((i) => i.close())]);
    aws?.close();
  });

  const imds = async (instanceId: string, o: { v2Only?: boolean; v1Only?: boolean } = {}) => {
    const i = await startFakeEc2Imds(aws, instanceDocument({ instanceId }), o);
    imdses.push(i);
    return i;
  };
  const method = (config: string, i: FakeEc2Imds) =>
    createMethod(parseAgentConfig(hcl(config), 'agent.hcl').autoAuth!.method, { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: i.url } });
  const client = () => new WardClient({ address: s.url });

  it('IMDSv2: a session token first, then the document and signature; the generated nonce is reused', async () => {
    const i = await imds('i-agent-1', { v2Only: true });
    const m = method('type = "ec2"\nrole = "web"', i);
    const first = await m.authenticate(client());
    assert.equal(first.leaseDuration, 300);
    const self = (await api(s, 'GET', 'auth/token/lookup-self', { token: first.token })).body.data;
    assert.match(self.display_name, /i-agent-1$/);
    assert.deepEqual([self.meta.role, self.meta.nonce], ['web', undefined], 'a nonce the agent supplied is not echoed');
    assert.deepEqual(i.requests, [
      'PUT /latest/api/token',
      'GET /latest/dynamic/instance-identity/document +token',
      'GET /latest/dynamic/instance-identity/signature +token',
    ]);
    // The second login must carry the same nonce, or the access list refuses it.
    i.expireTokens();
    const second = await m.authenticate(client());
    assert.notEqual(second.token, first.token);
    // Another agent (a new nonce) on the same instance is refused.
    await assert.rejects(method('type = "ec2"\nrole = "web"', i).authenticate(client()), /client nonce mismatch/);
  });

  it('a configured nonce is sent as is, so a restarted agent can log in again', async () => {
    const i = await imds('i-agent-2');
    const config = 'type = "ec2"\nrole = "web"\nnonce = "5defbf9e-a8f9-3063-bdfc-54b7a42a1f95"';
    await method(config, i).authenticate(client());
    await method(config, i).authenticate(client());
    await assert.rejects(method('type = "ec2"\nrole = "web"\nnonce = "other"', i).authenticate(client()), /client nonce mismatch/);
  });

  it('an IMDS without the token API (405) is read without a token', async () => {
    const i = await imds('i-agent-3', { v1Only: true });
    await method('type = "ec2"\nrole = "web"', i).authenticate(client());
    assert.deepEqual(i.requests, [
      'PUT /latest/api/token',
      'GET /latest/dynamic/instance-identity/document',
      'GET /latest/dynamic/instance-identity/signature',
    ]);
  });

  it('IMDS failures name IMDS and what was asked', async () => {
    const i = await imds('i-agent-4');
    const m = method('type = "ec2"\nrole = "web"', i);
    await i.close();
    await assert.rejects(m.authenticate(client()), /EC2 instance metadata.*ECONNREFUSED/);
    // The SDK's switch: no request at all.
    const j = await imds('i-agent-6');
    const off = createMethod(parseAgentConfig(hcl('type = "ec2"\nrole = "web"'), 'agent.hcl').autoAuth!.method, { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: j.url, AWS_EC2_METADATA_DISABLED: 'true' } });
    await assert.rejects(off.authenticate(client()), /EC2 instance metadata access is disabled by AWS_EC2_METADATA_DISABLED/);
    assert.deepEqual(j.requests, []);
  });

  it('the agent process writes the sink token and logs neither nonce nor token', async (t) => {
    const i = await imds('i-agent-5', { v2Only: true });
    const dir = tempDir();
    const sink = `${dir}/sink`;
    const nonce = 'agent-process-nonce-0123456789';
    const config = hcl(`type = "ec2"\nrole = "web"\nnonce = "${nonce}"`).replace('/tmp/unused', sink);
    const agent = startAgent(s, put(dir, 'agent.hcl', config), [], { AWS_EC2_METADATA_SERVICE_ENDPOINT: i.url });
    t.after(() => agent.stop());
    const token = await waitFor('the sink token', () => tryRead(sink), 15_000, agent);
    assert.match((await api(s, 'GET', 'auth/token/lookup-self', { token })).body.data.display_name, /i-agent-5$/);
    assert.ok(!agent.log().includes(nonce) && !agent.log().includes(token), 'no nonce or token in the log');
  });

  it('config: type ec2 with nonce; an unknown type names the field', () => {
    const p = parseAgentConfig(hcl('type = "ec2"\nrole = "web"\nnonce = "n1"'), 'agent.hcl').autoAuth!.method.params;
    assert.deepEqual(p, { type: 'aws', authType: 'ec2', role: 'web', region: 'us-east-1', headerValue: '', nonce: 'n1' });
    assert.throws(() => parseAgentConfig(hcl('type = "gce"\nrole = "web"'), 'agent.hcl'), /agent\.hcl:\d+: .*type/);
  });
});
