/**
 * `sys/events/subscribe/:eventType` on real sockets with a real websocket client: the
 * CloudEvents JSON each KV change arrives as, the errors given before the upgrade, the
 * ACL filtering of events (subscribe + subscribe_event_types on the event's data path),
 * and the connection closing on token revocation and on seal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { WebSocket } from 'ws';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

interface Sub {
  ws: WebSocket;
  messages: Record<string, any>[]; // any: parsed CloudEvents JSON, asserted field by field
  raw: string[];
  closed: { code: number; reason: string } | null;
}

function wsUrl(s: TestServer, eventType: string, query = 'json=true'): string {
  return `${s.url.replace(/^http/, 'ws')}/v1/sys/events/subscribe/${eventType}${query ? `?${query}` : ''}`;
}

/** Opens a subscription; resolves once the server accepted the upgrade. */
function subscribe(s: TestServer, token: string, eventType = 'kv*', query = 'json=true'): Promise<Sub> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(s, eventType, query), { headers: { 'X-Vault-Token': token } });
    const sub: Sub = { ws, messages: [], raw: [], closed: null };
    ws.on('message', (data) => {
      const text = String(data);
      sub.raw.push(text);
      sub.messages.push(JSON.parse(text));
    });
    ws.on('close', (code, reason) => (sub.closed = { code, reason: String(reason) }));
    ws.once('open', () => resolve(sub));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', (e) => reject(e));
  });
}

async function refused(s: TestServer, token: string, eventType: string, query = 'json=true'): Promise<{ status: number; body: any }> { // any: the Vault error envelope, asserted below
  try {
    const sub = await subscribe(s, token, eventType, query);
    sub.ws.terminate();
    throw new Error('the upgrade was accepted');
  } catch (e) {
    const err = e as { status?: number; body?: string };
    if (err.status === undefined) throw e;
    return { status: err.status, body: JSON.parse(err.body ?? '{}') };
  }
}

