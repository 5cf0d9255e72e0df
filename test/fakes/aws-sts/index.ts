/**
 * A local AWS STS endpoint for the aws auth method's tests (README.md): answers
 * GetCallerIdentity for known test credentials after checking the SigV4 signature, the
 * region of the credential scope and the 15-minute clock window as STS does, with STS's
 * XML error documents otherwise. Plain HTTP on loopback; every request is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignedRequest, type StsIdentity } from './verify.js';

export type { StsIdentity } from './verify.js';

export interface FakeStsOptions {
  /** The region this endpoint serves (default us-east-1, as the global endpoint). */
  region?: string;
  identities: StsIdentity[];
  /** Epoch ms (default Date.now). */
  now?: () => number;
  /** Answer 503 to this many requests first (retry tests). */
  failFirst?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

export interface FakeSts {
  url: string;
  requests: RecordedRequest[];
  /** Makes the next `n` requests answer 503 ServiceUnavailable. */
  failNext(n: number): void;
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function errorXml(code: string, message: string, type = 'Sender'): string {
  return `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${code}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`;
}

function identityXml(i: StsIdentity): string {
  return `<GetCallerIdentityResponse xmlns="${NS}">\n  <GetCallerIdentityResult>\n    <Arn>${xmlEscape(i.arn)}</Arn>\n    <UserId>${xmlEscape(i.userId)}</UserId>\n    <Account>${i.account}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeSts(o: FakeStsOptions): Promise<FakeSts> {
  const region = o.region ?? 'us-east-1';
  const now = o.now ?? (() => Date.now());
  const requests: RecordedRequest[] = [];
  let failures = o.failFirst ?? 0;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const answer = (status: number, xml: string) => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers, body, status });
      res.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': randomUUID() }).end(xml);
    };
    if (failures > 0) {
      failures--;
      return answer(503, errorXml('ServiceUnavailable', 'Service is unable to handle request.', 'Receiver'));
    }
    if (req.method !== 'POST') return answer(400, errorXml('InvalidAction', 'Could not find operation for this request'));
    const params = new URLSearchParams(body);
    if (params.get('Action') !== 'GetCallerIdentity') return answer(400, errorXml('InvalidAction', `Could not find operation ${params.get('Action') ?? ''} for version ${params.get('Version') ?? ''}`));
    const v = verifySignedRequest({ region, identities: o.identities, now: now() }, req.method, req.url ?? '/', headers, body);
    if ('code' in v) return answer(v.status, errorXml(v.code, v.message));
    return answer(200, identityXml(v));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(n: number) {
      failures = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
