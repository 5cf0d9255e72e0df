/** `tidy`, `tidy-status`, `tidy-cancel` and `config/auto-tidy`, with Vault's fields. */
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { checkTidyOptions, mergeAutoTidy, readAutoTidy, writeAutoTidy, type AutoTidyConfig, type TidyOptions } from './tidy-config.js';
import type { Tidier } from './tidy.js';

const tidyFields = {
  tidy_cert_store: field.bool({ description: 'Remove expired certificates from storage.' }),
  tidy_revoked_certs: field.bool({ description: 'Remove expired certificates from the revoked list and CRL.' }),
  tidy_revocation_list: field.bool({ description: 'Deprecated name of tidy_revoked_certs.' }),
  tidy_revoked_cert_issuer_associations: field.bool({ description: 'Give revocations without a known issuer the issuer that signed them.' }),
  safety_buffer: field.durationSecond({ default: 72 * 3600, description: 'Grace period past expiry before removal.' }),
  pause_duration: field.string({ default: '0s', description: 'Pause between certificates, to spread the storage load (Go duration).' }),
};

export function tidyPaths(tidier: Tidier): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'tidy',
      fields: tidyFields,
      synopsis: 'Clean up expired certificates in the background.',
      operations: {
        async update(req, d) {
          const o: TidyOptions = {
            tidy_cert_store: d.get('tidy_cert_store'),
            tidy_revoked_certs: d.get('tidy_revoked_certs') || d.get('tidy_revocation_list'),
            tidy_revoked_cert_issuer_associations: d.get('tidy_revoked_cert_issuer_associations'),
            safety_buffer: d.get('safety_buffer'),
            pause_duration: d.get('pause_duration'),
          };
          checkTidyOptions(o);
          if (!tidier.start(req.storage, o)) return { warnings: ['Tidy operation already in progress.'] };
          return { status: 202, warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Ward's server logs."] };
        },
      },
    }),
    definePath({
      pattern: 'tidy-status',
      fields: {},
      synopsis: 'State and counts of the current or last tidy run.',
      operations: { read: async () => ({ data: { ...tidier.status } }) },
    }),
    definePath({
      pattern: 'tidy-cancel',
      fields: {},
      synopsis: 'Stop the running tidy after the certificate it is on.',
      operations: { update: async () => ({ data: { ...tidier.cancel() } }) },
    }),
    definePath({
      pattern: 'config/auto-tidy',
      fields: {
        enabled: field.bool({ description: 'Run tidy periodically with these options.' }),
        interval_duration: field.durationSecond({ description: 'Time from the end of one tidy to the next automatic one; default 12h.' }),
        ...tidyFields,
        safety_buffer: field.durationSecond({ description: 'Grace period past expiry before removal; default 72h.' }),
        pause_duration: field.string({ description: 'Pause between certificates (Go duration); default 0s.' }),
      },
      synopsis: 'Configure automatic tidy.',
      operations: {
        read: async (req) => ({ data: { ...(await readAutoTidy(req.storage)) } }),
        async update(req, d) {
          const patch: Partial<AutoTidyConfig> = {
            enabled: d.opt('enabled'),
            interval_duration: d.opt('interval_duration'),
            tidy_cert_store: d.opt('tidy_cert_store'),
            tidy_revoked_certs: d.opt('tidy_revoked_certs') ?? d.opt('tidy_revocation_list'),
            tidy_revoked_cert_issuer_associations: d.opt('tidy_revoked_cert_issuer_associations'),
            safety_buffer: d.opt('safety_buffer'),
            pause_duration: d.opt('pause_duration'),
          };
          const next = mergeAutoTidy(await readAutoTidy(req.storage), patch);
          await writeAutoTidy(req.storage, next);
          return { data: { ...next } };
        },
      },
    }),
  ];
}
