/**
 * The auto-auth loop: log in (with jittered exponential backoff on failure), hand each
 * new token to the agent, keep it alive by renewing at about two thirds of its TTL, and
 * log in again when renewal fails or can no longer extend the token.
 */
import type { WardClient } from '../../api/index.js';
import { backoffMs, sleep } from '../backoff.js';
import type { Logger } from '../log.js';
import { renewDelayMs } from '../template/schedule.js';
import type { AuthMethod, AuthResult } from './method.js';

/** Settings of the {@link AuthHandler}. */
export interface AuthHandlerOptions {
  method: AuthMethod;
  /** A client without a token of its own. */
  client: WardClient;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** `exit_on_err`: a login error ends the loop with that error. */
  exitOnErr: boolean;
  log: Logger;
  /** Receives every new token (sinks, templates, proxy). */
  onToken(auth: AuthResult): Promise<void>;
  random?: () => number;
}

/** Runs until stopped; `run()` rejects only for `exit_on_err` login failures. */
export class AuthHandler {
  private readonly stopCtl = new AbortController();
  private watchCtl: AbortController | undefined;
  /** The method reported new credentials since the current login began. */
  private newCredentials = false;
  private readonly random: () => number;

  constructor(private readonly o: AuthHandlerOptions) {
    this.random = o.random ?? Math.random;
  }

  stop(): void {
    this.stopCtl.abort();
    this.o.method.close?.();
  }

  /** Drops the current token and logs in again now (e.g. the server reported it revoked). */
  reauthenticate(): void {
    this.watchCtl?.abort();
  }

  /** Logs in once, retrying with backoff; resolves to undefined only when stopped. */
  async login(): Promise<AuthResult | undefined> {
    for (let attempt = 0; !this.stopCtl.signal.aborted; attempt++) {
      try {
        const auth = await this.o.method.authenticate(this.o.client);
        this.o.log.info(`authentication successful (${this.o.method.name}), token ttl ${auth.leaseDuration}s${auth.renewable ? ', renewable' : ''}`);
        return auth;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (this.o.exitOnErr) throw new Error(`auto_auth ${this.o.method.name}: ${msg}`);
        const wait = backoffMs(attempt, this.o.minBackoffMs, this.o.maxBackoffMs, this.random);
        this.o.log.error(`authentication failed (${this.o.method.name}): ${msg}; backing off ${Math.round(wait)}ms`);
        if (!(await sleep(wait, this.stopCtl.signal))) return undefined;
      }
    }
    return undefined;
  }

  /** The whole loop: login, deliver, watch, repeat. */
  async run(): Promise<void> {
    const unwatch = this.o.method.watchCredentials?.(() => {
      this.o.log.info('auth method found new credentials, re-authenticating');
      // Remembered as well: reported between a login and the watch of its token, the abort
      // below would reach no watch, and the new credentials would wait for the next login.
      this.newCredentials = true;
      this.reauthenticate();
    });
    try {
      await this.loop();
    } finally {
      unwatch?.();
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopCtl.signal.aborted) {
      this.newCredentials = false;
      const auth = await this.login();
      if (!auth) return;
      try {
        await this.o.onToken(auth);
      } catch (e) {
        this.o.log.error(`delivering the new token failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      await this.watch(auth);
    }
  }

  /** Keeps `auth` alive; returns when a new login is needed (or on stop). */
  async watch(auth: AuthResult): Promise<void> {
    const ctl = new AbortController();
    this.watchCtl = ctl;
    if (this.newCredentials) return;
    const signal = AbortSignal.any([ctl.signal, this.stopCtl.signal]);
    if (auth.leaseDuration <= 0) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    let ttl = auth.leaseDuration;
    for (;;) {
      if (!auth.renewable) {
        // Cannot be extended: log in again shortly before it expires.
        await sleep(ttl * 1000 * 0.8, signal);
        return;
      }
      if (!(await sleep(renewDelayMs(ttl, this.random), signal))) return;
      try {
        const res = await this.o.client.request('POST', 'auth/token/renew-self', { token: auth.token, body: { increment: auth.leaseDuration } });
        const granted = res.body?.auth?.lease_duration ?? 0;
        this.o.log.info(`renewed auth token, ttl ${granted}s`);
        if (granted < auth.leaseDuration || res.body?.auth?.renewable === false) {
          // The max TTL is near: renewing again would not help, so re-authenticate before it ends.
          await sleep(granted * 1000 * 0.8, signal);
          return;
        }
        ttl = granted;
      } catch (e) {
        this.o.log.warn(`renewing the auth token failed, re-authenticating: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    }
  }
}
