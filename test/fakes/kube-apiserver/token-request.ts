/**
 * TokenRequest (`POST /api/v1/namespaces/<ns>/serviceaccounts/<sa>/token`,
 * authentication.k8s.io/v1): validates and defaults the request as the API server does
 * (audiences default to its own, expirationSeconds default 3600 and at least 600, a
 * boundObjectRef to a Pod running as this service account or a Secret, checked by name and
 * uid) and answers 201 with the signed token and its expiry. The RBAC check (`create` on
 * `serviceaccounts/token`) happens before this, in the server.
 */
import { status, type Json } from './http-util.js';

export interface BoundObject {
  name: string;
  uid: string;
}

export interface TokenToSign {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expiresIn: number;
  pod?: BoundObject;
  secret?: BoundObject;
}

/** What a TokenRequest needs to know about the cluster. */
export interface TokenRequestContext {
  apiAudiences: readonly string[];
  serviceAccountUid(namespace: string, name: string): string | undefined;
  pod(namespace: string, name: string): { uid: string; serviceAccountName: string } | undefined;
  secret(namespace: string, name: string): { uid: string } | undefined;
  sign(t: TokenToSign): Promise<string>;
}

export interface Reply {
  code: number;
  body: Json;
}

const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function invalid(sa: string, field: string, value: unknown, why: string): Reply {
  const message = `TokenRequest.authentication.k8s.io "${sa}" is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${why}`;
  return {
    code: 422,
    body: status(422, 'Invalid', message, { name: sa, group: 'authentication.k8s.io', kind: 'TokenRequest', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field }] }),
  };
}

const notFound = (resource: string, name: string): Reply => ({ code: 404, body: status(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource }) });
const badRequest = (message: string): Reply => ({ code: 400, body: status(400, 'BadRequest', message) });

/** Serves one TokenRequest whose body is `raw` (the undecoded request body). */
export async function tokenRequest(ctx: TokenRequestContext, namespace: string, name: string, raw: string, now = Date.now()): Promise<Reply> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    return badRequest(`error decoding TokenRequest: ${(e as Error).message}`);
  }
  if (!isObj(body)) return badRequest('json: cannot unmarshal non-object into Go value of type v1.TokenRequest');
  const saUid = ctx.serviceAccountUid(namespace, name);
  if (saUid === undefined) return notFound('serviceaccounts', name);
  const spec = isObj(body['spec']) ? body['spec'] : {};
  const requested = spec['audiences'];
  if (requested !== undefined && requested !== null && (!Array.isArray(requested) || !requested.every((a) => typeof a === 'string'))) {
    return badRequest('json: cannot unmarshal spec.audiences into Go struct field TokenRequestSpec.spec.audiences of type []string');
  }
  const audiences = Array.isArray(requested) && requested.length > 0 ? (requested as string[]) : [...ctx.apiAudiences];
  const exp = spec['expirationSeconds'] ?? 3600;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) return badRequest('json: cannot unmarshal spec.expirationSeconds into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64');
  if (exp < MIN_SECONDS) return invalid(name, 'spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes');
  if (exp > MAX_SECONDS) return invalid(name, 'spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds');

  const toSign: TokenToSign = { namespace, name, uid: saUid, audiences, expiresIn: exp };
  const ref = spec['boundObjectRef'];
  if (ref !== undefined && ref !== null) {
    if (!isObj(ref)) return badRequest('json: cannot unmarshal spec.boundObjectRef into Go struct field TokenRequestSpec.spec.boundObjectRef of type v1.BoundObjectReference');
    const kind = String(ref['kind'] ?? '');
    const apiVersion = String(ref['apiVersion'] ?? '');
    const refName = String(ref['name'] ?? '');
    const refUid = typeof ref['uid'] === 'string' ? ref['uid'] : '';
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    let uid: string;
    if (group === '' && kind === 'Pod') {
      const pod = ctx.pod(namespace, refName);
      if (!pod) return notFound('pods', refName);
      if (pod.serviceAccountName !== name) return badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      uid = pod.uid;
      toSign.pod = { name: refName, uid };
    } else if (group === '' && kind === 'Secret') {
      const secret = ctx.secret(namespace, refName);
      if (!secret) return notFound('secrets', refName);
      uid = secret.uid;
      toSign.secret = { name: refName, uid };
    } else {
      const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
      return badRequest(`cannot bind token to object of type ${group ? `${group}/` : ''}${version}, Kind=${kind}`);
    }
    if (refUid !== '' && refUid !== uid) {
      return {
        code: 409,
        body: status(409, 'Conflict',
          `Operation cannot be fulfilled on ${kind} "${refName}": the UID in the bound object reference (${refUid}) does not match the UID in record. The object might have been deleted and then recreated`,
          { name: refName, kind }),
      };
    }
  }
  const token = await ctx.sign(toSign);
  const metadata = isObj(body['metadata']) ? { ...body['metadata'] } : {};
  return {
    code: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { ...metadata, name, namespace, creationTimestamp: rfc3339(now) },
      spec: { audiences, expirationSeconds: exp, boundObjectRef: isObj(ref) ? ref : null },
      status: { token, expirationTimestamp: rfc3339(now + exp * 1000) },
    },
  };
}
