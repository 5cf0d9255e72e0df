/**
 * `ward events subscribe` (the vault CLI's `events subscribe`): one JSON line per event on
 * stdout until interrupted or -timeout passes; a refused subscription is an error line and
 * exit code 2.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/testing.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

describe('ward events subscribe', () => {
  let s: TestServer;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    s = await startTestServer();
    env = { VAULT_ADDR: s.url, VAULT_TOKEN: s.rootToken, HOME: '/nonexistent' };
  });
  after(() => s.close());

  it('prints each event as a line of JSON until -timeout', async () => {
    const run = runCli(['events', 'subscribe', '-timeout=3s', '-filter=operation == data-write', 'kv*'], env);
    await waitFor('the subscription', () => s.core.events.subscriberCount === 1);
    await api(s, 'POST', 'secret/data/cli/a', { token: s.rootToken, body: { data: { v: 1 } } });
    await api(s, 'POST', 'secret/metadata/cli/a', { token: s.rootToken, body: { max_versions: 2 } });
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((e) => `${e.data.event_type} ${e.data.event.metadata.path}`), ['kv-v2/data-write secret/data/cli/a']);
  });

  it('a refused subscription is an error and exit code 2', async () => {
    const r = await runCli(['events', 'subscribe', 'kv*'], { ...env, VAULT_TOKEN: 'hvs.not-a-token' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Error subscribing to events: Error making API request\.\n[^]*\nCode: 403\. Errors:\n\n\* permission denied\n\* invalid token\n$/);
  });

  it('needs exactly one event type', async () => {
    const r = await runCli(['events', 'subscribe'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Incorrect number of arguments/);
  });
});
