/**
 * The verbs on stored resources: get, list (with limit/continue), watch, create, update,
 * patch (JSON, merge, strategic merge), delete and deletecollection, the `/status`
 * subresource, `dryRun=All`, and admission on CREATE/UPDATE before the store is written.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from './accounts.js';
import type { Admitter } from './hooks.js';
import { applyJsonPatch, applyMergePatch, PatchApplyError } from './patch-apply.js';
import { groupVersion, type ResourceType } from './registry.js';
import type { RecordedRequest, Route } from './rest.js';
import { fieldSelector, labelSelector } from './selectors.js';
import { ApiError, badRequest, invalid, status, success, unsupportedMediaType } from './status.js';
import type { KObj, Propagation, Store } from './store.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { admitServiceAccount } from './pod-admission.js';
import { decode } from './validate.js';
import { serveWatch } from './watch.js';
import { addWarning } from './admission.js';

export interface VerbContext {
  store: Store;
  admit: () => Admitter;
  bookmarkIntervalMs: number;
  watches: Map<() => void, string>;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: Route;
  verb: string;
  user: UserInfo;
  body: string;
  contentType: string;
  rec: RecordedRequest;
}

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

/** RBAC and the rest treat these as returning the object on delete; others answer a Status. */
const RETURNS_DELETED = new Set(['/pods', '/namespaces', '/serviceaccounts']);

/** The object as the requested version shows it. */
const present = (t: ResourceType) => (o: KObj): KObj => ({ ...o, apiVersion: groupVersion(t), kind: t.kind });

function parseObject(text: string, t: ResourceType): KObj {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw badRequest(`the object provided is unrecognized (must be of type ${t.kind}): couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`the object provided is unrecognized (must be of type ${t.kind})`);
  const o = v as KObj;
  // Typed kinds default apiVersion/kind when absent; unstructured (custom) ones must say them.
  // The real server echoes the whole body; only its metadata here, as the rest may hold secrets.
  if (t.custom && (typeof o.kind !== 'string' || o.kind === '')) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify({ metadata: o.metadata })}'`);
  if (o.apiVersion !== undefined && o.apiVersion !== groupVersion(t)) {
    throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${groupVersion(t)})`);
  }
  if (o.kind !== undefined && o.kind !== t.kind) throw badRequest(`the object provided is unrecognized (must be of type ${t.kind}): (${String(o.kind)})`);
  o.metadata = typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {};
  return o;
}

function dryRunOf(q: URLSearchParams, body?: { dryRun?: unknown }): boolean {
  const values = [...q.getAll('dryRun'), ...(Array.isArray(body?.dryRun) ? (body.dryRun as string[]) : [])];
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dryRun value: ${v}`);
  return values.length > 0;
}

interface DeleteOptions {
  propagationPolicy?: Propagation;
  preconditions?: { uid?: string };
  dryRun?: string[];
}

