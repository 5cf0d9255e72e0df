import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, SystemView } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { defaultMountConfig, type MountEntry } from './mount-entry.js';
import { Router } from './router.js';

function mount(router: Router, path: string, table: MountEntry['table'] = 'mounts'): void {
  const entry: MountEntry = {
    path,
    table,
    type: 'kv',
    description: '',
    uuid: path,
    accessor: `kv_${path}`,
    local: false,
    sealWrap: false,
    externalEntropyAccess: false,
    options: null,
    config: defaultMountConfig(),
    runningVersion: '',
  };
  const backend = { specialPaths: {} } as unknown as Backend;
  const system = { defaultLeaseTtl: () => 0, maxLeaseTtl: () => 0, options: () => ({}) } as unknown as SystemView;
  router.add(entry, backend, new InmemStorage(), system);
}

test('match follows the mount table as mounts come and go, asked again and again', () => {
  const r = new Router();
  const prefix = (p: string): string | null => r.match(p)?.prefix ?? null;
  assert.equal(prefix('secret/data/app'), null);
  mount(r, 'secret/');
  assert.equal(prefix('secret/data/app'), 'secret/');
  assert.equal(prefix('secret/data/app'), 'secret/');
  assert.equal(prefix('secret'), 'secret/');
  mount(r, 'secret/data/');
  assert.equal(prefix('secret/data/app'), 'secret/data/', 'the longer mount wins once it exists');
  r.remove('secret/data/');
  assert.equal(prefix('secret/data/app'), 'secret/');
  mount(r, 'approle/', 'auth');
  assert.equal(prefix('auth/approle/login'), 'auth/approle/');
  assert.equal(prefix(`secret/${'x'.repeat(1000)}`), 'secret/', 'long paths route too');
  r.clear();
  assert.equal(prefix('secret/data/app'), null);
  assert.equal(prefix('auth/approle/login'), null);
});
