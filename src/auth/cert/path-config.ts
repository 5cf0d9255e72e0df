/** `config`: binding of renewals to the login certificate, and identity alias metadata. */
import { field } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { readConfig, writeConfig, type CertConfig } from './store.js';

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
          await writeConfig(req.storage, c);
        },
      },
    }),
  ];
}
