/**
 * Mutating admission: for a CREATE/UPDATE/DELETE/CONNECT the API server calls every matching
 * webhook of the stored MutatingWebhookConfigurations (admissionregistration.k8s.io/v1), in
 * the order of the configurations' names and then as listed, each seeing the object as the
 * previous ones patched it. It sends an AdmissionReview v1, checks the answer (apiVersion/kind,
 * response.uid, patchType), applies the base64 JSONPatch, turns warnings into `Warning: 299`
 * headers, and rejects with the webhook's status on a denial. Call failures follow
 * failurePolicy (default Fail: `Internal error occurred: failed calling webhook "<name>": …`).
 * reinvocationPolicy is ignored (no webhook is called twice).
 */
import { randomUUID } from 'node:crypto';
import type { UserInfo } from './accounts.js';
import { CallError, postReview, resolveTarget } from './admission-call.js';
import { orderedWebhooks, SelectorError, webhookMatches, type GroupVersionKind, type MatchAttributes } from './admission-match.js';
import { status, type Json } from './http-util.js';
import { applyJsonPatch, PatchApplyError } from './patch-apply.js';

export type { GroupVersionKind, GroupVersionResource, Operation } from './admission-match.js';

export interface AdmissionRequest extends MatchAttributes {
  kind: GroupVersionKind;
  /** Often "" on CREATE (generateName not yet resolved). */
  name: string;
  userInfo: UserInfo;
  dryRun?: boolean;
  /** CreateOptions / UpdateOptions / DeleteOptions as sent; defaults to an empty one of the right kind. */
  options?: Json;
}

export type AdmissionResult =
  | { allowed: true; object: Json | null; warnings: string[] }
  | { allowed: false; code: number; status: Json; warnings: string[] };

export interface RecordedWebhookCall {
  configuration: string;
  webhook: string;
  url: string;
  /** The AdmissionReview sent. */
  request: Json;
  /** The AdmissionReview received, when one was. */
  response?: Json;
  /** Why the call failed (transport, timeout, invalid answer). */
  error?: string;
  /** What the API server did with it. */
  outcome: 'patched' | 'allowed' | 'denied' | 'failed-closed' | 'failed-open';
  latencyMs: number;
}

export interface AdmissionSources {
  /** The stored MutatingWebhookConfigurations, read at each request (so a patched caBundle applies to the next call). */
  configurations(): readonly Json[];
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** `"<ns>/<service>"` → `https://127.0.0.1:<port>`; read at each call. */
  serviceEndpoints: Record<string, string>;
}

const REVIEW_API = 'admission.k8s.io/v1';
const OPTIONS_KIND: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: '' };

/** The `Warning` response header value the API server sends for one admission warning. */
export const warningHeader = (text: string): string => `299 - ${JSON.stringify(text)}`;

const internalError = (why: string): { code: number; status: Json } => ({
  code: 500,
  status: status(500, 'InternalError', `Internal error occurred: ${why}`, { causes: [{ message: why }] }),
});

/** webhookerrors.ToStatusErr: the webhook's status, with at least 400 and the "denied the request" message. */
function denial(webhook: string, result: unknown): { code: number; status: Json } {
  const r = (typeof result === 'object' && result !== null ? result : {}) as { code?: unknown; message?: unknown; reason?: unknown; details?: unknown };
  const code = typeof r.code === 'number' && r.code >= 400 ? r.code : 400;
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const message = typeof r.message === 'string' && r.message
    ? `${deniedBy}: ${r.message}`
    : typeof r.reason === 'string' && r.reason ? `${deniedBy}: ${r.reason}` : `${deniedBy} without explanation`;
  const body: Json = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message };
  if (typeof r.reason === 'string' && r.reason) body['reason'] = r.reason;
  if (typeof r.details === 'object' && r.details !== null) body['details'] = r.details;
  body['code'] = code;
  return { code, status: body };
}

export class MutatingAdmission {
  readonly calls: RecordedWebhookCall[] = [];

  constructor(private readonly sources: AdmissionSources) {}

  async admit(req: AdmissionRequest): Promise<AdmissionResult> {
    let object = req.object;
    const warnings: string[] = [];
    for (const { configuration, webhook } of orderedWebhooks(this.sources.configurations())) {
      const name = String(webhook['name'] ?? '');
      let matches: boolean;
      try {
        matches = webhookMatches(webhook, { ...req, object }, (ns) => this.sources.namespaceLabels(ns));
      } catch (e) {
        if (!(e instanceof SelectorError)) throw e;
        return { allowed: false, warnings, ...internalError(`failed calling webhook "${name}": ${e.message}`) };
      }
      if (!matches) continue;
      const sideEffects = webhook['sideEffects'];
      if (req.dryRun && sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') {
        return { allowed: false, warnings, code: 400, status: status(400, 'BadRequest', `admission webhook "${name}" does not support dry run`) };
      }
      const outcome = await this.call(configuration, webhook, name, { ...req, object });
      warnings.push(...outcome.warnings);
      if ('reject' in outcome) return { allowed: false, warnings, ...outcome.reject };
      object = outcome.object ?? object;
    }
    return { allowed: true, object, warnings };
  }

