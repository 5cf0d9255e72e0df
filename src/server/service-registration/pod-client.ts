/**
 * One label patch of this node's own pod: `PATCH /api/v1/namespaces/<ns>/pods/<name>` with
 * an `application/merge-patch+json` body `{"metadata":{"labels":{…}}}`. A merge patch sets
 * every label in one request whether or not the pod has labels yet (a JSON patch needs a GET
 * first to choose between `add /metadata/labels` and per-label ops) and leaves the pod's
 * other labels alone. The service-account token and CA are read from their files on every
 * attempt, because the kubelet rotates the projected token. Errors name the API server and
 * its answer, never the token.
 *
 * node:https rather than @kubernetes/client-node: the client caches the token file for 60 s
 * (a rotated token would be refused for up to a minute), has no per-request timeout, and
 * importing it takes most of a second at startup, for what is one request.
 */
import { readFile } from 'node:fs/promises';
import * as https from 'node:https';

export interface PodTarget {
  /** `https://host:port` of the API server. */
  apiUrl: string;
  tokenPath: string;
  caPath: string;
  namespace: string;
  podName: string;
  /** Bound on the whole exchange (default 10 s). */
  timeoutMs?: number;
  /** Abandons the request (shutdown). */
  signal?: AbortSignal;
}

/** A failed attempt: what went wrong, with the HTTP status when the API server answered. */
export class PodPatchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PodPatchError';
  }
}

const MAX_BODY = 1 << 20;

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new PodPatchError(`cannot read the service-account ${what} at ${path}: ${code}`);
  }
}

/** The `message` and `reason` of a Kubernetes `Status` body, when it is one. */
function statusText(body: string): string {
  try {
    const s = JSON.parse(body) as { kind?: unknown; reason?: unknown; message?: unknown };
    if (s.kind === 'Status') return [s.reason, s.message].filter((x) => typeof x === 'string' && x !== '').join(': ');
  } catch {
    // not JSON: fall through
  }
  return body.slice(0, 200);
}

/** Sets `labels` on the pod; resolves on 2xx, rejects with a PodPatchError otherwise. */
export async function patchPodLabels(t: PodTarget, labels: Record<string, string>): Promise<void> {
  const token = await readSecretFile(t.tokenPath, 'token');
  const ca = await readSecretFile(t.caPath, 'CA certificate');
  const base = new URL(t.apiUrl);
  const url = new URL(`/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(t.podName)}`, base);
  const payload = Buffer.from(JSON.stringify({ metadata: { labels } }), 'utf8');
  const timeoutMs = t.timeoutMs ?? 10_000;
  const where = `the Kubernetes API server at ${base.origin}`;
  await new Promise<void>((resolve, reject) => {
    const req = https.request(url, {
      method: 'PATCH',
      ca,
      // A fresh connection per attempt: patches are rare, and a kept-alive socket to an API
      // server that went away would turn the next attempt into a confusing "socket hang up".
      agent: false,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        'Content-Type': 'application/merge-patch+json',
        'Content-Length': String(payload.length),
        'User-Agent': 'ward-service-registration',
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolve();
        const why = statusText(Buffer.concat(chunks).toString('utf8'));
        reject(new PodPatchError(`${where} answered ${code} to the label patch of pod "${t.podName}" in namespace "${t.namespace}"${why ? `: ${why}` : ''}`, code));
      });
      res.on('error', (e) => reject(new PodPatchError(`${where}: ${e.message}`)));
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('no answer in time'), { code: 'timeout' })), timeoutMs);
    const onAbort = (): void => void req.destroy(Object.assign(new Error('abandoned at shutdown'), { code: 'aborted' }));
    if (t.signal?.aborted) onAbort();
    t.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => t.signal?.removeEventListener('abort', onAbort));
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new PodPatchError(`cannot reach ${where}: ${e.code ?? e.message}`));
    });
    req.end(payload);
  });
}
