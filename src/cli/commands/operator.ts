import type { InitRequest, JsonObject } from '../../api/index.js';
import { type Command, type Ctx } from '../command.js';
import { UsageError } from '../flags.js';
import { dataRows } from '../render-secret.js';
import { readAll } from '../prompt.js';
import { sealRows } from './status.js';
import { readPgpKeyFile } from '../pgp-key-file.js';

const split = (v: string | undefined): string[] => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);

const init: Command = {
  synopsis: 'Initialize a server',
  help: `operator init [options]

  Initializes a new Ward server: generates the root key, splits it into unseal key
  shares (5 shares, threshold 3 by default) and creates the initial root token.
  The server stays sealed afterwards; unseal it with "ward operator unseal".
  With an auto seal (transit, static) the server unseals itself instead, and the
  shares are recovery key shares (-recovery-shares, -recovery-threshold; 5 and 3).
  With -status, only reports whether the server is initialized (exit 0 yes, 2 no).`,
  flags: [
    { name: 'key-shares', kind: 'int', aliases: ['n'], usage: 'Number of unseal key shares to create (default 5).' },
    { name: 'key-threshold', kind: 'int', aliases: ['t'], usage: 'Number of shares required to unseal (default 3).' },
    { name: 'pgp-keys', kind: 'string', usage: 'Comma-separated PGP public key files (armored, binary or base64), one per share: each share is returned encrypted to its key.' },
    { name: 'root-token-pgp-key', kind: 'string', usage: 'PGP public key file to encrypt the root token with.' },
    { name: 'recovery-pgp-keys', kind: 'string', usage: 'Comma-separated PGP public key files, one per recovery share (auto-unseal only).' },
    { name: 'recovery-shares', kind: 'int', usage: 'Recovery key shares (auto-unseal only).' },
    { name: 'recovery-threshold', kind: 'int', usage: 'Recovery key threshold (auto-unseal only).' },
    { name: 'stored-shares', kind: 'int', usage: 'Shares stored by an auto-unseal device.' },
    { name: 'status', kind: 'bool', usage: 'Only print whether the server is initialized.' },
  ],
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator init takes no arguments');
    const f = ctx.flags;
    if (f.bool('status')) {
      const ok = await ctx.api('checking initialization status', ctx.client.initStatus());
      ctx.print({ json: { initialized: ok }, sections: [{ kind: 'text', text: ok ? 'Ward is initialized' : 'Ward is not initialized' }], fields: [{ key: 'initialized', value: ok }] });
      return ok ? 0 : 2;
    }
    // As vault: the defaults go to the recovery keys when the server has an auto seal.
    const seal = await ctx.api('checking seal status', ctx.client.sealStatus());
    const auto = seal.recovery_seal === true;
    const req: InitRequest = { secret_shares: f.int('key-shares') ?? (auto ? 0 : 5), secret_threshold: f.int('key-threshold') ?? (auto ? 0 : 3) };
    if (auto) {
      req.recovery_shares = f.int('recovery-shares') ?? 5;
      req.recovery_threshold = f.int('recovery-threshold') ?? 3;
    }
    // Key files are read before anything is sent: a typo must not cost an initialisation.
    if (f.str('pgp-keys')) req.pgp_keys = split(f.str('pgp-keys')).map((p) => readPgpKeyFile(p, 'pgp-keys'));
    if (f.str('recovery-pgp-keys')) req.recovery_pgp_keys = split(f.str('recovery-pgp-keys')).map((p) => readPgpKeyFile(p, 'recovery-pgp-keys'));
    if (f.str('root-token-pgp-key')) req.root_token_pgp_key = readPgpKeyFile(f.str('root-token-pgp-key') ?? '', 'root-token-pgp-key');
    for (const [flag, key] of [['recovery-shares', 'recovery_shares'], ['recovery-threshold', 'recovery_threshold'], ['stored-shares', 'stored_shares']] as const) {
      const v = f.int(flag);
      if (v !== undefined) req[key] = v;
    }
    const r = await ctx.api('initializing', ctx.client.init(req));
    const json: JsonObject = {
      unseal_keys_b64: r.keys_base64 ?? [],
      unseal_keys_hex: r.keys ?? [],
      unseal_shares: req.secret_shares,
      unseal_threshold: req.secret_threshold,
      recovery_keys_b64: r.recovery_keys_base64 ?? [],
      recovery_keys_hex: r.recovery_keys ?? [],
      recovery_keys_shares: req.recovery_shares ?? 0,
      recovery_keys_threshold: req.recovery_threshold ?? 0,
      root_token: r.root_token,
    };
    if (auto) {
      const recovery = (r.recovery_keys_base64 ?? r.recovery_keys ?? []).map((k, i) => `Recovery Key ${i + 1}: ${k}`).join('\n');
      const text = `${recovery}\n\nInitial Root Token: ${r.root_token}\n\nSuccess! Ward is initialized\n\n` +
        `Recovery key initialized with ${req.recovery_shares} key shares and a key threshold of ${req.recovery_threshold}.\n` +
        `The server unseals itself through its ${seal.type} seal. Keep the recovery keys apart and safe:\n` +
        `they unseal it after "ward operator seal" and are what a seal migration back to Shamir turns into unseal keys.`;
      return ctx.print({ json, sections: [{ kind: 'text', text }], fields: Object.entries(json).map(([key, value]) => ({ key, value })) });
    }
    const keys = (r.keys_base64 ?? r.keys ?? []).map((k, i) => `Unseal Key ${i + 1}: ${k}`).join('\n');
    const text = `${keys}\n\nInitial Root Token: ${r.root_token}\n\n` +
      `Ward initialized with ${req.secret_shares} key shares and a key threshold of ${req.secret_threshold}.\n` +
      `Keep the key shares above apart and safe: each restart or seal of the server needs\n` +
      `${req.secret_threshold} of them ("ward operator unseal") before it serves requests again.\n` +
      `The root key is never stored; lose more than ${req.secret_shares - req.secret_threshold} shares and the data is gone.`;
    return ctx.print({ json, sections: [{ kind: 'text', text }], fields: Object.entries(json).map(([key, value]) => ({ key, value })) });
  },
};

