/**
 * `-pgp-keys` / `-root-token-pgp-key` / `-recovery-pgp-keys` files, read as the vault CLI
 * reads them: an armored key, the binary key, or its base64; sent as base64 of the binary
 * key (what Vault's sys/init parses). Keybase lookups are refused: they would fetch keys from
 * a third-party service at init time.
 */
import { readFileSync } from 'node:fs';
import { CliError } from './command.js';

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The base64 payload of an ASCII-armored block (headers and the CRC line dropped), or null when `text` is not armored. */
export function dearmor(text: string): string | null {
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.trim());
  const begin = lines.findIndex((l) => /^-----BEGIN PGP PUBLIC KEY BLOCK-----$/.test(l));
  if (begin < 0) return null;
  const end = lines.findIndex((l, i) => i > begin && /^-----END PGP PUBLIC KEY BLOCK-----$/.test(l));
  if (end < 0) return null;
  let body = lines.slice(begin + 1, end);
  // Armor headers ("Comment: …") end at the first blank line.
  const blank = body.indexOf('');
  if (blank >= 0 && body.slice(0, blank).every((l) => /^[A-Za-z][A-Za-z0-9-]*: /.test(l))) body = body.slice(blank + 1);
  body = body.filter((l) => l !== '' && !/^=[A-Za-z0-9+/]{4}$/.test(l));
  const b64 = body.join('');
  return B64.test(b64) && b64 !== '' ? b64 : null;
}

/** What to send for one key file argument. */
export function readPgpKeyFile(arg: string, flag: string): string {
  if (arg.startsWith('keybase:')) {
    throw new CliError(`Error: -${flag}: keybase: keys are not supported; export the public key (gpg --export NAME > NAME.gpg) and give its file`, 1);
  }
  // The vault CLI takes "@file" as well as "file".
  const path = arg.startsWith('@') ? arg.slice(1) : arg;
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new CliError(`Error: -${flag}: cannot read PGP key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1);
  }
  const text = raw.toString('latin1');
  const armored = dearmor(text);
  if (armored !== null) return armored;
  const compact = text.replace(/\s+/g, '');
  // A binary key starts with a packet tag byte (0x98, 0x99, 0xc6), never a base64 character.
  if (compact !== '' && B64.test(compact)) return compact;
  return raw.toString('base64');
}
