/**
 * What AWS STS checks on a signed GetCallerIdentity before answering, in the order it
 * reports them: a known access key, a well-formed credential scope for `sts` in this
 * endpoint's region, the scope date equal to X-Amz-Date, the time within 15 minutes, the
 * host header signed, and the signature recomputed over what actually arrived.
 */
import { timingSafeEqual } from 'node:crypto';
import { canonicalRequest, normaliseHeaders, parseAmzDate, parseAuthorization, signature } from '../../../src/lib/aws-sigv4.js';

export interface StsIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
  userId: string;
  account: string;
}

export interface StsError {
  status: number;
  code: string;
  message: string;
}

const SKEW_MS = 15 * 60_000;

const err = (code: string, message: string, status = 403): StsError => ({ status, code, message });

export function verifySignedRequest(
  o: { region: string; identities: readonly StsIdentity[]; now: number },
  method: string,
  path: string,
  rawHeaders: Record<string, string>,
  body: string,
): StsIdentity | StsError {
  const headers = normaliseHeaders(rawHeaders);
  const authz = headers.get('authorization');
  if (!authz) return err('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const p = parseAuthorization(rawHeaders[Object.keys(rawHeaders).find((k) => k.toLowerCase() === 'authorization') ?? ''] ?? '');
  if (!p) return err('IncompleteSignature', 'Authorization header requires \'Credential\', \'Signature\' and \'SignedHeaders\' parameters.', 400);
  const who = o.identities.find((i) => i.accessKeyId === p.accessKeyId);
  if (!who) return err('InvalidClientTokenId', 'The security token included in the request is invalid.');
  if (p.service !== 'sts') return err('SignatureDoesNotMatch', `Credential should be scoped to correct service: 'sts'. `);
  if (p.region !== o.region) return err('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${p.region}'. `);
  const xAmzDate = headers.get('x-amz-date') ?? '';
  const at = parseAmzDate(xAmzDate);
  if (Number.isNaN(at)) return err('IncompleteSignature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", 400);
  if (xAmzDate.slice(0, 8) !== p.date) return err('SignatureDoesNotMatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${p.date}' != '${xAmzDate.slice(0, 8)}', from '${xAmzDate}'.`);
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  if (at < o.now - SKEW_MS) return err('SignatureDoesNotMatch', `Signature expired: ${xAmzDate} is now earlier than ${stamp(o.now - SKEW_MS)} (${stamp(o.now)} - 15 min.)`);
  if (at > o.now + SKEW_MS) return err('SignatureDoesNotMatch', `Signature not yet current: ${xAmzDate} is still later than ${stamp(o.now + SKEW_MS)} (${stamp(o.now)} + 15 min.)`);
  if (!p.signedHeaders.includes('host')) return err('SignatureDoesNotMatch', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  const url = new URL(`https://${headers.get('host') ?? ''}${path}`);
  const canonical = canonicalRequest(method, url, headers, p.signedHeaders, body);
  const want = Buffer.from(signature(who.secretAccessKey, p.date, p.region, 'sts', xAmzDate, canonical), 'hex');
  const got = Buffer.from(p.signature, 'hex');
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    return err('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
  return who;
}