const unseal: Command = {
  synopsis: 'Provide one unseal key share',
  help: `operator unseal [options] [KEY]

  Submits one unseal key share. Without KEY the share is prompted for without echo
  (or read from stdin when stdin is not a terminal, or with KEY "-"). Repeat until
  the threshold is reached. With an auto seal, the shares are recovery key shares.
  During a seal migration, add -migrate to every share.`,
  flags: [
    { name: 'reset', kind: 'bool', usage: 'Discard the shares submitted so far.' },
    { name: 'migrate', kind: 'bool', usage: 'The share is for a seal migration (the old seal\'s unseal or recovery key).' },
  ],
  async run(ctx) {
    ctx.expectArgs(0, 1, 'operator unseal [KEY]');
    let status;
    if (ctx.flags.bool('reset')) status = await ctx.api('resetting unseal process', ctx.client.unsealReset());
    else {
      let key = ctx.args[0];
      if (key === '-') key = (await readAll(ctx.io.stdin)).trim();
      if (key === undefined) key = await ctx.secret('Unseal Key (will be hidden): ', 'unseal key');
      if (key === '') throw new UsageError('missing unseal key');
      status = await ctx.api('unsealing', ctx.client.unseal(key, { migrate: ctx.flags.bool('migrate') }));
    }
    return ctx.print({ json: status, sections: [{ kind: 'kv', rows: sealRows(status) }] });
  },
};

const seal: Command = {
  synopsis: 'Seal the server',
  help: `operator seal [options]

  Seals the server: the in-memory key is thrown away and every request but the seal
  and health endpoints fails until it is unsealed again. Needs sudo on sys/seal.`,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator seal takes no arguments');
    await ctx.api('sealing', ctx.client.seal());
    return ctx.success('Success! Ward is sealed.');
  },
};

async function keyStatus(ctx: Ctx, prefix?: string): Promise<number> {
  const res = await ctx.api('reading key status', ctx.client.keyStatus());
  const d = res.body?.data ?? {};
  const rows = [
    { key: 'Key Term', value: d['term'] },
    { key: 'Install Time', value: d['install_time'] },
    { key: 'Encryption Count', value: d['encryptions'] ?? 'n/a' },
  ];
  const sections = prefix ? [{ kind: 'text' as const, text: prefix }] : [];
  return ctx.print({ json: res.body, sections: [...sections, { kind: 'kv', rows }], fields: dataRows(d) });
}

const keyStatusCmd: Command = {
  synopsis: 'Print the encryption key status',
  help: `operator key-status [options]

  Prints the term and install time of the active barrier encryption key.`,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator key-status takes no arguments');
    return keyStatus(ctx);
  },
};

const rotate: Command = {
  synopsis: 'Rotate the underlying encryption key',
  help: `operator rotate [options]

  Adds a new barrier encryption key term; new writes use it, old data stays readable.`,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator rotate takes no arguments');
    await ctx.api('rotating key', ctx.client.rotate());
    return keyStatus(ctx, 'Success! Rotated key');
  },
};

const stepDown: Command = {
  synopsis: 'Force the active node to step down',
  help: `operator step-down [options]

  Asks the active node to give up leadership (HA only). Needs sudo on sys/step-down.`,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator step-down takes no arguments');
    await ctx.api('stepping down', ctx.client.stepDown());
    return ctx.success(`Success! Stepped down: ${ctx.client.address}`);
  },
};

const members: Command = {
  synopsis: 'Lists the HA cluster members',
  help: `operator members [options]

  Lists the active node and the standbys it has heard from since it became active, with
  when each standby's last heartbeat arrived. JSON output is the server's response.`,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator members takes no arguments');
    const res = await ctx.api('listing cluster members', ctx.client.haStatus());
    const nodes = res.body?.data?.['nodes'];
    const rows = (Array.isArray(nodes) ? nodes : []).map((n) => {
      const o = (n !== null && typeof n === 'object' && !Array.isArray(n) ? n : {}) as Record<string, unknown>;
      const text = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : typeof v === 'boolean' ? String(v) : 'n/a');
      return [text(o['hostname']), text(o['api_address']), text(o['cluster_address']), text(o['active_node']), text(o['version']), text(o['last_echo'])];
    });
    return ctx.print({ json: res.body, sections: [{ kind: 'columns', headers: ['Host Name', 'API Address', 'Cluster Address', 'Active Node', 'Version', 'Last Echo'], rows }] });
  },
};

export const operatorCommands: Record<string, Command> = {
  'operator members': members,
  'operator init': init,
  'operator unseal': unseal,
  'operator seal': seal,
  'operator key-status': keyStatusCmd,
  'operator rotate': rotate,
  'operator step-down': stepDown,
};

