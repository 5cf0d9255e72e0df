/**
 * `sys/plugins/catalog` (GET: every plugin), `sys/plugins/catalog/:type` (LIST),
 * `sys/plugins/catalog/:type/:name` and the untyped `sys/plugins/catalog/:name` (GET).
 * Registering or deregistering answers 400: Ward runs only its built-in backends.
 * `plugins/catalog/*` needs sudo, as in Vault (sys-backend.ts lists it as a root path).
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { catalogEntries, catalogListing, pluginInfo, type CatalogEntry } from '../plugins/catalog.js';

const NOT_SUPPORTED = 'not supported: Ward runs only built-in plugins';
const refuse = async (): Promise<never> => {
  throw badRequest(NOT_SUPPORTED);
};

/** Fields Vault's register call takes: accepted so the refusal, not a field error, is what the client sees. */
const registerFields = {
  sha256: field.string({ description: 'SHA-256 of the plugin binary (registering is not supported).' }),
  sha_256: field.string({ description: 'Older name of sha256.' }),
  command: field.string({ description: 'The plugin binary to run (registering is not supported).' }),
  args: field.stringSlice({ description: 'Arguments of the plugin binary.' }),
  env: field.stringSlice({ description: 'Environment of the plugin process, KEY=value.' }),
  version: field.string({ description: 'Semantic version of the plugin.' }),
  oci_image: field.string({ description: 'OCI image of a containerized plugin.' }),
  runtime: field.string({ description: 'Plugin runtime of a containerized plugin.' }),
};

export function pluginCatalogPaths(registered: () => readonly { type: string; kind: 'secret' | 'auth' }[]): PathDef<Fields>[] {
  const entries = (): CatalogEntry[] => catalogEntries(registered());
  return [
    definePath({
      pattern: 'plugins/catalog/?',
      fields: {},
      synopsis: 'Lists the plugins in the catalog (Ward: its built-in backends).',
      operations: { read: async () => ({ data: catalogListing(entries()) }) },
    }),
    definePath({
      pattern: 'plugins/catalog/(?<type>auth|database|secret)/?',
      fields: { type: field.string({ required: true }) },
      synopsis: 'Lists the plugins of one type.',
      operations: { list: async (_req, d) => ({ data: { keys: entries().filter((e) => e.type === d.get('type')).map((e) => e.name) } }) },
    }),
    definePath({
      pattern: 'plugins/catalog/(?<type>auth|database|secret)/(?<name>.+)',
      fields: { type: field.string({ required: true }), name: field.string({ required: true, description: 'Name of the plugin.' }), ...registerFields },
      synopsis: 'Reads a plugin of the catalog; registering is not supported.',
      operations: {
        read: async (_req, d) => {
          const e = entries().find((x) => x.type === d.get('type') && x.name === d.get('name'));
          return e ? { data: pluginInfo(e) } : null;
        },
        update: refuse,
        delete: refuse,
      },
    }),
    definePath({
      pattern: 'plugins/catalog/(?<name>.+)',
      fields: { name: field.string({ required: true, description: 'Name of the plugin.' }), ...registerFields },
      synopsis: 'Reads a plugin by name alone (the API before plugin types).',
      operations: {
        read: async (_req, d) => {
          const e = entries().find((x) => x.name === d.get('name'));
          return e ? { data: pluginInfo(e) } : null;
        },
        update: refuse,
        delete: refuse,
      },
    }),
  ];
}
