import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './config.js';

const BASE = `storage "inmem" {}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}
`;

function fails(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseConfig(text, 'ward.hcl'),
    (e: Error) => {
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('without a telemetry stanza, Vault defaults: hostname on gauges, Prometheus kept 24h, metrics need a token', () => {
  const c = parseConfig(BASE, 'ward.hcl');
  assert.deepEqual(c.telemetry, { disableHostname: false, prometheusRetentionSeconds: 24 * 3600, unauthenticatedMetricsAccess: false, usageGaugePeriodSeconds: 600 });
  assert.equal(c.listeners[0]?.unauthenticatedMetricsAccess, undefined);
});

test('the telemetry stanza and the listener telemetry block are read', () => {
  const c = parseConfig(
    `${BASE.replace('tls_disable = true', 'tls_disable = true\n  telemetry {\n    unauthenticated_metrics_access = true\n  }')}telemetry {\n  disable_hostname = true\n  prometheus_retention_time = "30s"\n}\n`,
    'ward.hcl',
  );
  assert.deepEqual(c.telemetry, { disableHostname: true, prometheusRetentionSeconds: 30, unauthenticatedMetricsAccess: false, usageGaugePeriodSeconds: 600 });
  assert.equal(c.listeners[0]?.unauthenticatedMetricsAccess, true);
  const top = parseConfig(`${BASE}telemetry {\n  unauthenticated_metrics_access = true\n  prometheus_retention_time = 0\n}\n`, 'ward.hcl');
  assert.equal(top.telemetry.unauthenticatedMetricsAccess, true);
  assert.equal(top.telemetry.prometheusRetentionSeconds, 0);
});

test('usage_gauge_period: a duration, or "none" to stop collecting usage gauges', () => {
  const period = (v: string): number => parseConfig(`${BASE}telemetry {\n  usage_gauge_period = ${v}\n}\n`, 'ward.hcl').telemetry.usageGaugePeriodSeconds;
  assert.equal(period('"5m"'), 300);
  assert.equal(period('30'), 30);
  assert.equal(period('"none"'), 0);
  fails(`${BASE}telemetry {\n  usage_gauge_period = "often"\n}\n`, /^ward\.hcl:7: usage_gauge_period must be a duration such as "10m" or "none"/);
  fails(`${BASE}telemetry {\n  usage_gauge_period = "0s"\n}\n`, /^ward\.hcl:7: usage_gauge_period must be a duration such as "10m" or "none"/);
});

test('bad telemetry settings are file:line errors', () => {
  fails(`${BASE}telemetry {\n  statsd_address = "x:8125"\n}\n`, /^ward\.hcl:7: unknown key "statsd_address" in telemetry: Ward exports metrics only through sys\/metrics/);
  fails(`${BASE}telemetry {\n  prometheus_retention_time = "soon"\n}\n`, /^ward\.hcl:7: prometheus_retention_time must be a duration/);
  fails(`${BASE}telemetry {\n  disable_hostname = "maybe"\n}\n`, /^ward\.hcl:7: disable_hostname must be a boolean/);
  fails(`${BASE}telemetry {\n  disable_hostname = true\n}\ntelemetry {\n  disable_hostname = true\n}\n`, /^ward\.hcl:9: only one telemetry stanza is allowed/);
  fails(BASE.replace('tls_disable = true', 'tls_disable = true\n  telemetry {\n    unauthenticated = true\n  }'), /unknown key "unauthenticated" in the listener's telemetry block/);
});
