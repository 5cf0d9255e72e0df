/**
 * `crls/<name>`: a CRL whose revoked serials no login certificate (nor any certificate in
 * its chain) may carry, PEM or DER; `crls/` lists them. Kept as the serial set only, as
 * Vault keeps it.
 */
import * as x509 from '@peculiar/x509';
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { pemBodies } from './parsed-cert.js';
import { deleteCrl, listCrls, readCrl, writeCrl, type CrlEntry } from './store.js';

/** The revoked serials of a PEM or DER CRL, decimal; throws with the parse error. */
export function crlSerials(text: string): CrlEntry {
  const pem = pemBodies(text, ['X509 CRL'])[0];
  const der = pem !== undefined ? Buffer.from(pem, 'base64') : Buffer.from(text, 'latin1');
  let crl: x509.X509Crl;
  try {
    crl = new x509.X509Crl(der);
  } catch (e) {
    throw badRequest(`failed to parse CRL: ${e instanceof Error ? e.message : String(e)}`);
  }
  const serials: CrlEntry['serials'] = {};
  for (const entry of crl.entries) serials[BigInt(`0x${entry.serialNumber || '0'}`).toString()] = {};
  return { serials };
}

export function crlPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'crls/?',
      fields: {},
      synopsis: 'List the CRLs',
      operations: { list: async (req) => ({ data: { keys: await listCrls(req.storage) } }) },
    }),
    definePath({
      pattern: `crls/${genericName('name')}`,
      fields: {
        name: field.lowerCaseString({ description: 'The name of the CRL', required: true }),
        crl: field.string({ description: 'The CRL, PEM or DER' }),
      },
      synopsis: 'Manage CRLs checked at login',
      operations: {
        read: async (req, d) => {
          const c = await readCrl(req.storage, d.get('name'));
          return c ? { data: { serials: c.serials } } : null;
        },
        delete: async (req, d) => {
          await deleteCrl(req.storage, d.get('name'));
        },
        update: async (req, d) => {
          const text = d.get('crl');
          if (text === '') throw badRequest('failed to parse CRL: empty CRL');
          await writeCrl(req.storage, d.get('name'), crlSerials(text));
        },
      },
    }),
  ];
}
