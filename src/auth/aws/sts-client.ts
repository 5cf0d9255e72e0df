/**
 * Replays the client's signed GetCallerIdentity to the configured STS endpoint, as Vault
 * does: the path of the signed URL on the configured endpoint, the signed URL's host in the
 * Host header (it is covered by the signature), the client's headers and body unchanged.
 * Transport failures and 5xx answers are retried up to max_retries times; a 4xx is final.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Headers, IamRequest } from './iam-request.js';

export interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
}

/** Failures with Vault's `error making upstream request: …` reason text. */
export class StsError extends Error {}

const MAX_BODY = 1 << 20;

interface RawResponse {
  status: number;
  body: string;
}

function send(endpoint: string, r: IamRequest, timeoutMs: number): Promise<RawResponse> {
  const base = new URL(endpoint);
  const target = new URL(base.pathname.replace(/\/+$/, '') + r.url.pathname, base);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers as Headers)) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') headers[k] = v.join(',');
  headers['Host'] = r.url.host;
  const payload = Buffer.from(r.body, 'utf8');
  headers['Content-Length'] = String(payload.length);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method: r.method, headers, minVersion: 'TLSv1.2' } as https.RequestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${base.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

const unescapeXml = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Reads the GetCallerIdentityResult out of STS's XML answer. */
export function parseCallerIdentity(xml: string): CallerIdentity {
  const result = /<GetCallerIdentityResult>([\s\S]*?)<\/GetCallerIdentityResult>/.exec(xml)?.[1];
  const arn = result === undefined ? undefined : tag(result, 'Arn');
  const account = result === undefined ? undefined : tag(result, 'Account');
  const userId = result === undefined ? undefined : tag(result, 'UserId');
  if (arn === undefined || account === undefined || userId === undefined) throw new StsError('error parsing STS response');
  return { arn: unescapeXml(arn), account: unescapeXml(account), userId: unescapeXml(userId) };
}

export async function getCallerIdentity(endpoint: string, r: IamRequest, o: { maxRetries: number; timeoutMs: number }): Promise<CallerIdentity> {
  let last: unknown;
  for (let attempt = 0; attempt <= o.maxRetries; attempt++) {
    let res: RawResponse;
    try {
      res = await send(endpoint, r, o.timeoutMs);
    } catch (e) {
      last = e;
      continue;
    }
    if (res.status >= 500) {
      last = new StsError(`received error code ${res.status} from STS: ${res.body}`);
      continue;
    }
    if (res.status !== 200) throw new StsError(`received error code ${res.status} from STS: ${res.body}`);
    return parseCallerIdentity(res.body);
  }
  if (last instanceof StsError) throw last;
  throw new StsError(`error sending request to STS: ${last instanceof Error ? last.message : String(last)}`);
}