function deleteOptions(text: string): DeleteOptions {
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as DeleteOptions;
  } catch {
    // answered below
  }
  throw badRequest('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}

interface Continue {
  rv: string;
  start: string;
}

function list(c: VerbContext): { code: number; body: unknown } {
  const { t, namespace } = c.route;
  const q = c.url.searchParams;
  const labels = labelSelector(q.get('labelSelector'));
  const fields = fieldSelector(q.get('fieldSelector'), t);
  let rv = c.store.resourceVersion;
  let start = '';
  const cont = q.get('continue');
  if (cont) {
    let token: Continue;
    try {
      token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as Continue;
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data');
    }
    rv = token.rv;
    start = token.start;
  }
  const limit = Number(q.get('limit') ?? '0');
  const { items, remaining } = c.store.page(t, namespace, (o) => labels(o.metadata.labels) && fields(o as Record<string, unknown>), start, limit > 0 ? limit : 0);
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  if (remaining > 0) {
    const last = items[items.length - 1] as KObj;
    metadata['continue'] = Buffer.from(JSON.stringify({ rv, start: `${last.metadata.namespace ?? ''}/${last.metadata.name ?? ''}` })).toString('base64url');
    metadata['remainingItemCount'] = remaining;
  }
  const shown = items.map((o) => {
    if (t.custom) return present(t)(o);
    const { apiVersion: _a, kind: _k, ...rest } = o; // typed lists carry kind/apiVersion only at the top
    return rest;
  });
  return { code: 200, body: { kind: t.listKind, apiVersion: groupVersion(t), metadata, items: shown } };
}

function applyPatch(c: VerbContext, current: KObj): KObj {
  const t = c.route.t;
  const accepted = t.custom ? [JSON_PATCH, MERGE_PATCH, APPLY] : [JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY];
  if (c.contentType === APPLY) throw new ApiError(415, status(415, 'UnsupportedMediaType', 'server-side apply (application/apply-patch+yaml) is not modelled by this fake API server'));
  if (!accepted.includes(c.contentType)) throw unsupportedMediaType(accepted);
  let patch: unknown;
  try {
    patch = JSON.parse(c.body);
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
  c.rec.patch = patch;
  try {
    if (c.contentType === JSON_PATCH) return applyJsonPatch(current, patch);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
    return c.contentType === STRATEGIC ? applyStrategicMergePatch(current, patch) : applyMergePatch(current, patch);
  } catch (e) {
    if (!(e instanceof PatchApplyError)) throw e;
    throw new ApiError(422, status(422, 'Invalid', 'the server rejected our request due to an error in our request', { causes: [{ reason: 'UnexpectedServerResponse', message: e.message }] }));
  }
}

/** Serves the verb; null when it took over the response (watch). */
export async function serveVerb(c: VerbContext): Promise<{ code: number; body: unknown } | null> {
  const { t, namespace, name, subresource } = c.route;
  const q = c.url.searchParams;
  const show = present(t);
  const admit = (operation: 'CREATE' | 'UPDATE', object: KObj, dryRun: boolean, oldObject?: KObj): Promise<KObj> =>
    c.admit()({ operation, t, subresource, namespace: namespace ?? '', name: object.metadata.name ?? name, object, ...(oldObject ? { oldObject } : {}), user: c.user, dryRun, warn: (w) => addWarning(c.res, w) });
  switch (c.verb) {
    case 'get':
      return { code: 200, body: show(c.store.mustGet(t, namespace, name)) };
    case 'list':
      return list(c);
    case 'watch': {
      const timeout = q.get('timeoutSeconds');
      if (timeout !== null && !/^\d+$/.test(timeout)) throw badRequest(`invalid timeoutSeconds: ${JSON.stringify(timeout)}: must be a non-negative integer`);
      const fields = fieldSelector(q.get('fieldSelector'), t);
      serveWatch(c.req, c.res, c.store, t, namespace, {
        resourceVersion: q.get('resourceVersion'),
        labels: labelSelector(q.get('labelSelector')),
        // A watch on an object's own path is a watch of the collection for that name.
        fields: name ? (o) => fields(o) && (o['metadata'] as { name?: string }).name === name : fields,
        timeoutSeconds: timeout === null ? null : Number(timeout),
        bookmarks: q.get('allowWatchBookmarks') === 'true',
        bookmarkIntervalMs: c.bookmarkIntervalMs,
        present: show,
        active: c.watches,
      });
      return null;
    }
    case 'create': {
      if (t.namespaced && namespace === undefined) throw new ApiError(405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
      const obj = parseObject(c.body, t);
      if (t.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      const dryRun = dryRunOf(q);
      decode(t, obj); // the real server decodes (400) before any admission plugin runs
      const builtIn = t.group === '' && t.plural === 'pods' ? admitServiceAccount(c.store, c.store.registry.lookup('', 'v1', 'serviceaccounts') as ResourceType, namespace ?? '', obj) : obj;
      const admitted = await admit('CREATE', builtIn, dryRun);
      return { code: 201, body: show(c.store.create(t, namespace, admitted, { dryRun })) };
    }
    case 'update': {
      const obj = parseObject(c.body, t);
      if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
        throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
      }
      const old = c.store.mustGet(t, namespace, name);
      const dryRun = dryRunOf(q);
      if (subresource !== 'status') decode(t, obj);
      const admitted = await admit('UPDATE', obj, dryRun, old);
      return { code: 200, body: show(c.store.update(t, namespace, name, admitted, { dryRun, ...(subresource === 'status' ? { subresource: 'status' } : {}) })) };
    }
    case 'patch': {
      const dryRun = dryRunOf(q);
      // Like the real server, a patch is re-applied to the latest object when that changed
      // while admission ran, unless the patch itself names a resourceVersion (a precondition).
      for (let attempt = 0; ; attempt++) {
        const old = c.store.mustGet(t, namespace, name);
        const next = applyPatch(c, old);
        if (typeof next.metadata !== 'object' || next.metadata === null || Array.isArray(next.metadata)) {
          throw invalid(t, name, [{ field: 'metadata', message: 'Required value', reason: 'FieldValueRequired' }]);
        }
        if (subresource !== 'status') decode(t, next);
        const admitted = await admit('UPDATE', next, dryRun, old);
        try {
          return { code: 200, body: show(c.store.update(t, namespace, name, admitted, { dryRun, ...(subresource === 'status' ? { subresource: 'status' } : {}) })) };
        } catch (e) {
          const serverSide = next.metadata.resourceVersion === old.metadata.resourceVersion;
          if (!(e instanceof ApiError) || e.body['reason'] !== 'Conflict' || !serverSide || attempt >= 4) throw e;
        }
      }
    }
    case 'delete': {
      const opts = deleteOptions(c.body);
      const policy = (q.get('propagationPolicy') ?? opts.propagationPolicy) as Propagation | undefined;
      if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
        throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
      }
      const dryRun = dryRunOf(q, opts);
      const out = c.store.delete(t, namespace, name, { dryRun, ...(policy ? { propagationPolicy: policy } : {}), ...(opts.preconditions?.uid ? { uid: opts.preconditions.uid } : {}) });
      if (!out.deleted || t.custom || RETURNS_DELETED.has(`${t.group}/${t.plural}`)) return { code: out.deleted ? 200 : 202, body: show(out.object) };
      return { code: 200, body: success({ name, ...(t.group ? { group: t.group } : {}), kind: t.plural, uid: out.object.metadata.uid }) };
    }
    case 'deletecollection': {
      const labels = labelSelector(q.get('labelSelector'));
      const fields = fieldSelector(q.get('fieldSelector'), t);
      const dryRun = dryRunOf(q);
      for (const o of c.store.list(t, namespace)) {
        if (labels(o.metadata.labels) && fields(o as Record<string, unknown>)) c.store.delete(t, o.metadata.namespace, o.metadata.name ?? '', { dryRun });
      }
      return { code: 200, body: success() };
    }
    default:
      throw badRequest(`unsupported verb ${c.verb}`);
  }
}
