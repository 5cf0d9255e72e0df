/**
 * The login data for the aws auth method's iam type, as the vault CLI and SDKs build it:
 * an `sts:GetCallerIdentity` POST signed with the caller's credentials (optionally over
 * the X-Vault-AWS-IAM-Server-ID header), sent to Ward base64-encoded instead of to STS.
 */
import { signRequest, type AwsCredentials } from './aws-sigv4.js';

export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

export interface IamLoginInput {
  credentials: AwsCredentials;
  /** Region of the credential scope (default us-east-1). */
  region?: string;
  /** The STS URL the request is signed for (default https://sts.amazonaws.com/, or the regional one when region is set). */
  stsUrl?: string;
  /** The value of X-Vault-AWS-IAM-Server-ID, when the mount requires one. */
  serverIdHeaderValue?: string;
  /** Epoch ms (default now). */
  now?: number;
}

export interface IamLoginData {
  iam_http_request_method: 'POST';
  iam_request_url: string;
  iam_request_body: string;
  iam_request_headers: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export function iamLoginData(i: IamLoginInput): IamLoginData {
  const region = i.region ?? 'us-east-1';
  const url = new URL(i.stsUrl ?? (i.region && i.region !== 'us-east-1' ? `https://sts.${region}.amazonaws.com/` : 'https://sts.amazonaws.com/'));
  const base: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' };
  if (i.serverIdHeaderValue) base['X-Vault-AWS-IAM-Server-ID'] = i.serverIdHeaderValue;
  const signed = signRequest({ method: 'POST', url, headers: base, body: GET_CALLER_IDENTITY_BODY, region, service: 'sts', credentials: i.credentials, now: i.now ?? Date.now() });
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(signed)) headers[k] = [v];
  return {
    iam_http_request_method: 'POST',
    iam_request_url: b64(url.href),
    iam_request_body: b64(GET_CALLER_IDENTITY_BODY),
    iam_request_headers: b64(JSON.stringify(headers)),
  };
}
