/**
 * Routing of resource requests: `/api/v1/...` and `/apis/<group>/<version>/...`, namespaced
 * and cluster-scoped, collections, objects and subresources, the legacy `/watch/` prefix.
 * Authenticates the bearer (401 Status when it is unknown), asks the authorizer hook
 * (403 Status as the real server words it), then hands the request to verbs.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from './accounts.js';
import type { Admitter, Attributes, Authorizer, SubresourceHandler } from './hooks.js';
import { readBody, send } from './http-util.js';
import type { Registry, ResourceType } from './registry.js';
import { ApiError, forbidden, methodNotAllowed, routeNotFound, unauthorized } from './status.js';
import type { Store } from './store.js';
import { serveVerb } from './verbs.js';

export interface Route {
  t: ResourceType;
  namespace: string | undefined;
  name: string;
  subresource: string;
  watch: boolean;
}

/** Resolves a path to a resource route, or null when it is not one. */
export function parseRoute(registry: Registry, pathname: string): Route | null {
  const seg = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api' && seg[1]) [group, version, rest] = ['', seg[1], seg.slice(2)];
  else if (seg[0] === 'apis' && seg[1] && seg[2]) [group, version, rest] = [seg[1], seg[2], seg.slice(3)];
  else return null;
  let watch = false;
  if (rest[0] === 'watch') [watch, rest] = [true, rest.slice(1)];
  let namespace: string | undefined;
  // namespaces/<ns>/<plural>… is namespaced; namespaces/<name>[/status|/finalize] is the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] && registry.lookup(group, version, rest[2])?.namespaced) {
    [namespace, rest] = [rest[1], rest.slice(2)];
  }
  const [plural, name = '', subresource = '', ...extra] = rest;
  if (!plural || extra.length > 0) return null;
  const t = registry.lookup(group, version, plural);
  if (!t) return null;
  if (namespace !== undefined && !t.namespaced) return null;
  if (!t.namespaced && t.plural !== 'namespaces' && namespace !== undefined) return null;
  return { t, namespace, name, subresource, watch };
}

/** The API verb of a request on a route. */
export function verbOf(method: string, r: Route, query: URLSearchParams): string | null {
  const collection = r.name === '';
  switch (method) {
    case 'GET':
      if (collection) return r.watch || query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
      return r.watch || query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'get';
    case 'POST': return collection ? 'create' : r.subresource ? 'create' : null;
    case 'PUT': return collection ? null : 'update';
    case 'PATCH': return collection ? null : 'patch';
    case 'DELETE': return collection ? 'deletecollection' : 'delete';
    default: return null;
  }
}

export interface RestDeps {
  registry: Registry;
  store: Store;
  authenticate: (req: IncomingMessage) => Promise<UserInfo | null>;
  authorize: () => Authorizer;
  admit: () => Admitter;
  subresources: Map<string, SubresourceHandler>;
  bookmarkIntervalMs: number;
  /** Open watch streams (their enders). */
  watches: Set<() => void>;
  /** Called with every answered resource request, for assertions. */
  record: (r: RecordedRequest) => void;
}

export interface RecordedRequest {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** The bearer's username, "" when it was not authenticated. */
  user: string;
  contentType: string;
  status: number;
  /** The parsed patch body (PATCH only). */
  patch?: unknown;
}

/** Serves a resource request; false when the path is not a resource route. */
export function serveResource(d: RestDeps, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const route = parseRoute(d.registry, url.pathname);
  if (!route) return false;
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const rec: RecordedRequest = {
    verb: '', group: route.t.group, resource: route.t.plural, subresource: route.subresource,
    namespace: route.namespace ?? '', name: route.name, user: '', contentType, status: 0,
  };
  const reply = (code: number, body: unknown): void => {
    rec.status = code;
    d.record(rec);
    if (!res.headersSent) send(res, code, body);
  };
  void (async () => {
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '') ? await readBody(req) : '';
    const user = await d.authenticate(req);
    if (!user) throw unauthorized();
    rec.user = user.username;
    const verb = verbOf(req.method ?? '', route, url.searchParams);
    if (!verb || !route.t.verbs.includes(verb)) throw methodNotAllowed();
    rec.verb = verb;
    const attrs: Attributes = {
      verb, apiGroup: route.t.group, resource: route.t.plural, subresource: route.subresource,
      namespace: route.t.plural === 'namespaces' && route.t.group === '' ? route.name : (route.namespace ?? ''),
      name: route.name,
    };
    if (!(await d.authorize()(user, attrs))) {
      throw forbidden({ user: user.username, verb, resource: route.t.plural, subresource: route.subresource, group: route.t.group, namespace: attrs.namespace || undefined, name: route.name || undefined });
    }
    if (route.subresource && route.subresource !== 'status') {
      const handler = d.subresources.get(`${route.t.group}/${route.t.plural}/${route.subresource}`);
      if (!handler) throw routeNotFound();
      const out = await handler({ req, t: route.t, namespace: route.namespace, name: route.name, user, body, store: d.store });
      return reply(out.code, out.body);
    }
    if (route.subresource === 'status' && !route.t.status) throw routeNotFound();
    const out = await serveVerb({ ...d, req, res, url, route, verb, user, body, contentType, rec });
    if (out) reply(out.code, out.body);
    else {
      rec.status = 200; // a watch stream
      d.record(rec);
    }
  })().catch((e: unknown) => {
    if (e instanceof ApiError) return reply(e.code, e.body);
    reply(500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e instanceof Error ? e.message : 'internal error', reason: 'InternalError', code: 500 });
  });
  return true;
}
