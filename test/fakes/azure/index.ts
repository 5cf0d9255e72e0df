/**
 * A local Microsoft Entra ID tenant for the azure auth method's tests (README.md): OIDC
 * discovery and JWKS for `<url>/<tenant>/`, and managed-identity access tokens signed with
 * the tenant key, carrying the claims Azure IMDS tokens carry (oid, tid, xms_mirid…).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, type JWTPayload } from 'jose';

export interface ManagedIdentityToken {
  /** The identity's object (service principal) ID. */
  oid?: string;
  resource: string;
  subscriptionId: string;
  resourceGroup: string;
  vmName?: string;
  vmssName?: string;
  groups?: string[];
  /** Seconds from now (default 3600; negative for expired). */
  expiresIn?: number;
  extra?: JWTPayload;
}

export interface FakeAzureTenant {
  tenantId: string;
  /** The issuer, `<url>/<tenant>/`; discovery is under it. */
  issuer: string;
  issue(t: ManagedIdentityToken): Promise<string>;
  /** Signs with a key the JWKS does not publish (a forgery). */
  forge(t: ManagedIdentityToken): Promise<string>;
  requests: string[];
  close(): Promise<void>;
}

export const mirid = (sub: string, rg: string, vm?: string, vmss?: string): string =>
  vmss
    ? `/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}`
    : `/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.Compute/virtualMachines/${vm ?? ''}`;

export async function startFakeAzureTenant(tenantId = randomUUID()): Promise<FakeAzureTenant> {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.push(path);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (path === `/${tenantId}/.well-known/openid-configuration`) {
      return json(200, { issuer: issuer(), jwks_uri: `${base}/common/discovery/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint: `${base}/${tenantId}/oauth2/token` });
    }
    if (path === '/common/discovery/keys') return json(200, { keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid, use: 'sig', kty: 'RSA' }] });
    return json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = () => `${base}/${tenantId}/`;
  const sign = (t: ManagedIdentityToken, signer: typeof key.privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    const oid = t.oid ?? randomUUID();
    const claims: JWTPayload = {
      aud: t.resource, iss: issuer(), iat: now - 5, nbf: now - 5, exp: now + (t.expiresIn ?? 3600),
      oid, sub: oid, tid: tenantId, appid: randomUUID(), idtyp: 'app',
      xms_mirid: mirid(t.subscriptionId, t.resourceGroup, t.vmName, t.vmssName),
      ...(t.groups ? { groups: t.groups } : {}),
      ...t.extra,
    };
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(signer);
  };
  return {
    tenantId,
    issuer: issuer(),
    issue: (t) => sign(t, key.privateKey),
    forge: (t) => sign(t, rogue.privateKey),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
