/**
 * A local OpenID Connect provider for tests, over HTTPS with a throwaway CA: discovery
 * (`/.well-known/openid-configuration`), a JWKS that rotates (`rotate()` adds a key with
 * a new kid and signs with it from then on; `retire()` drops the old ones), and a token
 * signer for any claims. Counts JWKS fetches so cache behaviour can be asserted.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importSPKI, SignJWT, type JWK, type CryptoKey } from 'jose';
import { makeCa } from '../../helpers/test-ca.js';

export type SigningAlg = 'RS256' | 'ES256' | 'PS256' | 'EdDSA';

interface Key {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface OidcProvider {
  issuer: string;
  caPem: string;
  /** Number of JWKS documents served so far. */
  jwksFetches(): number;
  /** The current signing key's kid. */
  kid(): string;
  sign(claims: Record<string, unknown>, o?: { kid?: string; alg?: SigningAlg; omitKid?: boolean }): Promise<string>;
  /** Adds a key (new kid) and signs with it from now on. */
  rotate(alg?: SigningAlg): Promise<string>;
  /** Publishes a key signed elsewhere (e.g. a Kubernetes cluster's service-account key). */
  publish(publicKeyPem: string, kid: string, alg: string): Promise<void>;
  /** Removes every key but the current one from the JWKS. */
  retire(): void;
  /** Extra routes (authorize and token endpoints of the browser flow). */
  route(path: string, handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): void;
  close(): Promise<void>;
}

async function newKey(alg: SigningAlg): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const kid = randomUUID();
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startOidcProvider(o: { path?: string } = {}): Promise<OidcProvider> {
  const ca = await makeCa('oidc-test-ca');
  const cert = await ca.server('oidc-provider');
  const keys: Key[] = [await newKey('RS256')];
  const published: JWK[] = [];
  let fetches = 0;
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse, body: string) => void>();
  const prefix = o.path ?? '';
  let issuer = '';
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      if (path === `${prefix}/.well-known/openid-configuration`) {
        json(res, 200, {
          issuer,
          jwks_uri: `${issuer}/keys`,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256', 'ES256', 'PS256', 'EdDSA'],
          code_challenge_methods_supported: ['S256'],
        });
        return;
      }
      if (path === `${prefix}/keys`) {
        fetches++;
        json(res, 200, { keys: [...keys.map((k) => k.jwk), ...published] });
        return;
      }
      const r = routes.get(path.slice(prefix.length));
      if (r) r(req, res, Buffer.concat(chunks).toString('utf8'));
      else json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  const current = (): Key => keys[keys.length - 1] as Key;
  return {
    issuer,
    caPem: ca.certPem,
    jwksFetches: () => fetches,
    kid: () => current().kid,
    async sign(claims, so = {}) {
      const key = so.kid ? keys.find((k) => k.kid === so.kid) : current();
      if (!key) throw new Error(`no key ${so.kid ?? ''}`);
      return new SignJWT(claims).setProtectedHeader({ alg: so.alg ?? key.alg, ...(so.omitKid ? {} : { kid: key.kid }), typ: 'JWT' }).sign(key.privateKey);
    },
    async rotate(alg = 'RS256') {
      keys.push(await newKey(alg));
      return current().kid;
    },
    async publish(pem, kid, alg) {
      published.push({ ...(await exportJWK(await importSPKI(pem, alg, { extractable: true }))), kid, alg, use: 'sig' });
    },
    retire() {
      keys.splice(0, keys.length - 1);
    },
    route(path, handler) {
      routes.set(path, handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
