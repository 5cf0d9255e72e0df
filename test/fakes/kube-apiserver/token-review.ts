/**
 * `POST /apis/authentication.k8s.io/v1/tokenreviews`: the caller is authenticated and
 * authorized like any request, then the reviewed token is checked by the cluster's
 * authenticator and the result reported in the TokenReview status as the real server does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster, UserInfo } from './accounts.js';
import type { Authorizer } from './hooks.js';
import { readBody, send } from './http-util.js';
import { forbidden, status, type Json } from './status.js';

export interface RecordedReview {
  /** Who called (the bearer's username), or "" when the bearer was rejected. */
  caller: string;
  audiences: string[];
  status: number;
}

export async function tokenReview(
  req: IncomingMessage, res: ServerResponse, cluster: Cluster,
  authenticate: (req: IncomingMessage) => Promise<UserInfo | null>, authorize: Authorizer, reviews: RecordedReview[],
): Promise<void> {
  const raw = await readBody(req);
  const user = await authenticate(req);
  let body: Json;
  try {
    body = JSON.parse(raw) as Json;
  } catch {
    body = {};
  }
  const spec = (body['spec'] ?? {}) as { token?: unknown; audiences?: unknown };
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  const record = (code: number) => reviews.push({ caller: user?.username ?? '', audiences, status: code });
  if (user === null) {
    record(401);
    return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
  }
  if (!(await authorize(user, { verb: 'create', apiGroup: 'authentication.k8s.io', resource: 'tokenreviews', subresource: '', namespace: '', name: '' }))) {
    record(403);
    const e = forbidden({ user: user.username, verb: 'create', resource: 'tokenreviews', group: 'authentication.k8s.io' });
    return send(res, 403, e.body);
  }
  if (typeof spec.token !== 'string' || spec.token === '') {
    record(400);
    return send(res, 400, status(400, 'BadRequest', 'token is required for TokenReview in authentication'));
  }
  const result = await cluster.authenticate(spec.token, audiences);
  const st: Json = { user: result.user ?? {} };
  if (result.user) {
    st['authenticated'] = true;
    st['audiences'] = result.audiences;
  }
  if (result.error) st['error'] = result.error;
  record(201);
  send(res, 201, {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token: spec.token, ...(audiences.length > 0 ? { audiences } : {}) },
    status: st,
  });
}
