/**
 * `cache-config`: how many parsed keys the mount keeps in memory. 0 (the default) is
 * unbounded; otherwise the least recently used keys beyond `size` are dropped and re-read
 * from storage when next used. As Vault, the size is stored and applied at once.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { getJSON, putJSON } from '../../sdk/storage.js';
import type { TransitContext } from './context.js';
import { CACHE_CONFIG_KEY, MIN_CACHE_SIZE } from './keyring.js';

export function cacheConfigPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: 'cache-config',
    fields: { size: field.int({ default: 0, description: 'Size of cache, use 0 for an unlimited cache size, defaults to 0' }) },
    synopsis: 'Configure caching strategy',
    operations: {
      async read(req) {
        const cfg = await getJSON<{ size?: number }>(req.storage, CACHE_CONFIG_KEY);
        const size = typeof cfg?.size === 'number' ? cfg.size : 0;
        // Another node may have written it: apply what is stored, as Vault's read does.
        if (size !== ctx.keyring.cacheSize) ctx.keyring.setCacheSize(size);
        return { data: { size } };
      },
      async update(req, d) {
        const size = d.get('size');
        if (size !== 0 && size < MIN_CACHE_SIZE) throw badRequest(`size must be 0 or a value greater or equal to ${MIN_CACHE_SIZE}`);
        await putJSON(req.storage, CACHE_CONFIG_KEY, { size });
        ctx.keyring.setCacheSize(size);
        return { data: { size } };
      },
    },
  });
}
