/**
 * `ward operator rekey` with vault's flags and output: one command per step, the share on
 * the command line, on stdin ("-") or prompted without echo, the nonce taken from the
 * server's status when -nonce is not given. `ward operator generate-root` lives in
 * operator-generate-root.ts.
 */
import type { JsonObject } from '../../api/index.js';
import { CliError, type Command, type Ctx } from '../command.js';
import { UsageError } from '../flags.js';
import { readPgpKeyFile } from '../pgp-key-file.js';
import { wrapAtLength } from '../wrap.js';
import { body, shareAndNonce, type Body } from './ceremony-share.js';
import { generateRoot } from './operator-generate-root.js';

const split = (v: string | undefined): string[] => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);

const rekey: Command = {
  synopsis: 'Generate new unseal keys',
  help: `operator rekey [options] [KEY]

  Replaces the unseal key shares (or, with -target=recovery, the recovery key shares) with a
  new split. Start with -init (-key-shares, -key-threshold, optionally -pgp-keys and -backup,
  -verify to require the new shares to be entered back); then holders of the current shares
  each run "ward operator rekey" with their share (prompted without echo when not given).
  With -verify and no -init, the shares given are new ones, entered back for verification.`,
  flags: [
    { name: 'init', kind: 'bool', usage: 'Start a rekey.' },
    { name: 'cancel', kind: 'bool', usage: 'Cancel the rekey in progress (with -verify: restart only the verification).' },
    { name: 'status', kind: 'bool', usage: 'Print the progress of the rekey in progress.' },
    { name: 'verify', kind: 'bool', usage: 'With -init: require verification of the new shares. Otherwise: the share is a new one being verified.' },
    { name: 'key-shares', kind: 'int', aliases: ['n'], usage: 'Number of new shares (default 5).' },
    { name: 'key-threshold', kind: 'int', aliases: ['t'], usage: 'Number of new shares needed to unseal (default 3).' },
    { name: 'pgp-keys', kind: 'string', usage: 'Comma-separated PGP public key files, one per new share.' },
    { name: 'backup', kind: 'bool', usage: 'Keep the PGP-encrypted new shares on the server (sys/rekey/backup).' },
    { name: 'nonce', kind: 'string', usage: 'Nonce of the rekey (read from the status when not given).' },
    { name: 'target', kind: 'string', usage: '"barrier" (unseal keys, default) or "recovery".' },
    { name: 'backup-retrieve', kind: 'bool', usage: 'Print the PGP-encrypted shares a -backup rekey kept (needs sudo).' },
    { name: 'backup-delete', kind: 'bool', usage: 'Delete the kept PGP-encrypted shares (needs sudo).' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const target = f.str('target') ?? 'barrier';
    if (target !== 'barrier' && target !== 'recovery') throw new UsageError('-target must be "barrier" or "recovery"');
    const base = target === 'recovery' ? 'sys/rekey-recovery-key' : 'sys/rekey';
    const verify = f.bool('verify');
    const c = ctx.client;
    const backupPath = target === 'recovery' ? 'sys/rekey/recovery-key-backup' : 'sys/rekey/backup';
    if (f.bool('backup-retrieve')) {
      ctx.expectArgs(0, 0, 'operator rekey -backup-retrieve takes no arguments');
      const r = await ctx.api404('retrieving backed-up keys', c.request('GET', backupPath));
      if (!('body' in r) || r.status === 404) throw new CliError('No backed-up keys found', 2);
      const d = (body(r)['data'] ?? {}) as Body;
      const rows = [{ key: 'Nonce', value: d['nonce'] }];
      for (const [fp, list] of Object.entries((d['keys_base64'] ?? {}) as Body)) rows.push({ key: fp, value: (list as string[]).join(', ') });
      return ctx.print({ json: body(r), sections: [{ kind: 'kv', rows }] });
    }
    if (f.bool('backup-delete')) {
      ctx.expectArgs(0, 0, 'operator rekey -backup-delete takes no arguments');
      await ctx.api('deleting rekey stored keys', c.request('DELETE', backupPath));
      return ctx.success('Success! Delete stored keys (if they existed)');
    }
    if (f.bool('init')) {
      ctx.expectArgs(0, 0, 'operator rekey -init takes no arguments');
      const pgpKeys = split(f.str('pgp-keys'));
      const req: JsonObject = { secret_shares: f.int('key-shares') ?? 5, secret_threshold: f.int('key-threshold') ?? 3, backup: f.bool('backup'), require_verification: verify };
      if (pgpKeys.length > 0) req['pgp_keys'] = pgpKeys.map((p) => readPgpKeyFile(p, 'pgp-keys'));
      const status = body(await ctx.api('initializing rekey', c.request('PUT', `${base}/init`, { body: req })));
      if (ctx.format === 'table') {
        // Vault's warnings, on stderr: nothing protects plain shares, and encrypted ones without -backup cannot be fetched again.
        if (pgpKeys.length === 0) {
          ctx.warn(`${wrapAtLength('WARNING! If you lose the keys after they are returned, there is no recovery. Consider canceling this operation and re-initializing with the -pgp-keys flag to protect the returned unseal keys along with -backup to allow recovery of the encrypted keys in case of emergency. You can delete the stored keys later using the -backup-delete flag.')}\n`);
        } else if (!f.bool('backup')) {
          ctx.warn(`${wrapAtLength('WARNING! You are using PGP keys for encrypted the resulting unseal keys, but you did not enable the option to backup the keys to Ward\'s core. If you lose the encrypted keys after they are returned, you will not be able to recover them. Consider canceling this operation and re-running with -backup to allow recovery of the encrypted unseal keys in case of emergency. You can delete the stored keys later using the -backup-delete flag.')}\n`);
        }
      }
      return printRekeyStatus(ctx, status);
    }
    if (f.bool('cancel')) {
      ctx.expectArgs(0, 0, 'operator rekey -cancel takes no arguments');
      if (verify) {
        // A new verification nonce; the rekey itself stays.
        await ctx.api('canceling rekey', c.request('DELETE', `${base}/verify`));
      } else {
        // The server wants the attempt's nonce for a recent attempt (as Vault); the status has it.
        const nonce = f.str('nonce') ?? String(body(await ctx.api('getting rekey status', c.request('GET', `${base}/init`)))['nonce'] ?? '');
        await ctx.api('canceling rekey', c.request('DELETE', `${base}/init`, { body: { nonce } }));
      }
      return ctx.success('Success! Canceled rekeying (if it was started)');
    }
    const statusPath = verify ? `${base}/verify` : `${base}/init`;
    if (f.bool('status')) {
      ctx.expectArgs(0, 0, 'operator rekey -status takes no arguments');
      const s = body(await ctx.api('reading rekey status', c.request('GET', statusPath)));
      return verify ? printVerifyStatus(ctx, s) : printRekeyStatus(ctx, s);
    }
    const status = body(await ctx.api('getting rekey status', c.request('GET', statusPath)));
    if (status['started'] !== true) {
      ctx.warn(wrapAtLength('No rekey is in progress. Start a rekey process by running "ward operator rekey -init".'));
      return 1;
    }
    const { key, nonce } = await shareAndNonce(ctx, 'operator rekey [KEY]', String(status['nonce'] ?? ''), 'Rekey operation nonce');
    if (verify) {
      const r = body(await ctx.api('posting unseal key', c.request('PUT', `${base}/verify`, { body: { key, nonce } })));
      if (r['complete'] !== true) return printVerifyStatus(ctx, body(await ctx.api('reading rekey status', c.request('GET', `${base}/verify`))));
      if (ctx.format !== 'table') return ctx.print({ json: r, sections: [] });
      ctx.out(`${wrapAtLength('Rekey verification successful. The rekey operation is complete and the new keys are now active.')}\n`);
      return 0;
    }
    const r = body(await ctx.api('posting unseal key', c.request('PUT', `${base}/update`, { body: { key, nonce } })));
    if (r['complete'] !== true) return printRekeyStatus(ctx, body(await ctx.api('reading rekey status', c.request('GET', `${base}/init`))));
    return printUnsealKeys(ctx, r, status, base);
  },
};

/** Vault's rows: the progress and the new split only while a rekey is started. */
function printRekeyStatus(ctx: Ctx, s: Body): number {
  const rows = [
    { key: 'Nonce', value: s['nonce'] },
    { key: 'Started', value: s['started'] },
  ];
  if (s['started'] === true) {
    const progress = `${s['progress']}/${s['required']}`;
    rows.push(
      { key: 'Rekey Progress', value: s['progress'] === s['required'] ? `${progress} (verification in progress)` : progress },
      { key: 'New Shares', value: s['n'] },
      { key: 'New Threshold', value: s['t'] },
      { key: 'Verification Required', value: s['verification_required'] },
    );
    if (typeof s['verification_nonce'] === 'string' && s['verification_nonce'] !== '') rows.push({ key: 'Verification Nonce', value: s['verification_nonce'] });
  }
  // Go prints a string slice as [a b].
  if (Array.isArray(s['pgp_fingerprints']) && s['pgp_fingerprints'].length > 0) rows.push({ key: 'PGP Fingerprints', value: `[${(s['pgp_fingerprints'] as string[]).join(' ')}]` }, { key: 'Backup', value: s['backup'] });
  return ctx.print({ json: s, sections: [{ kind: 'kv', rows }] });
}

function printVerifyStatus(ctx: Ctx, s: Body): number {
  const rows = [
    { key: 'Started', value: s['started'] },
    { key: 'New Shares', value: s['n'] },
    { key: 'New Threshold', value: s['t'] },
    { key: 'Verification Nonce', value: s['nonce'] },
    { key: 'Verification Progress', value: `${s['progress']}/${s['t']}` },
  ];
  return ctx.print({ json: s, sections: [{ kind: 'kv', rows }] });
}

/** The new shares as vault prints them ("Key N: …", or "Key N fingerprint: FP; value: …" when PGP-encrypted), then what to do next. */
async function printUnsealKeys(ctx: Ctx, r: Body, status: Body, base: string): Promise<number> {
  if (ctx.format !== 'table') return ctx.print({ json: r, sections: [] });
  const keys = (r['keys'] ?? []) as string[];
  const b64 = (r['keys_base64'] ?? []) as string[];
  const fps = (r['pgp_fingerprints'] ?? []) as string[];
  const shown = (i: number): string => (b64.length === keys.length ? b64[i]! : keys[i]!);
  const lines = keys.map((_, i) => (fps.length > 0 ? `Key ${i + 1} fingerprint: ${fps[i]}; value: ${shown(i)}` : `Key ${i + 1}: ${shown(i)}`));
  let text = `\n${lines.join('\n')}\n\nOperation nonce: ${r['nonce']}\n`;
  if (fps.length > 0 && r['backup'] === true) {
    const where = base === 'sys/rekey' ? 'core/unseal-keys-backup' : 'core/recovery-keys-backup';
    text += `\n${wrapAtLength(`The encrypted unseal keys are backed up to "${where}" in the storage backend. Remove these keys at any time using "ward operator rekey -backup-delete". Ward does not automatically remove these keys.`)}\n`;
  }
  const [n, t] = [status['n'], status['t']];
  if (r['verification_required'] !== true) {
    text += `\n${wrapAtLength(`Ward rekeyed with ${n} key shares and a key threshold of ${t}. Please securely distribute the key shares printed above. When Ward is re-sealed, restarted, or stopped, you must supply at least ${t} of these keys to unseal it before it can start servicing requests.`)}\n`;
    ctx.out(text);
    return 0;
  }
  text += `\n${wrapAtLength(`Ward has created a new key, split into ${n} key shares and a key threshold of ${t}. These will not be active until after verification is complete. Please securely distribute the key shares printed above. When Ward is re-sealed, restarted, or stopped, you must supply at least ${t} of these keys to unseal it before it can start servicing requests.`)}\n\n`;
  ctx.out(text);
  ctx.warn(`${wrapAtLength('Again, these key shares are _not_ valid until verification is performed. Do not lose or discard your current key shares until after verification is complete or you will be unable to unseal Ward. If you cancel the rekey process or seal Ward before verification is complete the new shares will be discarded and the current shares will remain valid.')}\n`);
  ctx.warn(`${wrapAtLength('The current verification status, including initial nonce, is shown below.')}\n`);
  return printVerifyStatus(ctx, body(await ctx.api('reading rekey status', ctx.client.request('GET', `${base}/verify`))));
}

export const ceremonyCommands: Record<string, Command> = {
  'operator rekey': rekey,
  'operator generate-root': generateRoot,
};
