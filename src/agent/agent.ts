/**
 * Wires the agent together: auto-auth feeds each new token to the sinks, the template
 * runner and the proxy. Two modes: long-running, and exit_after_auth (the init-container
 * mode: log in, write sinks, render every template once, exit 0).
 */
import { rmSync, writeFileSync } from 'node:fs';
import type { Agent as HttpAgent } from 'node:http';
import { WardClient, type ClientOptions } from '../api/index.js';
import { AuthHandler, createMethod, type AuthResult } from './auto-auth/index.js';
import type { AgentConfig } from './config.js';
import type { Logger } from './log.js';
import { LeaseCache } from './proxy/cache.js';
import { startProxy, type RunningProxy } from './proxy/server.js';
import { upstreamAgent } from './proxy/upstream.js';
import { writeSinks } from './sink/file-sink.js';
import type { CompiledTemplate } from './template/output.js';
import { TemplateRunner } from './template/runner.js';

/** What {@link Agent} is built from: parsed configuration, compiled templates, client settings. */
export interface AgentOptions {
  cfg: AgentConfig;
  templates: CompiledTemplate[];
  clientOptions: ClientOptions;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** VAULT_TOKEN, used when there is no auto_auth. */
  envToken?: string;
  /** `-revoke-on-shutdown`: after a stop request, wait `graceMs`, then revoke the token. */
  revokeOnShutdown?: { graceMs: number };
}

/** One agent process: owns the auth loop, the template runner and the proxy listeners. */
export class Agent {
  private token = '';
  private readonly authClient: WardClient;
  private readonly templateClient: WardClient;
  private readonly runner: TemplateRunner | undefined;
  private handler: AuthHandler | undefined;
  private proxies: RunningProxy[] = [];
  private upstream: HttpAgent | undefined;
  private finish: (code: number) => void = () => undefined;
  private readonly finished: Promise<number>;
  private stopped = false;

