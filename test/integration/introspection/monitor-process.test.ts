/**
 * `ward server -dev` as a real process: its loggers are listed by sys/loggers (the core's
 * under "core"), and sys/monitor streams the server's own lines, here the seal's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, spawnWard, waitForHealth, type WardProcess } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

describe('ward server: sys/loggers and sys/monitor', () => {
  let p: WardProcess;
  const token = 'root';
  before(async () => {
    const port = await freePort();
    p = spawnWard(['server', '-dev', '-dev-root-token-id=root', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem'], `http://127.0.0.1:${port}`);
    await waitForHealth(p);
  });
  after(async () => {
    await p.kill();
  });

  it('lists the core logger and changes its level at run time', async () => {
    const get = async (): Promise<Record<string, string>> => ((await (await fetch(`${p.url}/v1/sys/loggers`, { headers: { 'X-Vault-Token': token } })).json()) as { data: Record<string, string> }).data;
    assert.equal((await get())['core'], 'info');
    const set = await fetch(`${p.url}/v1/sys/loggers/core`, { method: 'POST', headers: { 'X-Vault-Token': token }, body: JSON.stringify({ level: 'trace' }) });
    assert.equal(set.status, 204);
    assert.equal((await get())['core'], 'trace');
    assert.equal((await fetch(`${p.url}/v1/sys/loggers`, { method: 'DELETE', headers: { 'X-Vault-Token': token } })).status, 204);
    assert.equal((await get())['core'], 'info');
  });

  it('streams the server\'s log lines to a monitor as they are written', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${p.url}/v1/sys/monitor?log_level=info`, { headers: { 'X-Vault-Token': token }, signal: ctl.signal });
    assert.equal(res.status, 200);
    let text = '';
    const dec = new TextDecoder();
    const reading = (async () => {
      try {
        for await (const c of res.body as AsyncIterable<Uint8Array>) text += dec.decode(c, { stream: true });
      } catch {
        // aborted below
      }
    })();
    // `ward monitor` too, as a user would run it beside the server.
    const cli = spawnWard(['monitor', '-log-level=debug'], '', { VAULT_ADDR: p.url, VAULT_TOKEN: token });
    try {
      // A monitor's request stays in flight while it streams: both are connected once two are listed.
      await waitFor(
        'ward monitor to connect',
        async () => {
          const r = await fetch(`${p.url}/v1/sys/in-flight-req`, { headers: { 'X-Vault-Token': token } });
          return Object.values((await r.json()) as Record<string, { request_path: string }>).filter((e) => e.request_path === '/v1/sys/monitor').length === 2;
        },
        { timeoutMs: 10_000, context: () => cli.stderr() },
      );
      assert.equal((await fetch(`${p.url}/v1/sys/seal`, { method: 'PUT', headers: { 'X-Vault-Token': token } })).status, 204);
      await waitFor('the seal in the monitor', () => text.includes('core: vault is sealed'), { timeoutMs: 10_000, context: () => text });
      assert.match(text, /Z \[INFO\]  core: vault is sealed\n/);
      await waitFor('the seal in ward monitor', () => cli.stdout().includes('core: vault is sealed'), { timeoutMs: 10_000, context: () => cli.stdout() + cli.stderr() });
    } finally {
      await cli.kill();
    }
    ctl.abort();
    await reading;
  });
});

describe('ward server: stopping with a monitor attached', () => {
  let p: WardProcess;
  const token = 'root';
  before(async () => {
    const port = await freePort();
    p = spawnWard(['server', '-dev', '-dev-root-token-id=root', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem'], `http://127.0.0.1:${port}`);
    await waitForHealth(p);
  });
  after(async () => {
    await p.kill();
  });

  it('ends a monitor\'s stream cleanly when the server stops, without holding the stop up', async () => {
    const res = await fetch(`${p.url}/v1/sys/monitor`, { headers: { 'X-Vault-Token': token } });
    assert.equal(res.status, 200);
    let outcome = '';
    const reading = (async () => {
      try {
        for await (const _c of res.body as AsyncIterable<Uint8Array>) void _c;
        outcome = 'ended';
      } catch (e) {
        outcome = `failed: ${(e as Error).message}`;
      }
    })();
    p.child.kill('SIGTERM');
    const exit = await p.exited;
    await reading;
    // A stream cut by the listener's forced close is an error here; a clean end is not.
    assert.equal(outcome, 'ended');
    assert.equal(exit.code, 0);
  });
});
