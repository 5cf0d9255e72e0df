/**
 * ACL policy management: `sys/policies/acl[/:name]` and the legacy `sys/policy[/:name]`,
 * which differs only in its key names (`rules` instead of `policy`, `policies` beside `keys`).
 */
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { PolicyStore } from '../policy/policy-store.js';

const nameField = field.string({ description: 'Name of the policy (lower-cased when stored).', required: true });
const policyField = field.string({ description: 'The policy document: HCL or JSON, optionally base64-encoded.' });

function withWarnings(warnings: string[]): LogicalResponse | null {
  return warnings.length > 0 ? { warnings } : null;
}

/** Policy CRUD paths, relative to the sys mount. */
export function policyPaths(store: PolicyStore): PathDef<Fields>[] {
  async function read(name: string, key: 'policy' | 'rules'): Promise<LogicalResponse | null> {
    const p = await store.get(name);
    return p ? { data: { name: p.name, [key]: p.raw } } : null;
  }

  return [
    definePath({
      pattern: 'policies/acl/?',
      fields: {},
      operations: {
        list: async () => ({ data: { keys: await store.list() } }),
      },
      synopsis: 'List the ACL policies.',
    }),
    definePath({
      pattern: 'policies/acl/(?<name>.+)',
      fields: { name: nameField, policy: policyField },
      operations: {
        read: async (_req, d) => read(d.get('name'), 'policy'),
        update: async (_req, d) => withWarnings((await store.set(d.get('name'), d.get('policy'))).warnings),
        delete: async (_req, d) => {
          await store.delete(d.get('name'));
          return null;
        },
      },
      synopsis: 'Read, write or delete an ACL policy.',
    }),
    definePath({
      pattern: 'policy/?',
      fields: {},
      operations: {
        read: async () => {
          const names = await store.list();
          return { data: { keys: names, policies: [...names] } };
        },
      },
      synopsis: 'List the ACL policies (legacy endpoint).',
    }),
    definePath({
      pattern: 'policy/(?<name>.+)',
      fields: {
        name: nameField,
        policy: policyField,
        rules: field.string({ description: 'Deprecated: use "policy".' }),
      },
      operations: {
        read: async (_req, d) => read(d.get('name'), 'rules'),
        update: async (_req, d) => {
          const text = d.get('policy') || d.get('rules');
          return withWarnings((await store.set(d.get('name'), text)).warnings);
        },
        delete: async (_req, d) => {
          await store.delete(d.get('name'));
          return null;
        },
      },
      synopsis: 'Read, write or delete an ACL policy (legacy endpoint).',
    }),
  ];
}
