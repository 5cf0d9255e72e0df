/**
 * `ward server -dev -dev-ha` (as `vault server -dev -dev-ha`): a real process with HA on
 * an in-memory lock, so the server's HA wiring (api_addr, cluster listener on the API
 * port + 1, sys/leader) is exercised end to end.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { test } from 'node:test';
import { freePort, spawnWard } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

test('ward server -dev -dev-ha is the active node of a one-node HA cluster with a cluster port', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = spawnWard(['server', '-dev', '-dev-ha', `-dev-listen-address=127.0.0.1:${port}`, '-dev-root-token-id=root'], url);
  try {
    const leader = await waitFor(
      'the dev server to be active',
      async () => {
        const r = await fetch(`${url}/v1/sys/leader`).catch(() => null);
        const body = r?.ok ? ((await r.json()) as Record<string, unknown>) : null;
        return body?.['is_self'] === true ? body : undefined;
      },
      { timeoutMs: 20_000, context: () => p.stderr() + p.stdout() },
    );
    assert.equal(leader['ha_enabled'], true);
    assert.equal(leader['leader_address'], url);
    assert.equal(leader['leader_cluster_address'], `https://127.0.0.1:${port + 1}`);
    const kv = await fetch(`${url}/v1/secret/data/x`, { method: 'POST', headers: { 'X-Vault-Token': 'root' }, body: JSON.stringify({ data: { a: 1 } }) });
    assert.equal(kv.status, 200);
    // The cluster port is there, and refuses a client without the cluster certificate.
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: port + 1, rejectUnauthorized: false }, () => s.write('GET /v1/sys/mounts HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(`closed:${e.code ?? ''}:${got}`));
      s.on('close', () => resolve(`closed::${got}`));
    });
    assert.match(outcome, /^closed:(ECONNRESET|EPIPE)?:$/);
  } finally {
    await p.kill('SIGTERM');
  }
});
