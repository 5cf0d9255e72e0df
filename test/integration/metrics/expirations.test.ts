/**
 * A lease that runs out shows in sys/metrics: the expiration counter grows, the revoke
 * timer is observed, and the secret lease's mount is counted while it lives.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../../helpers/server.js';
import { startLeaseServer } from '../../helpers/lease-engine.js';
import { parsePrometheusText, sampleValue, type Family } from '../../helpers/prometheus.js';
import { waitFor } from '../../helpers/wait.js';

describe('sys/metrics and lease expiry', () => {
  let s: TestServer;
  before(async () => {
    s = await startLeaseServer();
  });
  after(async () => {
    await s.close();
  });
  const scrape = async (): Promise<Map<string, Family>> => {
    const res = await fetch(`${s.url}/v1/sys/metrics?format=prometheus`, { headers: { 'X-Vault-Token': s.rootToken } });
    assert.equal(res.status, 200);
    return parsePrometheusText(await res.text());
  };

  it('counts the expiry and times its revocation; leases are counted by mount while they live', async () => {
    const before = sampleValue(await scrape(), 'vault_expire_lease_expiration') ?? 0;
    assert.equal((await api(s, 'GET', 'dyn/creds/short', { token: s.rootToken })).status, 200);
    const live = await scrape();
    assert.equal(sampleValue(live, 'vault_ward_expire_leases_by_mount', { mount_point: 'dyn/', namespace: 'root' }), 1);
    await waitFor('the short lease to expire', async () => (sampleValue(await scrape(), 'vault_expire_lease_expiration') ?? 0) > before, { timeoutMs: 15_000 });
    const after = await scrape();
    assert.equal((sampleValue(after, 'vault_expire_lease_expiration') ?? 0) - before, 1);
    assert.ok((sampleValue(after, 'vault_expire_revoke_count') ?? 0) >= 1);
    assert.equal(sampleValue(after, 'vault_ward_expire_leases_by_mount', { mount_point: 'dyn/', namespace: 'root' }), undefined);
  });
});
