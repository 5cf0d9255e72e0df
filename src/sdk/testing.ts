/**
 * Driving a backend in unit tests the way the core does: requests with every field
 * filled in, and POST/PUT resolved to create or update by the path's existence check.
 */
import type { Backend, LogicalRequest, LogicalResponse, Operation } from './logical.js';
import { InmemStorage, type Storage } from './storage.js';

export function testRequest(storage: Storage, operation: Operation, path: string, data: Record<string, unknown> = {}, overrides: Partial<LogicalRequest> = {}): LogicalRequest {
  return {
    id: 'test-request',
    operation,
    path,
    data,
    storage,
    mountPoint: 'test/',
    mountType: 'test',
    mountAccessor: 'test_00000000',
    clientToken: 'test-token',
    caller: null,
    connection: { remoteAddress: '127.0.0.1', remotePort: 1 },
    headers: {},
    wrapTtl: 0,
    ...overrides,
  };
}

/** The mount fields of a request to the system backend at `sys/`. */
export const SYS_MOUNT: Pick<LogicalRequest, 'mountPoint' | 'mountType' | 'mountAccessor' | 'clientToken'> = {
  mountPoint: 'sys/',
  mountType: 'system',
  mountAccessor: 'system_1',
  clientToken: '',
};

/**
 * A backend on its own in-memory storage; `call` runs the existence check for writes.
 * `overrides` apply to every request, `perCall` to one (a client address, a token).
 */
export function driveBackend(backend: Backend, storage: Storage = new InmemStorage(), overrides: Partial<LogicalRequest> = {}) {
  async function call(operation: Operation, path: string, data: Record<string, unknown> = {}, perCall: Partial<LogicalRequest> = {}): Promise<LogicalResponse | null> {
    const req = testRequest(storage, operation, path, data, { ...overrides, ...perCall });
    if (operation === 'update') req.operation = (await backend.existenceCheck(req)) === false ? 'create' : 'update';
    return backend.handleRequest(req);
  }
  return { backend, storage, call };
}
