/**
 * Google's public signing keys for the gcp auth method's tests (README.md): the
 * Google-wide OAuth2 JWKS (`/oauth2/v3/certs`, which signs metadata-server identity tokens)
 * and each service account's X.509 key map (`/service_accounts/v1/metadata/x509/<email>`,
 * which verifies JWTs signed by iamcredentials signJwt). Plain HTTP on loopback.
 */
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { SignJWT, type JWTPayload } from 'jose';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

export interface ServiceAccountKey {
  email: string;
  uniqueId: string;
  kid: string;
  /** A JWT signed with this account's key, as iamcredentials signJwt returns. */
  sign(claims: JWTPayload, o?: { kid?: string }): Promise<string>;
}

export interface FakeGcpCerts {
  /** The `custom_endpoint.api` base URL. */
  url: string;
  addServiceAccount(email: string, uniqueId?: string): Promise<ServiceAccountKey>;
  /** An identity token signed by the Google-wide key (as the GCE metadata server issues). */
  signGoogle(claims: JWTPayload): Promise<string>;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

interface Keypair {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

async function keypair(): Promise<Keypair & { certPem: string }> {
  const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=fake-gcp', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), keys, signingAlgorithm: RSA,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return { kid: randomBytes(20).toString('hex'), privateKey, publicKey: createPublicKey(privateKey), certPem: `${cert.toString('pem')}\n` };
}

const signWith = (k: Keypair, claims: JWTPayload, kid = k.kid): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(k.privateKey);

export async function startFakeGcpCerts(): Promise<FakeGcpCerts> {
  const google = await keypair();
  const accounts = new Map<string, Keypair & { certPem: string }>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    requests.push(path);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET') return json(405, { error: { code: 405, message: 'Method not allowed' } });
    if (path === '/oauth2/v3/certs') {
      const jwk = google.publicKey.export({ format: 'jwk' });
      return json(200, { keys: [{ ...jwk, kid: google.kid, alg: 'RS256', use: 'sig' }] });
    }
    const m = /^\/service_accounts\/v1\/metadata\/x509\/([^/]+)$/.exec(path);
    const sa = m ? accounts.get(m[1] ?? '') : undefined;
    if (sa) return json(200, { [sa.kid]: sa.certPem });
    return json(404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    async addServiceAccount(email, uniqueId = String(100000000000000000000n + BigInt(accounts.size))) {
      const k = await keypair();
      accounts.set(email, k);
      return { email, uniqueId, kid: k.kid, sign: (claims, o) => signWith(k, claims, o?.kid) };
    },
    signGoogle: (claims) => signWith(google, claims),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
