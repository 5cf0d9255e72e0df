/**
 * The EC2 instance metadata service (IMDS) as the AWS SDK reads it: an IMDSv2 session token
 * first (`PUT /latest/api/token` with its TTL header), then GETs carrying it. An IMDS without
 * the token API (404/405, as old emulators answer) is read without one, as the SDK falls
 * back; any other refusal of the token (403: IMDS disabled, or a proxied request) is an
 * error. The address is `AWS_EC2_METADATA_SERVICE_ENDPOINT` (the SDK's variable) or the
 * link-local one; AWS_EC2_METADATA_DISABLED=true forbids it. Plain HTTP to a link-local
 * address by design, like the SDK.
 */
import { metadataText } from './metadata-http.js';

export const EC2_IMDS_URL = 'http://169.254.169.254';
export const EC2_IMDS_ENV = 'AWS_EC2_METADATA_SERVICE_ENDPOINT';
/** The SDK's session-token lifetime (6 hours, IMDS's maximum). */
const TOKEN_TTL_S = '21600';
const TIMEOUT_MS = 10_000;
const WHAT = 'EC2 instance metadata';

export function ec2ImdsBase(env: NodeJS.ProcessEnv): string {
  return (env[EC2_IMDS_ENV] || EC2_IMDS_URL).replace(/\/+$/, '');
}

/** An IMDSv2 session token, or undefined when this IMDS has no token API. */
async function sessionToken(base: string): Promise<string | undefined> {
  let res: Response;
  try {
    res = await fetch(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_S },
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${WHAT} session token: ${cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e))}`);
  }
  const body = await res.text();
  if (res.status === 404 || res.status === 405) return undefined;
  if (!res.ok) throw new Error(`${WHAT} session token: HTTP ${res.status}`);
  return body.trim();
}

/** The identity document (as served, the bytes AWS signed) and its base64 SHA256 RSA signature. */
export async function instanceIdentity(env: NodeJS.ProcessEnv): Promise<{ document: string; signature: string }> {
  // The SDK's off switch (set where IMDS must not be reached, e.g. containers that should not inherit the node's identity).
  if ((env['AWS_EC2_METADATA_DISABLED'] ?? '').toLowerCase() === 'true') throw new Error(`${WHAT} access is disabled by AWS_EC2_METADATA_DISABLED`);
  const base = ec2ImdsBase(env);
  const token = await sessionToken(base);
  const headers: Record<string, string> = token ? { 'X-aws-ec2-metadata-token': token } : {};
  const document = await metadataText(`${base}/latest/dynamic/instance-identity/document`, headers, `${WHAT} identity document`);
  const signature = await metadataText(`${base}/latest/dynamic/instance-identity/signature`, headers, `${WHAT} identity signature`);
  return { document, signature: signature.trim() };
}
