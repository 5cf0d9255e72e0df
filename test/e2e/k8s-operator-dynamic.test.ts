/**
 * VaultDynamicSecret end to end with real PostgreSQL credentials: deploy/crds/ and the
 * operator manifest applied unchanged to the fake cluster, Ward (TLS) with the database engine
 * on a throwaway PostgreSQL and Kubernetes auth against the fake, and a real
 * `ward k8s secrets-operator` process. The Secret's username/password log in; the lease is
 * renewed (same user, lastRenewalTime moves); near the max TTL new credentials replace them,
 * the Deployment restarts once per rotation and the old user is dropped (revoke); an operator
 * restart keeps renewing the same credentials; deleting the resource revokes the lease and
 * the PostgreSQL user is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import type { WardProcess } from '../helpers/process.js';
import { POSTGRES, skipUnless } from '../helpers/requirement.js';
import { api, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { APP_NS, G, must, OP_NS, OperatorEnv, RESTARTED_AT, text } from './operator-harness.js';

const FINALIZER = 'vaultdynamicsecret.secrets.hashicorp.com/finalizer';

type Lease = { id: string; duration: number; renewable: boolean; requestID: string };
type Status = { lastRenewalTime?: number; lastGeneration?: number; secretMAC?: string; secretLease?: Lease; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };

describe('secrets operator end to end: VaultDynamicSecret with PostgreSQL credentials', { skip: skipUnless(POSTGRES), timeout: 240_000 }, () => {
  const env = new OperatorEnv({ dirPrefix: 'ward-operator-dynamic-e2e-' });
  let ward: TestServer;
  let db: TestPostgres;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let operator: WardProcess;
  const startOperator = () => env.startOperator();

  /** Runs a statement as the superuser; the number of rows. */
  async function sql(text: string, params: unknown[] = []): Promise<number> {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(text, params)).rowCount ?? 0;
    } finally {
      await c.end();
    }
  }

  const role = (name: string, defaultTtl: string, maxTtl: string) => must(api(ward, 'POST', `database/roles/${name}`, { token: ward.rootToken, body: {
    db_name: 'pg', default_ttl: defaultTtl, max_ttl: maxTtl,
    creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  } }), `database role ${name}`);

  before(async () => {
    const starting = startPostgres();
    env.onClose(async () => (await starting.catch(() => undefined))?.stop());
    [db] = await Promise.all([starting, env.start()]);
    ({ ward, core, apps, custom } = env);

    const T = ward.rootToken;
    await must(api(ward, 'POST', 'sys/mounts/database', { token: T, body: { type: 'database' } }), 'database mount');
    await must(api(ward, 'POST', 'database/config/pg', { token: T, body: {
      plugin_name: 'postgresql-database-plugin', allowed_roles: 'app,steady,static',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
      username: db.superuser, password: db.password,
    } }), 'database config');
    // Renewed at 67 % of 6 s; the third renewal would pass max_ttl, so about every 12 s new credentials.
    await role('app', '6s', '15s');
    // Renewable for an hour: only renewals during the test (at 15 % of 30 s, so an operator
    // restart happens well within the lease).
    await role('steady', '30s', '1h');
    // A static role: an existing user whose password Ward rotates every 5 s (Vault's minimum).
    await sql(`CREATE ROLE static_app WITH LOGIN PASSWORD 'initial-${Date.now()}'`);
    await must(api(ward, 'POST', 'database/static-roles/static', { token: T, body: { db_name: 'pg', username: 'static_app', rotation_period: '5s' } }), 'static role');
    // As VSO documents: renew and revoke need update on sys/leases/*.
    await must(api(ward, 'PUT', 'sys/policies/acl/db', { token: T, body: { policy: 'path "database/creds/*" { capabilities = ["read"] }\npath "database/static-creds/*" { capabilities = ["read"] }\npath "sys/leases/renew" { capabilities = ["update"] }\npath "sys/leases/revoke" { capabilities = ["update"] }' } }), 'policy');
    // A role that may not revoke: its resources' deletion must not hang on the refusal.
    await must(api(ward, 'PUT', 'sys/policies/acl/db-norevoke', { token: T, body: { policy: 'path "database/creds/*" { capabilities = ["read"] }\npath "sys/leases/renew" { capabilities = ["update"] }' } }), 'policy');
    await env.kubernetesRole('norevoke', 'db-norevoke');
    await env.kubernetesRole('app', 'db');

    for (const name of ['web', 'static-web']) await env.deployment(name, 'app');
    await env.cr('vaultauths', 'VaultAuth', APP_NS, 'norevoke', { vaultConnectionRef: `${OP_NS}/default`, method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'norevoke', serviceAccount: 'app', audiences: ['vault'] } });
    operator = await startOperator();
  });

  after(() => env.close());

  const vds = (name: string, spec: Record<string, unknown>) => custom.createNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultdynamicsecrets', body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultDynamicSecret', metadata: { name }, spec } });
  const getVds = (name: string) => custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultdynamicsecrets', name }).then((o) => o as { metadata: { finalizers?: string[] }; status?: Status }, () => undefined);
  const status = async (name: string) => (await getVds(name))?.status ?? {};
  const secret = (name: string) => core.readNamespacedSecret({ namespace: APP_NS, name }).catch(() => undefined);
  const creds = async (name: string) => { const s = await secret(name); return s ? { user: text(s.data, 'username') ?? '', password: text(s.data, 'password') ?? '' } : undefined; };
  const restartedAt = async (name = 'web') => (await apps.readNamespacedDeployment({ namespace: APP_NS, name })).spec?.template.metadata?.annotations?.[RESTARTED_AT];
  const logLines = (p: WardProcess, msg: string, resource: string) => p.stderr().split('\n').filter((l) => l.includes(`"msg":"${msg}"`) && l.includes(`"resource":"${APP_NS}/${resource}"`));
  const earlier: WardProcess[] = [];
  const allLogLines = (msg: string, resource: string) => [...logLines(operator, msg, resource), ...earlier.flatMap((p) => logLines(p, msg, resource))];

  async function canLogIn(user: string, password: string): Promise<boolean> {
    const c = new pg.Client({ host: '127.0.0.1', port: db.port, user, password, database: 'postgres' });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  async function roleExists(user: string): Promise<boolean> {
    return (await sql('SELECT 1 FROM pg_roles WHERE rolname = $1', [user])) === 1;
  }

  let first: { user: string; password: string };

  test('the Secret holds PostgreSQL credentials that log in; status records the lease, never the secret', async () => {
    await vds('db', { mount: 'database', path: 'creds/app', revoke: true, rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }], destination: { name: 'db-creds', create: true } });
    await vds('steady', { mount: 'database', path: 'creds/steady', revoke: true, renewalPercent: 15, destination: { name: 'steady-creds', create: true } });
    first = await waitFor('the destination Secret', async () => { const c = await creds('db-creds'); return c?.user ? c : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.ok(await canLogIn(first.user, first.password), 'the synced credentials log in to PostgreSQL');
    const s = await secret('db-creds');
    assert.deepEqual(Object.keys(s?.data ?? {}).sort(), ['_raw', 'password', 'username']);
    assert.deepEqual(s?.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['VaultDynamicSecret/db']);
    const st = await waitFor('status.secretLease', async () => { const x = await status('db'); return x.secretLease?.id ? x : undefined; });
    assert.match(st.secretLease?.id ?? '', /^database\/creds\/app\//);
    assert.equal(st.secretLease?.renewable, true);
    assert.ok((st.secretLease?.duration ?? 0) > 0 && (st.secretLease?.duration ?? 0) <= 6, JSON.stringify(st.secretLease));
    assert.equal(st.lastGeneration, 1);
    assert.equal(typeof st.lastRenewalTime, 'number');
    assert.equal(st.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.doesNotMatch(JSON.stringify(st), new RegExp(first.password), 'no password in status');
    assert.deepEqual((await getVds('db'))?.metadata.finalizers, [FINALIZER]);
    assert.equal(await restartedAt(), undefined, 'the first sync restarts nothing');
  });

  test('the lease is renewed: lastRenewalTime moves, same username', async () => {
    const user0 = await waitFor('the steady Secret', async () => (await creds('steady-creds'))?.user || undefined, { timeoutMs: 20_000, context: () => operator.stderr() });
    const st0 = await waitFor('the steady lease in status', async () => { const x = await status('steady'); return x.secretLease?.id ? x : undefined; });
    const st1 = await waitFor('a renewal of the steady lease', async () => { const x = await status('steady'); return (x.lastRenewalTime ?? 0) > (st0.lastRenewalTime ?? 0) ? x : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.ok(st1.secretLease?.id);
    assert.equal(st1.secretLease?.id, st0.secretLease?.id, 'the same lease');
    assert.equal((await creds('steady-creds'))?.user, user0, 'the same credentials');
    // The operator logs after its status write lands, so the line may trail the status.
    await waitFor('the renewal logged', () => logLines(operator, 'lease renewed', 'steady').length >= 1, { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.equal(st1.conditions?.find((c) => c.type === 'LeaseRenewal')?.status, 'True');
    // The short lease too is renewed before it is replaced.
    await waitFor('a renewal of the short lease', () => logLines(operator, 'lease renewed', 'db').length >= 1, { timeoutMs: 20_000, context: () => operator.stderr() });
  });

  test('near max TTL new credentials replace the old ones, the Deployment restarts once per rotation, the old user is dropped', async () => {
    const next = await waitFor('new credentials', async () => { const c = await creds('db-creds'); return c?.user && c.user !== first.user ? c : undefined; }, { timeoutMs: 30_000, context: () => operator.stderr() });
    assert.ok(await canLogIn(next.user, next.password), 'the new credentials log in');
    await waitFor('the restart annotation', () => restartedAt(), { timeoutMs: 10_000 });
    // Exactly one restart per replacement (syncs after the first), counted once all are logged.
    await waitFor('one restart per rotation', () => {
      const syncs = logLines(operator, 'secret synced', 'db').length;
      return syncs >= 2 && logLines(operator, 'rollout restart triggered', 'db').length === syncs - 1;
    }, { timeoutMs: 10_000, context: () => operator.stderr() });
    await waitFor('a rotation because a renewal was truncated by max_ttl', () => logLines(operator, 'lease not renewed; issuing new credentials', 'db').some((l) => l.includes('"outcome":"truncated"')), { timeoutMs: 20_000, context: () => operator.stderr() });
    // revoke: true, so the replaced lease was revoked (and its user dropped) right after the rotation.
    await waitFor('the replaced lease revoked', () => logLines(operator, 'old lease revoked', 'db').length >= 1, { timeoutMs: 10_000, context: () => operator.stderr() });
    await waitFor('the first user dropped', async () => !(await roleExists(first.user)), { timeoutMs: 10_000 });
  });

  test('an operator restart re-issues nothing and restarts nothing: it renews the same lease', async () => {
    const before = await status('steady');
    const user = (await creds('steady-creds'))?.user;
    // A rolling update of the operator: SIGTERM, so the Lease is handed over at once (after a
    // crash the next leader waits out the Lease, and a lease shorter than that may lapse).
    await operator.kill('SIGTERM');
    earlier.push(operator);
    operator = await startOperator();
    await waitFor('the new process renewing the steady lease', () => logLines(operator, 'lease renewed', 'steady').length >= 1, { timeoutMs: 20_000, context: () => operator.stderr() });
    const steadyLog = () => operator.stderr().split('\n').filter((l) => l.includes(`${APP_NS}/steady`)).join('\n');
    assert.equal((await status('steady')).secretLease?.id, before.secretLease?.id, steadyLog());
    assert.equal((await creds('steady-creds'))?.user, user);
    assert.equal(logLines(operator, 'secret synced', 'steady').length, 0, 'no new credentials');
    assert.equal(allLogLines('rollout restart triggered', 'steady').length, 0);
  });

  test('a deleted or hand-edited Secret gets new credentials (the old ones are not kept anywhere to restore), and the old lease is revoked', async () => {
    const c0 = await creds('steady-creds');
    assert.ok(c0?.user);
    await core.deleteNamespacedSecret({ namespace: APP_NS, name: 'steady-creds' });
    const c1 = await waitFor('the Secret re-created', async () => { const c = await creds('steady-creds'); return c?.user ? c : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.notEqual(c1.user, c0.user);
    assert.ok(await canLogIn(c1.user, c1.password));
    await waitFor('the replaced user dropped (revoke: true)', async () => !(await roleExists(c0.user)), { timeoutMs: 10_000 });
    const s = await secret('steady-creds');
    assert.ok(s);
    await core.replaceNamespacedSecret({ namespace: APP_NS, name: 'steady-creds', body: { ...s, data: { ...s.data, password: Buffer.from('hand-edited').toString('base64') } } });
    const c2 = await waitFor('the edit replaced', async () => { const c = await creds('steady-creds'); return c?.user && c.user !== c1.user ? c : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.ok(await canLogIn(c2.user, c2.password));
    await waitFor('both re-syncs logged as drift', () => logLines(operator, 'secret synced', 'steady').filter((l) => l.includes('"reason":"destination-drift"')).length >= 2, { timeoutMs: 10_000, context: () => operator.stderr() });
  });

  test('allowStaticCreds: a static role\'s password follows its rotations; the Deployment restarts for a new password only', async () => {
    await vds('static', { mount: 'database', path: 'static-creds/static', allowStaticCreds: true, rolloutRestartTargets: [{ kind: 'Deployment', name: 'static-web' }], destination: { name: 'static-creds', create: true } });
    const c0 = await waitFor('the static creds Secret', async () => { const c = await creds('static-creds'); return c?.password ? c : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(c0.user, 'static_app');
    assert.ok(await canLogIn(c0.user, c0.password), 'the static password logs in');
    type StaticStatus = Status & { staticCredsMetaData?: { lastVaultRotation: number; rotationPeriod: number; rotationSchedule: string; ttl: number } };
    const st = await waitFor('staticCredsMetaData', async () => { const x = (await status('static')) as StaticStatus; return x.staticCredsMetaData?.lastVaultRotation ? x : undefined; });
    assert.equal(st.staticCredsMetaData?.rotationPeriod, 5);
    assert.equal(st.secretLease?.id, '', 'static creds carry no lease');
    const c1 = await waitFor('the rotated password', async () => { const c = await creds('static-creds'); return c?.password && c.password !== c0.password ? c : undefined; }, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.ok(await canLogIn(c1.user, c1.password), 'the rotated password logs in');
    await waitFor('the restart annotation', () => restartedAt('static-web'), { timeoutMs: 10_000 });
    // One restart per new password (every sync after the first), none for reads that found the same one.
    await waitFor('one restart per new password', () => {
      const syncs = logLines(operator, 'secret synced', 'static').length;
      return syncs >= 2 && logLines(operator, 'rollout restart triggered', 'static').length === syncs - 1;
    }, { timeoutMs: 10_000, context: () => operator.stderr() });
  });

  test('a destination transformation templates the credentials (a connection URL)', async () => {
    await vds('templated', { mount: 'database', path: 'creds/steady', revoke: true, destination: { name: 'templated', create: true, transformation: { excludeRaw: true, templates: { url: { text: `postgresql://{{ .Secrets.username }}:{{ .Secrets.password }}@127.0.0.1:${db.port}/postgres` } } } } });
    const s = await waitFor('the templated Secret', () => secret('templated'), { timeoutMs: 20_000, context: () => operator.stderr() });
    const url = new URL(text(s.data, 'url') ?? '');
    assert.equal(decodeURIComponent(url.username), text(s.data, 'username'));
    assert.ok(await canLogIn(decodeURIComponent(url.username), decodeURIComponent(url.password)), 'the templated URL logs in');
    assert.equal(s.data?.['_raw'], undefined, 'excludeRaw');
  });

  test('a bad VaultDynamicSecret gets a condition naming the field; nothing is issued', async () => {
    await vds('bad', { mount: 'database', path: 'creds/app', destination: { name: 'bad-creds', create: true, transformation: { excludes: ['['] } } });
    const c = await waitFor('a Ready=False condition', async () => (await status('bad')).conditions?.find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.match(c.message, /^spec\.destination\.transformation\.excludes\[0\]: /);
    assert.equal(c.reason, 'InvalidResource');
    assert.equal(await secret('bad-creds'), undefined);
    assert.equal((await getVds('bad'))?.metadata.finalizers, undefined, 'no finalizer: nothing to revoke');
    assert.equal(logLines(operator, 'secret synced', 'bad').length, 0);
  });

  test('deleting the resource revokes the lease: the PostgreSQL user is gone, then the resource and its Secret', async () => {
    // The steady lease has most of an hour left: only the revocation can drop its user now.
    const c = await creds('steady-creds');
    assert.ok(c?.user && (await roleExists(c.user)));
    const leaseId = (await status('steady')).secretLease?.id;
    await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultdynamicsecrets', name: 'steady' });
    await waitFor('the resource gone (finalizer removed)', async () => (await getVds('steady')) === undefined, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(await roleExists(c.user), false, 'the PostgreSQL user is gone');
    assert.equal(await canLogIn(c.user, c.password), false);
    const lookup = await api(ward, 'PUT', 'sys/leases/lookup', { token: ward.rootToken, body: { lease_id: leaseId } });
    assert.equal(lookup.status, 400, `the lease is gone: ${JSON.stringify(lookup.body)}`);
    await waitFor('the Secret garbage-collected', async () => (await secret('steady-creds')) === undefined, { timeoutMs: 10_000 });
    // The rotating one goes as well (whatever it holds at that moment is revoked).
    await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultdynamicsecrets', name: 'db' });
    await waitFor('the db resource gone', async () => (await getVds('db')) === undefined, { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.ok(logLines(operator, 'lease revoked', 'db').length >= 1, operator.stderr());
  });

  test('a revocation Ward refuses does not hold the deletion: reported, and the finalizer goes', async () => {
    await vds('orphan', { vaultAuthRef: 'norevoke', mount: 'database', path: 'creds/steady', revoke: true, destination: { name: 'orphan-creds', create: true } });
    await waitFor('the destination Secret', async () => (await creds('orphan-creds'))?.user, { timeoutMs: 20_000, context: () => operator.stderr() });
    const leaseId = await waitFor('status.secretLease', async () => (await status('orphan')).secretLease?.id || undefined);
    await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultdynamicsecrets', name: 'orphan' });
    await waitFor('the resource gone despite the refusal', async () => (await getVds('orphan')) === undefined, { timeoutMs: 20_000, context: () => operator.stderr() });
    const events = (await core.listNamespacedEvent({ namespace: APP_NS })).items.filter((e) => e.involvedObject.name === 'orphan').map((e) => `${e.type} ${e.reason}: ${e.message}`);
    assert.ok(events.some((e) => e.startsWith(`Warning SecretLeaseRevoke: Failed to revoke lease ${leaseId}: `) && e.includes('403')), events.join('\n'));
    // Still valid in Ward (nobody revoked it): the platform team's to clean up, as the event says.
    const lookup = await api(ward, 'PUT', 'sys/leases/lookup', { token: ward.rootToken, body: { lease_id: leaseId } });
    assert.equal(lookup.status, 200, JSON.stringify(lookup.body));
  });
});
