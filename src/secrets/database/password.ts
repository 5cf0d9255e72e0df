/**
 * Credential generation: the default password policy (20 characters from a-z A-Z 0-9 and
 * `-`, at least one of each class) and the SCRAM-SHA-256 verifier PostgreSQL accepts in
 * place of a plaintext password (`password_authentication = scram-sha-256`), so the
 * plaintext never reaches the server's statement log.
 */
import { createHash, createHmac, pbkdf2, randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const DASH = '-';
const CHARSET = LOWER + UPPER + DIGITS + DASH;

export const DEFAULT_PASSWORD_LENGTH = 20;

/** A password satisfying the default policy, drawn with a CSPRNG (rejection sampling, no modulo bias). */
export function generatePassword(length = DEFAULT_PASSWORD_LENGTH): string {
  if (length < 4) throw new RangeError('password length must be at least 4');
  for (;;) {
    let out = '';
    for (let i = 0; i < length; i++) out += CHARSET[randomInt(CHARSET.length)];
    if (meetsDefaultPolicy(out)) return out;
  }
}

/** True when every character class of the default policy appears at least once. */
export function meetsDefaultPolicy(p: string): boolean {
  const has = (set: string) => [...p].some((c) => set.includes(c));
  return has(LOWER) && has(UPPER) && has(DIGITS) && has(DASH) && [...p].every((c) => CHARSET.includes(c));
}

/**
 * PostgreSQL's stored SCRAM-SHA-256 form: `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`.
 * PBKDF2 runs on the libuv pool so a burst of credential requests does not stall the event loop.
 */
export async function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): Promise<string> {
  const salted = await pbkdf2Async(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
