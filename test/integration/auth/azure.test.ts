/**
 * azure auth end to end: a real Ward server and a local Entra tenant (no Azure endpoint is
 * reachable here; see test/fakes/azure): managed-identity tokens verified through the
 * tenant's discovery and JWKS; the resource checked from the token's xms_mirid.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeAzureTenant, type FakeAzureTenant, type ManagedIdentityToken } from '../../fakes/azure/index.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const RESOURCE = 'https://management.azure.com/';
const SP = '6b1f0a8e-0000-4000-8000-000000000001';
const SUB = '11111111-2222-3333-4444-555555555555';

describe('auth/azure', () => {
  let s: TestServer;
  let az: FakeAzureTenant;
  let accessor = '';
  const root = () => ({ token: s.rootToken });
  before(async () => {
    [s, az] = await Promise.all([startTestServer(), startFakeAzureTenant()]);
    assert.equal((await api(s, 'POST', 'sys/auth/azure', { ...root(), body: { type: 'azure' } })).status, 204);
    accessor = (await api(s, 'GET', 'sys/auth', root())).body.data['azure/'].accessor;
    const cfg = await api(s, 'POST', 'auth/azure/config', { ...root(), body: { tenant_id: az.tenantId, resource: RESOURCE, oidc_discovery_url: az.issuer } });
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
    const role = await api(s, 'POST', 'auth/azure/role/vm', { ...root(), body: { bound_service_principal_ids: SP, bound_subscription_ids: SUB, bound_resource_groups: 'rg-prod', token_policies: 'vm' } });
    assert.equal(role.status, 204, JSON.stringify(role.body));
  });
  after(async () => {
    await Promise.all([s.close(), az.close()]);
  });

  const tok = (o: Partial<ManagedIdentityToken> = {}) => az.issue({ oid: SP, resource: RESOURCE, subscriptionId: SUB, resourceGroup: 'rg-prod', vmName: 'web-1', ...o });
  const login = (jwt: string, extra: Record<string, unknown> = {}) =>
    api(s, 'POST', 'auth/azure/login', { body: { role: 'vm', jwt, subscription_id: SUB, resource_group_name: 'rg-prod', vm_name: 'web-1', ...extra } });

  it('validates config and roles', async () => {
    const cases: [string, Record<string, unknown>, string | RegExp][] = [
      ['config', { resource: RESOURCE }, 'tenant_id is required'],
      ['config', { tenant_id: 't' }, 'resource is required'],
      ['config', { tenant_id: 't', resource: RESOURCE, environment: 'Mars' }, /invalid environment "Mars"/],
      ['role/r', { token_policies: 'x' }, 'must have at least one bound constraint when creating/updating a role'],
    ];
    const fresh = await startTestServer();
    try {
      assert.equal((await api(fresh, 'POST', 'sys/auth/azure', { token: fresh.rootToken, body: { type: 'azure' } })).status, 204);
      for (const [path, body, want] of cases) {
        const r = await api(fresh, 'POST', `auth/azure/${path}`, { token: fresh.rootToken, body });
        assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}`);
        if (typeof want === 'string') assert.deepEqual(r.body.errors, [want]);
        else assert.match(r.body.errors[0], want);
      }
    } finally {
      await fresh.close();
    }
    assert.equal((await api(s, 'GET', 'auth/azure/config', root())).body.data.tenant_id, az.tenantId);
  });

  it('logs in with a managed-identity token and creates the entity once', async () => {
    const r = await login(await tok());
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.auth.policies.includes('vm'));
    assert.deepEqual(r.body.auth.metadata, { role: 'vm', subscription_id: SUB, resource_group_name: 'rg-prod', vm_name: 'web-1', vmss_name: '' });
    const entity = await api(s, 'POST', 'identity/lookup/entity', { ...root(), body: { alias_name: SP, alias_mount_accessor: accessor } });
    assert.equal(entity.body.data.id, r.body.auth.entity_id);
    assert.equal((await login(await tok())).body.auth.entity_id, r.body.auth.entity_id);
  });

  it("refuses a wrong audience, an expired or forged token, an unbound principal or resource, with Vault's texts", async () => {
    const cases: [Promise<{ status: number; body: any }>, string | RegExp][] = [
      [login(await tok({ resource: 'https://vault.example' })), `oidc: expected audience "${RESOURCE}" got ["https://vault.example"]`],
      [login(await tok({ expiresIn: -600 })), /^oidc: token is expired \(Token Expiry: /],
      [login(await az.forge({ oid: SP, resource: RESOURCE, subscriptionId: SUB, resourceGroup: 'rg-prod', vmName: 'web-1' })), /^failed to verify signature: /],
      [login(await tok({ oid: 'someone-else' })), 'service principal not authorized: someone-else'],
      [login(await tok({ resourceGroup: 'rg-dev' }), { resource_group_name: 'rg-dev' }), 'resource group not authorized'],
      [login(await tok({ resourceGroup: 'rg-dev' })), "resource_group_name does not match the token's xms_mirid"],
      [login(await tok(), { vm_name: 'web-2' }), "vm_name does not match the token's xms_mirid"],
      [login(await tok({ extra: { iss: 'https://sts.windows.net/other/' } })), /^oidc: id token issued by a different provider/],
      [login('x', { role: 'nope' }), 'invalid role name "nope"'],
      [api(s, 'POST', 'auth/azure/login', { body: { role: 'vm' } }), 'jwt is required'],
    ];
    for (const [p, want] of cases) {
      const r = await p;
      assert.equal(r.status, 400, JSON.stringify(r.body));
      if (typeof want === 'string') assert.deepEqual(r.body.errors, [want]);
      else assert.match(r.body.errors[0], want);
    }
  });

  it('renews while the role still admits the principal, and refuses once it does not', async () => {
    const token = (await login(await tok())).body.auth.client_token as string;
    assert.equal((await api(s, 'POST', 'auth/token/renew-self', { token, body: {} })).status, 200);
    assert.equal((await api(s, 'POST', 'auth/azure/role/vm', { ...root(), body: { bound_service_principal_ids: 'another-sp' } })).status, 204);
    const refused = await api(s, 'POST', 'auth/token/renew-self', { token, body: {} });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.errors, [`service principal not authorized: ${SP}`]);
    assert.equal((await api(s, 'POST', 'auth/azure/role/vm', { ...root(), body: { bound_service_principal_ids: SP } })).status, 204);
  });
});
