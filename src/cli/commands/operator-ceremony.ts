/**
 * `ward operator rekey` and `ward operator generate-root`, with vault's flags and output: one
 * command per step, the share on the command line, on stdin ("-") or prompted without echo,
 * the nonce taken from the server's status when -nonce is not given.
 */
import type { ApiResponse, JsonObject } from '../../api/index.js';
import { CliError, type Command, type Ctx } from '../command.js';
import { UsageError } from '../flags.js';
import { readAll } from '../prompt.js';
import { readPgpKeyFile } from '../pgp-key-file.js';
import { randomBytes } from 'node:crypto';

type Body = JsonObject;
const body = (r: ApiResponse): Body => (r.body ?? {}) as Body;
const split = (v: string | undefined): string[] => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);

/** The share to submit: the argument, stdin with "-", or a hidden prompt. */
async function shareArg(ctx: Ctx, what: string): Promise<string> {
  ctx.expectArgs(0, 1, `operator ${what} [KEY]`);
  let key = ctx.args[0];
  if (key === '-') key = (await readAll(ctx.io.stdin)).trim();
  if (key === undefined) key = await ctx.secret(`${what === 'rekey' ? 'Unseal Key' : 'Unseal Key (or recovery key)'} (will be hidden): `, 'key');
  if (key === '') throw new UsageError('missing key');
  return key;
}

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
      await ctx.api('deleting backed-up keys', c.request('DELETE', backupPath));
      return ctx.success('Success! Delete backed-up keys (if they existed)');
    }
    if (f.bool('init')) {
      ctx.expectArgs(0, 0, 'operator rekey -init takes no arguments');
      const req: JsonObject = { secret_shares: f.int('key-shares') ?? 5, secret_threshold: f.int('key-threshold') ?? 3, backup: f.bool('backup'), require_verification: verify };
      if (f.str('pgp-keys')) req['pgp_keys'] = split(f.str('pgp-keys')).map((p) => readPgpKeyFile(p, 'pgp-keys'));
      return printRekeyStatus(ctx, body(await ctx.api('initializing rekey', c.request('PUT', `${base}/init`, { body: req }))));
    }
    if (f.bool('cancel')) {
      ctx.expectArgs(0, 0, 'operator rekey -cancel takes no arguments');
      if (verify) {
        await ctx.api('canceling rekey verification', c.request('DELETE', `${base}/verify`));
        return ctx.success('Success! Canceled rekey verification; it starts over with a new nonce.');
      }
      // The server wants the attempt's nonce for a recent attempt (as Vault); the status has it.
      const nonce = f.str('nonce') ?? String(body(await ctx.api('reading rekey status', c.request('GET', `${base}/init`)))['nonce'] ?? '');
      await ctx.api('canceling rekey', c.request('DELETE', `${base}/init`, { body: { nonce } }));
      return ctx.success('Success! Canceled rekeying (if it was started)');
    }
    if (f.bool('status')) {
      ctx.expectArgs(0, 0, 'operator rekey -status takes no arguments');
      if (verify) return printVerifyStatus(ctx, body(await ctx.api('reading rekey verification status', c.request('GET', `${base}/verify`))));
      return printRekeyStatus(ctx, body(await ctx.api('reading rekey status', c.request('GET', `${base}/init`))));
    }
    const key = await shareArg(ctx, 'rekey');
    // As vault: the status gives the nonce when -nonce is absent, and the new threshold to report.
    const status = body(await ctx.api('reading rekey status', c.request('GET', verify ? `${base}/verify` : `${base}/init`)));
    const nonce = f.str('nonce') ?? String(status['nonce'] ?? '');
    if (verify) {
      const r = body(await ctx.api('verifying rekey', c.request('PUT', `${base}/verify`, { body: { key, nonce } })));
      if (r['complete'] === true) return ctx.print({ json: r, sections: [{ kind: 'text', text: 'Success! Rekey verification successful. The new key shares are now in use.' }] });
      return printVerifyStatus(ctx, body(await ctx.api('reading rekey verification status', c.request('GET', `${base}/verify`))));
    }
    const r = body(await ctx.api('submitting key', c.request('PUT', `${base}/update`, { body: { key, nonce } })));
    if (r['complete'] !== true) return printRekeyStatus(ctx, r);
    return printRekeyResult(ctx, r, target, status['t']);
  },
};

