/**
 * Each auth method with roles resolves a login request's role (Vault's ResolveRoleOperation)
 * from the login's own fields, without logging in: what role-scoped quotas are keyed on.
 * Methods without roles have no resolver, so role quotas on them are refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roleResolverOf } from '../../../src/sdk/framework/backend.js';
import { silentLogger, type Backend, type BackendFactory, type LogicalRequest, type Operation } from '../../../src/sdk/logical.js';
import { InmemStorage } from '../../../src/sdk/storage.js';
import { approleFactory } from '../../../src/auth/approle/index.js';
import { createKubernetesAuthFactory } from '../../../src/auth/kubernetes/index.js';
import { jwtAuthFactory } from '../../../src/auth/jwt/index.js';
import { gcpAuthFactory } from '../../../src/auth/gcp/index.js';
import { azureAuthFactory } from '../../../src/auth/azure/index.js';
import { awsAuthFactory } from '../../../src/auth/aws/index.js';
import { certAuthFactory } from '../../../src/auth/cert/index.js';
import { userpassFactory } from '../../../src/auth/userpass/index.js';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { makeCa } from '../../helpers/test-ca.js';

async function mount(factory: BackendFactory, type: string) {
  const storage = new InmemStorage();
  const mountPoint = `auth/${type}/`;
  const backend: Backend = await factory({ storage, mountPoint, mountType: type, logger: silentLogger, system: { defaultLeaseTtl: () => 0, maxLeaseTtl: () => 0, options: () => ({}) } });
  const request = (operation: Operation, path: string, data: Record<string, unknown> = {}, tls?: Uint8Array[]): LogicalRequest => ({
    id: 'r', operation, path, data, storage, mountPoint, mountType: type, mountAccessor: `auth_${type}_1`, clientToken: '', caller: null,
    connection: { remoteAddress: '127.0.0.1', remotePort: 1, ...(tls ? { tls: { peerCertificates: tls } } : {}) }, headers: {}, wrapTtl: 0,
  });
  const call = async (path: string, data: Record<string, unknown>) => {
    const req = request('update', path, data);
    if ((await backend.existenceCheck(req)) === false) req.operation = 'create';
    return backend.handleRequest(req);
  };
  const resolver = roleResolverOf(backend);
  const resolve = (data: Record<string, unknown>, tls?: Uint8Array[]): Promise<string> => {
    assert.ok(resolver, `${type} resolves roles`);
    return resolver(request('update', 'login', data, tls));
  };
  const read = (path: string) => backend.handleRequest(request('read', path));
  return { backend, call, read, resolve };
}

interface Case {
  type: string;
  factory: BackendFactory;
  setup: (call: (path: string, data: Record<string, unknown>) => Promise<unknown>) => Promise<void>;
  login: (role: string) => Record<string, unknown>;
}

const JWT = 'e30.e30.sig';
const PUBKEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const cases: Case[] = [
  {
    type: 'kubernetes',
    factory: createKubernetesAuthFactory({ serviceAccountDir: '/nonexistent' }),
    setup: async (call) => {
      await call('role/web', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod' });
    },
    login: (role) => ({ role, jwt: JWT }),
  },
  {
    type: 'jwt',
    factory: jwtAuthFactory,
    setup: async (call) => {
      await call('config', { jwt_validation_pubkeys: [PUBKEY], bound_issuer: 'https://issuer.example' });
      await call('role/web', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'ward' });
    },
    login: (role) => ({ role, jwt: JWT }),
  },
  {
    type: 'gcp',
    factory: gcpAuthFactory,
    setup: async (call) => {
      await call('role/web', { type: 'iam', bound_service_accounts: 'app@p.iam.gserviceaccount.com' });
    },
    login: (role) => ({ role, jwt: JWT }),
  },
  {
    type: 'azure',
    factory: azureAuthFactory,
    setup: async (call) => {
      await call('role/web', { bound_subscription_ids: 'sub-1' });
    },
    login: (role) => ({ role, jwt: JWT }),
  },
  {
    type: 'aws',
    factory: awsAuthFactory,
    setup: async (call) => {
      await call('role/web', { auth_type: 'iam', bound_iam_principal_arn: 'arn:aws:iam::123456789012:role/app' });
    },
    login: (role) => ({ role, iam_http_request_method: 'POST', iam_request_url: '', iam_request_body: '', iam_request_headers: '' }),
  },
];

describe('login role resolution (role-scoped quotas)', () => {
  for (const c of cases) {
    it(`${c.type}: the login's role field names the role when the role exists; an unknown or missing role resolves to none`, async () => {
      const m = await mount(c.factory, c.type);
      await c.setup(m.call);
      assert.equal(await m.resolve(c.login('web')), 'web');
      assert.equal(await m.resolve(c.login('nosuch')), '');
      assert.equal(await m.resolve({}), '');
    });
  }

  it('jwt: a login without a role resolves to the config default_role', async () => {
    const m = await mount(jwtAuthFactory, 'jwt');
    await m.call('role/web', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'ward' });
    await m.call('config', { jwt_validation_pubkeys: [PUBKEY], bound_issuer: 'https://issuer.example', default_role: 'web' });
    assert.equal(await m.resolve({ jwt: JWT }), 'web');
  });

  it('approle: the role_id resolves to its role name; an unknown role_id to none', async () => {
    const m = await mount(approleFactory, 'approle');
    await m.call('role/web', { token_policies: 'p' });
    await m.call('role/db', {});
    const id = await m.read('role/web/role-id');
    const roleId = String(id?.data?.['role_id']);
    assert.equal(await m.resolve({ role_id: roleId, secret_id: 'whatever' }), 'web');
    assert.equal(await m.resolve({ role_id: 'not-a-role-id' }), '');
    assert.equal(await m.resolve({}), '');
  });

  it('cert: the certificate entry the presented client certificate matches', async () => {
    const m = await mount(certAuthFactory, 'cert');
    const ca = await makeCa('role-ca');
    const client = new X509Certificate((await ca.client('web-client')).certPem).raw;
    await m.call('certs/web', { certificate: ca.certPem, allowed_common_names: 'web-client' });
    assert.equal(await m.resolve({}, [client]), 'web');
    assert.equal(await m.resolve({ name: 'web' }, [client]), 'web');
    assert.equal(await m.resolve({ name: 'other' }, [client]), '');
    assert.equal(await m.resolve({}), '', 'no client certificate: no role');
  });

  it('userpass has no concept of roles: no resolver', async () => {
    const storage = new InmemStorage();
    const backend = await userpassFactory({ storage, mountPoint: 'auth/userpass/', mountType: 'userpass', logger: silentLogger, system: { defaultLeaseTtl: () => 0, maxLeaseTtl: () => 0, options: () => ({}) } });
    assert.equal(roleResolverOf(backend), undefined);
  });
});
