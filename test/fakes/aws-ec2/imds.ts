/**
 * A local EC2 instance metadata service (IMDS) for one instance, for the agent's aws ec2
 * auto-auth tests: the instance identity document exactly as signed, its SHA256 RSA
 * `signature` (base64 wrapped at 64 columns, as IMDS serves it) and `pkcs7`, from the
 * fake signer (index.ts). It checks what IMDS checks:
 * - IMDSv2 session tokens: `PUT /latest/api/token` needs `X-aws-ec2-metadata-token-ttl-seconds`
 *   of 1..21600 (else 400) and refuses a request carrying `X-Forwarded-For` (403, IMDS's
 *   guard against being reached through a proxy); a GET with an unknown or expired
 *   `X-aws-ec2-metadata-token` is a 401.
 * - `v2Only` (HttpTokens=required): a GET without a token is a 401.
 * - `v1Only`: an IMDS without the token API (older emulators): the PUT is a 405.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeInstanceSigner, InstanceDocument } from './index.js';

export interface FakeEc2Imds {
  url: string;
  /** `METHOD path` of each request, in order, with `+token` when a session token came. */
  requests: string[];
  /** Makes every issued session token expire (as after its TTL). */
  expireTokens(): void;
  close(): Promise<void>;
}

const wrap64 = (b64: string): string => b64.match(/.{1,64}/g)?.join('\n') ?? '';

export async function startFakeEc2Imds(signer: FakeInstanceSigner, doc: InstanceDocument, o: { v2Only?: boolean; v1Only?: boolean } = {}): Promise<FakeEc2Imds> {
  const signed = signer.signed(doc);
  const documentText = Buffer.from(signed.identity, 'base64').toString('utf8');
  const pkcs7 = wrap64(signer.pkcs7(doc));
  const tokens = new Set<string>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const token = req.headers['x-aws-ec2-metadata-token'];
    requests.push(`${req.method} ${path}${typeof token === 'string' ? ' +token' : ''}`);
    const text = (status: number, body: string) => res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
    if (path === '/latest/api/token') {
      if (o.v1Only || req.method !== 'PUT') return text(405, 'Method Not Allowed');
      if (req.headers['x-forwarded-for'] !== undefined) return text(403, 'Forbidden');
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return text(400, 'Bad Request');
      const t = randomBytes(32).toString('base64');
      tokens.add(t);
      return res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Aws-Ec2-Metadata-Token-Ttl-Seconds': String(ttl) }).end(t);
    }
    if (req.method !== 'GET') return text(405, 'Method Not Allowed');
    if (typeof token === 'string' ? !tokens.has(token) : o.v2Only) return text(401, 'Unauthorized');
    if (path === '/latest/dynamic/instance-identity/document') return text(200, documentText);
    if (path === '/latest/dynamic/instance-identity/signature') return text(200, wrap64(signed.signature));
    if (path === '/latest/dynamic/instance-identity/pkcs7') return text(200, pkcs7);
    return text(404, 'Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    expireTokens: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
