/**
 * The secrets operator's `syncConfig.instantUpdates` end to end: a real `ward k8s
 * secrets-operator` process against the fake cluster and a Ward server behind TLS. A
 * VaultStaticSecret without refreshAfter follows a KV write through Ward's KV event
 * websocket (sys/events/subscribe/kv*, the API VSO uses with Vault Enterprise); the Ward
 * policy grants the events as Vault's would (read on the subscribe path, subscribe with
 * subscribe_event_types on the data path). When the socket is lost (Ward sealed) the
 * operator reconnects once Ward serves again and keeps following writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { WardProcess } from '../helpers/process.js';
import { api, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { APP_NS, G, must, OperatorEnv, text } from './operator-harness.js';

/** The app's policy: read its secrets, and receive their change events (Vault's rules). */
const APP_POLICY = `
path "secret/data/app/*" {
  capabilities = ["read", "list", "subscribe"]
  subscribe_event_types = ["kv*"]
}
path "sys/events/subscribe/kv*" {
  capabilities = ["read"]
}
`;

describe('secrets operator: instantUpdates through Ward KV events', { timeout: 180_000 }, () => {
  const env = new OperatorEnv({ dirPrefix: 'ward-operator-events-', caName: 'ward-events-ca' });
  let ward: TestServer;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let operator: WardProcess;

  before(async () => {
    await env.start();
    ({ ward, core, custom } = env);
    const T = ward.rootToken;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: T, body: { data: { password: 'p-1' } } }), 'kv write');
    await must(api(ward, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: APP_POLICY } }), 'policy');
    await env.kubernetesRole('app', 'app');
    operator = await env.startOperator();
  });

  after(() => env.close());

  const secret = (name: string) => core.readNamespacedSecret({ namespace: APP_NS, name }).catch(() => undefined);
  const password = async () => text((await secret('app-config'))?.data, 'password');
  const events = async () => (await core.listNamespacedEvent({ namespace: APP_NS })).items
    .filter((e) => e.involvedObject.kind === 'VaultStaticSecret' && e.involvedObject.name === 'app-config').map((e) => `${e.type} ${e.reason}: ${e.message}`);

  test('without refreshAfter, a KV write reaches the Secret through the event stream', async (t) => {
    await custom.createNamespacedCustomObject({
      ...G,
      namespace: APP_NS,
      plural: 'vaultstaticsecrets',
      body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultStaticSecret', metadata: { name: 'app-config' }, spec: { mount: 'secret', type: 'kv-v2', path: 'app/config', syncConfig: { instantUpdates: true }, destination: { name: 'app-config', create: true } } },
    });
    await waitFor('the first sync', async () => (await password()) === 'p-1', { timeoutMs: 20_000, context: () => operator.stderr() });
    // The subscription opens after the first sync's login; a write before it is open would
    // only be seen at the next reconnect, so wait for Ward to have the subscriber.
    await waitFor('the operator to subscribe', () => ward.core.events.subscriberCount === 1, { timeoutMs: 10_000, context: () => operator.stderr() });
    for (const [i, value] of ['p-2', 'p-3'].entries()) {
      const written = Date.now();
      await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { password: value } } }), 'kv write');
      // No refreshAfter (and the informer resyncs every 10 minutes): only the event can bring
      // the change. The deadline only bounds a hang; a loaded machine needs more than 5 s.
      await waitFor(`${value} in the Secret`, async () => (await password()) === value, { timeoutMs: 20_000, intervalMs: 10, context: () => operator.stderr() });
      t.diagnostic(`write ${i + 1}: KV write to updated Secret in ${Date.now() - written} ms (instant updates)`);
    }
    await waitFor('the EventWatcherStarted Event', async () => (await events()).includes('Normal EventWatcherStarted: Started watching events'));
  });

  test('a lost event stream is reconnected and followed again', async () => {
    assert.equal((await api(ward, 'POST', 'sys/seal', { token: ward.rootToken })).status, 204);
    await waitFor('the operator to notice', () => /event stream down/.test(operator.stderr()), { timeoutMs: 10_000, context: () => operator.stderr() });
    await waitFor('the EventWatcherError Event', async () => (await events()).some((e) => e.startsWith('Warning EventWatcherError: Error while watching events: ')));
    assert.equal((await api(ward, 'POST', 'sys/unseal', { body: { key: ward.unsealKeys[0] } })).status, 200);
    await waitFor('the operator to subscribe again', () => ward.core.events.subscriberCount === 1, { timeoutMs: 60_000, context: () => operator.stderr() });
    await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { password: 'p-4' } } }), 'kv write');
    await waitFor('p-4 in the Secret', async () => (await password()) === 'p-4', { timeoutMs: 20_000, intervalMs: 10, context: () => operator.stderr() });
  });
});
