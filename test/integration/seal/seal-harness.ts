/**
 * Real processes for the auto-unseal tests: a transit provider (a Ward on SQLite, so its
 * transit key survives restarts) and seal nodes whose config names a seal stanza.
 */
import { api } from '../../helpers/server.js';
import { configDir, freePort, sqliteConfig, spawnWard, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

/** Vault's recommended auto-unseal policy, for any key of the mount: update only, so a wrong key name is not created. */
const POLICY = 'path "transit/encrypt/*" { capabilities = ["update"] }\npath "transit/decrypt/*" { capabilities = ["update"] }\npath "auth/token/renew-self" { capabilities = ["update"] }\n';

export interface Provider {
  url: string;
  /** A token limited to transit encrypt/decrypt and renew-self. */
  token: string;
  proc: WardProcess;
  start(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

// any: response bodies are read field by field by the caller (the helpers' api() returns any too).
async function ok(what: string, p: Promise<{ status: number; body: any }>): Promise<any> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Starts a transit provider with key `autounseal` and a scoped token. */
export async function startProvider(): Promise<Provider> {
  const dir = configDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const file = dir.write('provider.hcl', sqliteConfig({ dbPath: dir.dbPath, port, allowRoot: true }));
  let unsealKey = '';
  const provider: Provider = {
    url,
    token: '',
    proc: spawnWard(['server', `-config=${file}`], url),
    async start() {
      provider.proc = spawnWard(['server', `-config=${file}`], url);
      await waitForHealth(provider.proc);
      await ok('unseal provider', api(provider, 'PUT', 'sys/unseal', { body: { key: unsealKey } }));
    },
    async stop() {
      await provider.proc.kill('SIGTERM');
    },
    async cleanup() {
      await provider.proc.kill('SIGKILL');
      dir.cleanup();
    },
  };
  await waitForHealth(provider.proc);
  const init = await ok('init provider', api(provider, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } }));
  unsealKey = init.keys_base64[0];
  await ok('unseal provider', api(provider, 'PUT', 'sys/unseal', { body: { key: unsealKey } }));
  const root = { token: init.root_token as string };
  await ok('mount transit', api(provider, 'POST', 'sys/mounts/transit', { ...root, body: { type: 'transit' } }));
  await ok('create key', api(provider, 'POST', 'transit/keys/autounseal', root));
  await ok('policy', api(provider, 'PUT', 'sys/policies/acl/autounseal', { ...root, body: { policy: POLICY } }));
  const t = await ok('token', api(provider, 'POST', 'auth/token/create', { ...root, body: { policies: ['autounseal'], period: '24h', no_parent: true } }));
  provider.token = t.auth.client_token;
  return provider;
}

export function transitStanza(p: Provider, o: { keyName?: string; disabled?: boolean } = {}): string {
  return [
    'seal "transit" {',
    `  address    = "${p.url}"`,
    `  token      = "${p.token}"`,
    `  key_name   = "${o.keyName ?? 'autounseal'}"`,
    '  mount_path = "transit/"',
    ...(o.disabled ? ['  disabled   = "true"'] : []),
    '}',
  ].join('\n');
}

/** A seal node: SQLite in its own dir, restartable with another seal stanza. */
export class SealNode {
  readonly dir: ConfigDir = configDir();
  proc: WardProcess | null = null;
  url = '';
  private port = 0;

  async start(sealStanza: string): Promise<WardProcess> {
    this.port ||= await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const file = this.dir.write('node.hcl', sqliteConfig({ dbPath: this.dir.dbPath, port: this.port, allowRoot: true, extra: sealStanza }));
    this.proc = spawnWard(['server', `-config=${file}`], this.url, { VAULT_ADDR: '', VAULT_TOKEN: '' });
    await waitForHealth(this.proc);
    return this.proc;
  }

  async stop(): Promise<void> {
    await this.proc?.kill('SIGTERM');
    this.proc = null;
  }

  async cleanup(): Promise<void> {
    await this.proc?.kill('SIGKILL');
    this.dir.cleanup();
  }

  // any: the seal status is asserted field by field.
  async sealStatus(): Promise<any> {
    return (await api(this, 'GET', 'sys/seal-status')).body;
  }

  /** Waits until the node reports unsealed (no human step in between). */
  async waitUnsealed(timeoutMs = 30_000): Promise<void> {
    const proc = this.proc;
    await waitFor('the node to unseal itself', async () => (await this.sealStatus()).sealed === false, { timeoutMs, context: () => proc?.stderr() ?? '' });
  }
}
