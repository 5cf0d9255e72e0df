/**
 * The typed client's event subscription (src/api/events.ts) against a real server: events
 * arrive parsed; a refused subscription reports the server's error and keeps retrying; a
 * lost socket (seal) is reconnected with backoff once the server serves again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WardClient } from '../../../src/api/index.js';
import type { EventMessage, EventSubscription, SubscriptionState } from '../../../src/api/index.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

describe('WardClient.subscribeEvents', () => {
  let s: TestServer;
  let client: WardClient;
  const subs: EventSubscription[] = [];
  before(async () => {
    s = await startTestServer();
    client = new WardClient({ address: s.url, token: s.rootToken });
  });
  after(async () => {
    for (const sub of subs) sub.close();
    client.close();
    await s.close();
  });

  it('delivers parsed events, and reconnects after the server sealed and was unsealed', async () => {
    const events: EventMessage[] = [];
    const states: SubscriptionState[] = [];
    const sub = client.subscribeEvents({ eventType: 'kv*', onEvent: (e) => events.push(e), onState: (st) => states.push(st), backoff: { initialMs: 20, maxMs: 200 } });
    subs.push(sub);
    await sub.opened();
    await api(s, 'POST', 'secret/data/c/one', { token: s.rootToken, body: { data: { v: 1 } } });
    const first = await waitFor('the first event', () => events[0]);
    assert.equal(first.eventType, 'kv-v2/data-write');
    assert.equal(first.metadata.path, 'secret/data/c/one');
    assert.equal(first.metadata.modified, 'true');
    assert.equal(first.pluginInfo.mount_path, 'secret/');
    assert.equal(first.namespace, '');

    assert.equal((await api(s, 'POST', 'sys/seal', { token: s.rootToken })).status, 204);
    await waitFor('the client to see the socket close', () => states.some((st) => !st.connected));
    // While sealed every attempt is refused (503): reported, and retried.
    await waitFor('a refused reconnect', () => states.find((st) => st.error?.message.includes('Vault is sealed')));
    assert.equal((await api(s, 'POST', 'sys/unseal', { body: { key: s.unsealKeys[0] } })).status, 200);
    await waitFor('the client to reconnect', () => sub.connected);
    await api(s, 'POST', 'secret/data/c/two', { token: s.rootToken, body: { data: { v: 2 } } });
    await waitFor('the event after reconnecting', () => events.find((e) => e.metadata.path === 'secret/data/c/two'));
  });

  it('close() stops reconnecting', async () => {
    const states: SubscriptionState[] = [];
    const sub = client.subscribeEvents({ eventType: 'kv*', onEvent: () => {}, onState: (st) => states.push(st) });
    await sub.opened();
    sub.close();
    await waitFor('the close to be reported', () => states.some((st) => !st.connected));
    assert.equal(sub.connected, false);
  });
});
