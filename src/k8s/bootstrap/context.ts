/**
 * What every bootstrap step works with: the options, the Kubernetes store, the job's key,
 * the Ward pods, a logger that takes only non-secret fields, and the test hook that makes
 * the process exit at a named point (to prove a re-run after a kill there completes).
 */
import type { PrivateKey } from 'openpgp';
import { WardClient } from '../../api/index.js';
import type { BootstrapOptions } from './options.js';
import type { BootstrapStore } from './store.js';

export type Log = (msg: string, fields?: Record<string, string | number | boolean | string[]>) => void;

export interface Target {
  /** Pod name, or the address when given explicitly. */
  name: string;
  client: WardClient;
}

export interface Ctx {
  o: BootstrapOptions;
  store: BootstrapStore;
  log: Log;
  /** Standard output: only ever PGP ciphertexts, when they could not be stored. */
  stdout(text: string): void;
  jobKey: PrivateKey;
  /** The Ward pods now (re-listed on each call when selected by label). */
  targets(): Promise<Target[]>;
  /**
   * Tests only: exits the process when `WARD_BOOTSTRAP_EXIT_AT` names this point (a kill
   * there), or waits a few seconds when `WARD_BOOTSTRAP_PAUSE_AT` does (to signal it there).
   */
  hook(point: string): Promise<void>;
  /** Runs `fn` with SIGTERM/SIGINT held back until it ends (the init → Secret window). */
  critical<T>(fn: () => Promise<T>): Promise<T>;
}

/** `timeoutMs`: 15 s for the quick calls; init gets minutes (an answer given up on is a response lost). */
export function wardClient(o: BootstrapOptions, address: string, timeoutMs = 15_000): WardClient {
  return new WardClient({
    address,
    ...(o.caCert ? { caCert: o.caCert } : {}),
    ...(o.tlsServerName ? { tlsServerName: o.tlsServerName } : {}),
    timeoutMs,
  });
}

export async function resolveTargets(o: BootstrapOptions, store: BootstrapStore): Promise<Target[]> {
  if (o.addresses.length > 0) return o.addresses.map((a) => ({ name: a, client: wardClient(o, a) }));
  const pods = await store.podAddresses(o.podSelector, o.podScheme, o.podPort);
  return pods.map((p) => ({ name: p.name, client: wardClient(o, p.address) }));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value (not undefined) or `ms` pass; the last error names why. */
export async function poll<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last = '';
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(delay);
  }
}
