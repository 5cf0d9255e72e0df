/**
 * The injector's table of auto-auth methods and their auth-config keys
 * (src/k8s/injector/auth-methods.ts) against what `ward agent` really accepts: every
 * method the agent has, with exactly the keys its config reader knows. A key the table
 * allowed and the agent refused would let through a pod whose agent stops at start; a
 * method the agent gains would stay unreachable through annotations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgentConfig } from '../../../src/agent/config.js';
import { AUTH_CONFIG } from '../../../src/k8s/injector/auth-methods.js';

/** The keys the agent's reader for `type` knows, from its refusal of an unknown one. */
function agentKeys(type: string): string[] | 'no such method' {
  const config = { auto_auth: { method: [{ type, config: { not_a_key: 'x' } }] } };
  try {
    parseAgentConfig(JSON.stringify(config), 'agent.json');
  } catch (e) {
    const m = /unknown key "not_a_key" \(known keys: ([^)]*)\)/.exec((e as Error).message);
    if (m) return m[1]!.split(', ').sort();
    return 'no such method';
  }
  assert.fail(`the agent accepted an unknown ${type} config key`);
}

test('every method in the injector table is one the agent runs, with exactly its config keys', () => {
  for (const [type, keys] of Object.entries(AUTH_CONFIG)) {
    assert.deepEqual(agentKeys(type), [...keys].sort(), `auth-type ${type}`);
  }
});

test('the agent runs no method that the table leaves out', () => {
  for (const type of ['kubernetes', 'approle', 'token_file', 'jwt', 'cert', 'aws', 'azure', 'gcp', 'ldap', 'userpass', 'oci', 'alicloud', 'cf', 'kerberos']) {
    assert.equal(agentKeys(type) !== 'no such method', type in AUTH_CONFIG, type);
  }
});
