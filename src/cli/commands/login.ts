import { readFileSync } from 'node:fs';
import type { ApiResponse, AuthInfo, JsonObject, JsonValue, VaultEnvelope } from '../../api/index.js';
import { awsLoginBody } from '../aws-login.js';
import type { Command, Ctx } from '../command.js';
import { UsageError } from '../flags.js';
import { parseKvArgs } from '../kv-args.js';
import { oidcLogin } from './login-oidc.js';
import { readAll } from '../prompt.js';
import { authRows, secretRendering } from '../render-secret.js';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
const strs = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.map(String) : []);

/** `auth/token/lookup-self` data as an envelope with an `auth` block, the shape other logins return. */
function tokenEnvelope(token: string, res: ApiResponse): VaultEnvelope {
  const d = res.body?.data ?? {};
  const meta = d['meta'];
  const auth: AuthInfo = {
    client_token: token,
    accessor: str(d['accessor']),
    policies: strs(d['policies']),
    token_policies: strs(d['policies']),
    identity_policies: strs(d['identity_policies']),
    metadata: meta && typeof meta === 'object' && !Array.isArray(meta) ? (meta as Record<string, string>) : null, // map<string,string> per §3.1
    lease_duration: typeof d['ttl'] === 'number' ? d['ttl'] : 0,
    renewable: d['renewable'] === true,
    entity_id: str(d['entity_id']),
    token_type: str(d['type']) || 'service',
    orphan: d['orphan'] === true,
    num_uses: typeof d['num_uses'] === 'number' ? d['num_uses'] : 0,
  };
  return { request_id: res.body?.request_id ?? '', lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: null, warnings: res.body?.warnings ?? null, auth };
}

async function tokenLogin(ctx: Ctx, args: string[]): Promise<VaultEnvelope> {
  let token = args[0];
  if (token !== undefined && token.startsWith('token=')) token = token.slice(6);
  if (token === '-') token = (await readAll(ctx.io.stdin)).trim();
  if (token === undefined) token = await ctx.secret('Token (will be hidden): ', 'token');
  if (token === '') throw new UsageError('missing token');
  const res = await ctx.api('authenticating', ctx.client.tokenLookupSelf(token));
  return tokenEnvelope(token, res);
}

async function methodLogin(ctx: Ctx, method: string, mount: string, args: string[]): Promise<VaultEnvelope> {
  const data: JsonObject = await parseKvArgs(args, ctx.io.stdin);
  if (method === 'oidc') return oidcLogin(ctx, mount, data);
  let suffix: string | undefined;
  if (method === 'userpass' || method === 'ldap' || method === 'okta' || method === 'radius') {
    const user = typeof data['username'] === 'string' ? data['username'] : ctx.io.env['USER'];
    if (!user) throw new UsageError('missing username=');
    delete data['username'];
    suffix = user;
    if (data['password'] === undefined) data['password'] = await ctx.secret('Password (will be hidden): ', 'password');
  } else if (method === 'approle') {
    if (data['role_id'] === undefined) throw new UsageError('missing role_id=');
  } else if (method === 'aws') {
    Object.assign(data, awsLoginBody(data, ctx.io.env));
  } else if (method === 'kubernetes') {
    if (data['role'] === undefined) throw new UsageError('missing role=');
    if (data['jwt'] === undefined) {
      try {
        data['jwt'] = readFileSync(SA_TOKEN, 'utf8').trim();
      } catch {
        throw new UsageError(`missing jwt= (and no service account token at ${SA_TOKEN})`);
      }
    }
  }
  const res = await ctx.api('authenticating', ctx.client.login(mount, data, suffix));
  if (!res.body?.auth && !res.body?.wrap_info) throw new UsageError('no authentication information returned by the server');
  return res.body;
}

const login: Command = {
  synopsis: 'Authenticate locally',
  help: `login [options] [TOKEN | K=V...]

  Authenticates to Ward and stores the resulting token in the token helper
  (~/.vault-token, mode 0600). The default method is "token": TOKEN is checked with a
  lookup (prompted without echo when missing). Other methods take key=value pairs:
    ward login -method=userpass username=alice          (password prompted)
    ward login -method=approle role_id=... secret_id=...
    ward login -method=kubernetes role=app jwt=@/path/to/token
    ward login -method=jwt role=ci jwt=@/path/to/oidc-token
    ward login -method=oidc role=web   (browser flow; callback on localhost:8250,
                                        port=, listenaddress=, skip_browser=true)`,
  flags: [
    { name: 'method', kind: 'string', default: 'token', usage: 'Auth method: token, userpass, approle, kubernetes, aws (AWS_* credentials, role=, region=, header_value=) (or any method taking key=value).' },
    { name: 'path', kind: 'string', usage: 'Mount path of the auth method; defaults to the method name.' },
    { name: 'no-store', kind: 'bool', usage: 'Do not store the token in the token helper.' },
    { name: 'token-only', kind: 'bool', usage: 'Print only the token (implies -no-store).' },
    { name: 'no-print', kind: 'bool', usage: 'Print nothing on success.' },
  ],
  async run(ctx) {
    const method = (ctx.flags.str('method') ?? 'token').toLowerCase();
    const mount = (ctx.flags.str('path') || method).replace(/^\/+|\/+$/g, '');
    if (method === 'token' && ctx.args.length > 1) throw new UsageError('Too many arguments for -method=token (expected at most 1)');
    const env = method === 'token' ? await tokenLogin(ctx, ctx.args) : await methodLogin(ctx, method, mount, ctx.args);
    if (env.wrap_info) return ctx.print(secretRendering(env));
    const token = env.auth?.client_token ?? '';
    if (ctx.flags.bool('token-only')) {
      ctx.out(token + (ctx.io.stdout.isTTY ? '\n' : ''));
      return 0;
    }
    const store = !ctx.flags.bool('no-store');
    if (store) {
      try {
        ctx.helper.store(token);
      } catch (e) {
        throw new UsageError(`failed to store the token in ${ctx.helper.path}: ${(e as Error).message}`);
      }
      if (ctx.io.env['VAULT_TOKEN'] || ctx.io.env['WARD_TOKEN']) {
        ctx.warn('WARNING! The WARD_TOKEN or VAULT_TOKEN environment variable is set and takes precedence over\nthe stored token; unset it if that is not what you want.\n');
      }
    }
    if (ctx.flags.bool('no-print')) return 0;
    if (ctx.format === 'table' && !ctx.field) {
      ctx.out(store
        ? 'Success! You are now authenticated. The token below is already stored in the\ntoken helper, so there is no need to run "ward login" again: later commands use it.\n\n'
        : 'Success! You are now authenticated. The token below was NOT stored; set\nVAULT_TOKEN (or WARD_TOKEN) to it to use it in later commands.\n\n');
    }
    return ctx.print({ json: env, sections: [{ kind: 'kv', rows: authRows(env) }] }, env.warnings);
  },
};

export const loginCommands: Record<string, Command> = { login };
