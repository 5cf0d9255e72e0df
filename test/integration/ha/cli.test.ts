/** `ward status` and `ward operator step-down` against a real in-process HA cluster. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../../../src/cli/testing.js';
import { startHaCluster, type HaCluster } from '../../helpers/ha-cluster.js';
import { waitFor } from '../../helpers/wait.js';

let c: HaCluster;
before(async () => {
  c = await startHaCluster({ nodes: 2 });
});
after(() => c.close());

const row = (out: string, key: string): string | undefined => out.split('\n').find((l) => l.startsWith(`${key} `))?.slice(key.length).trim();

test('ward status shows HA Enabled, HA Cluster, HA Mode and Active Node Address as vault status does', async () => {
  const a = await c.active();
  const s = c.nodes.find((n) => n !== a)!;
  const onStandby = await runCli(['status'], { VAULT_ADDR: s.url });
  assert.equal(onStandby.code, 0, onStandby.stderr);
  assert.equal(row(onStandby.stdout, 'HA Enabled'), 'true');
  assert.equal(row(onStandby.stdout, 'HA Cluster'), a.clusterUrl);
  assert.equal(row(onStandby.stdout, 'HA Mode'), 'standby');
  assert.equal(row(onStandby.stdout, 'Active Node Address'), a.url);
  assert.equal(row(onStandby.stdout, 'Active Since'), undefined);

  const onActive = await runCli(['status'], { VAULT_ADDR: a.url });
  assert.equal(row(onActive.stdout, 'HA Mode'), 'active');
  assert.ok(!Number.isNaN(Date.parse(row(onActive.stdout, 'Active Since') ?? '')));
  assert.equal(row(onActive.stdout, 'Active Node Address'), undefined);
});

test('ward operator step-down through a standby makes the other node active', async () => {
  const a = await c.active();
  const s = c.nodes.find((n) => n !== a)!;
  const r = await runCli(['operator', 'step-down'], { VAULT_ADDR: s.url, VAULT_TOKEN: c.rootToken });
  assert.equal(r.code, 0, r.stderr);
  await waitFor('the standby to become active', async () => (await s.core.leader()).is_self);
});

test('ward status on a sealed HA node shows HA Enabled and nothing more, exit 2', async () => {
  const n = c.nodes[0]!;
  await n.core.sealNow();
  const r = await runCli(['status'], { VAULT_ADDR: n.url });
  assert.equal(r.code, 2);
  assert.equal(row(r.stdout, 'HA Enabled'), 'true');
  assert.equal(row(r.stdout, 'HA Mode'), undefined);
  await n.core.unseal(c.unsealKey, false);
});

test('ward operator members lists the active node and the standbys that echoed', async () => {
  const a = await c.active();
  const s = c.nodes.find((n) => n !== a)!;
  const out = await waitFor('both members to be listed', async () => {
    const r = await runCli(['operator', 'members'], { VAULT_ADDR: s.url, VAULT_TOKEN: c.rootToken });
    return r.code === 0 && r.stdout.includes(s.url) ? r.stdout : undefined;
  });
  const lines = out.trim().split('\n');
  assert.match(lines[0]!, /^Host Name\s+API Address\s+Cluster Address\s+Active Node\s+Version\s+Last Echo$/);
  const activeLine = lines.find((l) => l.includes(a.url))!;
  assert.match(activeLine, new RegExp(`${a.clusterUrl}\\s+true\\s+\\S+\\s+n/a$`));
  const standbyLine = lines.find((l) => l.includes(s.url))!;
  assert.match(standbyLine, /\sfalse\s+\S+\s+\d{4}-\d\d-\d\dT/);
  const json = await runCli(['operator', 'members', '-format=json'], { VAULT_ADDR: s.url, VAULT_TOKEN: c.rootToken });
  assert.equal((JSON.parse(json.stdout) as { data: { nodes: unknown[] } }).data.nodes.length, 2);
});
