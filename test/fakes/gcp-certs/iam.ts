/**
 * A local Google OAuth2 token endpoint and IAM Credentials `signJwt`, for the agent's gcp
 * iam auto-auth tests (README.md). `keyFile(email)` makes a service-account key file for a
 * caller (token_uri pointing here); the token endpoint checks the JWT-bearer assertion's
 * signature, issuer and audience and hands out an access token; `signJwt` checks the bearer
 * token and that the caller may sign as the target account (itself, or granted with
 * `allow`), then signs the payload with the target account's key from the certs fake.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import type { ServiceAccountKey } from './index.js';

export interface FakeGcpIam {
  url: string;
  /** A service account key file (JSON text) for `email`, whose token_uri is this server. */
  keyFile(email: string, projectId: string): string;
  /** An access token for `email`, as the metadata server would hand out. */
  accessTokenFor(email: string): string;
  /** Lets `caller` sign JWTs as `target` (roles/iam.serviceAccountTokenCreator). */
  allow(caller: string, target: string): void;
  /** Target accounts that can be signed for, with their keys. */
  addTarget(sa: ServiceAccountKey): void;
  requests: string[];
  close(): Promise<void>;
}

const gerr = (code: number, status: string, message: string) => ({ error: { code, message, status } });

export async function startFakeGcpIam(): Promise<FakeGcpIam> {
  const callers = new Map<string, { kid: string; publicKey: KeyObject }>();
  const tokens = new Map<string, string>();
  const grants = new Set<string>();
  const targets = new Map<string, ServiceAccountKey>();
  const requests: string[] = [];
  let url = '';
  const issue = (email: string) => {
    const t = `ya29.${randomBytes(24).toString('base64url')}`;
    tokens.set(t, email);
    return t;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(req.url ?? '');
      const body = Buffer.concat(chunks).toString('utf8');
      const json = (status: number, b: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(b));
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (req.method === 'POST' && path === '/token') {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return json(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
        const assertion = form.get('assertion') ?? '';
        let iss = '';
        try {
          iss = String(JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')).iss ?? '');
        } catch {
          return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT.' });
        }
        const caller = callers.get(iss);
        if (!caller) return json(400, { error: 'invalid_grant', error_description: 'Invalid grant: account not found' });
        void jwtVerify(assertion, caller.publicKey, { issuer: iss, audience: `${url}/token`, algorithms: ['RS256'] }).then(
          () => json(200, { access_token: issue(iss), expires_in: 3599, token_type: 'Bearer' }),
          () => json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }),
        );
        return;
      }
      const m = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/:]+):signJwt$/.exec(path);
      if (req.method === 'POST' && m) {
        const caller = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!caller) return json(401, gerr(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
        const target = targets.get(m[2] ?? '');
        if (!target || (caller !== target.email && !grants.has(`${caller}>${target.email}`))) {
          return json(403, gerr(403, 'PERMISSION_DENIED', "Permission 'iam.serviceAccounts.signJwt' denied on resource (or it may not exist)."));
        }
        let claims: Record<string, unknown>;
        try {
          claims = JSON.parse(String((JSON.parse(body) as { payload?: unknown }).payload)) as Record<string, unknown>;
        } catch {
          return json(400, gerr(400, 'INVALID_ARGUMENT', 'Invalid value at payload: not a JSON object'));
        }
        void target.sign(claims).then((signedJwt) => json(200, { keyId: target.kid, signedJwt }), (e: unknown) => json(500, gerr(500, 'INTERNAL', String(e))));
        return;
      }
      json(404, gerr(404, 'NOT_FOUND', 'Not Found'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    keyFile(email, projectId) {
      const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = randomBytes(20).toString('hex');
      callers.set(email, { kid, publicKey: k.publicKey });
      return JSON.stringify({
        type: 'service_account', project_id: projectId, private_key_id: kid, private_key: k.privateKey.export({ format: 'pem', type: 'pkcs8' }),
        client_email: email, client_id: '1', token_uri: `${url}/token`,
      });
    },
    accessTokenFor: issue,
    allow: (caller, target) => grants.add(`${caller}>${target}`),
    addTarget: (sa) => targets.set(sa.email, sa),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
