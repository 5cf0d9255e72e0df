/**
 * `code/<name>`: GET generates the current code; POST validates one. As in Vault, a code
 * that has been validated (right or wrong) is refused for the rest of its window, so a
 * code seen once cannot be replayed. The record is per process, as Vault's cache is.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import type { Clock } from '../../lib/clock.js';
import { base32Decode, totpAt, validateTotp } from './otp.js';
import { keyName, readKey } from './store.js';

/** Codes already validated, keyed `<name>_<code>`, with the epoch ms they may be used again. */
export class UsedCodes {
  private readonly until = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  /** True when the code was seen and its window has not passed; expired entries are dropped. */
  seen(key: string): boolean {
    const now = this.clock.now();
    for (const [k, t] of this.until) if (t <= now) this.until.delete(k);
    return this.until.has(key);
  }

  add(key: string, ttlMs: number): void {
    this.until.set(key, this.clock.now() + ttlMs);
  }

  clear(): void {
    this.until.clear();
  }
}

export function codePaths(clock: Clock, used: UsedCodes): PathDef<Fields>[] {
  return [
    definePath({
      pattern: `code/${keyName}`,
      fields: {
        name: field.string({ required: true, description: 'Name of the key.' }),
        code: field.string({ sensitive: true, description: 'Code to validate.' }),
      },
      synopsis: 'Generate or validate a code for a key.',
      operations: {
        async read(req, d) {
          const name = d.get('name');
          const k = await readKey(req.storage, name);
          if (!k) throw badRequest(`unknown key: ${name}`);
          return { data: { code: totpAt(base32Decode(k.key), clock.now(), k) } };
        },
        async update(req, d) {
          const name = d.get('name');
          const code = d.get('code').trim();
          if (code === '') throw badRequest('the code value is required');
          const k = await readKey(req.storage, name);
          if (!k) throw badRequest(`unknown key: ${name}`);
          const usedKey = `${name}_${code}`;
          if (used.seen(usedKey)) throw badRequest('code already used; wait until the next time period');
          const valid = validateTotp(base32Decode(k.key), code, clock.now(), k);
          // The whole window the code could be valid in: the skew either side plus its own period.
          used.add(usedKey, k.period * (2 + k.skew) * 1000);
          return { data: { valid } };
        },
      },
    }),
  ];
}
