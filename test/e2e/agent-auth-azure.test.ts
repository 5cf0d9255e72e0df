/**
 * Agent auto-auth `azure`: the method gets the machine's metadata and a managed-identity
 * token from IMDS (a local fake, test/fakes/azure/imds.ts, reached through the test-only
 * WARD_TEST_AZURE_IMDS_URL) and logs in to a real Ward whose azure method verifies the
 * token against the fake tenant. System-assigned, user-assigned (client_id / object_id)
 * and scale-set identities; IMDS refusals reach the log with IMDS's words.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WardClient } from '../../src/api/index.js';
import { createMethod } from '../../src/agent/auto-auth/index.js';
import { parseAgentConfig } from '../../src/agent/config.js';
import { startFakeAzureTenant, type FakeAzureTenant } from '../fakes/azure/index.js';
import { startFakeImds, type FakeImds } from '../fakes/azure/imds.js';
import { freePort } from '../helpers/net.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

const RESOURCE = 'https://management.azure.com/';
const SUB = '11111111-2222-3333-4444-555555555555';
const SYSTEM_OID = 'aaaaaaaa-0000-4000-8000-000000000001';
const USER = { objectId: 'bbbbbbbb-0000-4000-8000-000000000002', clientId: 'cccccccc-0000-4000-8000-000000000003' };

const hcl = (config: string, sink = '/tmp/unused') => `auto_auth {
  method "azure" {
    config = {
${config}
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
`;

describe('agent auto-auth azure', () => {
  let s: TestServer;
  let tenant: FakeAzureTenant;
  let vm: FakeImds;
  let vmss: FakeImds;
  before(async () => {
    [s, tenant] = await Promise.all([startTestServer(), startFakeAzureTenant()]);
    vm = await startFakeImds(tenant, { subscriptionId: SUB, resourceGroup: 'rg-prod', name: 'web-1', systemObjectId: SYSTEM_OID, userAssigned: [USER] });
    vmss = await startFakeImds(tenant, { subscriptionId: SUB, resourceGroup: 'rg-prod', name: 'workers_3', vmssName: 'workers', systemObjectId: SYSTEM_OID });
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', 'sys/auth/azure', { ...root, body: { type: 'azure' } })).status, 204);
    const cfg = await api(s, 'POST', 'auth/azure/config', { ...root, body: { tenant_id: tenant.tenantId, resource: RESOURCE, oidc_discovery_url: tenant.issuer } });
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
    for (const [name, sp, extra] of [['vm', SYSTEM_OID, {}], ['user', USER.objectId, {}], ['workers', SYSTEM_OID, { bound_scale_sets: 'workers' }]] as const) {
      const r = await api(s, 'POST', `auth/azure/role/${name}`, { ...root, body: { bound_service_principal_ids: sp, bound_subscription_ids: SUB, bound_resource_groups: 'rg-prod', token_ttl: 300, ...extra } });
      assert.equal(r.status, 204, JSON.stringify(r.body));
    }
  });
  after(async () => {
    await Promise.all([s?.close(), tenant?.close(), vm?.close(), vmss?.close()]);
  });

  const loginWith = async (config: string, imds: FakeImds) => {
    const m = createMethod(parseAgentConfig(hcl(config), 'agent.hcl').autoAuth!.method, { env: { WARD_TEST_AZURE_IMDS_URL: imds.url } });
    const r = await m.authenticate(new WardClient({ address: s.url }));
    return (await api(s, 'GET', 'auth/token/lookup-self', { token: r.token })).body.data;
  };

  it('system-assigned identity on a VM: token for the resource, VM metadata from IMDS', async () => {
    const before = vm.requests.length;
    const d = await loginWith(`role = "vm"\nresource = "${RESOURCE}"`, vm);
    assert.deepEqual([d.meta.role, d.meta.vm_name, d.meta.resource_group_name, d.meta.subscription_id], ['vm', 'web-1', 'rg-prod', SUB]);
    const asked = vm.requests.slice(before);
    assert.equal(asked.length, 2);
    assert.match(asked[0] ?? '', /^\/metadata\/instance\?api-version=2018-02-01/);
    const q = new URL(asked[1] ?? '', 'http://x').searchParams;
    assert.deepEqual([q.get('api-version'), q.get('resource'), q.get('object_id'), q.get('client_id')], ['2018-02-01', RESOURCE, null, null]);
  });

  it('user-assigned identity by client_id or object_id', async () => {
    for (const sel of [`client_id = "${USER.clientId}"`, `object_id = "${USER.objectId}"`]) {
      const d = await loginWith(`role = "user"\nresource = "${RESOURCE}"\n${sel}`, vm);
      assert.equal(d.meta.role, 'user', sel);
    }
  });

  it('a scale-set instance logs in with vmss_name', async () => {
    const d = await loginWith(`role = "workers"\nresource = "${RESOURCE}"`, vmss);
    assert.deepEqual([d.meta.vmss_name, d.meta.vm_name], ['workers', '']);
  });

  it('IMDS refusals and server refusals are errors with their words', async () => {
    await assert.rejects(loginWith(`role = "user"\nresource = "${RESOURCE}"\nclient_id = "nope"`, vm), /Azure IMDS identity token: HTTP 400: invalid_request: Identity not found/);
    await assert.rejects(loginWith(`role = "user"\nresource = "${RESOURCE}"`, vm), /service principal not authorized/);
    const m = createMethod(parseAgentConfig(hcl(`role = "vm"\nresource = "${RESOURCE}"`), 'agent.hcl').autoAuth!.method, { env: { WARD_TEST_AZURE_IMDS_URL: `http://127.0.0.1:${await freePort()}` } });
    await assert.rejects(m.authenticate(new WardClient({ address: s.url })), /Azure IMDS instance metadata: ECONNREFUSED/);
  });

  it('the agent process writes the sink token', async (t) => {
    const dir = tempDir();
    const sink = join(dir, 'sink');
    const agent = startAgent(s, put(dir, 'agent.hcl', hcl(`role = "vm"\nresource = "${RESOURCE}"`, sink)), [], { WARD_TEST_AZURE_IMDS_URL: vm.url });
    t.after(() => agent.stop());
    const token = await waitFor('the sink token', () => tryRead(sink), 15_000, agent);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token })).body.data.meta.vm_name, 'web-1');
    assert.doesNotMatch(agent.log(), /eyJ/, 'no JWT in the log');
  });
});
