/**
 * Ward's certificates in a real SSH handshake: an OpenSSH sshd on a loopback port trusts
 * Ward's user CA (TrustedUserCAKeys) and presents a host certificate Ward signed; the
 * ssh client trusts Ward's host CA (@cert-authority) with strict host key checking. A
 * login succeeds only with a certificate naming the user, and a force-command critical
 * option signed into the certificate is obeyed by sshd.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../helpers/net.js';
import { ROOT, skipUnless, SSH_KEYGEN, SSHD } from '../../helpers/requirement.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

const run = promisify(execFile);

describe('sshd accepts Ward-signed user and host certificates', { skip: skipUnless(SSH_KEYGEN, SSHD, ROOT) }, () => {
  let s: TestServer;
  let dir: string;
  let sshd: ChildProcess | undefined;
  let port: number;
  let sshdLog = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await api(s, method, path, { token: s.rootToken, ...(body !== undefined ? { body } : {}) });
    assert.ok(r.status === 200 || r.status === 204, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body?.data;
  };
  const keyPair = (name: string): string => {
    const f = join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', f]);
    return f;
  };
  /** Runs `ssh` as the client would; resolves with exit code and output (never throws). */
  const ssh = async (user: string, key: string, cert: string, command: string): Promise<{ code: number; out: string }> => {
    const args = ['-F', '/dev/null', '-p', String(port), '-i', key, '-o', `CertificateFile=${cert}`, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'];
    args.push('-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'HostKeyAlias=web.example.com');
    args.push('-o', 'ConnectTimeout=20', `${user}@127.0.0.1`, command);
    try {
      const r = await run('ssh', args, { encoding: 'utf8', timeout: 60_000 });
      return { code: 0, out: r.stdout };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ward-sshd-'));
    chmodSync(dir, 0o700);
    s = await startTestServer();
    assert.equal((await api(s, 'POST', 'sys/mounts/ssh-client-signer', { token: s.rootToken, body: { type: 'ssh' } })).status, 204);
    assert.equal((await api(s, 'POST', 'sys/mounts/ssh-host-signer', { token: s.rootToken, body: { type: 'ssh' } })).status, 204);
    // An RSA user CA: sshd must accept its rsa-sha2-256 signatures (it refuses SHA-1 ones).
    await call('POST', 'ssh-client-signer/config/ca', { key_type: 'ssh-rsa', key_bits: 2048 });
    await call('POST', 'ssh-host-signer/config/ca', { key_type: 'ssh-ed25519' });
    await call('POST', 'ssh-client-signer/roles/admin', {
      key_type: 'ca',
      allow_user_certificates: true,
      allowed_users: 'root,deploy',
      allowed_critical_options: 'force-command',
      default_extensions: { 'permit-pty': '' },
      ttl: '10m',
    });
    await call('POST', 'ssh-host-signer/roles/hosts', { key_type: 'ca', allow_host_certificates: true, allowed_domains: 'example.com', allow_subdomains: true });

    const hostKey = keyPair('host_key');
    const hostCert = await call('POST', 'ssh-host-signer/sign/hosts', { public_key: readFileSync(`${hostKey}.pub`, 'utf8'), cert_type: 'host', valid_principals: 'web.example.com' });
    writeFileSync(`${hostKey}-cert.pub`, hostCert.signed_key);
    // What an operator does: fetch the CA keys from the unauthenticated public_key endpoints.
    const userCa = await (await fetch(`${s.url}/v1/ssh-client-signer/public_key`)).text();
    const hostCa = await (await fetch(`${s.url}/v1/ssh-host-signer/public_key`)).text();
    writeFileSync(join(dir, 'trusted-user-ca-keys.pem'), userCa);
    writeFileSync(join(dir, 'known_hosts'), `@cert-authority web.example.com ${hostCa}`);

    port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `HostCertificate ${hostKey}-cert.pub`,
        `TrustedUserCAKeys ${join(dir, 'trusted-user-ca-keys.pem')}`,
        'AuthorizedKeysFile none',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'PidFile none',
        'StrictModes no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    execFileSync('mkdir', ['-p', '/run/sshd']); // sshd's privilege-separation directory
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr?.on('data', (b: Buffer) => (sshdLog += b.toString()));
    await waitFor('sshd listening', () => new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    }), { timeoutMs: 20_000 });
  });

  after(async () => {
    sshd?.kill('SIGTERM');
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in as root with a certificate Ward signed for root, verifying the host certificate', async () => {
    const key = keyPair('alice');
    const signed = await call('POST', 'ssh-client-signer/sign/admin', { public_key: readFileSync(`${key}.pub`, 'utf8'), valid_principals: 'root' });
    writeFileSync(`${key}-cert.pub`, signed.signed_key);
    const r = await ssh('root', key, `${key}-cert.pub`, 'echo logged-in-as-$(id -un)');
    assert.equal(r.code, 0, `${r.out}\n--- sshd ---\n${sshdLog}`);
    assert.equal(r.out.trim(), 'logged-in-as-root');
    assert.match(sshdLog, new RegExp(`Accepted publickey for root .* ED25519-CERT SHA256:\\S+ ID vault-root-[0-9a-f]{64} \\(serial ${BigInt(`0x${signed.serial_number}`)}\\) CA RSA SHA256:`));
  });

  it('a certificate for another principal does not log in as root', async () => {
    const key = keyPair('bob');
    const signed = await call('POST', 'ssh-client-signer/sign/admin', { public_key: readFileSync(`${key}.pub`, 'utf8'), valid_principals: 'deploy' });
    writeFileSync(`${key}-cert.pub`, signed.signed_key);
    const r = await ssh('root', key, `${key}-cert.pub`, 'true');
    assert.equal(r.code, 255, r.out);
    assert.match(r.out, /Permission denied/);
  });

  it('sshd obeys a force-command critical option signed into the certificate', async () => {
    const key = keyPair('carol');
    const signed = await call('POST', 'ssh-client-signer/sign/admin', {
      public_key: readFileSync(`${key}.pub`, 'utf8'),
      valid_principals: 'root',
      critical_options: { 'force-command': 'echo forced-by-certificate' },
    });
    writeFileSync(`${key}-cert.pub`, signed.signed_key);
    const r = await ssh('root', key, `${key}-cert.pub`, 'echo asked-for-this');
    assert.equal(r.code, 0, `${r.out}\n--- sshd ---\n${sshdLog}`);
    assert.equal(r.out.trim(), 'forced-by-certificate');
  });
});