  private async call(configuration: string, webhook: Json, name: string, req: AdmissionRequest): Promise<{ warnings: string[]; object?: Json | null } | { warnings: string[]; reject: { code: number; status: Json } }> {
    const timeoutSeconds = typeof webhook['timeoutSeconds'] === 'number' ? webhook['timeoutSeconds'] : 10;
    const ignore = webhook['failurePolicy'] === 'Ignore';
    const uid = randomUUID();
    const review = this.review(uid, req);
    const record: RecordedWebhookCall = { configuration, webhook: name, url: '', request: review, outcome: 'allowed', latencyMs: 0 };
    this.calls.push(record);
    const started = performance.now();
    const failed = (why: string) => {
      record.error = why;
      record.outcome = ignore ? 'failed-open' : 'failed-closed';
      return ignore ? { warnings: [] } : { warnings: [], reject: internalError(`failed calling webhook "${name}": ${why}`) };
    };
    let answer: Json;
    try {
      const versions = Array.isArray(webhook['admissionReviewVersions']) ? (webhook['admissionReviewVersions'] as unknown[]) : ['v1'];
      if (!versions.includes('v1')) throw new CallError(`webhook does not accept known AdmissionReview versions (v1, v1beta1)`);
      const target = resolveTarget(webhook['clientConfig'], timeoutSeconds, this.sources.serviceEndpoints);
      record.url = target.url;
      answer = await postReview(target, review, timeoutSeconds);
    } catch (e) {
      if (!(e instanceof CallError)) throw e;
      return failed(e.message);
    } finally {
      record.latencyMs = performance.now() - started;
    }
    record.response = answer;
    const response = answer['response'] as Json | undefined;
    if (answer['apiVersion'] !== REVIEW_API || answer['kind'] !== 'AdmissionReview') {
      return failed(`received invalid webhook response: expected webhook response of ${REVIEW_API}, Kind=AdmissionReview, got ${String(answer['apiVersion'] ?? '')}, Kind=${String(answer['kind'] ?? '')}`);
    }
    if (typeof response !== 'object' || response === null) return failed('received invalid webhook response: response was absent');
    if (response['uid'] !== uid) return failed(`received invalid webhook response: expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response['uid'] ?? '')}`);
    const patch = typeof response['patch'] === 'string' ? response['patch'] : '';
    if (patch && response['patchType'] === undefined) return failed('received invalid webhook response: webhook returned response.patch but not response.patchType');
    if (patch && response['patchType'] !== 'JSONPatch') return failed(`received invalid webhook response: webhook returned invalid response.patchType of ${JSON.stringify(response['patchType'])}`);
    const warnings = Array.isArray(response['warnings']) ? response['warnings'].filter((w): w is string => typeof w === 'string') : [];
    if (response['allowed'] !== true) {
      record.outcome = 'denied';
      return { warnings, reject: denial(name, response['status']) };
    }
    if (!patch) return { warnings };
    try {
      const ops: unknown = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
      const object = applyJsonPatch(req.object, ops);
      record.outcome = 'patched';
      return { warnings, object };
    } catch (e) {
      if (!(e instanceof PatchApplyError) && !(e instanceof SyntaxError)) throw e;
      // Not subject to failurePolicy: the webhook answered, its patch is wrong.
      return { warnings, reject: internalError(e.message) };
    }
  }

  private review(uid: string, r: AdmissionRequest): Json {
    const optionsKind = OPTIONS_KIND[r.operation] ?? '';
    const options = r.options ?? (optionsKind ? { kind: optionsKind, apiVersion: 'meta.k8s.io/v1' } : null);
    const request: Json = {
      uid,
      kind: r.kind,
      resource: r.resource,
      ...(r.subResource ? { subResource: r.subResource } : {}),
      requestKind: r.kind,
      requestResource: r.resource,
      ...(r.subResource ? { requestSubResource: r.subResource } : {}),
      name: r.name,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      operation: r.operation,
      userInfo: { username: r.userInfo.username, ...(r.userInfo.uid ? { uid: r.userInfo.uid } : {}), groups: r.userInfo.groups, ...(Object.keys(r.userInfo.extra).length > 0 ? { extra: r.userInfo.extra } : {}) },
      object: r.object,
      oldObject: r.oldObject,
      dryRun: r.dryRun ?? false,
      options,
    };
    return { kind: 'AdmissionReview', apiVersion: REVIEW_API, request };
  }
}
