/**
 * TokenReview: asks the API server whether a service-account JWT is valid right now
 * (signature, expiry, the service account and bound pod still existing) and who it
 * belongs to. The response checks follow the reference; any failure is a 403.
 */
import { isWellFormed } from '../../lib/unicode.js';
import { WardError } from '../../sdk/errors.js';
import { kubeRequest, type KubeTarget } from './kube-client.js';

export const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';

/** The service account the API server vouches for. */
export interface ReviewedAccount {
  namespace: string;
  name: string;
  uid: string;
}

export const reviewDenied = (detail: string): WardError =>
  new WardError('permission_denied', ['permission denied', `lookup failed: ${detail}`]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Validates one TokenReview HTTP exchange; `sentAudiences` are the audiences in the request. */
export function validateReview(status: number, bodyText: string, sentAudiences: readonly string[]): ReviewedAccount {
  if (status === 401) throw reviewDenied('service account unauthorized; it may have been deleted');
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  if (isRecord(body) && body['kind'] === 'Status' && body['status'] !== 'Success') {
    const msg = typeof body['message'] === 'string' && body['message'] !== '' ? body['message'] : `status ${status}`;
    throw reviewDenied(msg);
  }
  if (status < 200 || status > 206) throw reviewDenied(`the API server answered with status ${status}`);
  if (!isRecord(body) || !isRecord(body['status'])) throw reviewDenied('the API server returned an unreadable TokenReview');

  const st = body['status'];
  if (typeof st['error'] === 'string' && st['error'] !== '') throw reviewDenied(st['error']);
  if (st['authenticated'] !== true) throw reviewDenied('service account jwt not valid');
  if (sentAudiences.length > 0) {
    const granted = strings(st['audiences']);
    if (!granted.some((a) => sentAudiences.includes(a))) throw reviewDenied('token audiences do not match the requested audiences');
  }
  const user = isRecord(st['user']) ? st['user'] : {};
  const parts = typeof user['username'] === 'string' ? user['username'].split(':') : [];
  if (parts.length !== 4 || parts[0] !== 'system' || parts[1] !== 'serviceaccount') {
    throw reviewDenied('the reviewed user is not a service account');
  }
  const uid = typeof user['uid'] === 'string' ? user['uid'] : '';
  const [, , namespace = '', name = ''] = parts;
  // Names that are not valid Unicode could reach neither a URL (the namespace lookup) nor a stored token.
  const usable = (v: string) => v !== '' && isWellFormed(v);
  if (!usable(namespace) || !usable(name) || !usable(uid)) throw reviewDenied('the review did not name a complete service account');
  return { namespace, name, uid };
}

/** Posts the review and validates the answer. Transport failures surface as 502s from the client. */
export async function reviewToken(target: KubeTarget, jwt: string, audiences: readonly string[]): Promise<ReviewedAccount> {
  const request = {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token: jwt, ...(audiences.length > 0 ? { audiences: [...audiences] } : {}) },
  };
  const res = await kubeRequest(target, 'POST', TOKEN_REVIEW_PATH, request);
  return validateReview(res.status, res.body, audiences);
}

/** Labels of a namespace, or null when it cannot be read (absent, or no RBAC to read it). */
export async function namespaceLabels(target: KubeTarget, namespace: string): Promise<Record<string, string> | null> {
  const res = await kubeRequest(target, 'GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
  if (res.status !== 200) return null;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return null;
  }
  const meta = isRecord(body) && isRecord(body['metadata']) ? body['metadata'] : {};
  const labels = isRecord(meta['labels']) ? meta['labels'] : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}
