/**
 * `ward agent -revoke-on-shutdown`: on SIGTERM the agent waits the grace period (the app
 * may still use its secrets), then revokes its own token (and with it the token's leases)
 * and exits 0. This is what vault-k8s does with a preStop shell command; Ward's agent does it
 * itself, so the injected container needs no shell. Without the flag the token survives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { api, startTestServer } from '../helpers/server.js';
import { appToken, put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

function config(dir: string, token: string): { cfg: string; sink: string } {
  put(dir, 'token', token);
  const sink = join(dir, 'sink');
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method {
    type   = "token_file"
    config { token_file_path = "${join(dir, 'token')}" }
  }
  sink "file" {
    config = { path = "${sink}" }
  }
}
`);
  return { cfg, sink };
}

for (const revoke of [true, false]) {
  test(`SIGTERM ${revoke ? 'with' : 'without'} -revoke-on-shutdown: the agent's token is ${revoke ? 'revoked' : 'kept'}`, { timeout: 60_000 }, async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const token = await appToken(server);
    const dir = tempDir();
    const { cfg, sink } = config(dir, token);
    const agent = startAgent(server, cfg, revoke ? ['-revoke-on-shutdown', '-revoke-grace=1'] : []);
    t.after(() => agent.stop());
    await waitFor('the sink', () => tryRead(sink), 20_000, agent);
    agent.child.kill('SIGTERM');
    const { code, stderr } = await agent.exited;
    assert.equal(code, 0, stderr);
    const lookup = await api(server, 'GET', 'auth/token/lookup-self', { token });
    assert.equal(lookup.status, revoke ? 403 : 200, JSON.stringify(lookup.body));
    assert.ok(!stderr.includes(token), 'the token is never logged');
  });
}

test('-revoke-grace needs whole seconds', async () => {
  const server = await startTestServer();
  try {
    const dir = tempDir();
    const { cfg } = config(dir, 'unused');
    const { code, stderr } = await startAgent(server, cfg, ['-revoke-on-shutdown', '-revoke-grace=soon']).exited;
    assert.equal(code, 1);
    assert.match(stderr, /invalid -revoke-grace "soon"/);
  } finally {
    await server.close();
  }
});
