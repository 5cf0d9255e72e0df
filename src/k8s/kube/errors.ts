/**
 * One error type for every Kubernetes API failure, so callers branch on `status`/`reason`
 * (or the predicates) instead of parsing client-node's exception text or a Status body.
 */
import { ApiException } from '@kubernetes/client-node';

/** Reasons by status code when the body carries no Status (401 from client-node, proxies' HTML pages). */
const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class KubeError extends Error {
  constructor(
    /** HTTP status; 0 when the API server could not be reached. */
    readonly status: number,
    /** The Status `reason` (NotFound, Conflict, AlreadyExists, Expired, Forbidden, …). */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubeError';
  }
}

interface StatusBody {
  kind?: unknown;
  reason?: unknown;
  message?: unknown;
}

function parseStatus(body: unknown): StatusBody | undefined {
  if (typeof body === 'object' && body !== null) return body as StatusBody;
  if (typeof body !== 'string' || !body.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null ? (v as StatusBody) : undefined;
  } catch {
    return undefined;
  }
}

function fromStatus(code: number, body: unknown, cause: unknown): KubeError {
  const s = parseStatus(body);
  const reason = typeof s?.reason === 'string' && s.reason ? s.reason : (REASONS[code] ?? 'Unknown');
  const message = typeof s?.message === 'string' && s.message ? s.message : code === 401 ? 'Unauthorized' : `HTTP ${code} from the Kubernetes API server`;
  return new KubeError(code, reason, message, { cause });
}

export function toKubeError(err: unknown): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof ApiException) return fromStatus(err.code, err.body, err);
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown } | null;
  if (typeof e?.statusCode === 'number') return fromStatus(e.statusCode, undefined, err);
  if (typeof e?.code === 'number' && e.code >= 400) return fromStatus(e.code, err, err);
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  return new KubeError(0, 'ServiceUnavailable', `Kubernetes API request failed before an answer: ${msg}`, { cause: err });
}

const is = (err: unknown, status: number, reason?: string): boolean => {
  if (!(err instanceof KubeError) || err.status !== status) return false;
  return reason === undefined || err.reason === reason;
};

export const isNotFound = (err: unknown): boolean => is(err, 404);
/** 409 from a stale resourceVersion (not AlreadyExists). */
export const isConflict = (err: unknown): boolean => is(err, 409) && (err as KubeError).reason !== 'AlreadyExists';
export const isAlreadyExists = (err: unknown): boolean => is(err, 409, 'AlreadyExists');
/** 410: the resourceVersion is too old to watch from; relist. */
export const isGone = (err: unknown): boolean => is(err, 410);
export const isForbidden = (err: unknown): boolean => is(err, 403);
