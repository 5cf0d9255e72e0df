/** A transit mount on in-memory storage with a hand-driven clock, for the unit tests. */
import assert from 'node:assert/strict';
import { WardError } from '../../sdk/errors.js';
import type { LogicalRequest, LogicalResponse, Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { transitBackend } from './index.js';

export type Obj = Record<string, unknown>;

export function mount(opts: { canCreate?: boolean } = {}) {
  const clock = { t: Date.parse('2024-05-01T10:00:00Z'), now: () => clock.t };
  const backend = transitBackend({ clock });
  const storage = new InmemStorage();
  async function call(operation: Operation, path: string, data: Obj = {}, canCreate = opts.canCreate ?? false): Promise<LogicalResponse | null> {
    const req: LogicalRequest = {
      id: 'req', operation, path, data, storage,
      mountPoint: 'transit/', mountType: 'transit', mountAccessor: 'transit_1', clientToken: 'tok', caller: null,
      connection: { remoteAddress: '127.0.0.1', remotePort: 1 }, headers: {}, wrapTtl: 0,
      hasCapability: async (p, cap) => canCreate && cap === 'create' && p === `transit/${path}`,
    };
    if (operation === 'update') req.operation = (await backend.existenceCheck(req)) === false ? 'create' : 'update';
    return backend.handleRequest(req);
  }
  const data = async (operation: Operation, path: string, body: Obj = {}): Promise<Obj> => {
    const res = await call(operation, path, body);
    assert.ok(res?.data, `expected data from ${operation} ${path}`);
    return res.data;
  };
  const write = (path: string, body: Obj = {}) => data('update', path, body);
  return { clock, backend, storage, call, data, write };
}

export const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
export const unb64 = (s: unknown): string => Buffer.from(String(s), 'base64').toString('utf8');

/** Asserts a rejection with the status and (when given) one message equal to or matching `text`. */
export const rejects = (p: Promise<unknown>, status: number, text?: string | RegExp) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(WardError.is(e), `not a WardError: ${String(e)}`);
    assert.equal(e.status, status, e.messages.join('; '));
    if (text !== undefined) assert.ok(e.messages.some((m) => (typeof text === 'string' ? m === text : text.test(m))), `messages: ${JSON.stringify(e.messages)}`);
    return true;
  });
