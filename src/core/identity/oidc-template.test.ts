import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TemplateIdentity } from '../policy/template.js';
import { checkTemplate, renderClaims } from './oidc-template.js';

const id: TemplateIdentity = {
  entity: { id: 'e-1', name: 'web', metadata: { team: 'blue' }, aliases: { acc_k8s: { name: 'uid-1', metadata: { service_account_namespace: 'ns-a' } } } },
  groups: { 'g-2': { name: 'b' }, 'g-1': { name: 'a' } },
};

describe('renderClaims', () => {
  const cases: { name: string; template: string; want: Record<string, unknown> }[] = [
    { name: 'empty template', template: '', want: {} },
    { name: 'entity name and id', template: '{"n": {{identity.entity.name}}, "i": {{ identity.entity.id }}}', want: { n: 'web', i: 'e-1' } },
    { name: 'whole metadata', template: '{"m": {{identity.entity.metadata}}}', want: { m: { team: 'blue' } } },
    { name: 'one metadata key', template: '{"t": {{identity.entity.metadata.team}}}', want: { t: 'blue' } },
    { name: 'missing key renders ""', template: '{"x": {{identity.entity.metadata.nope}}}', want: { x: '' } },
    { name: 'alias metadata', template: '{"ns": {{identity.entity.aliases.acc_k8s.metadata.service_account_namespace}}}', want: { ns: 'ns-a' } },
    { name: 'group names sorted', template: '{"groups": {{identity.entity.groups.names}}}', want: { groups: ['a', 'b'] } },
    { name: 'nested object', template: '{"a": {"b": {{identity.entity.name}}}}', want: { a: { b: 'web' } } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(renderClaims(c.template, id), c.want));
  it('a value cannot break out of its JSON string', () => {
    const tricky: TemplateIdentity = { ...id, entity: { ...id.entity, name: '", "sub": "admin' } };
    assert.deepEqual(renderClaims('{"n": {{identity.entity.name}}}', tricky), { n: '", "sub": "admin' });
  });
});

describe('checkTemplate', () => {
  it('accepts an object template', () => assert.doesNotThrow(() => checkTemplate('{"a": {{identity.entity.name}}}')));
  it('refuses text that is not JSON', () => assert.throws(() => checkTemplate('{"a": '), /error parsing template JSON/));
  it('refuses a non-object', () => assert.throws(() => checkTemplate('[1]'), /not an object/));
  it('refuses a reserved claim', () => assert.throws(() => checkTemplate('{"sub": "x"}'), /top level key "sub" not allowed/));
});
