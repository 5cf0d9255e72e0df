/**
 * `config/ca` (generate or import the signing key; read returns the public half) and the
 * unauthenticated `public_key`, which sshd's TrustedUserCAKeys is filled from.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { caConfigured, deleteCa, readCaPublicKey, writeCa } from './ca-store.js';
import { authorizedKey, parseAuthorizedKey, publicBlobOf } from './keys.js';
import { generateKey, keySpecFor } from './keypair.js';
import { parsePrivateKey, privateKeyText } from './private-key.js';

const caFields = {
  generate_signing_key: field.bool({ default: true, description: 'Generate the CA key pair in Ward.' }),
  key_type: field.string({ default: 'ssh-rsa', description: 'Generated key type: ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521, rsa, ec, ed25519.' }),
  key_bits: field.int({ description: 'RSA size (default 4096) or EC curve size (with key_type ec).' }),
  private_key: field.string({ sensitive: true, description: 'CA private key to import (PEM or OpenSSH format, unencrypted).' }),
  public_key: field.string({ description: 'CA public key to import (authorized_keys form).' }),
};

/** Parses an imported pair; the messages say which half is wrong without quoting it. */
function importedPair(privText: string, pubText: string): { pub: string; priv: string } {
  let priv;
  try {
    priv = parsePrivateKey(privText);
  } catch (e) {
    throw badRequest(`Unable to parse private_key as an SSH private key: ${(e as Error).message}`);
  }
  let pub;
  try {
    pub = parseAuthorizedKey(pubText);
  } catch (e) {
    throw badRequest(`Unable to parse public_key as an SSH public key: ${(e as Error).message}`);
  }
  let derived;
  try {
    derived = publicBlobOf(priv);
  } catch (e) {
    throw badRequest(`Unable to parse private_key as an SSH private key: ${(e as Error).message}`);
  }
  if (!derived.blob.equals(pub.blob)) throw badRequest('public_key does not match private_key');
  return { pub: authorizedKey(pub.blob), priv: privText.endsWith('\n') ? privText : `${privText}\n` };
}

export function caPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'config/ca',
      fields: caFields,
      synopsis: 'Set the SSH certificate authority key pair (generated or imported).',
      operations: {
        async read(req) {
          const key = await readCaPublicKey(req.storage);
          if (!key) throw badRequest("keys haven't been configured yet");
          return { data: { public_key: key } };
        },
        async update(req, d) {
          const pubIn = d.get('public_key');
          const privIn = d.get('private_key');
          let generate: boolean;
          if (d.has('generate_signing_key') && d.get('generate_signing_key')) {
            if (pubIn !== '' || privIn !== '') throw badRequest('public_key and private_key must not be set when generate_signing_key is set to true');
            generate = true;
          } else if (d.has('generate_signing_key') || (pubIn !== '' && privIn !== '')) {
            if (pubIn === '') throw badRequest('missing public_key');
            if (privIn === '') throw badRequest('missing private_key');
            generate = false;
          } else if (pubIn === '' && privIn === '') {
            generate = true;
          } else {
            throw badRequest('only one of public_key and private_key set; both must be set to use, or both must be blank to auto-generate');
          }
          // Checked before generating: an RSA-4096 generation is not free.
          if (await caConfigured(req.storage)) throw badRequest('keys are already configured; delete them before reconfiguring');
          let pair: { pub: string; priv: string };
          if (generate) {
            let spec;
            try {
              spec = keySpecFor(d.get('key_type'), d.get('key_bits'));
            } catch (e) {
              throw badRequest((e as Error).message);
            }
            const priv = await generateKey(spec);
            pair = { pub: authorizedKey(publicBlobOf(priv).blob), priv: privateKeyText(priv) };
          } else {
            pair = importedPair(privIn, pubIn);
          }
          if (await caConfigured(req.storage)) throw badRequest('keys are already configured; delete them before reconfiguring');
          await writeCa(req.storage, pair.pub, pair.priv);
          return generate ? { data: { public_key: pair.pub } } : null;
        },
        async delete(req) {
          await deleteCa(req.storage);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'public_key',
      fields: {},
      synopsis: 'The CA public key, as plain text for TrustedUserCAKeys / @cert-authority.',
      operations: {
        async read(req) {
          const key = await readCaPublicKey(req.storage);
          if (!key) return null;
          return { raw: { status: 200, contentType: 'text/plain', body: key } };
        },
      },
    }),
  ];
}
