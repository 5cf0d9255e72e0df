/**
 * Renders every template and keeps the outputs current. Each render records which
 * secrets it read (dependencies); each dependency carries its own refresh timer chosen
 * from its lease (see `schedule.ts`), and a changed value re-renders only the templates
 * that read it. A new auth token starts a new generation: every secret is read again.
 */
import type { WardClient } from '../../api/index.js';
import { backoffMs, sleep } from '../backoff.js';
import { readIfExists } from '../files.js';
import type { Logger } from '../log.js';
import { execute, type TemplateFunc } from './eval.js';
import { SecretFetcher, type LeaseMeta } from './fetch.js';
import type { Value } from './format.js';
import { builtinFuncs } from './functions.js';
import { writeOutput, type CompiledTemplate } from './output.js';
import { cachedCert, certRefreshDelayMs, pkiFromData } from './pki.js';
import { planAfterFetch, planAfterRenew, type Refresh } from './schedule.js';

/** Settings of the {@link TemplateRunner}. */
export interface RunnerOptions {
  templates: CompiledTemplate[];
  /** The client templates use; its token is replaced on every new auth. */
  client: WardClient;
  staticIntervalMs: number;
  /** Attempts before a failure counts as exhausted (`vault.retry.num_retries`). */
  numRetries: number;
  exitOnRetryFailure: boolean;
  minBackoffMs: number;
  maxBackoffMs: number;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** Called once when retries are exhausted and the agent must exit. */
  onFatal(e: Error): void;
}

type Loaded = { value: Value; meta?: LeaseMeta; next: Refresh };

interface Dep {
  key: string;
  load: () => Promise<Loaded>;
  value?: Value;
  json?: string;
  meta?: LeaseMeta;
  pending?: Promise<Value>;
  users: Set<number>;
  timer?: NodeJS.Timeout;
  failures: number;
}

/** Owns the dependency cache and the render loop. */
export class TemplateRunner {
  private readonly fetcher: SecretFetcher;
  private deps = new Map<string, Dep>();
  private generation = 0;
  private stopped = false;
  private readonly state: { running: boolean; dirty: boolean }[];
  private readonly abort = new AbortController();

  constructor(private readonly o: RunnerOptions) {
    this.fetcher = new SecretFetcher(o.client);
    this.state = o.templates.map(() => ({ running: false, dirty: false }));
  }

  /**
   * Switches to `token` and renders every template from fresh reads. Resolves once each
   * rendered; rejects when a first render exhausted its retries and `once` or
   * `exit_on_retry_failure` makes that fatal.
   */
  async restart(token: string, once = false): Promise<void> {
    this.generation++;
    for (const d of this.deps.values()) clearTimeout(d.timer);
    this.deps = new Map();
    this.fetcher.reset();
    this.o.client.token = token;
    const gen = this.generation;
    await Promise.all(this.o.templates.map((_, i) => this.renderWithRetry(i, gen, once)));
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    for (const d of this.deps.values()) clearTimeout(d.timer);
  }

  private async renderWithRetry(i: number, gen: number, once: boolean): Promise<void> {
    const t = this.o.templates[i] as CompiledTemplate; // i indexes templates
    for (let attempt = 0; !this.stopped && gen === this.generation; attempt++) {
      try {
        await this.render(i, gen);
        return;
      } catch (e) {
        // A stop closes the client under an in-flight read: that failure is not worth a retry or a log line.
        if (this.stopped) return;
        const msg = e instanceof Error ? e.message : String(e);
        if (attempt >= this.o.numRetries) {
          const err = new Error(`template ${t.cfg.destination} (${t.cfg.where}): ${msg}`);
          if (once || this.o.exitOnRetryFailure) {
            this.o.log.error(`${err.message}; retries exhausted`);
            if (!once) this.o.onFatal(err);
            throw err;
          }
          this.o.log.error(`${err.message}; retries exhausted, starting over`);
          attempt = -1;
          continue;
        }
        const wait = backoffMs(attempt, this.o.minBackoffMs, this.o.maxBackoffMs);
        this.o.log.warn(`template ${t.cfg.destination}: ${msg} (retry ${attempt + 1} in ${Math.round(wait)}ms)`);
        if (!(await sleep(wait, this.abort.signal))) return;
      }
    }
  }

  /** Re-renders template `i` soon; collapses bursts into one render. */
  private rerender(i: number): void {
    const st = this.state[i];
    if (!st) return;
    if (st.running) {
      st.dirty = true;
      return;
    }
    st.running = true;
    const gen = this.generation;
    void (async () => {
      do {
        st.dirty = false;
        await this.renderWithRetry(i, gen, false).catch(() => undefined);
      } while (st.dirty && !this.stopped && gen === this.generation);
      st.running = false;
      // A change noticed while an older generation's render was winding down still needs a render.
      if (st.dirty && !this.stopped) {
        st.dirty = false;
        this.rerender(i);
      }
    })();
  }

