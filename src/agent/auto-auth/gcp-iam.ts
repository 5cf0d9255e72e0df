/**
 * The gcp method's iam type: has the IAM Credentials API sign `{sub, aud, exp}` as the
 * service account (`signJwt`), authorised by an OAuth2 access token from, in order, the
 * `credentials` key (JSON contents), the key file named by GOOGLE_APPLICATION_CREDENTIALS,
 * or the GCE metadata server. A key's access token comes from its `token_uri` through the
 * JWT-bearer grant, with an assertion signed by the key.
 *
 * `WARD_TEST_GCP_IAM_URL` (test only) replaces the IAM Credentials API's address.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import type { GcpParams } from './gcp.js';
import { gceMetadataBase, metadataGet } from './metadata-http.js';

export const IAM_URL = 'https://iamcredentials.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const TIMEOUT_MS = 10_000;

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
  project_id?: string;
}

function parseKey(json: string, from: string): ServiceAccountKey {
  let k: Partial<ServiceAccountKey> & { type?: string };
  try {
    k = JSON.parse(json) as typeof k;
  } catch {
    throw new Error(`gcp: ${from} is not a JSON service account key`);
  }
  if (k.type !== 'service_account' || !k.client_email || !k.private_key || !k.token_uri) {
    throw new Error(`gcp: ${from} is not a service account key (type, client_email, private_key and token_uri are needed)`);
  }
  return k as ServiceAccountKey;
}

/** Refuses to send a bearer assertion or token in the clear, except to this machine (tests, local proxies). */
function checkTransport(url: string, what: string): void {
  const u = new URL(url);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !loopback) throw new Error(`gcp: ${what} ${u.origin} must be https`);
}

async function postJson(url: string, init: { headers: Record<string, string>; body: string }, what: string): Promise<Record<string, unknown>> {
  checkTransport(url, what);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`gcp: ${what}: ${cause?.code ?? cause?.message ?? String(e)}`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported by status below
  }
  if (!res.ok) {
    const err = body['error'];
    const msg = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : (body['error_description'] ?? err);
    throw new Error(`gcp: ${what}: HTTP ${res.status}${typeof msg === 'string' ? `: ${msg.slice(0, 200)}` : ''}`);
  }
  return body;
}

/** An access token for the key, through its token_uri (JWT-bearer grant). */
async function keyAccessToken(key: ServiceAccountKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ scope: SCOPE })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) })
    .setIssuer(key.client_email)
    .setAudience(key.token_uri)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(createPrivateKey(key.private_key));
  const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
  const r = await postJson(key.token_uri, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body }, 'token endpoint');
  if (typeof r['access_token'] !== 'string') throw new Error('gcp: token endpoint: the answer holds no access_token');
  return r['access_token'];
}

/** The signed login JWT for `p` (iam type). */
export async function iamSignedJwt(p: GcpParams, env: NodeJS.ProcessEnv): Promise<string> {
  let key: ServiceAccountKey | undefined;
  if (p.credentials) key = parseKey(p.credentials, 'credentials');
  else if (env['GOOGLE_APPLICATION_CREDENTIALS']) {
    const path = env['GOOGLE_APPLICATION_CREDENTIALS'];
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`gcp: cannot read GOOGLE_APPLICATION_CREDENTIALS ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    key = parseKey(text, path);
  }
  const serviceAccount = p.serviceAccount || key?.client_email || '';
  if (!serviceAccount) throw new Error('gcp: could not obtain service account from credentials; you must provide a service account to authenticate as (service_account)');
  let accessToken: string;
  if (key) accessToken = await keyAccessToken(key);
  else {
    const t = (await metadataGet(`${gceMetadataBase(env)}/computeMetadata/v1/instance/service-accounts/default/token`, { 'Metadata-Flavor': 'Google' }, 'GCE metadata access token')) as { access_token?: unknown } | null;
    if (typeof t?.access_token !== 'string') throw new Error('GCE metadata access token: the answer holds no access_token');
    accessToken = t.access_token;
  }
  const project = p.project || key?.project_id || '-';
  const payload = JSON.stringify({ aud: `http://vault/${p.role}`, sub: serviceAccount, exp: Math.floor(Date.now() / 1000) + p.jwtExpMinutes * 60 });
  const base = (env['WARD_TEST_GCP_IAM_URL'] || IAM_URL).replace(/\/+$/, '');
  // The resource name keeps its '@' unescaped, as Google's own clients send it.
  const seg = (v: string): string => encodeURIComponent(v).replace(/%40/g, '@');
  const url = `${base}/v1/projects/${seg(project)}/serviceAccounts/${seg(serviceAccount)}:signJwt`;
  const r = await postJson(url, { headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ payload }) }, 'signJwt');
  if (typeof r['signedJwt'] !== 'string') throw new Error('gcp: signJwt: the answer holds no signedJwt');
  return r['signedJwt'];
}
