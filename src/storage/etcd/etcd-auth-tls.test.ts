import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ETCD, startEtcd } from '../../../test/helpers/etcd.js';
import { skipUnless } from '../../../test/helpers/requirement.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { makeCa } from '../../../test/helpers/test-ca.js';
import type { StoreLogger } from './client-options.js';
import { openEtcdStore } from './open.js';
import { testOptions } from './test-store.js';

function recorder(): { logger: StoreLogger; errors: string[] } {
  const errors: string[] = [];
  return { errors, logger: { error: (msg, f) => errors.push(`${msg} ${JSON.stringify(f)}`), warn: () => undefined, debug: () => undefined } };
}

describe('etcd storage with password auth and TLS', { skip: skipUnless(ETCD) }, () => {
  test('username/password: reads, writes and the HA lock work with a role limited to the path; a wrong password is retried, never logged', async () => {
    const etcd = await startEtcd(1);
    const ctl = (...args: string[]): void => {
      execFileSync('etcdctl', [`--endpoints=${etcd.address}`, ...args], { stdio: 'pipe', env: { ...process.env, ETCDCTL_API: '3' } });
    };
    try {
      ctl('user', 'add', 'root:root-pw-1');
      ctl('role', 'add', 'ward');
      ctl('role', 'grant-permission', 'ward', 'readwrite', '/ward-auth/', '--prefix=true');
      ctl('user', 'add', 'ward:ward-pw-2');
      ctl('user', 'grant-role', 'ward', 'ward');
      ctl('auth', 'enable');

      const s = await openEtcdStore(testOptions(etcd.address, { path: '/ward-auth/', haEnabled: true, username: 'ward', password: 'ward-pw-2' }));
      try {
        await s.put('a/b', Buffer.from('authed'));
        assert.equal((await s.get('a/b'))?.toString(), 'authed');
        assert.deepEqual(await s.list('a/'), ['b']);
        const held = await s.ha!.lock('core/lock', 'me').acquire(new AbortController().signal);
        await s.put('a/c', Buffer.from('fenced'));
        await held.release();
      } finally {
        await s.close();
      }

      const { logger, errors } = recorder();
      const ac = new AbortController();
      const opening = openEtcdStore(testOptions(etcd.address, { path: '/ward-auth/', username: 'ward', password: 'wrong-pw-3' }), { logger, signal: ac.signal, retryDelayMs: () => 100 });
      await waitFor('the failed login to be logged', () => errors.length >= 1, { timeoutMs: 20_000 });
      ac.abort();
      await assert.rejects(opening, (e: Error) => e.name === 'AbortError');
      assert.match(errors[0]!, /authentication failed/);
      assert.ok(!errors.join('\n').includes('wrong-pw-3'));
    } finally {
      await etcd.stop();
    }
  });

  test('TLS with a client certificate and tls_server_name; the wrong CA is refused with a logged TLS error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-etcd-tls-'));
    const ca = await makeCa('ward-test-etcd-ca');
    const server = await ca.server('etcd');
    const client = await ca.client('ward');
    const file = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text, { mode: 0o600 });
      return p;
    };
    const etcd = await startEtcd(1, { tls: { cert: file('server.pem', server.certPem), key: file('server-key.pem', server.keyPem), ca: file('ca.pem', ca.certPem) } });
    try {
      const tls = { ca: Buffer.from(ca.certPem), cert: Buffer.from(client.certPem), key: Buffer.from(client.keyPem), serverName: 'localhost' };
      const s = await openEtcdStore(testOptions(etcd.address, { tls }));
      try {
        await s.put('k', Buffer.from('over tls'));
        assert.equal((await s.get('k'))?.toString(), 'over tls');
      } finally {
        await s.close();
      }

      const other = await makeCa('someone-else');
      const { logger, errors } = recorder();
      const ac = new AbortController();
      const opening = openEtcdStore(testOptions(etcd.address, { requestTimeoutMs: 1500, tls: { ...tls, ca: Buffer.from(other.certPem) } }), { logger, signal: ac.signal, retryDelayMs: () => 100 });
      await waitFor('the refused certificate to be logged', () => errors.length >= 1, { timeoutMs: 20_000 });
      ac.abort();
      await assert.rejects(opening);
      assert.match(errors[0]!, new RegExp(etcd.members[0]!.clientUrl.replace(/[.]/g, '\\.')));
      assert.match(errors[0]!, /certificate/);
    } finally {
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
