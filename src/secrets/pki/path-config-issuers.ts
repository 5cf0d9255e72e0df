/**
 * `config/issuers` (the default issuer and default_follows_latest_issuer), its alias
 * `root/replace` (default: the issuer named "next"), and `config/keys` (the default key).
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import { locked, readDefaultKeyId, readIssuersConfig, resolveIssuer, resolveKey, writeDefaultKeyId, writeIssuersConfig } from './registry.js';

async function setDefaultIssuerRef(s: Storage, ref: string, follow: boolean | undefined): Promise<LogicalResponse> {
  const wanted = ref.trim();
  if (wanted === '' || wanted.toLowerCase() === 'default') throw badRequest("Invalid issuer specification; must be non-empty and can't be 'default'.");
  let issuer;
  try {
    issuer = await resolveIssuer(s, wanted);
  } catch (e) {
    throw badRequest(`Error resolving issuer reference: ${e instanceof Error ? e.message : String(e)}`);
  }
  const c = await readIssuersConfig(s);
  const next = { default: issuer.id, default_follows_latest_issuer: follow ?? c.default_follows_latest_issuer };
  await writeIssuersConfig(s, next);
  const res: LogicalResponse = { data: { ...next } };
  if (!issuer.keyId) {
    res.warnings = [
      'This selected default issuer has no key associated with it. Some operations like issuing certificates and signing CRLs will be unavailable with the requested default issuer until a key is imported or the default issuer is changed.',
    ];
  }
  return res;
}

export function configIssuerPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'config/issuers',
      fields: {
        default: field.string({ description: 'Reference (name or id) of the default issuer.' }),
        default_follows_latest_issuer: field.bool({ description: 'Make each newly generated or imported issuer (with a key) the default.' }),
      },
      synopsis: 'Read and set the default issuer.',
      operations: {
        read: async (req) => ({ data: { ...(await readIssuersConfig(req.storage)) } }),
        update: locked(async (req, d) => setDefaultIssuerRef(req.storage, d.get('default'), d.opt('default_follows_latest_issuer'))),
      },
    }),
    definePath({
      pattern: 'root/replace',
      fields: { default: field.string({ default: 'next', description: 'Reference of the new default issuer.' }) },
      synopsis: 'Make another issuer the default (alias of config/issuers).',
      operations: { update: locked(async (req, d) => setDefaultIssuerRef(req.storage, d.get('default'), undefined)) },
    }),
    definePath({
      pattern: 'config/keys',
      fields: { default: field.string({ description: 'Reference (name or id) of the default key.' }) },
      synopsis: 'Read and set the default key.',
      operations: {
        read: async (req) => ({ data: { default: await readDefaultKeyId(req.storage) } }),
        update: locked(async (req, d) => {
          const wanted = d.get('default').trim();
          if (wanted === '' || wanted.toLowerCase() === 'default') throw badRequest("Invalid key specification; must be non-empty and can't be 'default'.");
          let key;
          try {
            key = await resolveKey(req.storage, wanted);
          } catch (e) {
            throw badRequest(`Error resolving issuer reference: ${e instanceof Error ? e.message : String(e)}`);
          }
          await writeDefaultKeyId(req.storage, key.id);
          return { data: { default: key.id } };
        }),
      },
    }),
  ];
}
