import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY } from './builtin.js';
import { parsePolicy } from './parse.js';
import { wardErrorOfSync } from '../../../test/helpers/errors.js';

/** Asserts a 400 whose message contains every fragment. */
function rejects(text: string, ...fragments: string[]): void {
  const e = wardErrorOfSync(() => parsePolicy('p', text));
  assert.equal(e.status, 400);
  for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" should contain "${f}"`);
}

const FULL = `
path "secret/data/app/*" {
  capabilities        = ["create", "read", "update", "patch", "delete", "list"]
  required_parameters = ["owner"]
  allowed_parameters  = { "owner" = [], "Env" = ["dev", "prod"] }
  denied_parameters   = { "admin" = [] }
  min_wrapping_ttl    = "1m"
  max_wrapping_ttl    = "1h"
}
`;

describe('parsePolicy', () => {
  it('parses every rule field from HCL', () => {
    const p = parsePolicy('app', FULL);
    assert.equal(p.name, 'app');
    assert.equal(p.raw, FULL);
    assert.deepEqual(p.rules, [
      {
        path: 'secret/data/app/*',
        capabilities: ['create', 'read', 'update', 'patch', 'delete', 'list'],
        requiredParameters: ['owner'],
        allowedParameters: { owner: [], env: ['dev', 'prod'] },
        deniedParameters: { admin: [] },
        minWrappingTtl: 60,
        maxWrappingTtl: 3600,
      },
    ]);
  });

  it('keeps repeated path blocks in order', () => {
    const p = parsePolicy('p', 'path "a" { capabilities = ["read"] }\npath "b/+" { capabilities = ["list"] }\npath "a" { capabilities = ["update"] }');
    assert.deepEqual(
      p.rules.map((r) => [r.path, r.capabilities]),
      [
        ['a', ['read']],
        ['b/+', ['list']],
        ['a', ['update']],
      ],
    );
  });

  it('accepts the JSON form', () => {
    const p = parsePolicy('p', '{"path":{"secret/foo":{"capabilities":["read"],"allowed_parameters":{"X":["1"]},"max_wrapping_ttl":90}}}');
    assert.equal(p.rules.length, 1);
    assert.deepEqual(p.rules[0]?.capabilities, ['read']);
    assert.deepEqual(p.rules[0]?.allowedParameters, { x: ['1'] });
    assert.equal(p.rules[0]?.maxWrappingTtl, 90);
  });

  it('accepts base64 of HCL and of JSON, keeping the decoded text', () => {
    const hclText = 'path "kv/*" { capabilities = ["read"] }';
    const p = parsePolicy('p', Buffer.from(hclText).toString('base64'));
    assert.equal(p.raw, hclText);
    assert.deepEqual(p.rules[0]?.capabilities, ['read']);
    const json = '{"path":{"kv/x":{"capabilities":["list"]}}}';
    assert.deepEqual(parsePolicy('p', Buffer.from(json).toString('base64')).rules[0]?.capabilities, ['list']);
  });

  it('maps the legacy policy shorthand', () => {
    const caps = (v: string): string[] => parsePolicy('p', `path "x" { policy = "${v}" }`).rules[0]?.capabilities ?? [];
    assert.deepEqual(caps('read'), ['read', 'list']);
    assert.deepEqual(caps('write'), ['create', 'read', 'update', 'delete', 'list']);
    assert.deepEqual(caps('sudo'), ['create', 'read', 'update', 'delete', 'list', 'sudo']);
    assert.deepEqual(caps('list'), ['list']);
    assert.deepEqual(caps('deny'), ['deny']);
  });

  it('deny on a path drops every other capability', () => {
    assert.deepEqual(parsePolicy('p', 'path "x" { capabilities = ["read", "deny", "sudo"] }').rules[0]?.capabilities, ['deny']);
  });

  it('accepts newer capabilities', () => {
    assert.deepEqual(parsePolicy('p', 'path "x" { capabilities = ["subscribe", "recover"] }').rules[0]?.capabilities, ['subscribe', 'recover']);
  });

  it('treats empty text as a policy with no rules', () => {
    assert.deepEqual(parsePolicy('p', '  \n').rules, []);
  });

  it('reports HCL syntax errors with line and column', () => {
    rejects('path "a" {\n  capabilities = ["read"]\n}\n}', 'failed to parse policy', 'At 4:1');
    rejects('path "a" {\n  capabilities = ["read"\n}', 'At 3:');
  });

  it('reports malformed JSON', () => {
    rejects('{"path": {"a": }}', 'failed to parse policy', 'invalid JSON');
  });

  it('rejects unknown capabilities, naming the path', () => {
    rejects('path "secret/x" { capabilities = ["raed"] }', 'path "secret/x": invalid capability "raed"');
  });

  it('rejects an unknown legacy policy value', () => {
    rejects('path "x" { policy = "admin" }', 'invalid policy "admin"');
  });

  it('rejects bad wrapping durations and inverted bounds', () => {
    rejects('path "x" { min_wrapping_ttl = "soon" }', 'min_wrapping_ttl', 'soon');
    rejects('path "x" { min_wrapping_ttl = "1h"\n max_wrapping_ttl = "1m" }', 'max_wrapping_ttl cannot be less than min_wrapping_ttl');
  });

  it('rejects unknown keys and "+*"', () => {
    rejects('path "x" { capabilites = ["read"] }', 'invalid key "capabilites"');
    rejects('paths "x" { capabilities = ["read"] }', 'invalid key "paths"');
    rejects('path "a/+*" { capabilities = ["read"] }', "'+*' is forbidden");
  });

  it('parses the built-in policies', () => {
    assert.equal(parsePolicy('default', DEFAULT_POLICY).rules.length, 17);
    assert.deepEqual(
      parsePolicy('response-wrapping', RESPONSE_WRAPPING_POLICY).rules.map((r) => [r.path, r.capabilities]),
      [
        ['cubbyhole/response', ['create', 'read']],
        ['sys/wrapping/unwrap', ['update']],
      ],
    );
  });
});