  private async render(i: number, gen: number): Promise<void> {
    const t = this.o.templates[i] as CompiledTemplate; // i indexes templates
    const used = new Set<string>();
    const use = async (key: string, load: () => Promise<Loaded>): Promise<Value> => {
      used.add(key);
      return this.value(key, load, i);
    };
    const funcs: Record<string, TemplateFunc> = {
      ...builtinFuncs(this.o.env),
      secret: (path, ...args) => {
        const p = String(path);
        const a = args.map(String);
        return use(`secret\0${p}\0${a.join('\0')}`, async () => {
          const f = await this.fetcher.secret(p, a);
          return { value: f.value, meta: f.meta, next: planAfterFetch(f.meta, this.planOptions()) };
        });
      },
      secrets: (path) => use(`list\0${String(path)}`, async () => ({ value: await this.fetcher.list(String(path)), next: this.staticPlan() })),
      pkiCert: (path, ...args) => use(`pki\0${String(path)}\0${args.join('\0')}`, () => this.loadPki(String(path), args.map(String), t.cfg.destination)),
      file: (path) =>
        use(`file\0${String(path)}`, async () => {
          const text = readIfExists(String(path));
          if (text === undefined) throw new Error(`file ${String(path)} does not exist`);
          return { value: text, next: { action: 'fetch', delayMs: Math.min(2000, this.o.staticIntervalMs) } };
        }),
    };
    const out = await execute(t.nodes, { funcs, errorOnMissingKey: t.cfg.errorOnMissingKey });
    if (gen !== this.generation || this.stopped) return;
    for (const [key, d] of this.deps) {
      if (used.has(key) || !d.users.has(i)) continue;
      d.users.delete(i);
      if (d.users.size === 0) {
        clearTimeout(d.timer);
        this.deps.delete(key);
      }
    }
    await writeOutput(t.cfg, out, this.o.log, this.o.env, this.abort.signal);
  }

  private async value(key: string, load: () => Promise<Loaded>, user: number): Promise<Value> {
    let d = this.deps.get(key);
    if (!d) {
      d = { key, load, users: new Set(), failures: 0 };
      this.deps.set(key, d);
    }
    d.users.add(user);
    if (d.json !== undefined) return d.value;
    if (!d.pending) {
      const dep = d;
      const gen = this.generation;
      dep.pending = load().then(
        (l) => {
          dep.pending = undefined;
          if (gen === this.generation) this.store(dep, l);
          return l.value;
        },
        (e: unknown) => {
          dep.pending = undefined;
          if (this.deps.get(key) === dep) this.deps.delete(key);
          throw e;
        },
      );
    }
    return d.pending;
  }

  private store(d: Dep, l: Loaded): void {
    d.value = l.value;
    d.json = JSON.stringify(l.value);
    if (l.meta) d.meta = l.meta;
    this.arm(d, l.next);
  }

  private arm(d: Dep, next: Refresh): void {
    clearTimeout(d.timer);
    if (this.stopped) return;
    const gen = this.generation;
    d.timer = setTimeout(() => void this.refresh(d, next, gen), Math.min(next.delayMs, 2 ** 31 - 1));
  }

  private async refresh(d: Dep, step: Refresh, gen: number): Promise<void> {
    if (gen !== this.generation || this.stopped || this.deps.get(d.key) !== d) return;
    if (step.action === 'renew' && d.meta) {
      try {
        const granted = await this.fetcher.renew(d.meta.leaseId, d.meta.leaseDuration);
        this.o.log.debug(`renewed ${d.meta.leaseId} for ${granted.leaseDuration}s`);
        d.failures = 0;
        return this.arm(d, planAfterRenew(d.meta.leaseDuration, granted, this.planOptions()));
      } catch (e) {
        this.o.log.warn(`renewing ${d.meta.leaseId} failed, fetching new credentials: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    try {
      const l = await d.load();
      if (gen !== this.generation || this.deps.get(d.key) !== d) return;
      d.failures = 0;
      const changed = JSON.stringify(l.value) !== d.json;
      this.store(d, l);
      if (changed) for (const u of d.users) this.rerender(u);
    } catch (e) {
      d.failures++;
      const msg = e instanceof Error ? e.message : String(e);
      if (d.failures > this.o.numRetries) {
        if (this.o.exitOnRetryFailure) return this.o.onFatal(new Error(`refreshing ${d.key.replace(/\0/g, ' ')}: ${msg}`));
        d.failures = 0;
      }
      this.o.log.warn(`refreshing ${d.key.split('\0')[1] ?? d.key}: ${msg}`);
      this.arm(d, { action: 'fetch', delayMs: backoffMs(d.failures, this.o.minBackoffMs, this.o.maxBackoffMs) });
    }
  }

  private async loadPki(path: string, args: string[], destination: string): Promise<Loaded> {
    const cached = cachedCert(destination, Date.now());
    const certPem = cached?.certPem;
    if (cached && certPem) return { value: cached.value, next: { action: 'fetch', delayMs: certRefreshDelayMs(certPem, Date.now(), Math.random) } };
    const f = await this.fetcher.write(path.replace(/^\/+/, ''), args);
    const data = (f.meta.data ?? {});
    const value = pkiFromData(data);
    const cert = String(data['certificate'] ?? '');
    return { value, next: { action: 'fetch', delayMs: cert ? certRefreshDelayMs(cert, Date.now(), Math.random) : this.o.staticIntervalMs } };
  }

  private planOptions(): { staticMs: number; nowMs: number; random: () => number } {
    return { staticMs: this.o.staticIntervalMs, nowMs: Date.now(), random: Math.random };
  }

  private staticPlan(): Refresh {
    return planAfterFetch({ leaseId: '', leaseDuration: 0, renewable: false, data: null }, this.planOptions());
  }
}
