import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { OPENSSL, skipUnless } from '../../test/helpers/requirement.js';
import { gate } from '../../test/helpers/wait.js';
import { parseAddress, startListener } from './listener.js';
import { isListVerb } from './list-verb.js';

function handshake(url: string, opts: tls.ConnectionOptions): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, ...opts }, () => {
      const proto = s.getProtocol() ?? '';
      s.end();
      resolve(proto);
    });
    s.on('error', reject);
  });
}

const ok = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
  res.end('ok');
};

describe('parseAddress', () => {
  it('parses host:port forms', () => {
    assert.deepEqual(parseAddress('127.0.0.1:8200'), { host: '127.0.0.1', port: 8200 });
    assert.deepEqual(parseAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseAddress(':8200'), { host: '0.0.0.0', port: 8200 });
    assert.throws(() => parseAddress('localhost'));
    assert.throws(() => parseAddress('a:99999'));
  });
});

describe('TLS listener', { skip: skipUnless(OPENSSL) }, () => {
  let dir = '';
  let cert = '';
  let key = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ward-tls-'));
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses TLS 1.1 and accepts TLS 1.2', async () => {
    const l = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: cert, tlsKeyFile: key }, ok);
    try {
      assert.match(l.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      await assert.rejects(handshake(l.url, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }));
      assert.equal(await handshake(l.url, { maxVersion: 'TLSv1.2' }), 'TLSv1.2');
      assert.equal(await handshake(l.url, {}), 'TLSv1.3');
    } finally {
      await l.close(1000);
    }
  });

  it('accepts the LIST verb over TLS', async () => {
    const echo = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      res.end(isListVerb(req) ? 'LIST' : String(req.method));
    };
    const l = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: cert, tlsKeyFile: key }, echo);
    try {
      const u = new URL(l.url);
      const text = await new Promise<string>((resolve, reject) => {
        const q = https.request({ host: u.hostname, port: u.port, method: 'LIST', path: '/v1/x', rejectUnauthorized: false }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
        });
        q.on('error', reject);
        q.end();
      });
      assert.equal(text, 'LIST');
    } finally {
      await l.close(1000);
    }
  });

  it('tls13 minimum refuses TLS 1.2', async () => {
    const l = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: cert, tlsKeyFile: key, tlsMinVersion: 'tls13' }, ok);
    try {
      await assert.rejects(handshake(l.url, { maxVersion: 'TLSv1.2' }));
      assert.equal(await handshake(l.url, {}), 'TLSv1.3');
    } finally {
      await l.close(1000);
    }
  });

  it('rejects old minimum versions and missing files as config errors', async () => {
    const bad = { address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: cert, tlsKeyFile: key, tlsMinVersion: 'tls11' as unknown as 'tls12' };
    await assert.rejects(startListener(bad, ok), /tls_min_version/);
    await assert.rejects(startListener({ address: '127.0.0.1:0', tlsDisable: false }, ok), /tls_cert_file/);
  });
});

describe('listener close', () => {
  it('lets an in-flight request finish, then stops accepting', async () => {
    // Ordering instead of sleeps: close while the handler holds the request, then release it.
    const arrived = gate();
    const release = gate();
    const held = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      arrived.open();
      void release.promise.then(() => res.end('done'));
    };
    const l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, held);
    const inflight = fetch(`${l.url}/v1/x`).then((r) => r.text());
    await arrived.promise;
    let closeDone = false;
    const closed = l.close(60_000).then(() => (closeDone = true));
    await assert.rejects(fetch(`${l.url}/v1/x`), 'no new connections once closing');
    assert.equal(closeDone, false, 'close waits for the in-flight request');
    release.open();
    assert.equal(await inflight, 'done');
    await closed;
  });

  it('forces stragglers closed after the bounded wait', { timeout: 30_000 }, async () => {
    // The handler never answers: close(200) must still resolve (the test timeout catches a
    // hang) and cut the request rather than leave it open.
    const arrived = gate();
    const hang = (): void => arrived.open();
    const l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, hang);
    const inflight = fetch(`${l.url}/v1/x`).then(
      () => 'answered',
      () => 'cut',
    );
    await arrived.promise;
    await l.close(200);
    assert.equal(await inflight, 'cut');
  });

  it('reports a bind failure', async () => {
    const a = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, ok);
    try {
      await assert.rejects(startListener({ address: `127.0.0.1:${new URL(a.url).port}`, tlsDisable: true }, ok), /EADDRINUSE/);
    } finally {
      await a.close(1000);
    }
  });
});
