/**
 * Issue 14, finding 9: TLS listeners offer only forward-secret AEAD suites on TLS 1.2
 * by default, honour Vault's tls_cipher_suites, tls_prefer_server_cipher_suites and
 * client-certificate options, and reload their certificate on demand (SIGHUP), keeping
 * the old one when the new one is bad. Probed with node:tls and, where installed,
 * `openssl s_client`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls, { type TLSSocket } from 'node:tls';
import { startListener, type Listener, type ListenerConfig } from '../../../src/http/listener.js';
import { makeCa, type Issued, type TestCa } from '../../helpers/test-ca.js';
import { exchange, req } from './wire.js';
import { isListVerb } from '../../../src/http/list-verb.js';
import { isTracked } from '../../../src/http/connection.js';

interface Handshake {
  cipher: string;
  protocol: string;
  subject: string;
}

/** One handshake with the given client options; rejects when the server refuses it. */
function handshake(url: string, opts: tls.ConnectionOptions): Promise<Handshake> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, ...opts }, () => {
      const out = { cipher: s.getCipher().name, protocol: s.getProtocol() ?? '', subject: String(s.getPeerCertificate().subject?.CN ?? '') };
      s.end();
      resolve(out);
    });
    s.on('error', reject);
  });
}

/** An HTTPS GET; resolves with the body, rejects on a TLS or connection error. */
function get(url: string, opts: https.RequestOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = https.get(`${url}/v1/sys/health`, { rejectUnauthorized: false, agent: false, ...opts }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    r.on('error', reject);
  });
}

/** Echoes the CN of the client certificate the server saw ("" for none). */
const peer = (req: IncomingMessage, res: ServerResponse): void => {
  const cert = (req.socket as TLSSocket).getPeerCertificate();
  res.end(String(cert?.subject?.CN ?? ''));
};

/** Weak TLS 1.2 suites (OpenSSL names) an RSA server could negotiate: no forward secrecy, CCM8, CBC. */
const WEAK = ['AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-CCM8', 'AES256-CCM', 'AES128-SHA', 'AES256-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384'];
const STRONG = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'];

