/**
 * `subkeys/<path>`: the key structure of a version with every leaf value replaced by
 * null, so a client can see a secret's shape without reading its values.
 */
import { badRequest } from '../../../sdk/errors.js';
import { definePath } from '../../../sdk/framework/path.js';
import { field } from '../../../sdk/framework/fields.js';
import { secretPath, type KvContext } from './context.js';
import { findVersion, readMetadata, readVersion } from './layout.js';
import { isPlainObject } from './merge-patch.js';
import { isDeleted, versionView } from './versions.js';

const fields = {
  path: field.string({ description: 'Location of the secret.' }),
  version: field.int({ description: 'Version to inspect; 0 or absent means the current version.', query: true }),
  depth: field.int({ description: 'Deepest nesting level to expand; 0 means no limit.' }),
};

/**
 * Objects are expanded until `depth` levels (0 = unlimited); everything else, arrays
 * included, becomes null.
 */
export function subkeysOf(obj: Record<string, unknown>, depth: number, level = 1): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const value = isPlainObject(v) && (depth === 0 || level < depth) ? subkeysOf(v, depth, level + 1) : null;
    Object.defineProperty(out, k, { value, writable: true, enumerable: true, configurable: true });
  }
  return out;
}

export function subkeysPath(ctx: KvContext) {
  return definePath({
    pattern: 'subkeys/(?<path>.+)',
    fields,
    synopsis: 'Read the structure of a secret without its values.',
    operations: {
      async read(req, d) {
        const path = secretPath(d.get('path'));
        const depth = d.get('depth');
        if (depth < 0) throw badRequest('depth must not be negative');
        const meta = await readMetadata(req.storage, path);
        if (meta === null) return null;
        const version = d.get('version') || meta.current_version;
        const vm = findVersion(meta, version);
        if (vm === undefined) return null;
        const metadata = versionView(meta, version, vm);
        if (isDeleted(vm, ctx.clock.now())) return { status: 404, data: { subkeys: null, metadata } };
        const data = await readVersion(req.storage, path, version);
        if (data === null) return null;
        return { data: { subkeys: subkeysOf(data, depth), metadata } };
      },
    },
  });
}
