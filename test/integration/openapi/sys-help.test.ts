/**
 * The sys/ paths have help as every backend's do: a synopsis per path, a description
 * per field, so `ward path-help sys/...` and the OpenAPI document say something.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { pathTableOf } from '../../../src/sdk/framework/backend.js';

describe('sys/ help text', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('every sys path has a synopsis and every field a description', () => {
    const table = pathTableOf(s.core.active!.router.get('sys/')!.backend)!;
    const missing: string[] = [];
    for (const def of table) {
      if (!def.synopsis?.trim()) missing.push(`${def.pattern}: synopsis`);
      for (const [name, f] of Object.entries(def.fields)) if (!f.description.trim()) missing.push(`${def.pattern}: ${name}`);
    }
    assert.deepEqual(missing, [], 'give these a synopsis/description in their paths-*.ts file, or an entry in src/core/sys/help-text.ts');
  });

  it('path-help of a sys path shows them', async () => {
    const r = await api(s, 'GET', 'sys/mounts/transit?help=1', { token: s.rootToken });
    assert.equal(r.status, 200);
    assert.match(r.body.help, /^Enable, read or disable a secrets engine at a path\.$/m);
    assert.match(r.body.help, /^ {4}type \(string\)\n\n {8}\S/m);
    const tune = await api(s, 'GET', 'sys/auth/approle/tune?help=1', { token: s.rootToken });
    assert.match(tune.body.help, /^ {4}default_lease_ttl \(duration \(sec\)\)\n\n {8}\S/m);
  });
});
