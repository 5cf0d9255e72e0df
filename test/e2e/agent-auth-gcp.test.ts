/**
 * Agent auto-auth `gcp` against a real Ward whose gcp method fetches Google's keys from
 * the certs fake. gce: the identity token from a local GCE metadata server (through
 * GCE_METADATA_HOST). iam: a JWT signed by a local IAM Credentials signJwt, authorised by
 * a key file's access token (JWT-bearer grant at the key's token_uri) or the metadata
 * server's. No Google endpoint is reachable here; the fakes check what Google checks.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WardClient } from '../../src/api/index.js';
import { createMethod } from '../../src/agent/auto-auth/index.js';
import { parseAgentConfig } from '../../src/agent/config.js';
import { startFakeGcpCerts, type FakeGcpCerts } from '../fakes/gcp-certs/index.js';
import { startFakeGcpIam, type FakeGcpIam } from '../fakes/gcp-certs/iam.js';
import { startFakeGceMetadata, type FakeGceMetadata } from '../fakes/gcp-certs/metadata.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

const VM_SA = 'vm@my-project.iam.gserviceaccount.com';
const APP_SA = 'app@my-project.iam.gserviceaccount.com';
const CALLER_SA = 'deployer@my-project.iam.gserviceaccount.com';

const hcl = (config: string, sink = '/tmp/unused') => `auto_auth {
  method "gcp" {
    config = {
${config}
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
`;

describe('agent auto-auth gcp', () => {
  let s: TestServer;
  let certs: FakeGcpCerts;
  let iam: FakeGcpIam;
  let md: FakeGceMetadata;
  before(async () => {
    [s, certs, iam] = await Promise.all([startTestServer(), startFakeGcpCerts(), startFakeGcpIam()]);
    iam.addTarget(await certs.addServiceAccount(APP_SA));
    iam.addTarget(await certs.addServiceAccount(VM_SA, '222222222222222222222'));
    iam.allow(CALLER_SA, APP_SA);
    md = await startFakeGceMetadata(certs, { email: VM_SA, uniqueId: '222222222222222222222', projectId: 'my-project', instanceName: 'web-1', zone: 'europe-west1-b', accessToken: iam.accessTokenFor(VM_SA) });
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', 'sys/auth/gcp', { ...root, body: { type: 'gcp' } })).status, 204);
    assert.equal((await api(s, 'POST', 'auth/gcp/config', { ...root, body: { custom_endpoint: { api: certs.url } } })).status, 204);
    // Ward's gcp method has only the iam role type; it accepts the metadata server's
    // identity token (aud http://vault/<role>), which lives an hour: hence max_jwt_exp 1h.
    const vm = await api(s, 'POST', 'auth/gcp/role/vm', { ...root, body: { type: 'iam', bound_service_accounts: VM_SA, max_jwt_exp: '1h', token_ttl: 300 } });
    assert.equal(vm.status, 204, JSON.stringify(vm.body));
    const app = await api(s, 'POST', 'auth/gcp/role/app', { ...root, body: { type: 'iam', bound_service_accounts: [APP_SA, VM_SA], bound_projects: 'my-project', token_ttl: 300 } });
    assert.equal(app.status, 204, JSON.stringify(app.body));
  });
  after(async () => {
    await Promise.all([s?.close(), certs?.close(), iam?.close(), md?.close()]);
  });

  const loginWith = async (config: string, env: NodeJS.ProcessEnv) => {
    const m = createMethod(parseAgentConfig(hcl(config), 'agent.hcl').autoAuth!.method, { env });
    const r = await m.authenticate(new WardClient({ address: s.url }));
    return (await api(s, 'GET', 'auth/token/lookup-self', { token: r.token })).body.data;
  };

  it('gce: the metadata server identity token for the default service account', async () => {
    const from = md.requests.length;
    const d = await loginWith('type = "gce"\nrole = "vm"', { GCE_METADATA_HOST: md.host });
    assert.deepEqual([d.meta.role, d.meta.service_account_email], ['vm', VM_SA]);
    const asked = new URL(md.requests[from] ?? '', 'http://x');
    assert.equal(asked.pathname, '/computeMetadata/v1/instance/service-accounts/default/identity');
    assert.deepEqual([asked.searchParams.get('audience'), asked.searchParams.get('format')], ['http://vault/vm', 'full']);
  });

  it('iam: signJwt authorised by a key file (credentials contents or GOOGLE_APPLICATION_CREDENTIALS)', async () => {
    const key = iam.keyFile(CALLER_SA, 'my-project');
    const d = await loginWith(`type = "iam"\nrole = "app"\nservice_account = "${APP_SA}"\njwt_exp = 10\ncredentials = ${JSON.stringify(key)}`, { WARD_TEST_GCP_IAM_URL: iam.url });
    assert.deepEqual([d.meta.role, d.meta.service_account_email], ['app', APP_SA]);
    assert.ok(iam.requests.includes(`/v1/projects/my-project/serviceAccounts/${APP_SA}:signJwt`), iam.requests.join(' '));
    const dir = tempDir();
    const own = put(dir, 'key.json', iam.keyFile(APP_SA, 'my-project'));
    const d2 = await loginWith('type = "iam"\nrole = "app"', { WARD_TEST_GCP_IAM_URL: iam.url, GOOGLE_APPLICATION_CREDENTIALS: own });
    assert.equal(d2.meta.service_account_email, APP_SA, 'the service account defaults to the key\'s client_email');
  });

  it('iam: authorised by the metadata server access token', async () => {
    const d = await loginWith(`type = "iam"\nrole = "app"\nservice_account = "${VM_SA}"`, { WARD_TEST_GCP_IAM_URL: iam.url, GCE_METADATA_HOST: md.host });
    assert.equal(d.meta.service_account_email, VM_SA);
  });

  it('refusals carry Google\'s words; config errors name the field', async () => {
    const key = iam.keyFile(CALLER_SA, 'my-project');
    await assert.rejects(
      loginWith(`type = "iam"\nrole = "app"\nservice_account = "${VM_SA}"\ncredentials = ${JSON.stringify(key)}`, { WARD_TEST_GCP_IAM_URL: iam.url }),
      /signJwt: HTTP 403: Permission 'iam\.serviceAccounts\.signJwt' denied/,
    );
    await assert.rejects(loginWith('type = "iam"\nrole = "app"', { WARD_TEST_GCP_IAM_URL: iam.url }), /you must provide a service account/);
    await assert.rejects(loginWith('type = "gce"\nrole = "app"', { GCE_METADATA_HOST: md.host }), /role requires that service account JWTs expire within 900 seconds/);
    assert.throws(() => parseAgentConfig(hcl('type = "gke"\nrole = "r"'), 'a.hcl'), /type must be "gce" or "iam"/);
    assert.throws(() => parseAgentConfig(hcl('type = "iam"'), 'a.hcl'), /missing required field "role"/);
    assert.throws(() => parseAgentConfig(hcl('type = "iam"\nrole = "r"\njwt_exp = 90'), 'a.hcl'), /jwt_exp must be a number of minutes between 1 and 60/);
    assert.throws(() => parseAgentConfig(hcl('type = "iam"\nrole = "r"\nregion = "x"'), 'a.hcl'), /unknown key "region"/);
  });

  it('the agent process (gce) writes the sink token', async (t) => {
    const dir = tempDir();
    const sink = join(dir, 'sink');
    const agent = startAgent(s, put(dir, 'agent.hcl', hcl('type = "gce"\nrole = "vm"', sink)), [], { GCE_METADATA_HOST: md.host });
    t.after(() => agent.stop());
    const token = await waitFor('the sink token', () => tryRead(sink), 15_000, agent);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token })).body.data.meta.service_account_email, VM_SA);
    assert.doesNotMatch(agent.log(), /eyJ/, 'no JWT in the log');
  });
});
