/**
 * `config/keys`: settings shared by every key of the mount. Today one: `disable_upsert`,
 * which stops `encrypt/:name` from creating a missing key (KMS plugins check it before
 * trusting a mount). Writes answer with the resulting setting, as Vault does.
 */
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import type { Storage } from '../../sdk/storage.js';

const KEY = 'config/keys';

export interface KeysConfig {
  disable_upsert: boolean;
}

/** The stored setting, or the default (upsert allowed). */
export async function readKeysConfig(storage: Storage): Promise<KeysConfig> {
  const raw = await storage.get(KEY);
  if (!raw) return { disable_upsert: false };
  const v = JSON.parse(raw.toString('utf8')) as Partial<KeysConfig>;
  return { disable_upsert: v.disable_upsert === true };
}

export function configKeysPath(): PathDef<Fields> {
  return definePath({
    pattern: 'config/keys',
    fields: { disable_upsert: field.bool({ description: 'Refuse to create missing keys on the encrypt endpoint.' }) },
    synopsis: 'Configuration common across all keys',
    operations: {
      read: async (req) => ({ data: { ...(await readKeysConfig(req.storage)) } }),
      update: async (req, d) => {
        const cfg: KeysConfig = { disable_upsert: d.get('disable_upsert') };
        await req.storage.put(KEY, Buffer.from(JSON.stringify(cfg)));
        return { data: { ...cfg } };
      },
    },
  });
}
