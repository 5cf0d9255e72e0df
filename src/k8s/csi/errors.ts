import { ApiError } from '../../api/index.js';

/**
 * A Mount request the provider refuses because of what it was given (a parameter, an object,
 * an attribute). Served as gRPC INVALID_ARGUMENT with this message, which names the culprit.
 */
export class InvalidArgument extends Error {
  override readonly name = 'InvalidArgument';
}

/** The pod may not have what it asked for (login refused, read forbidden): PERMISSION_DENIED. */
export class PermissionDenied extends Error {
  override readonly name = 'PermissionDenied';
}

/** An API failure while reading one object, with the object named (the token never is). */
export class ObjectReadError extends Error {
  override readonly name = 'ObjectReadError';
  constructor(
    readonly objectName: string,
    readonly apiError: ApiError,
  ) {
    super(`object "${objectName}": ${apiError.message}`);
  }
}

/** The API error behind `e`, if any (directly, or from reading an object). */
export function apiErrorOf(e: unknown): ApiError | undefined {
  if (e instanceof ApiError) return e;
  if (e instanceof ObjectReadError) return e.apiError;
  return undefined;
}
