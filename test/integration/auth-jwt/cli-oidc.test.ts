/**
 * `ward login -method=oidc` as a user runs it: the CLI listens for the callback, prints
 * the provider URL (skip_browser=true stands in for a machine without a browser), the
 * "browser" follows the provider's redirect to the CLI's listener, and the CLI stores
 * the token it gets from the callback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { run } from '../../../src/cli/main.js';
import { enableCodeFlow } from '../../fakes/oidc-provider/code-flow.js';
import { startOidcProvider } from '../../fakes/oidc-provider/index.js';
import { freePort } from '../../helpers/net.js';
import { api, startTestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

function get(url: string, ca?: string): Promise<{ status: number; location: string; body: string }> {
  return new Promise((resolve, reject) => {
    const cb = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? '', body }));
    };
    const req = url.startsWith('https:') ? request(url, { ca }, cb) : httpRequest(url, cb);
    req.on('error', reject);
    req.end();
  });
}

test('ward login -method=oidc: listener, printed URL, provider redirect, stored token', async (t) => {
  const ward = await startTestServer();
  t.after(() => ward.close());
  const idp = await startOidcProvider();
  t.after(() => idp.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-oidc-cli-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const port = await freePort();
  const redirect = `http://localhost:${port}/oidc/callback`;
  enableCodeFlow(idp, { clientId: 'cli', clientSecret: 'cli-secret', redirectUris: [redirect], user: () => ({ sub: 'u-cat', email: 'cat@example.com' }) });
  const root = { token: ward.rootToken };
  assert.equal((await api(ward, 'POST', 'sys/auth/oidc', { ...root, body: { type: 'oidc' } })).status, 204);
  assert.equal((await api(ward, 'POST', 'auth/oidc/config', { ...root, body: { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: idp.caPem, oidc_client_id: 'cli', oidc_client_secret: 'cli-secret', default_role: 'people' } })).status, 204);
  // vault's documented CLI redirect URI; any loopback port is accepted.
  assert.equal((await api(ward, 'POST', 'auth/oidc/role/people', { ...root, body: { user_claim: 'email', allowed_redirect_uris: 'http://localhost:8250/oidc/callback', token_policies: 'people' } })).status, 204);

  // skip_browser=true, then a session with no display (no DISPLAY/WAYLAND_DISPLAY): both print the URL.
  for (const extra of [['skip_browser=true'], []]) {
    let stdout = '';
    let stderr = '';
    const done = run(['login', '-method=oidc', '-format=json', `port=${port}`, ...extra], {
      stdout: { write: (s: string) => (stdout += s), isTTY: false },
      stderr: { write: (s: string) => (stderr += s), isTTY: false },
      stdin: Readable.from([Buffer.from('')]),
      env: { VAULT_ADDR: ward.url, HOME: home },
    });
    const printed = await waitFor('the printed auth URL', () => /Open the following link in your browser:\s+(\S+)/.exec(stderr)?.[1], { timeoutMs: 10_000 });
    assert.equal(new URL(printed).searchParams.get('redirect_uri'), redirect);
    const hop = await get(printed, idp.caPem);
    assert.equal(hop.status, 302);
    const landing = await get(hop.location);
    assert.equal(landing.status, 200);
    assert.match(landing.body, /Authentication Succeeded/);
    assert.equal(await done, 0, stderr);
    const token = JSON.parse(stdout).auth.client_token as string;
    assert.equal(readFileSync(join(home, '.vault-token'), 'utf8'), token);
    assert.deepEqual((await api(ward, 'GET', 'auth/token/lookup-self', { token })).body.data.policies, ['default', 'people']);
  }
});
