/**
 * `export/:key_type/:name[/:version]`: key material for exportable keys, and public
 * keys of asymmetric keys whatever their exportable flag.
 */
import { badRequest } from '../../sdk/errors.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { exportPrivateKey, publicKeyString } from './crypto-asymmetric.js';
import type { TransitContext } from './context.js';
import type { KeyVersion, Policy } from './policy.js';

const EXPORT_TYPES = ['encryption-key', 'signing-key', 'hmac-key', 'public-key'] as const;
type ExportType = (typeof EXPORT_TYPES)[number];

function checkSupported(p: Policy, t: ExportType): void {
  if (t === 'encryption-key' && !p.info.supportsEncryption) throw badRequest('encryption not supported for the key');
  if (t === 'signing-key' && !p.info.supportsSigning) throw badRequest('signing not supported for the key');
  if (t === 'public-key' && !p.info.supportsSigning) throw badRequest('public key not available for the key type');
}

function material(p: Policy, t: ExportType, v: KeyVersion): string {
  if (t === 'hmac-key') return v.hmacKey.toString('base64');
  if (t === 'public-key') {
    if (!v.publicKey) throw badRequest('public key not available for the key type');
    return publicKeyString(p.type, v.publicKey);
  }
  if (v.key && p.info.family === 'aead') return v.key.toString('base64');
  if (!v.privateKey || !v.publicKey) throw badRequest('key material not available for the key type');
  return exportPrivateKey(p.type, v.privateKey, v.publicKey);
}

function selectVersions(p: Policy, raw: string): KeyVersion[] {
  if (raw === '') return [...p.versions.values()].sort((a, b) => a.version - b.version);
  const n = raw === 'latest' ? p.latest : /^\d+$/.test(raw) ? Number.parseInt(raw, 10) : NaN;
  if (Number.isNaN(n)) throw badRequest('could not parse key version');
  const v = p.versions.get(n);
  if (!v) throw badRequest('version does not exist or cannot be found');
  return [v];
}

export function exportPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: `export/(?<type>[^/]+)/${genericName('name')}(?:/(?<version>[^/]+))?`,
    fields: {
      type: field.string({ description: 'encryption-key, signing-key, hmac-key or public-key.', required: true }),
      name: field.string({ description: 'Name of the key.', required: true }),
      version: field.string({ description: 'A version number or "latest"; every version when omitted.' }),
    },
    synopsis: 'Export key material.',
    operations: {
      async read(req, d) {
        const t = d.get('type');
        if (!(EXPORT_TYPES as readonly string[]).includes(t)) throw badRequest(`invalid export type: ${t}`);
        const exportType = t as ExportType;
        const p = await ctx.keyring.get(req.storage, d.get('name'));
        if (!p) return null;
        if (exportType !== 'public-key' && !p.stored.exportable) throw badRequest('private key material is not exportable');
        checkSupported(p, exportType);
        const keys: Record<string, string> = {};
        for (const v of selectVersions(p, d.get('version'))) keys[String(v.version)] = material(p, exportType, v);
        return { data: { name: p.name, type: p.type, keys } };
      },
    },
  });
}
