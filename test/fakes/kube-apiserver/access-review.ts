/**
 * SubjectAccessReview and SelfSubjectAccessReview (authorization.k8s.io/v1): ask the RBAC
 * authorizer about someone (or oneself) and answer 201 with `status.allowed` and the reason,
 * as `kubectl auth can-i` and controllers that check their own permissions use them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from './accounts.js';
import { readBody, send, status, type Json } from './http-util.js';
import { authorize, forbiddenStatus, type Attributes, type RbacObjects } from './rbac.js';

export interface Reply {
  code: number;
  body: Json;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function invalid(kind: string, field: string, value: unknown, why: string): Reply {
  return {
    code: 422,
    body: status(422, 'Invalid', `${kind}.authorization.k8s.io "" is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${why}`, {
      group: 'authorization.k8s.io',
      kind,
      causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field }],
    }),
  };
}

function attributesOf(kind: string, spec: Json): Attributes | Reply {
  const ra = spec['resourceAttributes'];
  const nra = spec['nonResourceAttributes'];
  if (isObj(ra) === isObj(nra)) {
    return invalid(kind, 'spec.resourceAttributes', ra ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified');
  }
  if (isObj(nra)) return { verb: str(nra['verb']), resourceRequest: false, path: str(nra['path']) };
  const r = ra as Json;
  return {
    verb: str(r['verb']),
    resourceRequest: true,
    apiGroup: str(r['group']),
    resource: str(r['resource']),
    subresource: str(r['subresource']),
    namespace: str(r['namespace']),
    name: str(r['name']),
  };
}

/** Answers a (Self)SubjectAccessReview whose decoded body is `body`; `caller` is who asks. */
export function accessReview(objects: RbacObjects, kind: 'SubjectAccessReview' | 'SelfSubjectAccessReview', body: unknown, caller: UserInfo): Reply {
  if (!isObj(body)) return { code: 400, body: status(400, 'BadRequest', `json: cannot unmarshal non-object into Go value of type v1.${kind}`) };
  const spec = isObj(body['spec']) ? body['spec'] : {};
  const attrs = attributesOf(kind, spec);
  if ('code' in attrs) return attrs;
  let subject: UserInfo = caller;
  if (kind === 'SubjectAccessReview') {
    const groups = Array.isArray(spec['groups']) ? spec['groups'].filter((g): g is string => typeof g === 'string') : [];
    const user = str(spec['user']);
    if (user === '' && groups.length === 0) return invalid(kind, 'spec.user', '', 'at least one of user or group must be specified');
    const extra = isObj(spec['extra']) ? (spec['extra'] as Record<string, string[]>) : {};
    subject = { username: user, uid: str(spec['uid']), groups, extra };
  }
  const d = authorize(objects, subject, attrs);
  return {
    code: 201,
    body: {
      kind,
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) },
    },
  };
}

const ROUTES: Record<string, 'SubjectAccessReview' | 'SelfSubjectAccessReview'> = {
  '/apis/authorization.k8s.io/v1/subjectaccessreviews': 'SubjectAccessReview',
  '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews': 'SelfSubjectAccessReview',
};

/** Serves `POST …/(self)subjectaccessreviews`; false when the request is not one. Authenticated and authorized like any create. */
export function serveAccessReview(
  req: IncomingMessage, res: ServerResponse, pathname: string, objects: RbacObjects,
  authenticate: (req: IncomingMessage) => Promise<UserInfo | null>,
): boolean {
  const kind = ROUTES[pathname];
  if (req.method !== 'POST' || !kind) return false;
  void (async () => {
    const raw = await readBody(req);
    const user = await authenticate(req);
    if (!user) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const attrs: Attributes = { verb: 'create', resourceRequest: true, apiGroup: 'authorization.k8s.io', resource: `${kind.toLowerCase()}s` };
    if (!authorize(objects, user, attrs).allowed) return send(res, 403, forbiddenStatus(user, attrs));
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      return send(res, 400, status(400, 'BadRequest', `error decoding ${kind}: ${(e as Error).message}`));
    }
    const r = accessReview(objects, kind, body, user);
    send(res, r.code, r.body);
  })().catch((e: unknown) => send(res, 500, status(500, 'InternalError', e instanceof Error ? e.message : 'internal error')));
  return true;
}
