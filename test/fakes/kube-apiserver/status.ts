/**
 * `metav1.Status` bodies as the API server words them, and the error type the store and
 * routes throw to answer with one. Resources are named the way the server names them in
 * messages: the plural, qualified by the group when there is one (`deployments.apps`).
 */
export type Json = Record<string, unknown>;

/** A `metav1.Status` failure. */
export function status(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** The Status a successful collection delete answers with. */
export const success = (details?: Json): Json => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}) });

/** Thrown anywhere below the routes; the route answers `code` with `body`. */
export class ApiError extends Error {
  constructor(readonly code: number, readonly body: Json) {
    super(String(body['message'] ?? code));
  }
}

/** What messages call a resource: `pods`, `deployments.apps`. */
export interface Named {
  plural: string;
  group: string;
  kind: string;
}
const qualified = (r: Named): string => (r.group ? `${r.plural}.${r.group}` : r.plural);
const details = (r: Named, name: string): Json => ({ name, ...(r.group ? { group: r.group } : {}), kind: r.plural });

export const notFound = (r: Named, name: string): ApiError =>
  new ApiError(404, status(404, 'NotFound', `${qualified(r)} "${name}" not found`, details(r, name)));

export const alreadyExists = (r: Named, name: string): ApiError =>
  new ApiError(409, status(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, details(r, name)));

export const conflict = (r: Named, name: string): ApiError =>
  new ApiError(409, status(409, 'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(r, name)));

export interface Cause {
  field: string;
  message: string;
  reason?: string;
}

/** 422 Invalid: `Pod "x" is invalid: metadata.name: Invalid value: …`. */
export function invalid(r: Named, name: string, causes: Cause[]): ApiError {
  const text = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = text.length === 1 ? text[0] : `[${text.join(', ')}]`;
  return new ApiError(422, status(422, 'Invalid', `${r.kind} "${name}" is invalid: ${joined}`, {
    name, ...(r.group ? { group: r.group } : {}), kind: r.kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  }));
}

export const badRequest = (message: string): ApiError => new ApiError(400, status(400, 'BadRequest', message));

export const unauthorized = (): ApiError => new ApiError(401, status(401, 'Unauthorized', 'Unauthorized'));

/** 403 as the authorizer words it, e.g. `pods "x" is forbidden: User "u" cannot patch resource "pods" in API group "" in the namespace "ns"`. */
export function forbidden(a: { user: string; verb: string; resource: string; subresource?: string; group: string; namespace?: string; name?: string }): ApiError {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const q = a.group ? `${res}.${a.group}` : res;
  const subject = a.name ? `${q} "${a.name}"` : q;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return new ApiError(403, status(403, 'Forbidden',
    `${subject} is forbidden: User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`,
    { ...(a.name ? { name: a.name } : {}), ...(a.group ? { group: a.group } : {}), kind: res }));
}

export const methodNotAllowed = (): ApiError =>
  new ApiError(405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));

export const unsupportedMediaType = (accepted: string[]): ApiError =>
  new ApiError(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`));

export const gone = (requested: string, oldest: number): Json =>
  status(410, 'Expired', `too old resource version: ${requested} (${oldest})`);

export const routeNotFound = (): ApiError => new ApiError(404, status(404, 'NotFound', 'the server could not find the requested resource'));
