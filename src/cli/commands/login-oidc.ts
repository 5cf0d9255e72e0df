/**
 * `ward login -method=oidc`: the browser flow as the vault CLI runs it. A listener on
 * localhost:8250 (listenaddress=, port=) receives the provider's redirect; the CLI asks
 * the server for an auth URL with that redirect URI and a client nonce, opens the
 * browser (or only prints the URL with skip_browser=true or when no opener exists), and
 * completes the login by handing the callback's state and code to `oidc/callback`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ApiResponse, JsonObject, VaultEnvelope } from '../../api/index.js';
import type { Ctx } from '../command.js';
import { CliError } from '../command.js';

const WAIT_MS = 2 * 60_000;

const page = (ok: boolean, detail = ''): string =>
  `<!DOCTYPE html><html><head><title>Ward Authentication</title></head><body><h1>Ward Authentication ${ok ? 'Succeeded' : 'Failed'}</h1><p>${
    ok ? 'You can close this window and return to the CLI.' : detail.replace(/[<>&"]/g, '')
  }</p></body></html>`;

function openBrowser(url: string, env: NodeJS.ProcessEnv): boolean {
  // A Linux session without a display (SSH, containers) has no browser to open.
  if (process.platform === 'linux' && !env['DISPLAY'] && !env['WAYLAND_DISPLAY']) return false;
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

const text = (v: unknown, dflt: string): string => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : dflt);

export async function oidcLogin(ctx: Ctx, mount: string, data: JsonObject): Promise<VaultEnvelope> {
  const listenAddress = text(data['listenaddress'], 'localhost');
  const port = text(data['port'], '8250');
  const callbackHost = text(data['callbackhost'], 'localhost');
  const callbackMethod = text(data['callbackmethod'], 'http');
  const callbackPort = text(data['callbackport'], port);
  const skipBrowser = data['skip_browser'] === true || data['skip_browser'] === 'true';
  const role = text(data['role'], '');
  const redirectUri = `${callbackMethod}://${callbackHost}:${callbackPort}/oidc/callback`;
  const clientNonce = randomBytes(20).toString('base64url');

  let settle: (r: { res?: ApiResponse; err?: unknown }) => void = () => undefined;
  const outcome = new Promise<{ res?: ApiResponse; err?: unknown }>((resolve) => (settle = resolve));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/oidc/callback') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : url.searchParams;
      const query = { state: params.get('state') ?? '', code: params.get('code') ?? '', id_token: params.get('id_token') ?? '', client_nonce: clientNonce };
      const path = `auth/${mount}/oidc/callback`;
      const call = req.method === 'POST' ? ctx.client.write(path, query) : ctx.client.read(path, query);
      call.then(
        (r) => {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page(true));
          settle({ res: r });
        },
        (e: unknown) => {
          res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(page(false, e instanceof Error ? e.message : String(e)));
          settle({ err: e });
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new CliError(`Error listening for the OIDC callback on ${listenAddress}:${port}: ${e.message}`, 2)));
    server.listen(Number(port), listenAddress, () => resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const start = await ctx.api('authenticating', ctx.client.write(`auth/${mount}/oidc/auth_url`, { role, redirect_uri: redirectUri, client_nonce: clientNonce }));
    const authUrl = text(start.body?.data?.['auth_url'], '');
    if (authUrl === '') throw new CliError(`Unable to authorize role "${role}" with redirect_uri "${redirectUri}". Check Ward logs for more information.`, 2);
    const launched = !skipBrowser && openBrowser(authUrl, ctx.io.env);
    ctx.warn(
      launched
        ? `Complete the login via your OIDC provider. Launching browser to:\n\n    ${authUrl}\n\n\n`
        : `Complete the login via your OIDC provider. Open the following link in your browser:\n\n    ${authUrl}\n\n\n`,
    );
    ctx.warn('Waiting for OIDC authentication to complete...\n');
    const timeout = new Promise<{ res?: ApiResponse; err?: unknown }>((resolve) => {
      timer = setTimeout(() => resolve({ err: new Error('timed out waiting for response from provider') }), WAIT_MS);
    });
    const r = await Promise.race([outcome, timeout]);
    const res = await ctx.api('authenticating', r.err !== undefined ? Promise.reject(r.err) : Promise.resolve(r.res as ApiResponse));
    if (!res.body?.auth) throw new CliError('no authentication information returned by the server', 2);
    return res.body;
  } finally {
    if (timer) clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}
