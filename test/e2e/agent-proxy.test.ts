/**
 * The agent's API proxy end to end: the auto-auth token is injected into requests that
 * carry none, `require_request_header` is enforced, and `/agent/v1/quit` stops the agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { api, startTestServer } from '../helpers/server.js';
import { freePort } from '../helpers/net.js';
import { appToken, put, startAgent, tempDir, waitFor } from './agent-harness.js';

test('proxy injects the auto-auth token and enforces X-Vault-Request', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  await api(server, 'PUT', 'secret/data/app', { token: server.rootToken, body: { data: { colour: 'blue' } } });
  const dir = tempDir();
  put(dir, 'token', await appToken(server));
  const port = await freePort();
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method "token_file" { config = { token_file_path = "${join(dir, 'token')}" } }
  sink "file" { config = { path = "${join(dir, 'sink')}" } }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address = "127.0.0.1:${port}"
  tls_disable = true
  require_request_header = true
  agent_api { enable_quit = true }
}
`);
  const agent = startAgent(server, cfg);
  t.after(() => agent.stop());
  const proxy = { url: `http://127.0.0.1:${port}` };
  const headers = { 'X-Vault-Request': 'true' };
  const read = await waitFor('the proxy to answer with a token', async () => {
    const r = await api(proxy, 'GET', 'secret/data/app', { headers }).catch(() => undefined);
    return r && r.status === 200 ? r : undefined;
  }, 10_000, agent);
  assert.equal(read.body.data.data.colour, 'blue', 'a request without a token reads the secret');

  const noHeader = await api(proxy, 'GET', 'secret/data/app');
  assert.equal(noHeader.status, 412);
  assert.match(JSON.stringify(noHeader.body.errors), /X-Vault-Request/);

  const own = await api(proxy, 'GET', 'secret/data/app', { headers, token: 'hvs.not-a-real-token' });
  assert.equal(own.status, 403, 'with use_auto_auth_token = true a client token is passed through unchanged');

  const quit = await fetch(`${proxy.url}/agent/v1/quit`, { method: 'POST', headers });
  assert.equal(quit.status, 200);
  const { code } = await agent.exited;
  assert.equal(code, 0);
});

test('use_auto_auth_token = "force" replaces the client token; the cache replays leased reads only', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  await api(server, 'PUT', 'secret/data/app', { token: server.rootToken, body: { data: { colour: 'red' } } });
  const dir = tempDir();
  put(dir, 'token', await appToken(server));
  const port = await freePort();
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method "token_file" { config = { token_file_path = "${join(dir, 'token')}" } }
}
cache {}
api_proxy { use_auto_auth_token = "force" }
listener "tcp" {
  address = "127.0.0.1:${port}"
  tls_disable = true
}
`);
  const agent = startAgent(server, cfg);
  t.after(() => agent.stop());
  const proxy = { url: `http://127.0.0.1:${port}` };
  const r = await waitFor('the proxy', async () => {
    const x = await fetch(`${proxy.url}/v1/secret/data/app`, { headers: { 'X-Vault-Token': 'hvs.bogus' } }).catch(() => undefined);
    return x && x.status === 200 ? x : undefined;
  }, 10_000, agent);
  assert.equal(((await r.json()) as { data: { data: { colour: string } } }).data.data.colour, 'red');
  assert.equal(r.headers.get('x-cache'), 'BYPASS', 'KV v2 has no lease, so it is not cached');
});
