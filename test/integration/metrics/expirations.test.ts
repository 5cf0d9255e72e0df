/**
 * A lease that runs out shows in sys/metrics: the expiration counter grows, the revoke
 * timer is observed, and the secret lease's mount is counted while it lives (collected
 * every usage_gauge_period: 1s here, so the count is polled for).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../../helpers/server.js';
import { startLeaseServer } from '../../helpers/lease-engine.js';
import { parsePrometheusText, sampleValue, type Family } from '../../helpers/prometheus.js';
import { waitFor } from '../../helpers/wait.js';
import { DEV_TELEMETRY } from '../../../src/core/metrics/telemetry.js';

describe('sys/metrics and lease expiry', () => {
  let s: TestServer;
  before(async () => {
    s = await startLeaseServer({ telemetry: { ...DEV_TELEMETRY, usageGaugePeriodSeconds: 1 } });
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
    const byMount = (f: Map<string, Family>): number | undefined => sampleValue(f, 'vault_ward_expire_leases_by_mount', { mount_point: 'dyn/', namespace: 'root' });
    // A lease that outlives a few collections is counted under its mount, then no longer once revoked.
    const long = await api(s, 'GET', 'dyn/creds/app', { token: s.rootToken });
    assert.equal(long.status, 200);
    await waitFor('the next collection to count the lease under dyn/', async () => byMount(await scrape()) === 1);
    assert.equal((await api(s, 'PUT', 'sys/leases/revoke', { token: s.rootToken, body: { lease_id: long.body.lease_id } })).status, 204);
    await waitFor('the next collection to drop dyn/', async () => byMount(await scrape()) === undefined);
    assert.equal((await api(s, 'GET', 'dyn/creds/short', { token: s.rootToken })).status, 200);
    await waitFor('the short lease to expire', async () => (sampleValue(await scrape(), 'vault_expire_lease_expiration') ?? 0) > before, { timeoutMs: 15_000 });
    const after = await scrape();
    assert.equal((sampleValue(after, 'vault_expire_lease_expiration') ?? 0) - before, 1);
    assert.ok((sampleValue(after, 'vault_expire_revoke_count') ?? 0) >= 1);
  });
});
