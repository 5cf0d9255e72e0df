/**
 * A performance standby's copy of a database mount never rotates static roles: it would set
 * a new password in the database and then fail to store it (its storage is read-only), so the
 * password Ward hands out would no longer work. Only the active node's copy rotates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../../sdk/logical.js';
import { InmemStorage, putJSON } from '../../sdk/storage.js';
import { pause, waitFor } from '../../../test/helpers/wait.js';
import { databaseFactory } from './index.js';

function mount(readOnly: boolean) {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, error: (m) => void warnings.push(m), warn: (m) => void warnings.push(m) };
  const storage = new InmemStorage();
  const system = { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 86400, options: () => ({}), readOnly: () => readOnly };
  return { storage, warnings, start: () => databaseFactory({ storage, mountPoint: 'database/', mountType: 'database', logger, system }) };
}

test('static roles due for rotation are rotated by the active copy only', async () => {
  for (const readOnly of [true, false]) {
    const m = mount(readOnly);
    // Due since the epoch; its connection "pg" is not configured, so an attempt fails and is logged.
    await putJSON(m.storage, 'static-role/app', { db_name: 'pg', username: 'app', rotation_period: 60, rotation_statements: [], credential_type: 'password', password: 'p', last_vault_rotation: 0 });
    const backend = await m.start();
    try {
      if (readOnly) {
        await pause(300);
        assert.deepEqual(m.warnings, [], 'a standby attempted a rotation');
      } else {
        await waitFor('the active to attempt the rotation', () => m.warnings.some((w) => /static role rotation failed/.test(w)));
      }
    } finally {
      await backend.cleanup?.();
    }
  }
});