  constructor(private readonly o: AgentOptions) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.authClient = new WardClient({ ...o.clientOptions, token: '' });
    this.templateClient = new WardClient({ ...o.clientOptions, token: '' });
    const cfg = o.cfg;
    const method = cfg.autoAuth?.method;
    this.runner = o.templates.length === 0 ? undefined : new TemplateRunner({
      templates: o.templates,
      client: this.templateClient,
      staticIntervalMs: cfg.staticSecretRenderIntervalMs,
      numRetries: cfg.vault.numRetries,
      exitOnRetryFailure: cfg.exitOnRetryFailure,
      minBackoffMs: method?.minBackoffMs ?? 1000,
      maxBackoffMs: method?.maxBackoffMs ?? 300_000,
      log: o.log.named('template'),
      env: o.env,
      onFatal: (e) => this.fail(e),
    });
  }

  /** Requests a clean shutdown (signal, `/agent/v1/quit`): retries and waits stop at once. */
  stop(): void {
    if (this.stopped) return;
    this.o.log.info('shutting down');
    this.end(0);
  }

  /** Runs until stopped or failed; resolves to the exit code. */
  async run(): Promise<number> {
    const cfg = this.o.cfg;
    if (cfg.pidFile) writeFileSync(cfg.pidFile, `${process.pid}`);
    // Timers and sockets may all be idle (a token that never expires): keep the process up.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      if (cfg.exitAfterAuth) return await this.runOnce();
      if (cfg.listeners.length > 0) await this.startProxies();
      if (cfg.autoAuth) {
        const a = cfg.autoAuth;
        this.handler = new AuthHandler({
          method: createMethod(a.method, { clientOptions: this.o.clientOptions, env: this.o.env, log: this.o.log.named('auth') }),
          client: this.authClient,
          minBackoffMs: a.method.minBackoffMs,
          maxBackoffMs: a.method.maxBackoffMs,
          exitOnErr: a.method.exitOnErr,
          log: this.o.log.named('auth.handler'),
          onToken: (auth) => this.onToken(auth),
        });
        this.handler.run().catch((e: unknown) => this.fail(e));
      } else if (this.o.envToken) {
        this.token = this.o.envToken;
        this.runner?.restart(this.token).catch((e: unknown) => this.fail(e));
      }
      return await this.finished;
    } catch (e) {
      this.o.log.error(e instanceof Error ? e.message : String(e));
      return 1;
    } finally {
      clearInterval(keepAlive);
      await this.shutdown();
    }
  }

  /** The proxy keeps serving through the grace period (the app may still need it). */
  private async revokeToken(graceMs: number): Promise<void> {
    this.o.log.info(`revoking the agent's token in ${graceMs / 1000}s`);
    await new Promise((r) => setTimeout(r, graceMs));
    const client = new WardClient({ ...this.o.clientOptions, token: this.token });
    try {
      await client.write('auth/token/revoke-self');
      this.o.log.info('token revoked');
    } catch (e) {
      this.o.log.error(`revoking the token failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      client.close();
    }
  }

  private async onToken(auth: AuthResult): Promise<void> {
    this.token = auth.token;
    await writeSinks(this.o.cfg.autoAuth?.sinks ?? [], auth.token, this.authClient, this.o.log.named('sink'));
    // A new token restarts templating so every secret is read (dynamic credentials re-issued) under it.
    this.runner?.restart(auth.token).catch((e: unknown) => this.fail(e));
  }

  /** exit_after_auth / pre-populate: one login, sinks, one render of each template. */
  private async runOnce(): Promise<number> {
    const a = this.o.cfg.autoAuth;
    let token = this.o.envToken ?? '';
    if (a) {
      this.handler = new AuthHandler({
        method: createMethod(a.method, { clientOptions: this.o.clientOptions, env: this.o.env, log: this.o.log.named('auth') }),
        client: this.authClient,
        minBackoffMs: a.method.minBackoffMs,
        maxBackoffMs: a.method.maxBackoffMs,
        exitOnErr: a.method.exitOnErr,
        log: this.o.log.named('auth.handler'),
        onToken: async () => undefined,
      });
      const auth = await this.untilStopped(this.handler.login());
      if (this.stopped) return this.finished;
      if (!auth) return 1;
      token = auth.token;
      const written = await this.untilStopped(writeSinks(a.sinks, token, this.authClient, this.o.log.named('sink')));
      if (this.stopped) return this.finished;
      if (!written) return 1;
    }
    if (this.runner) await this.untilStopped(this.runner.restart(token, true));
    if (this.stopped) return this.finished;
    this.o.log.info('exit_after_auth: authenticated, sinks written and templates rendered; exiting');
    return 0;
  }

  /**
   * Settles with `work`, or with undefined as soon as the agent is stopped: a signal must
   * not wait for a template retry loop or a request the server never answers (the
   * clients are closed by shutdown(), which fails such a request; race keeps that late
   * rejection handled).
   */
  private untilStopped<T>(work: Promise<T>): Promise<T | undefined> {
    return Promise.race([work, this.finished.then(() => undefined)]);
  }

  private async startProxies(): Promise<void> {
    const cfg = this.o.cfg;
    this.upstream = upstreamAgent(this.o.clientOptions);
    const cache = cfg.cache ? new LeaseCache() : undefined;
    for (const l of cfg.listeners) {
      this.proxies.push(
        await startProxy({
          listener: l,
          upstream: this.o.clientOptions.address ?? '',
          agent: this.upstream,
          useAutoAuthToken: cfg.useAutoAuthToken,
          token: () => this.token,
          ...(cache ? { cache } : {}),
          log: this.o.log.named('proxy'),
          onQuit: () => this.stop(),
        }),
      );
    }
  }

  private fail(e: unknown): void {
    this.o.log.error(e instanceof Error ? e.message : String(e));
    this.end(1);
  }

  private end(code: number): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finish(code);
    // Stop retrying now, not once the current wait or retry loop would have ended.
    this.handler?.stop();
    this.runner?.stop();
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.finish(0);
    this.handler?.stop();
    this.runner?.stop();
    if (this.o.revokeOnShutdown && this.token !== '' && !this.o.cfg.exitAfterAuth) await this.revokeToken(this.o.revokeOnShutdown.graceMs);
    await Promise.all(this.proxies.map((p) => p.close()));
    this.upstream?.destroy();
    this.authClient.close();
    this.templateClient.close();
    if (this.o.cfg.pidFile) rmSync(this.o.cfg.pidFile, { force: true });
  }
}
