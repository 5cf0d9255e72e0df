/**
 * AWS Signature Version 4 (header form) with node:crypto: the one algorithm shared by the
 * login helper that signs `sts:GetCallerIdentity` and the local STS mock that verifies it.
 * Pure: the caller supplies the time, so tests can sign in the past to prove expiry.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  url: URL;
  /** Header names in any case; `host` is taken from the URL when absent. */
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  credentials: AwsCredentials;
  /** Epoch milliseconds. */
  now: number;
}

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string): Buffer => createHmac('sha256', key).update(s, 'utf8').digest();

/** `20150830T123600Z` */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** `20150830T123600Z` back to epoch ms, or NaN. */
export function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams.entries()].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Lower-cased names mapped to trimmed, space-collapsed values. */
export function normaliseHeaders(headers: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) out.set(k.toLowerCase(), v.trim().replace(/\s+/g, ' '));
  return out;
}

/** The canonical request for the given signed header names (lower case, sorted by the caller or here). */
export function canonicalRequest(method: string, url: URL, headers: Map<string, string>, signed: string[], body: string): string {
  const names = [...signed].sort();
  const lines = names.map((n) => `${n}:${headers.get(n) ?? ''}\n`).join('');
  const path = url.pathname === '' ? '/' : url.pathname;
  return [method.toUpperCase(), path, canonicalQuery(url), lines, names.join(';'), sha256Hex(body)].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** The hex signature over a canonical request. */
export function signature(secret: string, date8: string, region: string, service: string, xAmzDate: string, canonical: string): string {
  const scope = `${date8}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', xAmzDate, scope, sha256Hex(canonical)].join('\n');
  return createHmac('sha256', signingKey(secret, date8, region, service)).update(toSign, 'utf8').digest('hex');
}

/** Returns the headers to send: the input plus X-Amz-Date, the session token and Authorization. */
export function signRequest(i: SignInput): Record<string, string> {
  const date = amzDate(i.now);
  const out: Record<string, string> = { ...i.headers, 'X-Amz-Date': date };
  if (i.credentials.sessionToken) out['X-Amz-Security-Token'] = i.credentials.sessionToken;
  const withHost = normaliseHeaders(out);
  if (!withHost.has('host')) withHost.set('host', i.url.host);
  const signed = [...withHost.keys()].sort();
  const canonical = canonicalRequest(i.method, i.url, withHost, signed, i.body);
  const sig = signature(i.credentials.secretAccessKey, date.slice(0, 8), i.region, i.service, date, canonical);
  const scope = `${date.slice(0, 8)}/${i.region}/${i.service}/aws4_request`;
  out['Authorization'] = `AWS4-HMAC-SHA256 Credential=${i.credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${sig}`;
  return out;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; null when malformed. */
export function parseAuthorization(h: string): ParsedAuthorization | null {
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(h.trim());
  if (!m) return null;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!, signedHeaders: m[5]!.split(';'), signature: m[6]! };
}
