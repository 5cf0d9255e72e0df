/**
 * Issue 14, finding 9, end to end: `ward server` reloads its listener certificate on
 * SIGHUP, as Vault does; a bad certificate is logged and the current one kept.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { configDir, freePort, spawnWard, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { makeCa } from '../../helpers/test-ca.js';

/** The CN of the certificate the server presents, or null while it does not answer. */
function presented(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = String(s.getPeerCertificate().subject?.CN ?? '');
      s.end();
      resolve(cn);
    });
    s.on('error', () => resolve(null));
  });
}

/** Polls `check` until it returns true or the deadline passes. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('ward server: SIGHUP certificate reload', () => {
  let dir: ConfigDir;
  let p: WardProcess | undefined;
  before(() => {
    dir = configDir();
  });
  after(async () => {
    await p?.kill('SIGKILL');
    dir.cleanup();
  });

  it('serves the new certificate after SIGHUP and keeps it when the next one is bad', async () => {
    const ca = await makeCa('reload-ca');
    const first = await ca.server('first');
    const second = await ca.server('second');
    const cert = dir.write('tls.crt', first.certPem);
    const key = dir.write('tls.key', first.keyPem);
    const port = await freePort();
    const file = dir.write(
      'ward.hcl',
      [
        'storage "inmem" {}',
        'listener "tcp" {',
        `  address       = "127.0.0.1:${port}"`,
        `  tls_cert_file = "${cert}"`,
        `  tls_key_file  = "${key}"`,
        '}',
        'allow_root    = true',
        'disable_mlock = true',
        '',
      ].join('\n'),
    );
    p = spawnWard(['server', `-config=${file}`], `https://127.0.0.1:${port}`);
    const proc = p;
    await eventually(`the server on ${port}\n${proc.stderr()}`, async () => (await presented(port)) === 'first');

    dir.write('tls.crt', second.certPem);
    dir.write('tls.key', second.keyPem);
    proc.child.kill('SIGHUP');
    await eventually('the second certificate', async () => (await presented(port)) === 'second');

    dir.write('tls.crt', 'not a certificate');
    proc.child.kill('SIGHUP');
    await eventually('the reload error in the log', () => proc.stderr().includes('failed to reload listener certificate'));
    assert.equal(await presented(port), 'second');
    assert.equal(proc.child.exitCode, null, 'still running');
    assert.ok(!proc.stderr().includes('BEGIN'), 'no key or certificate material in the log');
  });
});
