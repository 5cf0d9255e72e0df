/** A transit mount on in-memory storage with a hand-driven clock, for the unit tests. */
import assert from 'node:assert/strict';
import type { LogicalResponse, Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { transitBackend } from './index.js';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { driveBackend } from '../../sdk/testing.js';

export type Obj = Record<string, unknown>;

export function mount(opts: { canCreate?: boolean } = {}) {
  const clock = { t: Date.parse('2024-05-01T10:00:00Z'), now: () => clock.t };
  const backend = transitBackend({ clock });
  const storage = new InmemStorage();
  const driver = driveBackend(backend, storage, { mountPoint: 'transit/', mountType: 'transit', mountAccessor: 'transit_1', clientToken: 'tok' });
  const call = (operation: Operation, path: string, data: Obj = {}, canCreate = opts.canCreate ?? false): Promise<LogicalResponse | null> =>
    driver.call(operation, path, data, { hasCapability: async (p, cap) => canCreate && cap === 'create' && p === `transit/${path}` });
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
export const rejects = (p: Promise<unknown>, status: number, text?: string | RegExp): Promise<unknown> => rejectsWard(p, status, text);
