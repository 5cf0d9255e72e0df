/**
 * LIST `role/` and its `roles/` alias over roles stored at `role/<name>`: the cloud auth
 * methods (aws, gcp, azure) answer both, as Vault's plugins do.
 */
import { definePath } from '../sdk/framework/path.js';
import type { Storage } from '../sdk/storage.js';

const list = {
  async list(req: { storage: Storage }) {
    return { data: { keys: (await req.storage.list('role/')).filter((k) => !k.endsWith('/')) } };
  },
};

export const roleListPaths = [
  definePath({ pattern: 'role/?', fields: {}, synopsis: 'List the configured roles.', operations: list }),
  definePath({ pattern: 'roles/?', fields: {}, synopsis: 'List the configured roles.', operations: list }),
];
