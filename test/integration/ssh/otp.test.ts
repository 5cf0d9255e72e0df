/**
 * The ssh engine's OTP roles over a real socket, as Vault's: a role with cidr_list and
 * default_user, creds/<role> issuing a one-time password for an IP under a lease, verify
 * (unauthenticated, as vault-ssh-helper calls it) consuming it exactly once, lookup listing
 * the roles for an IP, config/zeroaddress letting a role accept any IP, and revoking the
 * lease dropping the OTP. Bad input gets Vault's status and text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errText } from '../../helpers/errors.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('ssh secrets engine: OTP roles over HTTP', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body !== undefined ? { body } : {}) });
  /** verify as vault-ssh-helper sends it: no token. */
  const verify = (otp: string) => api(s, 'POST', 'ssh/verify', { body: { otp } });

  before(async () => {
    s = await startTestServer();
    assert.equal((await call('POST', 'sys/mounts/ssh', { type: 'ssh' })).status, 204);
  });
  after(async () => {
    await s?.close();
  });

  it('creates an OTP role and reads it back as Vault shapes it', async () => {
    const w = await call('POST', 'ssh/roles/otp-web', { key_type: 'otp', default_user: 'ubuntu', cidr_list: '10.0.0.0/24,192.168.1.0/24', exclude_cidr_list: '10.0.0.128/25', allowed_users: 'ubuntu,deploy' });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    const r = await call('GET', 'ssh/roles/otp-web');
    assert.deepEqual(r.body.data, { key_type: 'otp', default_user: 'ubuntu', cidr_list: '10.0.0.0/24,192.168.1.0/24', exclude_cidr_list: '10.0.0.128/25', port: 22, allowed_users: 'ubuntu,deploy' });
    const list = await api(s, 'LIST', 'ssh/roles', { token: s.rootToken });
    assert.deepEqual(list.body.data.key_info, { 'otp-web': { key_type: 'otp' } });
  });

  it('refuses bad OTP roles with Vault\'s messages', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ key_type: 'otp' }, 'missing default user'],
      [{ key_type: 'otp', default_user: 'u', admin_user: 'root' }, 'admin user not required for OTP type'],
      [{ key_type: 'otp', default_user: 'u', cidr_list: '10.0.0.0/33' }, 'failed to validate cidr_list: invalid CIDR address: 10.0.0.0/33'],
      [{ key_type: 'otp', default_user: 'u', cidr_list: '10.0.0.1' }, 'failed to validate cidr_list: invalid CIDR address: 10.0.0.1'],
      [{ key_type: 'otp', default_user: 'u', exclude_cidr_list: 'nope' }, 'failed to validate exclude_cidr_list entry: invalid CIDR address: nope'],
      [{ key_type: 'dynamic', default_user: 'u' }, 'dynamic key type roles are no longer supported'],
    ];
    for (const [body, want] of cases) {
      const r = await call('POST', 'ssh/roles/bad', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.equal(errText(r), want);
    }
    assert.equal((await call('GET', 'ssh/roles/bad')).status, 404);
  });

  it('creds/<role> issues an OTP for an IP in the role\'s CIDRs; verify accepts it exactly once, without a token', async () => {
    const c = await call('POST', 'ssh/creds/otp-web', { ip: '10.0.0.5' });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const key = c.body.data.key as string;
    assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual({ ...c.body.data, key: 'K' }, { key: 'K', key_type: 'otp', username: 'ubuntu', ip: '10.0.0.5', port: 22 });
    assert.match(c.body.lease_id, /^ssh\/creds\/otp-web\//);
    assert.equal(c.body.renewable, false);
    assert.ok(c.body.lease_duration > 0);

    const v = await verify(key);
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.deepEqual(v.body.data, { username: 'ubuntu', ip: '10.0.0.5', role_name: 'otp-web' });
    const again = await verify(key);
    assert.deepEqual([again.status, errText(again)], [400, 'OTP not found']);
    // The helper's connectivity check.
    assert.deepEqual((await verify('verify-echo-request')).body.data, { message: 'verify-echo-response' });

    // The IP as Go prints it: an IPv4-mapped address comes back as plain IPv4.
    const deploy = await call('POST', 'ssh/creds/otp-web', { ip: '::ffff:192.168.1.9', username: 'deploy' });
    assert.equal(deploy.status, 200, JSON.stringify(deploy.body));
    assert.equal(deploy.body.data.ip, '192.168.1.9');
    assert.equal((await verify(deploy.body.data.key)).body.data.username, 'deploy');
  });

  it('creds/<role> refuses what the role does not allow, with Vault\'s messages', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['otp-web', {}, 'Missing ip'],
      ['ghost', { ip: '10.0.0.5' }, 'Role "ghost" not found'],
      ['otp-web', { ip: '10.0.0.5', username: 'root' }, 'Username is not present is allowed users list'],
      ['otp-web', { ip: '10.0.0' }, 'Invalid IP "10.0.0"'],
      ['otp-web', { ip: '10.9.9.9' }, 'Error validating IP: IP does not belong to role'],
      ['otp-web', { ip: '10.0.0.200' }, 'Error validating IP: IP does not belong to role'],
    ];
    for (const [role, body, want] of cases) {
      const r = await call('POST', `ssh/creds/${role}`, body);
      assert.equal(r.status, 400, `${role} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.equal(errText(r), want);
    }
    assert.equal((await call('POST', 'ssh/roles/no-users', { key_type: 'otp', default_user: 'ops', cidr_list: '10.0.0.0/8' })).status, 204);
    const other = await call('POST', 'ssh/creds/no-users', { ip: '10.1.1.1', username: 'someone' });
    assert.equal(errText(other), 'Username has to be either in allowed users list or has to be a default username');
    assert.equal((await call('POST', 'ssh/creds/no-users', { ip: '10.1.1.1', username: 'ops' })).status, 200);
  });

  it('verify sent many times at once for one OTP succeeds exactly once', async () => {
    const { key } = (await call('POST', 'ssh/creds/otp-web', { ip: '10.0.0.9' })).body.data;
    const answers = await Promise.all(Array.from({ length: 8 }, () => verify(key)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400, 400, 400, 400, 400, 400, 400]);
  });

  it('revoking the lease drops the OTP before it is used', async () => {
    const c = await call('POST', 'ssh/creds/otp-web', { ip: '10.0.0.7' });
    assert.equal((await call('PUT', 'sys/leases/revoke', { lease_id: c.body.lease_id })).status, 204);
    assert.equal(errText(await verify(c.body.data.key)), 'OTP not found');
  });

  it('lookup lists the roles for an IP; zeroaddress roles accept any IP', async () => {
    assert.deepEqual((await call('POST', 'ssh/lookup', { ip: '10.0.0.5' })).body.data.roles, ['no-users', 'otp-web']);
    assert.deepEqual((await call('POST', 'ssh/lookup', { ip: '172.16.0.1' })).body.data.roles, []);
    assert.equal(errText(await call('POST', 'ssh/lookup', {})), 'Missing ip');
    assert.equal(errText(await call('POST', 'ssh/creds/otp-web', { ip: '172.16.0.1' })), 'Error validating IP: IP does not belong to role');

    assert.equal((await call('GET', 'ssh/config/zeroaddress')).status, 404);
    assert.equal(errText(await call('POST', 'ssh/config/zeroaddress', {})), 'Missing roles');
    assert.equal(errText(await call('POST', 'ssh/config/zeroaddress', { roles: 'otp-web,ghost' })), 'Role "ghost" does not exist');
    assert.equal((await call('POST', 'ssh/config/zeroaddress', { roles: 'otp-web' })).status, 204);
    assert.deepEqual((await call('GET', 'ssh/config/zeroaddress')).body.data, { roles: ['otp-web'] });
    assert.deepEqual((await call('POST', 'ssh/lookup', { ip: '172.16.0.1' })).body.data.roles, ['otp-web']);
    const any = await call('POST', 'ssh/creds/otp-web', { ip: '172.16.0.1' });
    assert.equal(any.status, 200, JSON.stringify(any.body));
    assert.equal((await verify(any.body.data.key)).body.data.ip, '172.16.0.1');

    // Deleting the role takes it off the zero-address list.
    assert.equal((await call('DELETE', 'ssh/roles/otp-web')).status, 204);
    assert.deepEqual((await call('GET', 'ssh/config/zeroaddress')).body.data.roles, []);
    assert.equal((await call('DELETE', 'ssh/config/zeroaddress')).status, 204);
    assert.equal((await call('GET', 'ssh/config/zeroaddress')).status, 404);
  });

  it('an OTP role signs and issues nothing', async () => {
    const issue = await call('POST', 'ssh/issue/no-users', { key_type: 'ed25519' });
    assert.deepEqual([issue.status, errText(issue)], [400, "role key type 'otp' not allowed to issue key pairs"]);
    const sign = await call('POST', 'ssh/sign/no-users', { public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' });
    assert.deepEqual([sign.status, errText(sign)], [400, "cert_type 'user' is not allowed by role"]);
  });
});
