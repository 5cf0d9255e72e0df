/**
 * Pods: `GET` and `PATCH /api/v1/namespaces/<ns>/pods/<name>`, with the API server's
 * bearer authentication, a per-namespace RBAC table (verbs on `pods`), the three patch
 * content types, label validation, optimistic concurrency on `metadata.resourceVersion`,
 * and a cluster-wide resourceVersion bumped only when a patch changes the object.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, send, status, type Json } from './http-util.js';
import { applyJsonPatch, applyMergePatch, PatchApplyError } from './patch-apply.js';

export type PodVerb = 'get' | 'patch';

export interface PodObject {
  kind: 'Pod';
  apiVersion: 'v1';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string; labels?: Record<string, string> };
  spec: Json;
  status: Json;
}

export interface RecordedPodRequest {
  verb: PodVerb;
  namespace: string;
  name: string;
  /** The bearer's username, "" when it was not authenticated. */
  user: string;
  contentType: string;
  status: number;
  /** The parsed patch body (PATCH only). */
  patch?: unknown;
}

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const invalid = (name: string, why: string): Json =>
  status(422, 'Invalid', `Pod "${name}" is invalid: ${why}`, { name, kind: 'Pod' });

/** What the API server's validation says about a patched object's labels, or null when fine. */
function labelProblem(labels: unknown): string | null {
  if (labels === undefined) return null;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return 'metadata.labels: Invalid value: must be a map of strings';
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') return `metadata.labels: Invalid value: ${JSON.stringify(v)}: label values must be strings`;
    if (k.length > 316 || !LABEL_NAME.test(k)) return `metadata.labels: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
    if (v.length > 63 || !LABEL_VALUE.test(v)) {
      return `metadata.labels: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`;
    }
  }
  return null;
}

export class Pods {
  private readonly pods = new Map<string, PodObject>();
  /** `user|namespace|verb` */
  private readonly grants = new Set<string>();
  private revision = 1000;
  readonly requests: RecordedPodRequest[] = [];

  private nextVersion(): string {
    return String(++this.revision);
  }

  create(namespace: string, name: string, o: { labels?: Record<string, string>; uid?: string } = {}): PodObject {
    const pod: PodObject = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name, namespace, uid: o.uid ?? randomUUID(), resourceVersion: this.nextVersion(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ...(o.labels ? { labels: { ...o.labels } } : {}) },
      spec: { containers: [{ name: 'ward', image: 'ward:latest' }] },
      status: { phase: 'Running' },
    };
    this.pods.set(`${namespace}/${name}`, pod);
    return structuredClone(pod);
  }

  get(namespace: string, name: string): PodObject | undefined {
    const p = this.pods.get(`${namespace}/${name}`);
    return p ? structuredClone(p) : undefined;
  }

  delete(namespace: string, name: string): void {
    this.pods.delete(`${namespace}/${name}`);
  }

  grant(user: string, namespace: string, verbs: readonly PodVerb[]): void {
    for (const v of verbs) this.grants.add(`${user}|${namespace}|${v}`);
  }

  /** Serves one pod request; `user` is the authenticated bearer, or null. */
  async handle(req: IncomingMessage, res: ServerResponse, namespace: string, name: string, user: string | null): Promise<void> {
    const verb: PodVerb = req.method === 'PATCH' ? 'patch' : 'get';
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const raw = verb === 'patch' ? await readBody(req) : '';
    const record: RecordedPodRequest = { verb, namespace, name, user: user ?? '', contentType, status: 0 };
    this.requests.push(record);
    const reply = (code: number, body: Json): void => {
      record.status = code;
      send(res, code, body);
    };
    if (user === null) return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (!this.grants.has(`${user}|${namespace}|${verb}`)) {
      return reply(403, status(403, 'Forbidden',
        `pods "${name}" is forbidden: User "${user}" cannot ${verb} resource "pods" in API group "" in the namespace "${namespace}"`,
        { name, kind: 'pods' }));
    }
    const pod = this.pods.get(`${namespace}/${name}`);
    if (verb === 'get') {
      if (!pod) return reply(404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
      return reply(200, structuredClone(pod) as unknown as Json);
    }
    if (!PATCH_TYPES.includes(contentType)) {
      return reply(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}, application/apply-patch+yaml`));
    }
    let patch: unknown;
    try {
      patch = JSON.parse(raw);
    } catch (e) {
      return reply(400, status(400, 'BadRequest', `error decoding patch: ${(e as Error).message}`));
    }
    record.patch = patch;
    if (!pod) return reply(404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
    let next: PodObject;
    try {
      if (contentType === 'application/json-patch+json') next = applyJsonPatch(pod, patch);
      else if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
        return reply(400, status(400, 'BadRequest', 'json: cannot unmarshal array into Go value of type map[string]interface {}'));
      } else next = applyMergePatch(pod, patch);
    } catch (e) {
      if (!(e instanceof PatchApplyError)) throw e;
      return reply(422, status(422, 'Invalid', 'the server rejected our request due to an error in our request', { causes: [{ reason: 'UnexpectedServerResponse', message: e.message }] }));
    }
    const m = next.metadata as Partial<PodObject['metadata']> | undefined;
    if (m?.resourceVersion !== undefined && m.resourceVersion !== pod.metadata.resourceVersion) {
      return reply(409, status(409, 'Conflict',
        `Operation cannot be fulfilled on pods "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, kind: 'pods' }));
    }
    if (m?.name !== name || m.namespace !== namespace || m.uid !== pod.metadata.uid) return reply(422, invalid(name, 'metadata: Invalid value: name, namespace and uid are immutable'));
    const problem = labelProblem(m.labels);
    if (problem) return reply(422, invalid(name, problem));
    next.metadata.resourceVersion = pod.metadata.resourceVersion;
    if (JSON.stringify(next) !== JSON.stringify(pod)) {
      next.metadata.resourceVersion = this.nextVersion();
      this.pods.set(`${namespace}/${name}`, next);
    }
    return reply(200, structuredClone(this.pods.get(`${namespace}/${name}`)) as unknown as Json);
  }
}
