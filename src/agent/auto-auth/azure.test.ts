import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentConfig } from '../config.js';

const hcl = (config: string) => `auto_auth {\n  method "azure" {\n    config = {\n${config}\n    }\n  }\n}\n`;

test('azure config: Vault Agent keys', () => {
  const p = parseAgentConfig(hcl('role = "vm"\nresource = "https://management.azure.com/"\nclient_id = "c1"\nscope = "x/.default"'), 'a.hcl').autoAuth?.method.params;
  assert.deepEqual(p, { type: 'azure', role: 'vm', resource: 'https://management.azure.com/', clientId: 'c1' });
});

test('azure config: authenticate_from_environment, with the scope it asks for (default <resource>/.default, as Vault)', () => {
  const p = (c: string) => parseAgentConfig(hcl(c), 'a.hcl').autoAuth?.method.params;
  assert.deepEqual(p('role = "vm"\nresource = "https://management.azure.com/"\nauthenticate_from_environment = true'),
    { type: 'azure', role: 'vm', resource: 'https://management.azure.com/', fromEnvironment: true, scope: 'https://management.azure.com//.default' });
  assert.deepEqual(p('role = "vm"\nresource = "r"\nauthenticate_from_environment = "true"\nscope = "api://x/.default"'),
    { type: 'azure', role: 'vm', resource: 'r', fromEnvironment: true, scope: 'api://x/.default' });
  assert.throws(() => p('role = "vm"\nresource = "r"\nauthenticate_from_environment = "maybe"'), /authenticate_from_environment/);
});

test('azure config errors name the field', () => {
  assert.throws(() => parseAgentConfig(hcl('resource = "r"'), 'a.hcl'), /missing required field "role"/);
  assert.throws(() => parseAgentConfig(hcl('role = "r"'), 'a.hcl'), /missing required field "resource"/);
  assert.throws(() => parseAgentConfig(hcl('role = "r"\nresource = "r"\nobject_id = "o"\nclient_id = "c"'), 'a.hcl'), /a\.hcl:\d+: .*only one of object_id or client_id/);
  assert.throws(() => parseAgentConfig('auto_auth {\n  method "azure" {}\n}\n', 'a.hcl'), /missing required stanza "config"/);
});