describe('TLS listener', () => {
  let dir = '';
  let ca: TestCa;
  let server: Issued;
  const files: Record<string, string> = {};
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    files[name] = p;
    return p;
  };
  const cfg = (extra: Partial<ListenerConfig> = {}): ListenerConfig => ({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: files['cert.pem']!, tlsKeyFile: files['key.pem']!, ...extra });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ward-tls-'));
    ca = await makeCa('ward-test-ca');
    server = await ca.server('first');
    write('cert.pem', server.certPem);
    write('key.pem', server.keyPem);
    write('ca.pem', ca.certPem);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function withListener(c: ListenerConfig, fn: (l: Listener) => Promise<void>, handler = peer): Promise<void> {
    const l = await startListener(c, handler);
    try {
      await fn(l);
    } finally {
      await l.close(500);
    }
  }

  it('offers only ECDHE with AEAD on TLS 1.2 by default (and TLS 1.3)', async () => {
    // Control: a permissive server shows the client really offers each weak suite.
    const open = https.createServer({ cert: server.certPem, key: server.keyPem, ciphers: 'ALL:@SECLEVEL=0' }, (_q, s) => s.end());
    await new Promise<void>((r) => open.listen(0, '127.0.0.1', r));
    const openUrl = `https://127.0.0.1:${(open.address() as { port: number }).port}`;
    try {
      for (const c of WEAK) assert.equal((await handshake(openUrl, { maxVersion: 'TLSv1.2', ciphers: `${c}:@SECLEVEL=0` })).cipher, c, `control: ${c}`);
    } finally {
      open.close();
    }
    await withListener(cfg(), async (l) => {
      for (const c of WEAK) await assert.rejects(handshake(l.url, { maxVersion: 'TLSv1.2', ciphers: `${c}:@SECLEVEL=0` }), `${c} must be refused`);
      for (const c of STRONG) assert.equal((await handshake(l.url, { maxVersion: 'TLSv1.2', ciphers: c })).cipher, c);
      assert.equal((await handshake(l.url, {})).protocol, 'TLSv1.3');
      await assert.rejects(handshake(l.url, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }));
    });
  });

  it('openssl s_client agrees', { skip: hasOpenssl() ? false : 'openssl not installed' }, async () => {
    await withListener(cfg(), async (l) => {
      const port = new URL(l.url).port;
      for (const c of ['AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'AES128-CCM8']) assert.equal(await sClient(port, c), false, c);
      for (const c of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-CHACHA20-POLY1305']) assert.equal(await sClient(port, c), true, c);
    });
  });

  it('tls_cipher_suites restricts TLS 1.2 to the listed suites; TLS 1.3 stays on', async () => {
    await withListener(cfg({ tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'] }), async (l) => {
      await assert.rejects(handshake(l.url, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }));
      assert.equal((await handshake(l.url, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' })).cipher, 'ECDHE-RSA-AES256-GCM-SHA384');
      assert.equal((await handshake(l.url, {})).protocol, 'TLSv1.3');
    });
    // An explicitly listed CBC suite (forward secret) is offered.
    await withListener(cfg({ tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'] }), async (l) => {
      assert.equal((await handshake(l.url, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' })).cipher, 'ECDHE-RSA-AES128-SHA');
    });
    await assert.rejects(startListener(cfg({ tlsCipherSuites: ['TLS_RSA_WITH_AES_128_GCM_SHA256'] }), peer), /forward secrecy/);
  });

  it('tls_prefer_server_cipher_suites picks the server order', async () => {
    const suites = ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'];
    const client = { maxVersion: 'TLSv1.2' as const, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' };
    await withListener(cfg({ tlsCipherSuites: suites, tlsPreferServerCipherSuites: true }), async (l) => {
      assert.equal((await handshake(l.url, client)).cipher, 'ECDHE-RSA-AES256-GCM-SHA384');
    });
    await withListener(cfg({ tlsCipherSuites: suites }), async (l) => {
      assert.equal((await handshake(l.url, client)).cipher, 'ECDHE-RSA-AES128-GCM-SHA256');
    });
  });

  it('client certificates: requested by default, required with tls_require_and_verify_client_cert, not requested with tls_disable_client_certs', async () => {
    const alice = await ca.client('alice');
    const other = await (await makeCa('other-ca')).client('mallory');
    await withListener(cfg(), async (l) => {
      assert.equal(await get(l.url), '');
      assert.equal(await get(l.url, { cert: alice.certPem, key: alice.keyPem }), 'alice');
    });
    await withListener(cfg({ tlsRequireAndVerifyClientCert: true, tlsClientCaFile: files['ca.pem']! }), async (l) => {
      assert.equal(await get(l.url, { cert: alice.certPem, key: alice.keyPem }), 'alice');
      await assert.rejects(get(l.url), 'no client certificate');
      await assert.rejects(get(l.url, { cert: other.certPem, key: other.keyPem }), 'certificate from another CA');
    });
    await withListener(cfg({ tlsDisableClientCerts: true }), async (l) => {
      assert.equal(await get(l.url, { cert: alice.certPem, key: alice.keyPem }), '');
    });
    await assert.rejects(startListener(cfg({ tlsDisableClientCerts: true, tlsRequireAndVerifyClientCert: true }), peer), /mutually exclusive/);
  });

  it('switches a TLS connection to the framing tracker at its first LIST, in order, keeping the client certificate', async () => {
    const alice = await ca.client('alice');
    const who = (q: IncomingMessage, s: ServerResponse): void => {
      const cn = String((q.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
      s.end(`${isListVerb(q) ? 'LIST' : String(q.method)} ${String(q.url)} ${cn} ${isTracked(q.socket) ? 'tracked' : 'native'}`);
    };
    const client = { tls: { rejectUnauthorized: false, cert: alice.certPem, key: alice.keyPem } };
    await withListener(
      cfg({ tlsRequireAndVerifyClientCert: true, tlsClientCaFile: files['ca.pem']! }),
      async (l) => {
        const x = await exchange(l.url, [req('GET', '/v1/a') + req('LIST', '/v1/b') + req('GET', '/v1/c')], { ...client, expect: 3 });
        assert.deepEqual(
          x.responses.map((r) => r.body),
          ['GET /v1/a alice native', 'LIST /v1/b alice tracked', 'GET /v1/c alice tracked'],
        );
        // LIST split across TLS records, behind a request.
        const y = await exchange(l.url, [req('GET', '/v1/d') + 'LI', 'ST /v1/e HTTP/1.1\r\nHost: h\r\n\r\n'], { ...client, expect: 2 });
        assert.deepEqual(
          y.responses.map((r) => r.body),
          ['GET /v1/d alice native', 'LIST /v1/e alice tracked'],
        );
      },
      who,
    );
  });

  it('reloads its certificate; a bad one keeps the current', async () => {
    const c = cfg({ tlsCertFile: write('reload-cert.pem', server.certPem), tlsKeyFile: write('reload-key.pem', server.keyPem) });
    await withListener(c, async (l) => {
      assert.equal((await handshake(l.url, {})).subject, 'first');
      const second = await ca.server('second');
      write('reload-cert.pem', second.certPem);
      write('reload-key.pem', second.keyPem);
      l.reloadCertificates();
      assert.equal((await handshake(l.url, {})).subject, 'second');
      // Garbage, then a certificate that does not match the key: both refused, nothing changes.
      write('reload-cert.pem', 'not a certificate');
      assert.throws(() => l.reloadCertificates());
      write('reload-cert.pem', server.certPem);
      assert.throws(() => l.reloadCertificates(), /key values mismatch|KEY_VALUES_MISMATCH/i);
      assert.equal((await handshake(l.url, {})).subject, 'second');
    });
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `openssl s_client` at TLS 1.2 offering one suite; true when it negotiated that suite. */
function sClient(port: string, cipher: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', `${cipher}:@SECLEVEL=0`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stdin.end();
    p.on('close', (code) => resolve(code === 0 && out.includes(`Cipher is ${cipher}`)));
  });
}
