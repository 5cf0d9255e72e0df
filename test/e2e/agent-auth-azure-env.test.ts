/**
 * Agent auto-auth `azure` with `authenticate_from_environment = true`, as Vault Agent does
 * it with the Azure SDK's DefaultAzureCredential: the machine's metadata still from IMDS
 * (test/fakes/azure/imds.ts), the token from the environment's credential: a client
 * secret or a workload-identity federated token exchanged at the authority's token
 * endpoint (a local fake, test/fakes/azure/token-endpoint.ts, reached through
 * AZURE_AUTHORITY_HOST), else the managed identity through IMDS. Logs in to a real Ward
 * whose azure method verifies the app token against the fake tenant.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WardClient } from '../../src/api/index.js';
import { createMethod } from '../../src/agent/auto-auth/index.js';
import { parseAgentConfig } from '../../src/agent/config.js';
import { startFakeAzureTenant, type FakeAzureTenant } from '../fakes/azure/index.js';
import { startFakeImds, type FakeImds } from '../fakes/azure/imds.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from '../fakes/azure/token-endpoint.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

const RESOURCE = 'https://management.azure.com/';
const SUB = '11111111-2222-3333-4444-555555555555';
const SYSTEM_OID = 'aaaaaaaa-0000-4000-8000-000000000001';
const APP = { clientId: 'dddddddd-0000-4000-8000-000000000004', objectId: 'eeeeeeee-0000-4000-8000-000000000005', secret: 'app-secret-value~1' };
const WI = { clientId: 'ffffffff-0000-4000-8000-000000000006', objectId: '99999999-0000-4000-8000-000000000007', federatedToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXBwOndlYiJ9.c2ln' };

const hcl = (config: string, sink = '/tmp/unused') => `auto_auth {
  method "azure" {
    config = {
      authenticate_from_environment = true
${config}
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
`;

describe('agent auto-auth azure from the environment', () => {
  let s: TestServer;
  let tenant: FakeAzureTenant;
  let vm: FakeImds;
  let entra: FakeTokenEndpoint;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    [s, tenant] = await Promise.all([startTestServer(), startFakeAzureTenant()]);
    vm = await startFakeImds(tenant, { subscriptionId: SUB, resourceGroup: 'rg-prod', name: 'web-1', systemObjectId: SYSTEM_OID });
    entra = await startFakeTokenEndpoint(tenant, [APP, WI]);
    env = { WARD_TEST_AZURE_IMDS_URL: vm.url, AZURE_AUTHORITY_HOST: entra.url, AZURE_TENANT_ID: tenant.tenantId };
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', 'sys/auth/azure', { ...root, body: { type: 'azure' } })).status, 204);
    const cfg = await api(s, 'POST', 'auth/azure/config', { ...root, body: { tenant_id: tenant.tenantId, resource: RESOURCE, oidc_discovery_url: tenant.issuer } });
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
    for (const [name, body] of [
      ['app', { bound_service_principal_ids: APP.objectId }],
      ['wi', { bound_service_principal_ids: WI.objectId }],
      ['vm', { bound_service_principal_ids: SYSTEM_OID }],
      ['app-in-rg', { bound_service_principal_ids: APP.objectId, bound_resource_groups: 'rg-prod' }],
    ] as const) {
      const r = await api(s, 'POST', `auth/azure/role/${name}`, { ...root, body: { ...body, token_ttl: 300 } });
      assert.equal(r.status, 204, JSON.stringify(r.body));
    }
  });
  after(async () => {
    await Promise.all([s?.close(), tenant?.close(), vm?.close(), entra?.close()]);
  });

  const loginWith = async (config: string, extraEnv: NodeJS.ProcessEnv) => {
    const m = createMethod(parseAgentConfig(hcl(config), 'agent.hcl').autoAuth!.method, { env: { ...env, ...extraEnv } });
    const r = await m.authenticate(new WardClient({ address: s.url }));
    return (await api(s, 'GET', 'auth/token/lookup-self', { token: r.token })).body.data;
  };
  const secretEnv = { AZURE_CLIENT_ID: APP.clientId, AZURE_CLIENT_SECRET: APP.secret };

  it('client secret: the client-credentials token for <resource>/.default; VM fields still from IMDS', async () => {
    const [imdsBefore, entraBefore] = [vm.requests.length, entra.requests.length];
    const d = await loginWith(`role = "app"\nresource = "${RESOURCE}"`, secretEnv);
    assert.equal(d.meta.role, 'app');
    assert.deepEqual(entra.requests.slice(entraBefore), [{ grant_type: 'client_credentials', client_id: APP.clientId, client_secret: '<set>', scope: `${RESOURCE}/.default` }]);
    const asked = vm.requests.slice(imdsBefore);
    assert.equal(asked.length, 1, 'no managed-identity token asked for');
    assert.match(asked[0] ?? '', /^\/metadata\/instance\?/);
  });

  it('a configured scope is asked for as is', async () => {
    const before = entra.requests.length;
    await assert.rejects(loginWith(`role = "app"\nresource = "${RESOURCE}"\nscope = "api://other/.default"`, secretEnv), /audience|aud/);
    assert.equal(entra.requests[before]?.['scope'], 'api://other/.default');
  });

  it('workload identity: the federated token file is the client assertion', async (t) => {
    const dir = tempDir();
    const file = put(dir, 'azure-identity-token', `${WI.federatedToken}\n`);
    const before = entra.requests.length;
    const d = await loginWith(`role = "wi"\nresource = "${RESOURCE}"`, { AZURE_CLIENT_ID: WI.clientId, AZURE_FEDERATED_TOKEN_FILE: file });
    assert.equal(d.meta.role, 'wi');
    assert.deepEqual(entra.requests.slice(before), [{
      grant_type: 'client_credentials', client_id: WI.clientId, scope: `${RESOURCE}/.default`,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: '<set>',
    }]);
    t.diagnostic('workload identity ok');
  });

  it('no client credential in the environment: the managed identity through IMDS', async () => {
    const before = vm.requests.length;
    const d = await loginWith(`role = "vm"\nresource = "${RESOURCE}"`, { AZURE_TENANT_ID: undefined });
    assert.equal(d.meta.role, 'vm');
    const q = new URL(vm.requests.slice(before)[1] ?? '', 'http://x').searchParams;
    assert.equal(q.get('resource'), RESOURCE);
  });

  it('refusals carry the authority\'s words, never the secret; unverified VM fields do not pass resource binds', async () => {
    const wrong = loginWith(`role = "app"\nresource = "${RESOURCE}"`, { ...secretEnv, AZURE_CLIENT_SECRET: 'wrong-secret-value' });
    await assert.rejects(wrong, (e: Error) => /Azure token endpoint: HTTP 401: invalid_client: AADSTS7000215/.test(e.message) && !e.message.includes('wrong-secret-value'));
    await assert.rejects(loginWith(`role = "app-in-rg"\nresource = "${RESOURCE}"`, secretEnv), /resource group not authorized/);
    await assert.rejects(loginWith(`role = "app"\nresource = "${RESOURCE}"`, { ...secretEnv, AZURE_AUTHORITY_HOST: 'http://login.example.com/' }), /AZURE_AUTHORITY_HOST must be https/);
    await assert.rejects(loginWith(`role = "app"\nresource = "${RESOURCE}"`, { AZURE_CLIENT_ID: APP.clientId, AZURE_CLIENT_CERTIFICATE_PATH: '/x.pem' }), /AZURE_CLIENT_CERTIFICATE_PATH.*not supported/);
  });

  it('the agent process writes the sink token and logs no secret', async (t) => {
    const dir = tempDir();
    const sink = join(dir, 'sink');
    const agent = startAgent(s, put(dir, 'agent.hcl', hcl(`role = "app"\nresource = "${RESOURCE}"`, sink)), [], { ...env, ...secretEnv });
    t.after(() => agent.stop());
    const token = await waitFor('the sink token', () => tryRead(sink), 15_000, agent);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token })).body.data.meta.role, 'app');
    assert.doesNotMatch(agent.log(), /eyJ|app-secret-value/, 'no JWT or secret in the log');
  });
});
