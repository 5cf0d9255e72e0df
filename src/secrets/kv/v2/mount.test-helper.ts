/** Shared by the KV v2 unit tests: a mount on in-memory storage with a hand-driven clock. */
import assert from 'node:assert/strict';
import type { Operation } from '../../../sdk/logical.js';
import { InmemStorage, type Storage } from '../../../sdk/storage.js';
import { driveBackend } from '../../../sdk/testing.js';
import { kvV2Backend } from './backend.js';
import { rejectsWard } from '../../../../test/helpers/errors.js';

export type Obj = Record<string, unknown>;

/** Writes go through the existence check as in the core; `data` asserts a data response. */
export function mount(start = Date.parse('2024-05-01T10:00:00Z'), store: Storage = new InmemStorage()) {
  const clock = { t: start, now: () => clock.t };
  const { backend, storage, call } = driveBackend(kvV2Backend({ clock }), store, { mountPoint: 'secret/', mountType: 'kv' });
  const data = async (operation: Operation, path: string, body: Obj = {}): Promise<Obj> => {
    const res = await call(operation, path, body);
    assert.ok(res?.data, `expected data from ${operation} ${path}`);
    return res.data;
  };
  return { clock, backend, storage, call, data };
}

/** Asserts a rejection with `status` and, when given, one message equal to `text`. */
export const rejects = (p: Promise<unknown>, status: number, text?: string): Promise<unknown> => rejectsWard(p, status, text);
