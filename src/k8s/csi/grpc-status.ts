import { status } from '@grpc/grpc-js';
import { ConnectionError } from '../../api/index.js';
import { InvalidArgument, PermissionDenied, apiErrorOf } from './errors.js';

/**
 * The gRPC status for a failed Mount. vault-csi-provider returns errors as gRPC errors (not in
 * MountResponse.error); the code tells the driver's metrics and logs what kind of failure it was.
 */
export function grpcCode(e: unknown): status {
  if (e instanceof InvalidArgument) return status.INVALID_ARGUMENT;
  if (e instanceof PermissionDenied) return status.PERMISSION_DENIED;
  if (e instanceof ConnectionError) return status.UNAVAILABLE;
  const api = apiErrorOf(e);
  if (api) {
    if (api.status === 401 || api.status === 403) return status.PERMISSION_DENIED;
    if (api.status === 404) return status.NOT_FOUND;
    if (api.status === 400 || api.status === 405) return status.INVALID_ARGUMENT;
    if (api.status === 429 || api.status >= 500) return status.UNAVAILABLE;
  }
  return status.INTERNAL;
}
