/**
 * Event subscriptions in an HA cluster: a standby answers the websocket request with a
 * 307 to the active node (VSO's websocket client follows it; Vault Enterprise serves
 * events on the active node), and the subscription there receives writes made through
 * any node. A step-down closes the active node's subscriptions so clients reconnect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { api } from '../../helpers/server.js';
import { startHaCluster, type HaCluster } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';

describe('events subscriptions with HA', () => {
  let c: HaCluster;
  before(async () => {
    c = await startHaCluster({ nodes: 2 });
    const a = await c.active();
    const r = await api(a, 'POST', 'sys/mounts/secret', { token: c.rootToken, body: { type: 'kv', options: { version: '2' } } });
    assert.equal(r.status, 204);
  });
  after(() => c.close());

  it('a standby redirects to the active node, where the subscription receives writes made through the standby', async () => {
    const active = await c.active();
    const standby = c.nodes.find((n) => n !== active)!;
    const url = `${standby.url.replace(/^http/, 'ws')}/v1/sys/events/subscribe/kv*?json=true`;
    const location = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { 'X-Vault-Token': c.rootToken } });
      ws.once('unexpected-response', (_req, res) => {
        assert.equal(res.statusCode, 307);
        resolve(String(res.headers.location));
        res.resume();
      });
      ws.once('open', () => reject(new Error('a standby accepted the subscription')));
      ws.once('error', () => {});
    });
    assert.equal(location, `${active.url}/v1/sys/events/subscribe/kv*?json=true`);

    const messages: any[] = []; // any: parsed CloudEvents JSON
    let closed = false;
    const ws = new WebSocket(url, { headers: { 'X-Vault-Token': c.rootToken }, followRedirects: true });
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    ws.on('close', () => (closed = true));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    try {
      const w = await api(standby, 'POST', 'secret/data/ha/one', { token: c.rootToken, body: { data: { v: 1 } } });
      assert.equal(w.status, 200);
      await waitFor('the event of the forwarded write', () => messages.find((m) => m.data.event.metadata.path === 'secret/data/ha/one'));
      const down = await api(active, 'PUT', 'sys/step-down', { token: c.rootToken });
      assert.equal(down.status, 204);
      await waitFor('the subscription to close on step-down', () => closed);
    } finally {
      ws.terminate();
    }
  });
});
