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
