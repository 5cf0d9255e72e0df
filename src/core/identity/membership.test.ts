import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createsCycle, entityGroups, identityPolicies, type GroupSource } from './membership.js';
import type { Group } from './types.js';

function source(groups: Array<Pick<Group, 'id'> & Partial<Group>>): GroupSource {
  const all = groups.map((g) => ({ name: g.id, type: 'internal', metadata: {}, policies: [], memberEntityIds: [], memberGroupIds: [], alias: null, creationTime: '', lastUpdateTime: '', modifyIndex: 1, ...g }) as Group);
  return { group: (id) => all.find((g) => g.id === id), allGroups: () => all };
}

// a ⊂ b ⊂ c (a is a member group of b, b of c); e1 is a member of a; d is unrelated.
const chain = source([
  { id: 'a', memberEntityIds: ['e1'], policies: ['pa'] },
  { id: 'b', memberGroupIds: ['a'], policies: ['pb'] },
  { id: 'c', memberGroupIds: ['b'], policies: ['pc', 'pa'] },
  { id: 'd', memberEntityIds: ['e2'], policies: ['pd'] },
]);

describe('entityGroups', () => {
  const cases: { name: string; src: GroupSource; entity: string; want: { direct: string[]; inherited: string[]; all: string[] } }[] = [
    { name: 'direct and transitively inherited', src: chain, entity: 'e1', want: { direct: ['a'], inherited: ['b', 'c'], all: ['a', 'b', 'c'] } },
    { name: 'an unrelated group stays out', src: chain, entity: 'e2', want: { direct: ['d'], inherited: [], all: ['d'] } },
    { name: 'no groups', src: chain, entity: 'e9', want: { direct: [], inherited: [], all: [] } },
    {
      name: 'a group both direct and inherited counts as direct',
      src: source([{ id: 'x', memberEntityIds: ['e'] }, { id: 'y', memberEntityIds: ['e'], memberGroupIds: ['x'] }]),
      entity: 'e',
      want: { direct: ['x', 'y'], inherited: [], all: ['x', 'y'] },
    },
    {
      name: 'a stored cycle does not loop',
      src: source([{ id: 'p', memberEntityIds: ['e'], memberGroupIds: ['q'] }, { id: 'q', memberGroupIds: ['p'] }]),
      entity: 'e',
      want: { direct: ['p'], inherited: ['q'], all: ['p', 'q'] },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(entityGroups(c.src, c.entity), c.want));
});

describe('createsCycle', () => {
  const cases: [string, string, string, boolean][] = [
    ['c as a member of a closes a ← b ← c', 'a', 'c', true],
    ['b as a member of a', 'a', 'b', true],
    ['a group as its own member', 'a', 'a', true],
    ['a as a member of c again (already below)', 'c', 'a', false],
    ['an unrelated group', 'a', 'd', false],
    ['an unknown group', 'a', 'zz', false],
  ];
  for (const [name, group, member, want] of cases) it(name, () => assert.equal(createsCycle(chain, group, member), want));
});

it('identityPolicies joins the entity and every group, deduplicated and sorted', () => {
  assert.deepEqual(identityPolicies(chain, { id: 'e1', policies: ['own', 'pb'] }), ['own', 'pa', 'pb', 'pc']);
  assert.deepEqual(identityPolicies(chain, { id: 'e9', policies: [] }), []);
});