function printRekeyStatus(ctx: Ctx, s: Body): number {
  const rows = [
    { key: 'Nonce', value: s['nonce'] },
    { key: 'Started', value: s['started'] },
    { key: 'Rekey Progress', value: `${s['progress']}/${s['required']}` },
    { key: 'New Shares', value: s['n'] },
    { key: 'New Threshold', value: s['t'] },
    { key: 'Verification Required', value: s['verification_required'] },
  ];
  if (Array.isArray(s['pgp_fingerprints']) && s['pgp_fingerprints'].length > 0) rows.push({ key: 'PGP Fingerprints', value: (s['pgp_fingerprints'] as string[]).join(', ') }, { key: 'Backup', value: s['backup'] });
  if (typeof s['verification_nonce'] === 'string') rows.push({ key: 'Verification Nonce', value: s['verification_nonce'] });
  return ctx.print({ json: s, sections: [{ kind: 'kv', rows }] });
}

function printVerifyStatus(ctx: Ctx, s: Body): number {
  const rows = [
    { key: 'Nonce', value: s['nonce'] },
    { key: 'Started', value: s['started'] },
    { key: 'New Shares', value: s['n'] },
    { key: 'New Threshold', value: s['t'] },
    { key: 'Verification Progress', value: `${s['progress']}/${s['t']}` },
  ];
  return ctx.print({ json: s, sections: [{ kind: 'kv', rows }] });
}

