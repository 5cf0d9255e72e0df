import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStorage } from './open-storage.js';

test('sqlite whose directory does not exist: the error names the path and how to fix it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-open-storage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, 'data');
  await assert.rejects(
    openStorage({ type: 'sqlite', path: join(missing, 'ward.db') }),
    (e: Error) => e.message === `storage "sqlite": the directory ${missing} of path "${join(missing, 'ward.db')}" does not exist; create it (mkdir -p ${missing}) or change path`,
  );
  const ok = await openStorage({ type: 'sqlite', path: join(dir, 'ward.db') });
  await ok.close();
});
