/** A PKI backend on in-memory storage for unit tests, with a root CA helper, and CAs made outside Ward. */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { silentLogger, type LogicalResponse, type Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { testRequest } from '../../sdk/testing.js';
import { pkiBackend } from './index.js';

async function* once(b: Buffer): AsyncIterable<Buffer> {
  yield b;
}

/**
 * `tickMs`: how often the mount's periodic work (auto-tidy, CRL auto-rebuild) runs; tests shorten it.
 * `storage`: an existing mount's storage, as when a mount is loaded again (unseal, restart).
 */
export function pkiMount(opts: { tickMs?: number; storage?: InmemStorage } = {}) {
  const storage = opts.storage ?? new InmemStorage();
  const backend = pkiBackend({ storage, logger: silentLogger, system: { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 10 * 365 * 86400, options: () => ({}) } }, opts.tickMs === undefined ? {} : { tickMs: opts.tickMs });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}, body?: Buffer): Promise<LogicalResponse | null> =>
    backend.handleRequest(
      testRequest(storage, operation, path, data, { mountPoint: 'pki/', mountType: 'pki', mountAccessor: 'pki_1', clientToken: '', ...(body ? { body: once(body) } : {}) }),
    );
  const data = async (op: Operation, path: string, body: Record<string, unknown> = {}) => (await call(op, path, body))?.data as Record<string, any>; // any: asserted field by field
  /** A root CA and a role `web` allowing example.com names. */
  const withRoot = async (keyType = 'ec') => {
    const root = await data('update', 'root/generate/internal', { common_name: 'Ward Root', ttl: '87600h', key_type: keyType, issuer_name: 'root' });
    await call('update', 'roles/web', { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '72h', key_type: 'ec' });
    return root;
  };
  const issue = async (cn = 'app.example.com') => data('update', 'issue/web', { common_name: cn, ttl: '1h' });
  /** Moves a stored certificate's (and its revocation's) notAfter into the past, as time passing would. */
  const expire = async (serial: string, agoSec = 3600) => {
    const key = serial.replace(/:/g, '-');
    for (const p of [`certs/${key}`, `revoked/${key}`]) {
      const raw = await storage.get(p);
      if (raw) await storage.put(p, Buffer.from(JSON.stringify({ ...JSON.parse(raw.toString()), notAfter: Date.now() - agoSec * 1000 })));
    }
  };
  return { storage, backend, call, data, withRoot, issue, expire };
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A CA made outside Ward (certificate and PKCS#8 key, PEM), as an operator would import. */
export async function externalCa(cn: string, crlSign = true): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const usages = x509.KeyUsageFlags.keyCertSign | (crlSign ? x509.KeyUsageFlags.cRLSign : 0);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0b1c2d3e',
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(usages, true)],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return { cert: cert.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n` };
}

