/** `sys/config/cors`: read, write (turns CORS on) and delete (turns it off), as Vault. */
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { CorsStore } from '../cors/cors-config.js';

export function corsPaths(cors: CorsStore): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'config/cors',
      fields: {
        enabled: field.bool({ description: 'Whether CORS headers are sent (read only: a write turns CORS on).' }),
        allowed_origins: field.commaStringSlice({ description: 'Origins allowed to make cross-origin requests ("*" for all).' }),
        allowed_headers: field.commaStringSlice({ description: 'Headers allowed in addition to the standard ones.' }),
      },
      synopsis: 'Cross-origin resource sharing for browser clients.',
      operations: {
        read: async () => {
          const c = cors.current;
          return { data: c.enabled ? { enabled: true, allowed_origins: [...c.allowedOrigins], allowed_headers: [...c.allowedHeaders] } : { enabled: false } };
        },
        update: async (_req, d) => {
          await cors.enable(d.get('allowed_origins'), d.get('allowed_headers'));
          return null;
        },
        delete: async () => {
          await cors.disable();
          return null;
        },
      },
    }),
  ];
}
