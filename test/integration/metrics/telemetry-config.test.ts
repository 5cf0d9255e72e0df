/**
 * `ward server` with a telemetry stanza, as a real process: a listener with
 * `telemetry { unauthenticated_metrics_access = true }` serves sys/metrics without a token
 * (even sealed, reporting vault.core.unsealed 0) while another listener still asks for one;
 * without disable_hostname gauges carry the host name; prometheus_retention_time = 0 turns
 * the Prometheus form off with Vault's error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { configDir, freePort, spawnWard, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';

describe('the telemetry stanza in a ward server config', () => {
  let cfg: ConfigDir;
  let p: WardProcess;
  let open: string;
  let guarded: string;
  before(async () => {
    cfg = configDir();
    const [a, b] = [await freePort(), await freePort()];
    open = `http://127.0.0.1:${a}`;
    guarded = `http://127.0.0.1:${b}`;
    const file = cfg.write(
      'ward.hcl',
      [
        `storage "sqlite" {`,
        `  path = "${cfg.dbPath}"`,
        `}`,
        `listener "tcp" {`,
        `  address     = "127.0.0.1:${a}"`,
        `  tls_disable = true`,
        `  telemetry {`,
        `    unauthenticated_metrics_access = true`,
        `  }`,
        `}`,
        `listener "tcp" {`,
        `  address     = "127.0.0.1:${b}"`,
        `  tls_disable = true`,
        `}`,
        `telemetry {`,
        `  prometheus_retention_time = "0s"`,
        `}`,
        `allow_root = true`,
        ``,
      ].join('\n'),
    );
    p = spawnWard(['server', `-config=${file}`], open);
    await waitForHealth(p);
  });
  after(async () => {
    await p?.kill();
    cfg?.cleanup();
  });

  it('serves sys/metrics without a token on the listener that allows it, sealed or not', async () => {
    const res = await fetch(`${open}/v1/sys/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { Gauges: { Name: string; Value: number }[] };
    const unsealed = body.Gauges.find((g) => g.Name === `vault.${hostname()}.core.unsealed`);
    assert.equal(unsealed?.Value, 0, JSON.stringify(body.Gauges.map((g) => g.Name)));
    assert.ok(!body.Gauges.some((g) => g.Name === 'vault.core.unsealed'), 'without disable_hostname every gauge carries the host name');
  });

  it('the other listener still needs a token', async () => {
    const res = await fetch(`${guarded}/v1/sys/metrics`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { errors: ['Vault is sealed'] });
  });

  it('prometheus_retention_time = 0 turns the Prometheus form off; an unknown format is refused', async () => {
    const prom = await fetch(`${open}/v1/sys/metrics?format=prometheus`);
    assert.equal(prom.status, 400);
    assert.equal(await prom.text(), 'prometheus is not enabled');
    const xml = await fetch(`${open}/v1/sys/metrics?format=xml`);
    assert.equal(xml.status, 400);
    assert.equal(await xml.text(), 'metric response format "xml" unknown');
  });
});
