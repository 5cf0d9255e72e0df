/**
 * CRL management and fetches beyond the default issuer's `crl`/`crl/pem`: `config/crl`,
 * `crl/rotate`, `crl/rotate-delta`, the delta CRL, and every issuer's CRLs under
 * `issuer/:ref/crl…` (JSON, PEM and DER), unauthenticated as in Vault.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import { crlDer, deltaCrlDer, rebuildAllCrls, rebuildAllDeltaCrls } from './crl.js';
import { mergeCrlConfig, readCrlConfig, writeCrlConfig, type CrlConfig } from './crl-config.js';
import { toPem } from './format.js';
import { findIssuer, requireIssuer, type Issuer } from './store.js';

export const CRL_UNAUTHENTICATED_PATHS = ['crl/delta', 'crl/delta/pem', 'issuer/+/crl', 'issuer/+/crl/*'];

type Form = 'json' | 'pem' | 'der';

const raw = (contentType: string, body: Buffer | string): LogicalResponse => ({ raw: { status: 200, contentType, body } });

async function crlAnswer(s: Storage, issuer: Issuer | null, ref: string, delta: boolean, form: Form): Promise<LogicalResponse | null> {
  // No CA yet, or no delta CRL while they are off: an empty body, as for `crl`.
  if (!issuer) return { raw: { status: 204, contentType: 'application/json', body: '' } };
  const der = delta ? await deltaCrlDer(s, issuer, ref) : await crlDer(s, issuer, ref);
  if (der === null) return { raw: { status: 204, contentType: 'application/json', body: '' } };
  if (form === 'der') return raw('application/pkix-crl', der);
  const pem = toPem(der, 'X509 CRL');
  return form === 'pem' ? raw('application/x-pem-file', `${pem}\n`) : { data: { crl: pem } };
}

const configFields = {
  expiry: field.string({ description: 'How long a CRL is valid (its nextUpdate); default 72h.' }),
  disable: field.bool({ description: 'Serve a signed, empty CRL instead of the revoked certificates.' }),
  ocsp_disable: field.bool({ description: 'Answer OCSP requests with "unauthorized".' }),
  ocsp_expiry: field.string({ description: 'How long an OCSP answer is valid (its nextUpdate); 0 omits it. Default 12h.' }),
  auto_rebuild: field.bool({ description: 'Rebuild CRLs periodically, not on every revocation.' }),
  auto_rebuild_grace_period: field.string({ description: 'How long before expiry an auto-rebuilt CRL is renewed; default 12h.' }),
  enable_delta: field.bool({ description: 'Build delta CRLs between complete rebuilds (needs auto_rebuild).' }),
  delta_rebuild_interval: field.string({ description: 'How often new revocations are put on the delta CRL; default 15m.' }),
};

function crlForms(pattern: string, delta: boolean): PathDef<Fields>[] {
  const forms: [string, Form][] = [
    ['', 'json'],
    ['/pem', 'pem'],
    ['/der', 'der'],
  ];
  return forms.map(([suffix, form]) =>
    definePath({
      pattern: `issuer/${genericName('issuer_ref')}/${pattern}${suffix}`,
      fields: { issuer_ref: field.string({ required: true, description: 'Issuer id, name, or "default".' }) },
      synopsis: `Fetch an issuer's ${delta ? 'delta ' : ''}CRL (${form}).`,
      operations: { read: async (req, d) => crlAnswer(req.storage, await requireIssuer(req.storage, d.get('issuer_ref')), d.get('issuer_ref'), delta, form) },
    }),
  );
}

export function crlPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'config/crl',
      fields: configFields,
      synopsis: 'Configure CRL building (expiry, disable, auto-rebuild, delta CRLs) and OCSP answers.',
      operations: {
        read: async (req) => ({ data: { ...(await readCrlConfig(req.storage)) } }),
        async update(req, d) {
          const cur = await readCrlConfig(req.storage);
          const patch: Partial<CrlConfig> = {};
          for (const k of Object.keys(configFields) as (keyof typeof configFields)[]) {
            const v = d.opt(k);
            if (v !== undefined) (patch as Record<string, unknown>)[k] = v;
          }
          const next = mergeCrlConfig(cur, patch);
          await writeCrlConfig(req.storage, next);
          // Turning CRLs off or on, or leaving auto-rebuild, must show at once (as Vault).
          if (cur.disable !== next.disable || (cur.auto_rebuild && !next.auto_rebuild) || (!cur.enable_delta && next.enable_delta)) {
            await rebuildAllCrls(req.storage);
          }
          return { data: { ...next } };
        },
      },
    }),
    definePath({
      pattern: 'crl/rotate',
      fields: {},
      synopsis: 'Rebuild and re-sign every issuer\'s complete CRL now.',
      operations: {
        async read(req) {
          await rebuildAllCrls(req.storage);
          return { data: { success: true } };
        },
      },
    }),
    definePath({
      pattern: 'crl/rotate-delta',
      fields: {},
      synopsis: 'Rebuild and re-sign every issuer\'s delta CRL now.',
      operations: {
        async read(req) {
          if (!(await readCrlConfig(req.storage)).enable_delta) throw badRequest('delta CRLs are not enabled on this mount; set enable_delta in config/crl');
          await rebuildAllDeltaCrls(req.storage);
          return { data: { success: true } };
        },
      },
    }),
    definePath({
      pattern: 'crl/delta',
      fields: {},
      synopsis: 'Fetch the default issuer\'s delta CRL (DER).',
      operations: { read: async (req) => crlAnswer(req.storage, await findIssuer(req.storage), 'default', true, 'der') },
    }),
    definePath({
      pattern: 'crl/delta/pem',
      fields: {},
      synopsis: 'Fetch the default issuer\'s delta CRL (PEM).',
      operations: { read: async (req) => crlAnswer(req.storage, await findIssuer(req.storage), 'default', true, 'pem') },
    }),
    ...crlForms('crl', false),
    ...crlForms('crl/delta', true),
  ];
}
