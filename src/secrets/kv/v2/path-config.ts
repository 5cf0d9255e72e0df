/**
 * `config`: mount-wide defaults for max_versions, cas_required and delete_version_after.
 * Writes change only the fields supplied; reads echo delete_version_after as a Go
 * duration string ("0s", "1h0m0s"), as Vault does.
 */
import { badRequest } from '../../../sdk/errors.js';
import { definePath } from '../../../sdk/framework/path.js';
import { field } from '../../../sdk/framework/fields.js';
import { formatDuration } from '../../../lib/duration.js';
import { kvEvent, type KvContext } from './context.js';
import { readConfig, writeConfig } from './layout.js';

const fields = {
  max_versions: field.int({ description: 'Versions kept per secret; 0 means 10.' }),
  cas_required: field.bool({ description: 'Require check-and-set on every write.' }),
  delete_version_after: field.durationSecond({ description: 'Schedule deletion of new versions this long after they are written.' }),
};

export function configPath(ctx: KvContext) {
  return definePath({
    pattern: 'config',
    fields,
    synopsis: 'Configure the versioned K/V mount.',
    operations: {
      async read(req) {
        const c = await readConfig(req.storage);
        return {
          data: {
            cas_required: c.cas_required,
            delete_version_after: formatDuration(c.delete_version_after),
            max_versions: c.max_versions,
          },
        };
      },

      async update(req, d) {
        const max = d.opt('max_versions');
        if (max !== undefined && max < 0) throw badRequest('max_versions must not be negative');
        await ctx.locks.run('\u0000config', async () => {
          const c = await readConfig(req.storage);
          if (max !== undefined) c.max_versions = max;
          const cas = d.opt('cas_required');
          if (cas !== undefined) c.cas_required = cas;
          const dva = d.opt('delete_version_after');
          if (dva !== undefined) c.delete_version_after = dva;
          await writeConfig(req.storage, c);
        });
        kvEvent(ctx, 'config-write', 'config', 'config');
        return null;
      },
    },
  });
}