describe('sys/events/subscribe websocket', () => {
  let s: TestServer;
  const open: Sub[] = [];
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    for (const sub of open) sub.ws.terminate();
    await s.close();
  });
  const track = (sub: Sub): Sub => (open.push(sub), sub);

  it('a KV v2 write arrives as a CloudEvents JSON message with metadata only', async () => {
    const sub = track(await subscribe(s, s.rootToken));
    const w = await api(s, 'POST', 'secret/data/app/db', { token: s.rootToken, body: { data: { password: 's3cr3t-value' } } });
    assert.equal(w.status, 200);
    const m = await waitFor('the data-write event', () => sub.messages.find((x) => x.data?.event_type === 'kv-v2/data-write'));
    assert.equal(m.specversion, '1.0');
    assert.equal(m.type, '*');
    assert.equal(m.datacontenttype, 'application/cloudevents');
    assert.match(m.id, /^[0-9a-f-]{36}$/);
    assert.equal(m.data.event.id, m.id);
    assert.ok(!Number.isNaN(Date.parse(m.time)));
    assert.match(m.source, /^vault:\/\//);
    assert.deepEqual(m.data.event.metadata, {
      path: 'secret/data/app/db',
      data_path: 'secret/data/app/db',
      modified: 'true',
      operation: 'data-write',
      current_version: '1',
      oldest_version: '0',
    });
    assert.equal(m.data.namespace, undefined, 'the root namespace is left out, as Vault\'s JSON omits it');
    assert.equal(m.data.plugin_info.mount_class, 'secret');
    assert.equal(m.data.plugin_info.mount_path, 'secret/');
    assert.equal(m.data.plugin_info.plugin, 'kv');
    assert.match(m.data.plugin_info.mount_accessor, /^kv_[0-9a-f]{8}$/);
    assert.ok(!sub.raw.some((r) => r.includes('s3cr3t-value')), 'no secret value in any event');
  });

  it('the event type glob selects events; KV v1 publishes kv-v1/write and kv-v1/delete', async () => {
    const mount = await api(s, 'POST', 'sys/mounts/kv1', { token: s.rootToken, body: { type: 'kv' } });
    assert.equal(mount.status, 204);
    const v1 = track(await subscribe(s, s.rootToken, 'kv-v1/*'));
    const v2 = track(await subscribe(s, s.rootToken, 'kv-v2/data-write'));
    await api(s, 'POST', 'kv1/one', { token: s.rootToken, body: { a: 'b' } });
    await api(s, 'DELETE', 'kv1/one', { token: s.rootToken });
    await api(s, 'POST', 'secret/data/two', { token: s.rootToken, body: { data: { a: 'b' } } });
    await waitFor('the kv-v2 write', () => v2.messages.length === 1);
    await waitFor('both kv-v1 events', () => v1.messages.length === 2);
    assert.deepEqual(v1.messages.map((m) => m.data.event_type), ['kv-v1/write', 'kv-v1/delete']);
    assert.equal(v1.messages[0]!.data.event.metadata.path, 'kv1/one');
    assert.equal(v1.messages[0]!.data.event.metadata.data_path, 'kv1/one');
    assert.equal(v2.messages[0]!.data.event.metadata.path, 'secret/data/two');
  });

  it('the filter parameter narrows the events; a bad filter is refused before the upgrade', async () => {
    const sub = track(await subscribe(s, s.rootToken, 'kv*', `json=true&filter=${encodeURIComponent('data_path == secret/data/f/two and operation == "data-write"')}`));
    await api(s, 'POST', 'secret/data/f/one', { token: s.rootToken, body: { data: { a: 1 } } });
    await api(s, 'POST', 'secret/data/f/two', { token: s.rootToken, body: { data: { a: 1 } } });
    await waitFor('the matching event', () => sub.messages.length > 0);
    assert.deepEqual(sub.messages.map((m) => m.data.event.metadata.path), ['secret/data/f/two']);
    const badFilter = await refused(s, s.rootToken, 'kv*', `json=true&filter=${encodeURIComponent('secret == x')}`);
    assert.equal(badFilter.status, 400);
    assert.match(badFilter.body.errors[0], /invalid filter expression: unknown selector "secret"/);
  });

  it('a malformed websocket handshake is refused by the websocket layer and leaves no subscription behind', async () => {
    const before = s.core.events.subscriberCount;
    const u = new URL(s.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(Number(u.port), u.hostname);
      let text = '';
      sock.on('data', (c) => (text += String(c)));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
      // No Sec-WebSocket-Key: not a valid websocket handshake.
      sock.write(`GET /v1/sys/events/subscribe/kv*?json=true HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${s.rootToken}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    await waitFor('the subscription to be gone', () => s.core.events.subscriberCount === before);
  });

  it('other upgrade requests (h2c, with a body, with requests pipelined behind) are served as plain HTTP/1.1, as before', async () => {
    const u = new URL(s.url);
    const sock = net.connect(Number(u.port), u.hostname);
    let text = '';
    sock.on('data', (c) => (text += String(c)));
    try {
      const t = s.rootToken;
      const body = '{"data":{"a":"b"}}';
      sock.write(
        `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n` +
          `POST /v1/secret/data/up HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${t}\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
          `GET /v1/sys/seal-status HTTP/1.1\r\nHost: x\r\n\r\n`,
      );
      await waitFor('three answers', () => (text.match(/HTTP\/1\.1 200 OK/g) ?? []).length === 3, { context: () => text });
      assert.match(text, /"mount_type":"kv"/, 'the POST with a body was served');
      assert.equal((await api(s, 'GET', 'secret/data/up', { token: t })).body.data.data.a, 'b');
      assert.doesNotMatch(text, /101 Switching/);
    } finally {
      sock.destroy();
    }
    // The same on a connection already followed by the framing tracker (after a LIST).
    const tracked = net.connect(Number(u.port), u.hostname);
    let out = '';
    tracked.on('data', (c) => (out += String(c)));
    try {
      tracked.write(`LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${s.rootToken}\r\n\r\n`);
      await waitFor('the LIST answer', () => /^HTTP\/1\.1 \d+/.test(out), { context: () => out });
      tracked.write(`GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nGET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n`);
      await waitFor('two more answers', () => (out.match(/HTTP\/1\.1 \d{3} /g) ?? []).length === 3, { context: () => out });
      assert.deepEqual((out.match(/HTTP\/1\.1 \d{3} /g) ?? []).slice(1), ['HTTP/1.1 200 ', 'HTTP/1.1 200 ']);
    } finally {
      tracked.destroy();
    }
  });

  it('a plain request (no upgrade) to the subscribe endpoint is told to upgrade', async () => {
    const r = await api(s, 'GET', 'sys/events/subscribe/kv*', { token: s.rootToken });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { errors: ['sys/events/subscribe is a websocket endpoint: send a websocket upgrade request (Connection: Upgrade, Upgrade: websocket)'] });
  });

  it('an upgrade request for another path is answered as a plain request', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(`${s.url}/v1/sys/health`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += String(c)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
    });
    assert.equal(status, 200);
    assert.equal(JSON.parse(body).sealed, false);
  });

  it('refuses before the upgrade with Vault errors', async () => {
    const noToken = await refused(s, '', 'kv*');
    assert.equal(noToken.status, 403);
    assert.deepEqual(noToken.body, { errors: ['permission denied'] });
    // The token is checked first, as Vault does: a caller without one learns nothing more.
    const noTokenBadJson = await refused(s, '', 'kv*', 'json=maybe');
    assert.equal(noTokenBadJson.status, 403);
    const badJson = await refused(s, s.rootToken, 'kv*', 'json=maybe');
    assert.equal(badJson.status, 400);
    assert.deepEqual(badJson.body, { errors: ['invalid parameter for JSON: maybe'] });
    const noType = await refused(s, s.rootToken, '');
    assert.equal(noType.status, 400);
    assert.deepEqual(noType.body, { errors: ['did not specify eventType to subscribe to'] });
    // A token without read on sys/events/subscribe/<type>.
    await api(s, 'POST', 'sys/policies/acl/kv-only', { token: s.rootToken, body: { policy: 'path "secret/*" { capabilities = ["read", "list", "subscribe"] }' } });
    const t = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['kv-only'] } });
    const denied = await refused(s, t.body.auth.client_token, 'kv*');
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body, { errors: ['permission denied'] });
  });

  it('a token receives only the events of data paths it may subscribe to, for the event types its policy names', async () => {
    await api(s, 'POST', 'sys/policies/acl/team-events', {
      token: s.rootToken,
      body: {
        policy: [
          'path "sys/events/subscribe/*" { capabilities = ["read"] }',
          'path "secret/data/team/*" {',
          '  capabilities = ["list", "subscribe"]',
          '  subscribe_event_types = ["kv-v2/data-*"]',
          '}',
          'path "secret/data/quiet/*" { capabilities = ["list", "subscribe"] }',
        ].join('\n'),
      },
    });
    const t = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['team-events'] } });
    const sub = track(await subscribe(s, t.body.auth.client_token, '*'));
    await api(s, 'POST', 'secret/data/other/x', { token: s.rootToken, body: { data: { a: 1 } } });
    await api(s, 'POST', 'secret/data/quiet/x', { token: s.rootToken, body: { data: { a: 1 } } });
    await api(s, 'POST', 'secret/metadata/team/a', { token: s.rootToken, body: { max_versions: 3 } });
    await api(s, 'POST', 'secret/data/team/a', { token: s.rootToken, body: { data: { a: 1 } } });
    // A root subscriber sees all four: once it has, the filtered one had its chance too.
    const all = track(await subscribe(s, s.rootToken, '*'));
    await api(s, 'POST', 'secret/data/team/b', { token: s.rootToken, body: { data: { a: 1 } } });
    await waitFor('the root subscriber sees the last write', () => all.messages.some((m) => m.data.event.metadata.path === 'secret/data/team/b'));
    await waitFor('the filtered subscriber sees team/b', () => sub.messages.some((m) => m.data.event.metadata.path === 'secret/data/team/b'));
    assert.deepEqual(
      sub.messages.map((m) => `${m.data.event_type} ${m.data.event.metadata.path}`),
      ['kv-v2/data-write secret/data/team/a', 'kv-v2/data-write secret/data/team/b'],
    );
  });

  it('policies from the token\'s identity group count: a userpass login allowed only through its group subscribes', async () => {
    const root = { token: s.rootToken };
    await api(s, 'POST', 'sys/auth/up', { ...root, body: { type: 'userpass' } });
    await api(s, 'POST', 'auth/up/users/eve', { ...root, body: { password: 'pw-eve-1' } });
    await api(s, 'POST', 'sys/policies/acl/group-events', { ...root, body: { policy: 'path "sys/events/subscribe/*" { capabilities = ["read"] }\npath "secret/data/grp/*" {\n  capabilities = ["subscribe"]\n  subscribe_event_types = ["*"]\n}' } });
    const login = await api(s, 'POST', 'auth/up/login/eve', { body: { password: 'pw-eve-1' } });
    const token = login.body.auth.client_token as string;
    assert.equal((await refused(s, token, 'kv*')).status, 403, 'no policy grants it yet');
    const group = await api(s, 'POST', 'identity/group', { ...root, body: { name: 'eventers', policies: ['group-events'], member_entity_ids: [login.body.auth.entity_id] } });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    const sub = track(await subscribe(s, token, 'kv*'));
    await api(s, 'POST', 'secret/data/grp/x', { ...root, body: { data: { a: 1 } } });
    await waitFor('the group member sees the write', () => sub.messages.some((m) => m.data.event.metadata.path === 'secret/data/grp/x'));
  });

  it('closes the socket when its token is revoked', async () => {
    await api(s, 'POST', 'sys/policies/acl/all-events', { token: s.rootToken, body: { policy: 'path "sys/events/subscribe/*" { capabilities = ["read"] }' } });
    const t = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['all-events'] } });
    const sub = track(await subscribe(s, t.body.auth.client_token));
    const r = await api(s, 'POST', 'auth/token/revoke', { token: s.rootToken, body: { token: t.body.auth.client_token } });
    assert.equal(r.status, 204);
    await waitFor('the socket to close', () => sub.closed);
  });

  it('a policy change takes effect on open subscriptions: events it no longer grants stop, losing read on the subscribe path closes the socket', async () => {
    const grant = (types: string) => [
      'path "sys/events/subscribe/*" { capabilities = ["read"] }',
      `path "secret/data/pc/*" {\n  capabilities = ["subscribe"]\n  subscribe_event_types = [${types}]\n}`,
    ].join('\n');
    await api(s, 'POST', 'sys/policies/acl/pc', { token: s.rootToken, body: { policy: grant('"*"') } });
    const t = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['pc'] } });
    const sub = track(await subscribe(s, t.body.auth.client_token));
    await api(s, 'POST', 'secret/data/pc/one', { token: s.rootToken, body: { data: { a: 1 } } });
    await waitFor('the first event', () => sub.messages.length === 1);
    // Only metadata events now: the data write below is no longer granted.
    assert.equal((await api(s, 'POST', 'sys/policies/acl/pc', { token: s.rootToken, body: { policy: grant('"kv-v2/metadata-*"') } })).status, 204);
    // The change applies asynchronously: write until a metadata event shows it did.
    await waitFor('the policy change to reach the subscription', async () => {
      await api(s, 'POST', 'secret/metadata/pc/probe', { token: s.rootToken, body: { max_versions: 5 } });
      return sub.messages.some((m) => m.data.event_type === 'kv-v2/metadata-write');
    });
    const seen = sub.messages.length;
    await api(s, 'POST', 'secret/data/pc/after', { token: s.rootToken, body: { data: { a: 1 } } });
    await api(s, 'POST', 'secret/metadata/pc/after', { token: s.rootToken, body: { max_versions: 5 } });
    await waitFor('the metadata event after the change', () => sub.messages.slice(seen).some((m) => m.data.event.metadata.path === 'secret/metadata/pc/after'));
    const after = sub.messages.slice(seen).filter((m) => m.data.event.metadata.path.endsWith('pc/after'));
    assert.deepEqual(after.map((m) => m.data.event_type), ['kv-v2/metadata-write'], 'the data-write is no longer delivered');
    assert.equal((await api(s, 'POST', 'sys/policies/acl/pc', { token: s.rootToken, body: { policy: 'path "secret/*" { capabilities = ["subscribe"] }' } })).status, 204);
    await waitFor('the socket to close', () => sub.closed);
  });

  it('a subscriber that never reads does not hold up writes', async () => {
    const sub = track(await subscribe(s, s.rootToken));
    // The client stops reading: its socket buffers fill, the server's sends queue up.
    (sub.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(2000);
    for (let i = 0; i < 300; i++) {
      const w = await api(s, 'POST', `secret/data/${big.slice(0, 100)}/n${i}`, { token: s.rootToken, body: { data: { v: i } } });
      assert.equal(w.status, 200);
    }
  });

  it('closes every subscription on seal', async () => {
    const sub = track(await subscribe(s, s.rootToken));
    const r = await api(s, 'POST', 'sys/seal', { token: s.rootToken });
    assert.equal(r.status, 204);
    await waitFor('the socket to close', () => sub.closed);
    const sealed = await refused(s, s.rootToken, 'kv*');
    assert.equal(sealed.status, 503);
    assert.deepEqual(sealed.body, { errors: ['Vault is sealed'] });
  });
});
