/**
 * Replays the client's signed GetCallerIdentity to the configured STS endpoint, as Vault
 * does: the path of the signed URL on the configured endpoint, the signed URL's host in the
 * Host header (it is covered by the signature), the client's headers and body unchanged.
 * Transport failures and 5xx answers are retried up to max_retries times; a 4xx is final.
 */
import { awsRequest, xmlTag, type AwsAnswer } from './aws-http.js';
import type { Headers, IamRequest } from './iam-request.js';

export interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
}

/** Failures with Vault's `error making upstream request: …` reason text. */
export class StsError extends Error {}

function send(endpoint: string, r: IamRequest, timeoutMs: number): Promise<AwsAnswer> {
  const base = new URL(endpoint);
  const target = new URL(base.pathname.replace(/\/+$/, '') + r.url.pathname, base);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers as Headers)) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') headers[k] = v.join(',');
  headers['Host'] = r.url.host;
  const payload = Buffer.from(r.body, 'utf8');
  headers['Content-Length'] = String(payload.length);
  return awsRequest(target, r.method, headers, payload, { timeoutMs, host: base.host });
}

const unescapeXml = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Reads the GetCallerIdentityResult out of STS's XML answer. */
export function parseCallerIdentity(xml: string): CallerIdentity {
  const result = /<GetCallerIdentityResult>([\s\S]*?)<\/GetCallerIdentityResult>/.exec(xml)?.[1];
  const arn = result === undefined ? undefined : xmlTag(result, 'Arn');
  const account = result === undefined ? undefined : xmlTag(result, 'Account');
  const userId = result === undefined ? undefined : xmlTag(result, 'UserId');
  if (arn === undefined || account === undefined || userId === undefined) throw new StsError('error parsing STS response');
  return { arn: unescapeXml(arn), account: unescapeXml(account), userId: unescapeXml(userId) };
}

export async function getCallerIdentity(endpoint: string, r: IamRequest, o: { maxRetries: number; timeoutMs: number }): Promise<CallerIdentity> {
  let last: unknown;
  for (let attempt = 0; attempt <= o.maxRetries; attempt++) {
    let res: AwsAnswer;
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