function printRekeyResult(ctx: Ctx, r: Body, target: string, t: JsonObject[string]): number {
  const keys = ((r['keys_base64'] ?? r['keys'] ?? []) as string[]).map((k, i) => `Key ${i + 1}: ${k}`).join('\n');
  const fps = (r['pgp_fingerprints'] ?? []) as string[];
  const n = (r['keys'] as string[] | undefined)?.length ?? 0;
  const what = target === 'recovery' ? 'recovery keys' : 'unseal keys';
  let text = `${keys}\n\nOperation nonce: ${r['nonce']}\n\n`;
  if (fps.length > 0) text += `The keys are encrypted to the PGP keys ${fps.join(', ')} (in order)${r['backup'] === true ? ', and a backup is kept at sys/rekey/backup' : ''}.\n\n`;
  if (r['verification_required'] === true) {
    text += `The new ${what} are not in use yet: enter ${n > 0 ? 'the threshold of them' : 'them'} back with "ward operator rekey -verify"\n(verification nonce ${r['verification_nonce']}). Until then the current shares stay in force.`;
  } else {
    text += `Ward ${what} rekeyed with ${n} key shares${typeof t === 'number' ? ` and a key threshold of ${t}` : ''}. Please securely distribute the\nkey shares printed above; the old shares no longer work.`;
  }
  return ctx.print({ json: r, sections: [{ kind: 'text', text }] });
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 28-character base62 OTP (rejection sampling: no modulo bias). */
function generateOtp(): string {
  let out = '';
  while (out.length < 28) for (const b of randomBytes(56)) if (b < 248 && out.length < 28) out += BASE62[b % 62];
  return out;
}

const generateRoot: Command = {
  synopsis: 'Generate a new root token',
  help: `operator generate-root [options] [KEY]

  Generates a new root token from a threshold of unseal (or recovery) key shares. Start with
  -init (a one-time pad is generated and printed, or give -otp, or -pgp-key to get the token
  encrypted); holders of the shares each run "ward operator generate-root" with their share;
  the last one prints the encoded token, which -decode=ENCODED -otp=OTP turns into the token.`,
  flags: [
    { name: 'init', kind: 'bool', usage: 'Start a root token generation.' },
    { name: 'cancel', kind: 'bool', usage: 'Cancel the generation in progress.' },
    { name: 'status', kind: 'bool', usage: 'Print the progress of the generation in progress.' },
    { name: 'otp', kind: 'string', usage: 'The one-time pad (with -init or -decode).' },
    { name: 'generate-otp', kind: 'bool', usage: 'Print a new one-time pad and exit.' },
    { name: 'pgp-key', kind: 'string', usage: 'PGP public key file to encrypt the token to (with -init).' },
    { name: 'decode', kind: 'string', usage: 'An encoded token to decode with -otp.' },
    { name: 'nonce', kind: 'string', usage: 'Nonce of the generation (read from the status when not given).' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const c = ctx.client;
    if (f.bool('generate-otp')) {
      ctx.expectArgs(0, 0, 'operator generate-root -generate-otp takes no arguments');
      ctx.out(`${generateOtp()}\n`);
      return 0;
    }
    const decode = f.str('decode');
    if (decode !== undefined) {
      ctx.expectArgs(0, 0, 'operator generate-root -decode takes no arguments');
      const otp = f.str('otp');
      if (!otp) throw new UsageError('-decode needs the -otp the generation was started with');
      const r = body(await ctx.api('decoding token', c.request('PUT', 'sys/decode-token', { body: { encoded_token: decode, otp } })));
      const token = String((r['data'] as Body | undefined)?.['token'] ?? '');
      return ctx.print({ json: r, sections: [{ kind: 'text', text: token }] });
    }
    if (f.bool('init')) {
      ctx.expectArgs(0, 0, 'operator generate-root -init takes no arguments');
      const req: JsonObject = {};
      const otp = f.str('otp');
      const pgp = f.str('pgp-key');
      if (otp && pgp) throw new UsageError('-otp and -pgp-key cannot be used together');
      if (otp) req['otp'] = otp;
      if (pgp) req['pgp_key'] = readPgpKeyFile(pgp, 'pgp-key');
      return printRootStatus(ctx, body(await ctx.api('initializing root token generation', c.request('PUT', 'sys/generate-root/attempt', { body: req }))));
    }
    if (f.bool('cancel')) {
      ctx.expectArgs(0, 0, 'operator generate-root -cancel takes no arguments');
      await ctx.api('canceling root token generation', c.request('DELETE', 'sys/generate-root/attempt'));
      return ctx.success('Success! Root token generation canceled (if it was started)');
    }
    if (f.bool('status')) {
      ctx.expectArgs(0, 0, 'operator generate-root -status takes no arguments');
      return printRootStatus(ctx, body(await ctx.api('reading root generation status', c.request('GET', 'sys/generate-root/attempt'))));
    }
    const key = await shareArg(ctx, 'generate-root');
    const nonce = f.str('nonce') ?? String(body(await ctx.api('reading root generation status', c.request('GET', 'sys/generate-root/attempt')))['nonce'] ?? '');
    return printRootStatus(ctx, body(await ctx.api('submitting key', c.request('PUT', 'sys/generate-root/update', { body: { key, nonce } }))));
  },
};

function printRootStatus(ctx: Ctx, s: Body): number {
  const rows = [
    { key: 'Nonce', value: s['nonce'] },
    { key: 'Started', value: s['started'] },
    { key: 'Progress', value: `${s['progress']}/${s['required']}` },
    { key: 'Complete', value: s['complete'] },
  ];
  if (s['encoded_token']) rows.push({ key: 'Encoded Token', value: s['encoded_token'] });
  if (s['pgp_fingerprint']) rows.push({ key: 'PGP Fingerprint', value: s['pgp_fingerprint'] });
  if (s['otp']) rows.push({ key: 'OTP', value: s['otp'] });
  rows.push({ key: 'OTP Length', value: s['otp_length'] });
  return ctx.print({ json: s, sections: [{ kind: 'kv', rows }] });
}

export const ceremonyCommands: Record<string, Command> = {
  'operator rekey': rekey,
  'operator generate-root': generateRoot,
};
