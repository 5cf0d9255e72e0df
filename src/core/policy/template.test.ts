import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTemplatedPath, type TemplateIdentity } from './template.js';

const id: TemplateIdentity = {
  entity: {
    id: 'e-1',
    name: 'alice',
    metadata: { team: 'blue', glob: 'a*' },
    aliases: { auth_kubernetes_1: { name: 'uid-1', metadata: { service_account_namespace: 'ns-a' } } },
  },
  groups: { 'g-1': { name: 'admins' } },
};

const cases: { name: string; path: string; identity: TemplateIdentity | null; want: string | null }[] = [
  { name: 'no template passes through', path: 'secret/data/x', identity: null, want: 'secret/data/x' },
  { name: 'entity id', path: 'secret/{{identity.entity.id}}/*', identity: id, want: 'secret/e-1/*' },
  { name: 'entity name with spaces inside braces', path: 'secret/{{ identity.entity.name }}', identity: id, want: 'secret/alice' },
  { name: 'entity metadata', path: 'kv/{{identity.entity.metadata.team}}/*', identity: id, want: 'kv/blue/*' },
  { name: 'missing metadata key', path: 'kv/{{identity.entity.metadata.nope}}/*', identity: id, want: null },
  { name: 'alias name', path: 'x/{{identity.entity.aliases.auth_kubernetes_1.name}}', identity: id, want: 'x/uid-1' },
  {
    name: 'alias metadata',
    path: 'secret/data/{{identity.entity.aliases.auth_kubernetes_1.metadata.service_account_namespace}}/*',
    identity: id,
    want: 'secret/data/ns-a/*',
  },
  { name: 'alias on another mount', path: 'x/{{identity.entity.aliases.auth_userpass_2.name}}', identity: id, want: null },
  { name: 'group name by id', path: 'g/{{identity.groups.ids.g-1.name}}', identity: id, want: 'g/admins' },
  { name: 'group id by name', path: 'g/{{identity.groups.names.admins.id}}', identity: id, want: 'g/g-1' },
  { name: 'group the entity is not in', path: 'g/{{identity.groups.names.others.id}}', identity: id, want: null },
  { name: 'two templates', path: '{{identity.entity.name}}/{{identity.entity.id}}', identity: id, want: 'alice/e-1' },
  { name: 'one of two unresolved', path: '{{identity.entity.name}}/{{identity.entity.metadata.x}}', identity: id, want: null },
  { name: 'no identity', path: 'secret/{{identity.entity.id}}', identity: null, want: null },
  { name: 'unknown scope', path: 'secret/{{identity.foo.id}}', identity: id, want: null },
  { name: 'value with a glob does not widen the path', path: 'kv/{{identity.entity.metadata.glob}}', identity: id, want: null },
  { name: 'metadata key named like a prototype member', path: 'kv/{{identity.entity.metadata.constructor}}', identity: id, want: null },
  { name: 'unterminated template', path: 'kv/{{identity.entity.id', identity: id, want: null },
];

describe('resolveTemplatedPath', () => {
  for (const c of cases) it(c.name, () => assert.equal(resolveTemplatedPath(c.path, c.identity), c.want));
});
