/**
 * The ssh secrets engine (CA mode) over a real socket: the CA is generated or imported,
 * user and host keys are signed and issued, and every certificate is read back by the
 * real `ssh-keygen -L` (which also verifies the CA's signature).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errText } from '../../helpers/errors.js';
import { skipUnless, SSH_KEYGEN } from '../../helpers/requirement.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('ssh secrets engine (CA mode) over HTTP', { skip: skipUnless(SSH_KEYGEN) }, () => {
  let s: TestServer;
  let dir: string;
  let n = 0;
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body !== undefined ? { body } : {}) });
  /** Runs ssh-keygen -L on a certificate (UTC times) and returns its report. */
  const inspect = (cert: string): string => {
    const f = join(dir, `c${n++}-cert.pub`);
    writeFileSync(f, cert);
    return execFileSync('ssh-keygen', ['-L', '-f', f], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  };
  /** A fresh client key pair made by ssh-keygen; returns its public line. */
  const clientKey = (type: 'ed25519' | 'rsa' | 'ecdsa', bits?: number): string => {
    const f = join(dir, `k${n++}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', 'client@test', '-f', f]);
    return readFileSync(`${f}.pub`, 'utf8');
  };
  const validity = (report: string): number => {
    const m = /Valid: from (\S+) to (\S+)/.exec(report);
    assert.ok(m, report);
    return (Date.parse(`${m[2]}Z`) - Date.parse(`${m[1]}Z`)) / 1000;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ward-ssh-it-'));
    s = await startTestServer();
    for (const m of ['ssh', 'ssh-host', 'ssh-import']) assert.equal((await call('POST', `sys/mounts/${m}`, { type: 'ssh' })).status, 204);
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('before a CA exists: config/ca says so, public_key is a 404, sign refuses', async () => {
    const r = await call('GET', 'ssh/config/ca');
    assert.equal(r.status, 400);
    assert.equal(errText(r), "keys haven't been configured yet");
    assert.equal((await fetch(`${s.url}/v1/ssh/public_key`)).status, 404);
  });

  it('generates an ed25519 CA; public_key is served without a token as plain text', async () => {
    const r = await call('POST', 'ssh/config/ca', { generate_signing_key: true, key_type: 'ssh-ed25519' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.data.public_key, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+\n$/);
    assert.equal((await call('GET', 'ssh/config/ca')).body.data.public_key, r.body.data.public_key);
    const plain = await fetch(`${s.url}/v1/ssh/public_key`);
    assert.equal(plain.status, 200);
    assert.match(plain.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await plain.text(), r.body.data.public_key);
    const again = await call('POST', 'ssh/config/ca', { key_type: 'ssh-ed25519' });
    assert.equal(again.status, 400);
    assert.equal(errText(again), 'keys are already configured; delete them before reconfiguring');
  });

  it('signs a user key: principals, validity, extensions and options as ssh-keygen reads them', async () => {
    const role = await call('POST', 'ssh/roles/dev', {
      key_type: 'ca',
      allow_user_certificates: true,
      allowed_users: 'alice,deploy',
      default_user: 'alice',
      allowed_extensions: 'permit-pty,permit-port-forwarding',
      default_extensions: { 'permit-pty': '' },
      allowed_critical_options: 'force-command,source-address',
      ttl: '30m',
      max_ttl: '2h',
    });
    assert.equal(role.status, 204, JSON.stringify(role.body));
    const read = (await call('GET', 'ssh/roles/dev')).body.data;
    assert.equal(read.ttl, 1800);
    assert.equal(read.max_ttl, 7200);
    assert.equal(read.not_before_duration, 30);
    assert.equal(read.algorithm_signer, 'default');
    assert.deepEqual(read.default_extensions, { 'permit-pty': '' });
    const list = await api(s, 'LIST', 'ssh/roles', { token: s.rootToken });
    assert.deepEqual(list.body.data.keys, ['dev']);
    assert.deepEqual(list.body.data.key_info, { dev: { key_type: 'ca' } });

    const pub = clientKey('ed25519');
    const signed = await call('POST', 'ssh/sign/dev', { public_key: pub, valid_principals: 'alice,deploy', critical_options: { 'source-address': '10.0.0.0/8' } });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.match(signed.body.data.serial_number, /^[0-9a-f]{1,16}$/);
    assert.match(signed.body.data.signed_key, /^ssh-ed25519-cert-v01@openssh\.com \S+\n$/);
    const report = inspect(signed.body.data.signed_key);
    assert.match(report, /Type: ssh-ed25519-cert-v01@openssh\.com user certificate/);
    assert.match(report, new RegExp(`Serial: ${BigInt(`0x${signed.body.data.serial_number}`)}\\n`));
    assert.match(report, /Key ID: "vault-root-[0-9a-f]{64}"/);
    assert.match(report, /Principals: \n\s+alice\n\s+deploy\n/);
    assert.match(report, /Critical Options: \n\s+source-address 10\.0\.0\.0\/8\n/);
    assert.match(report, /Extensions: \n\s+permit-pty\n/);
    assert.equal(validity(report), 1800 + 30, 'role ttl plus the 30 s backdate');

    const deflt = inspect((await call('POST', 'ssh/sign/dev', { public_key: pub, ttl: '1h', extensions: { 'permit-port-forwarding': '' } })).body.data.signed_key);
    assert.match(deflt, /Principals: \n\s+alice\n/, 'default_user when no principals are asked for');
    assert.match(deflt, /Extensions: \n\s+permit-port-forwarding\n/);
    assert.equal(validity(deflt), 3600 + 30);
  });

  it('refuses what the role does not allow, with Vault\'s errors', async () => {
    const pub = clientKey('ed25519');
    const cases: [Record<string, unknown>, string][] = [
      [{ public_key: pub, valid_principals: 'root' }, 'root is not a valid value for valid_principals'],
      [{ public_key: pub, ttl: '3h' }, 'ttl is larger than maximum allowed 7200'],
      [{ public_key: pub, cert_type: 'host', valid_principals: 'a.example.com' }, "cert_type 'host' is not allowed by role"],
      [{ public_key: pub, cert_type: 'both' }, "cert_type must be either 'user' or 'host'"],
      [{ public_key: pub, extensions: { 'permit-X11-forwarding': '' } }, 'extensions [permit-X11-forwarding] are not on allowed list'],
      [{ public_key: pub, critical_options: { 'verify-required': '' } }, 'critical options not on allowed list: [verify-required]'],
      [{ public_key: pub, key_id: 'me' }, 'setting key_id is not allowed by role'],
      [{}, 'missing public_key'],
      [{ public_key: 'ssh-ed25519 AAAA' }, 'failed to parse public_key as SSH key: truncated SSH wire data'],
      [{ public_key: pub, ttl: 'soon' }, 'error converting input "soon" for field "ttl": time: invalid duration "soon"'],
    ];
    for (const [body, want] of cases) {
      const r = await call('POST', 'ssh/sign/dev', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.equal(errText(r), want);
    }
    const unknown = await call('POST', 'ssh/sign/nope', { public_key: pub });
    assert.equal(unknown.status, 400);
    assert.equal(errText(unknown), 'Unknown role: nope');
  });

  it('role writes are validated with Vault\'s messages', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ allow_user_certificates: true }, 'missing key type'],
      [{ key_type: 'ca' }, "Either 'allow_user_certificates' or 'allow_host_certificates' must be set to 'true'"],
      [{ key_type: 'ca', allow_user_certificates: true, ttl: '2h', max_ttl: '1h' }, '"ttl" value must be less than "max_ttl" when both are specified'],
      [{ key_type: 'ca', allow_user_certificates: true, algorithm_signer: 'rsa-sha1' }, 'unknown algorithm signer "rsa-sha1"'],
      [{ key_type: 'nope' }, 'invalid key type'],
      [{ key_type: 'dynamic', default_user: 'u' }, 'dynamic key type roles are no longer supported'],
      [{ key_type: 'ca', allow_user_certificates: true, allowed_user_key_lengths: { rsa: 'big' } }, 'error processing allowed_user_key_lengths: value of "rsa" must be an integer or a list of integers'],
    ];
    for (const [body, want] of cases) {
      const r = await call('POST', 'ssh/roles/bad', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.equal(errText(r), want);
    }
    assert.equal((await call('GET', 'ssh/roles/bad')).status, 404);
  });

  it('signs host keys on a host role with an RSA CA (rsa-sha2-256) and enforces key lengths', async () => {
    const ca = await call('POST', 'ssh-host/config/ca', { key_type: 'ssh-rsa', key_bits: 2048 });
    assert.equal(ca.status, 200, JSON.stringify(ca.body));
    assert.match(ca.body.data.public_key, /^ssh-rsa /);
    assert.equal(
      (await call('POST', 'ssh-host/roles/hosts', { key_type: 'ca', allow_host_certificates: true, allowed_domains: 'example.com', allow_subdomains: true, allowed_user_key_lengths: { ecdsa: [256, 384], rsa: 2048 } })).status,
      204,
    );
    const pub = clientKey('ecdsa', 256);
    const r = await call('POST', 'ssh-host/sign/hosts', { public_key: pub, cert_type: 'host', valid_principals: 'web.example.com,db.example.com', ttl: '24h' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const report = inspect(r.body.data.signed_key);
    assert.match(report, /Type: ecdsa-sha2-nistp256-cert-v01@openssh\.com host certificate/);
    assert.match(report, /Signing CA: RSA SHA256:\S+ \(using rsa-sha2-256\)/);
    assert.match(report, /Principals: \n\s+web\.example\.com\n\s+db\.example\.com\n/);
    assert.equal(validity(report), 86400 + 30);

    const user = await call('POST', 'ssh-host/sign/hosts', { public_key: pub, valid_principals: 'web.example.com' });
    assert.equal(errText(user), "cert_type 'user' is not allowed by role");
    const bare = await call('POST', 'ssh-host/sign/hosts', { public_key: pub, cert_type: 'host', valid_principals: 'example.com' });
    assert.equal(errText(bare), 'example.com is not a valid value for valid_principals');
    const ed = await call('POST', 'ssh-host/sign/hosts', { public_key: clientKey('ed25519'), cert_type: 'host', valid_principals: 'a.example.com' });
    assert.equal(errText(ed), 'public_key failed to meet the key requirements: key of type ed25519 is not allowed');
    const big = await call('POST', 'ssh-host/sign/hosts', { public_key: clientKey('ecdsa', 521), cert_type: 'host', valid_principals: 'a.example.com' });
    assert.equal(errText(big), 'public_key failed to meet the key requirements: key is of an invalid size: 521');
  });

  it('issue/ generates the key pair: the private key works with ssh-keygen and matches the certificate', async () => {
    for (const keyType of ['ed25519', 'ec', 'rsa'] as const) {
      const r = await call('POST', 'ssh/issue/dev', { key_type: keyType, valid_principals: 'deploy', ...(keyType === 'rsa' ? { key_bits: 2048 } : {}) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.data.private_key_type, keyType);
      const f = join(dir, `issued-${keyType}`);
      writeFileSync(f, r.body.data.private_key, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', f], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
      const report = inspect(r.body.data.signed_key);
      assert.match(report, /Principals: \n\s+deploy\n/);
      assert.match(report, new RegExp(`Public key: ${{ ed25519: 'ED25519', ec: 'ECDSA', rsa: 'RSA' }[keyType]}-CERT SHA256:`));
      const fp = (line: string) => {
        const pf = join(dir, `fp${n++}.pub`);
        writeFileSync(pf, `${line}\n`);
        return execFileSync('ssh-keygen', ['-l', '-f', pf], { encoding: 'utf8' }).split(' ')[1];
      };
      assert.ok(report.includes(`-CERT ${fp(derived)}`), 'the certificate is for the returned key');
    }
    const bad = await call('POST', 'ssh/issue/dev', { key_type: 'dsa' });
    assert.equal(bad.status, 400);
    assert.match(errText(bad), /invalid value "dsa" for field "key_type"/);
    const weak = await call('POST', 'ssh/issue/dev', { key_type: 'rsa', key_bits: 1024 });
    assert.equal(errText(weak), 'refusing to generate weak rsa key: 1024 bits < 2048 bits');
  });

  it('imports a CA made by ssh-keygen (OpenSSH format) and refuses bad or mismatched halves', async () => {
    const f = join(dir, 'ca_import');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ca', '-f', f]);
    const priv = readFileSync(f, 'utf8');
    const pub = readFileSync(`${f}.pub`, 'utf8');
    const other = clientKey('ed25519');
    const cases: [Record<string, unknown>, string][] = [
      [{ private_key: priv }, 'only one of public_key and private_key set; both must be set to use, or both must be blank to auto-generate'],
      [{ generate_signing_key: true, private_key: priv, public_key: pub }, 'public_key and private_key must not be set when generate_signing_key is set to true'],
      [{ generate_signing_key: false, public_key: pub }, 'missing private_key'],
      [{ private_key: 'not a key', public_key: pub }, 'Unable to parse private_key as an SSH private key: ssh: no key found'],
      [{ private_key: priv, public_key: 'ssh-rsa nope' }, 'Unable to parse public_key as an SSH public key: truncated SSH wire data'],
      [{ private_key: priv, public_key: other }, 'public_key does not match private_key'],
      [{ key_type: 'ssh-dss' }, 'unknown ssh key pair algorithm: ssh-dss'],
    ];
    for (const [body, want] of cases) {
      const r = await call('POST', 'ssh-import/config/ca', body);
      assert.equal(r.status, 400, `${JSON.stringify(Object.keys(body))} → ${JSON.stringify(r.body)}`);
      assert.equal(errText(r), want);
      assert.ok(!JSON.stringify(r.body).includes('PRIVATE KEY'), 'a private key is never echoed');
    }
    const ok = await call('POST', 'ssh-import/config/ca', { private_key: priv, public_key: pub });
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
    assert.equal((await fetch(`${s.url}/v1/ssh-import/public_key`).then((r) => r.text())).trim(), pub.trim().split(' ').slice(0, 2).join(' '));
    await call('POST', 'ssh-import/roles/r', { key_type: 'ca', allow_user_certificates: true, allowed_users: '*' });
    const signed = await call('POST', 'ssh-import/sign/r', { public_key: clientKey('rsa', 2048), valid_principals: 'anyone' });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    const fpCa = execFileSync('ssh-keygen', ['-l', '-f', `${f}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    assert.ok(inspect(signed.body.data.signed_key).includes(`Signing CA: ED25519 ${fpCa}`));
    assert.equal((await call('DELETE', 'ssh-import/config/ca')).status, 204);
    assert.equal((await fetch(`${s.url}/v1/ssh-import/public_key`)).status, 404);
    assert.equal(errText(await call('POST', 'ssh-import/sign/r', { public_key: clientKey('ed25519'), valid_principals: 'x' })), "keys haven't been configured yet");
  });

  it('OTP paths beside a CA role: zeroaddress, lookup and verify answer; creds explains a CA role (OTP roles: otp.test.ts)', async () => {
    assert.equal((await call('GET', 'ssh/config/zeroaddress')).status, 404);
    assert.equal(errText(await call('POST', 'ssh/config/zeroaddress', { roles: 'ghost' })), 'Role "ghost" does not exist');
    assert.equal((await call('POST', 'ssh/config/zeroaddress', { roles: 'dev' })).status, 204);
    assert.deepEqual((await call('GET', 'ssh/config/zeroaddress')).body.data.roles, ['dev']);
    assert.deepEqual((await call('POST', 'ssh/lookup', { ip: '10.1.2.3' })).body.data.roles, ['dev']);
    assert.equal(errText(await call('POST', 'ssh/lookup', { ip: '10.1.2' })), 'Invalid IP "10.1.2"');
    assert.deepEqual((await call('POST', 'ssh/verify', { otp: 'verify-echo-request' })).body.data, { message: 'verify-echo-response' });
    const v = await call('POST', 'ssh/verify', { otp: 'b1a2c3d4-0000-0000-0000-000000000000' });
    assert.equal(v.status, 400);
    assert.equal(errText(v), 'OTP not found');
    assert.equal(errText(await call('POST', 'ssh/creds/ghost', { ip: '10.1.2.3' })), 'Role "ghost" not found');
    assert.equal(
      errText(await call('POST', 'ssh/creds/dev', { ip: '10.1.2.3', username: 'alice' })),
      'role "dev" is a CA role: it issues no one-time passwords; sign a public key at sign/dev',
    );
    assert.equal((await call('DELETE', 'ssh/roles/dev')).status, 204);
    assert.equal((await call('GET', 'ssh/config/zeroaddress')).body.data.roles.length, 0);
  });
});
