import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTlsAutoHosts } from './hosts.js';

test('-tls-auto-hosts: comma-separated DNS names and IP addresses, trimmed, duplicates dropped', () => {
  const rows: [string, string[]][] = [
    ['vault-agent-injector-svc,vault-agent-injector-svc.vault,vault-agent-injector-svc.vault.svc', ['vault-agent-injector-svc', 'vault-agent-injector-svc.vault', 'vault-agent-injector-svc.vault.svc']],
    [' a.example.com , 10.0.0.1,::1 ', ['a.example.com', '10.0.0.1', '::1']],
    ['*.injector.svc', ['*.injector.svc']],
    ['Injector.SVC,injector.svc', ['injector.svc']],
  ];
  for (const [input, want] of rows) assert.deepEqual(parseTlsAutoHosts(input), want, input);
});

test('-tls-auto-hosts: bad entries are refused naming the flag and the entry', () => {
  const rows: [string, RegExp][] = [
    ['', /-tls-auto-hosts: at least one host/],
    [' , ', /-tls-auto-hosts: at least one host/],
    ['a.svc,,b.svc', /-tls-auto-hosts: empty entry/],
    ['bad_name.svc', /-tls-auto-hosts: "bad_name\.svc" is not a DNS name or IP address/],
    ['-lead.svc', /"-lead\.svc"/],
    ['a.*.svc', /"a\.\*\.svc"/],
    [`${'x'.repeat(64)}.svc`, /is not a DNS name/],
  ];
  for (const [input, err] of rows) assert.throws(() => parseTlsAutoHosts(input), err, input);
});
