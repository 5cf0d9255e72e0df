/**
 * The four `iam_*` login fields decoded and checked as Vault does before anything is sent
 * to STS: a POST, a base64 URL without a query, a body that is only
 * `Action=GetCallerIdentity` (plus Version), headers as Vault's TypeHeader (base64 JSON, JSON
 * or an object of string or string-list values), and the X-Vault-AWS-IAM-Server-ID header
 * present, equal to the configured value and covered by the signature.
 */

export const IAM_SERVER_ID_HEADER = 'X-Vault-AWS-IAM-Server-ID';

export type Headers = Record<string, string[]>;

export interface IamRequest {
  method: string;
  url: URL;
  body: string;
  headers: Headers;
}

/** A refusal with Vault's text (a 400 from the login path). */
export class IamRequestError extends Error {}

const fail = (m: string): never => {
  throw new IamRequestError(m);
};

function decodeB64(s: string, name: string): string {
  const t = s.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 === 1) fail(`failed to base64 decode ${name}`);
  return Buffer.from(t, 'base64').toString('utf8');
}

function headerMap(obj: unknown): Headers {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return fail('iam_request_headers must be a map of header names to values');
  const out: Headers = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string') out[k] = [v];
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
    else fail(`iam_request_headers: header "${k}" must be a string or a list of strings`);
  }
  return out;
}

/** Vault's TypeHeader: a JSON object, or a string holding JSON or base64 of JSON. */
export function parseHeaders(raw: unknown): Headers {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'string') return headerMap(raw);
  const s = raw.trim();
  let text = s;
  if (!s.startsWith('{')) {
    try {
      text = decodeB64(s, 'iam_request_headers');
    } catch {
      fail('failed to base64 decode iam_request_headers');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('failed to parse iam_request_headers as JSON');
  }
  return headerMap(parsed);
}

/** The first value of a header, matched case-insensitively, joined as Go's Header.Get would not: all values, comma-joined. */
export function headerValue(h: Headers, name: string): string | undefined {
  const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (h[key] ?? []).join(',');
}

export interface LoginFields {
  iam_http_request_method: string;
  iam_request_url: string;
  iam_request_body: string;
  iam_request_headers: unknown;
}

export function decodeIamRequest(f: LoginFields): IamRequest {
  const method = f.iam_http_request_method;
  if (method === '') fail('missing iam_http_request_method');
  if (method !== 'POST') fail("invalid iam_http_request_method; currently only 'POST' is supported");
  if (f.iam_request_url === '') fail('missing iam_request_url');
  const rawUrl = decodeB64(f.iam_request_url, 'iam_request_url');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return fail('error parsing iam_request_url');
  }
  if (url.search !== '') fail('error validating iam_request_url: query parameters are not allowed in a POST request');
  if (f.iam_request_body === '') fail('missing iam_request_body');
  const body = decodeB64(f.iam_request_body, 'iam_request_body');
  validateBody(body);
  const headers = parseHeaders(f.iam_request_headers);
  if (Object.keys(headers).length === 0) fail('missing iam_request_headers');
  return { method, url, body, headers };
}

/** Only GetCallerIdentity may be replayed: anything else would let a client make Ward call other STS actions. */
export function validateBody(body: string): void {
  const qs = new URLSearchParams(body);
  for (const k of new Set(qs.keys())) {
    const v = qs.getAll(k);
    if (k === 'Action') {
      if (v.length !== 1 || v[0] !== 'GetCallerIdentity') fail('iam request body is invalid');
    } else if (k !== 'Version') fail('iam request body is invalid');
  }
  if (!qs.has('Action')) fail('iam request body is invalid');
}

/** Returns the reason text (Vault wraps it as `error validating X-Vault-AWS-IAM-Server-ID header: <reason>`), or null. */
export function serverIdProblem(h: Headers, required: string): string | null {
  const provided = headerValue(h, IAM_SERVER_ID_HEADER) ?? '';
  if (provided === '') return `missing header "${IAM_SERVER_ID_HEADER}"`;
  if (provided !== required) return `expected "${required}" but got "${provided}"`;
  const authz = headerValue(h, 'Authorization');
  if (authz === undefined) return 'missing Authorization header';
  const m = /SignedHeaders=([^,]+)/.exec(authz);
  if (!m) return "vault header wasn't signed";
  const signed = (m[1] ?? '').split(';');
  return signed.includes(IAM_SERVER_ID_HEADER.toLowerCase()) ? null : "vault header wasn't signed";
}

/** The region of the credential scope in the Authorization header, for use_sts_region_from_client. */
export function regionFromAuthorization(h: Headers): string | null {
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(headerValue(h, 'Authorization') ?? '');
  return m?.[1] ?? null;
}
