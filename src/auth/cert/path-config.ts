/** `config`: binding of renewals to the login certificate, and identity alias metadata. */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { readConfig, writeConfig, type CertConfig } from './store.js';

/** Vault's upper bound on both cache sizes. */
const MAX_CACHE_SIZE = 100_000;

const configData = (c: CertConfig): Record<string, unknown> => ({
  disable_binding: c.disableBinding,
  enable_identity_alias_metadata: c.enableIdentityAliasMetadata,
  enable_metadata_on_failures: c.enableMetadataOnFailures,
  ocsp_cache_size: c.ocspCacheSize,
  role_cache_size: c.roleCacheSize,
});

export function configPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'config',
      fields: {
        disable_binding: field.bool({ description: 'Renew without presenting the login certificate again' }),
        enable_identity_alias_metadata: field.bool({ description: 'Copy the login metadata onto the identity alias' }),
        enable_metadata_on_failures: field.bool({ description: 'Add certificate details to failed-login audit entries' }),
        ocsp_cache_size: field.int({ description: 'OCSP response cache size', default: 100 }),
        role_cache_size: field.int({ description: 'Parsed certificate entry cache size', default: 200 }),
      },
      synopsis: 'Configure the cert auth method',
      operations: {
        read: async (req) => ({ data: configData(await readConfig(req.storage)) }),
        update: async (req, d) => {
          const c = await readConfig(req.storage);
          c.disableBinding = d.opt('disable_binding') ?? c.disableBinding;
          c.enableIdentityAliasMetadata = d.opt('enable_identity_alias_metadata') ?? c.enableIdentityAliasMetadata;
          c.enableMetadataOnFailures = d.opt('enable_metadata_on_failures') ?? c.enableMetadataOnFailures;
          c.ocspCacheSize = d.opt('ocsp_cache_size') ?? c.ocspCacheSize;
          c.roleCacheSize = d.opt('role_cache_size') ?? c.roleCacheSize;
          if (c.ocspCacheSize < 2 || c.ocspCacheSize > MAX_CACHE_SIZE) throw badRequest(`invalid cache size, must be >= 2 and <= ${MAX_CACHE_SIZE}`);
          // -1 disables the cache; 0 would be a cache that holds nothing.
          if (c.roleCacheSize !== -1 && (c.roleCacheSize < 1 || c.roleCacheSize > MAX_CACHE_SIZE)) {
            throw badRequest(`invalid role cache size, must be -1 (disabled) or between 1 and ${MAX_CACHE_SIZE}`);
          }
          await writeConfig(req.storage, c);
        },
      },
    }),
  ];
}
