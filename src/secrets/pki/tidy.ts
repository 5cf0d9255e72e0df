/**
 * Tidy: removing expired certificates (and expired revocations) past a safety buffer,
 * and re-associating revocations with the issuer that signed them. Runs in the background
 * (Vault answers 202 at once), one run per mount, pausable between certificates and
 * cancellable; progress and counts go to tidy-status.
 */
import { X509Certificate } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import type { Logger } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { sleep } from '../../lib/sleep.js';
import { rebuildAllCrls } from './crl.js';
import { certPath, listIssuers, revokedPath, type CertRecord, type Issuer, type RevokedRecord } from './store.js';
import { pauseMs, type TidyOptions } from './tidy-config.js';

export type TidyState = 'Inactive' | 'Running' | 'Finished' | 'Error' | 'Cancelling' | 'Cancelled';

export interface TidyStatus {
  safety_buffer: number | null;
  tidy_cert_store: boolean | null;
  tidy_revoked_certs: boolean | null;
  tidy_revoked_cert_issuer_associations: boolean | null;
  pause_duration: string | null;
  state: TidyState;
  error: string | null;
  time_started: string | null;
  time_finished: string | null;
  message: string | null;
  cert_store_deleted_count: number;
  revoked_cert_deleted_count: number;
  missing_issuer_cert_count: number;
  current_cert_store_count: number | null;
  current_revoked_cert_count: number | null;
  last_auto_tidy_finished: string;
}

interface Control {
  signal: AbortSignal;
  pauseMs: number;
  status: TidyStatus;
}

/** Between certificates: the configured pause; false once the run is cancelled. */
async function step(c: Control): Promise<boolean> {
  if (c.signal.aborted) return false;
  if (c.pauseMs > 0) return sleep(c.pauseMs, c.signal);
  return true;
}

function signerOf(certPem: string, issuers: Issuer[]): Issuer | undefined {
  const cert = new X509Certificate(certPem);
  return issuers.find((i) => {
    const ca = new X509Certificate(i.certificate);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  });
}

async function tidyCertStore(s: Storage, cutoff: number, c: Control): Promise<void> {
  const keys = await s.list('certs/');
  for (const [n, k] of keys.entries()) {
    if (!(await step(c))) return;
    c.status.message = `Tidying certificate store: checking entry ${n} of ${keys.length}`;
    const r = await getJSON<CertRecord>(s, certPath(k));
    // A revoked certificate stays until tidy_revoked_certs drops it: the CRL needs it.
    if (r && r.notAfter < cutoff && (await s.get(revokedPath(k))) === null) {
      await s.delete(certPath(k));
      c.status.cert_store_deleted_count++;
    }
  }
}

/** Returns whether any revocation changed (so the CRLs are re-signed). */
async function tidyRevoked(s: Storage, o: TidyOptions, cutoff: number, c: Control): Promise<boolean> {
  const issuers = await listIssuers(s);
  const known = new Set(issuers.map((i) => i.id));
  let changed = false;
  const keys = await s.list('revoked/');
  for (const [n, k] of keys.entries()) {
    if (!(await step(c))) return changed;
    c.status.message = `Tidying revoked certificates: checking certificate ${n} of ${keys.length}`;
    const r = await getJSON<RevokedRecord>(s, revokedPath(k));
    if (!r) continue;
    if (o.tidy_revoked_cert_issuer_associations && !known.has(r.issuerId)) {
      const signer = signerOf(r.certificate, issuers);
      if (signer) {
        await putJSON(s, revokedPath(k), { ...r, issuerId: signer.id } satisfies RevokedRecord);
        changed = true;
      } else {
        c.status.missing_issuer_cert_count++;
      }
    }
    if (o.tidy_revoked_certs && r.notAfter < cutoff) {
      await s.delete(revokedPath(k));
      await s.delete(certPath(k));
      c.status.revoked_cert_deleted_count++;
      changed = true;
    }
  }
  return changed;
}

const inactive = (): TidyStatus => ({
  safety_buffer: null,
  tidy_cert_store: null,
  tidy_revoked_certs: null,
  tidy_revoked_cert_issuer_associations: null,
  pause_duration: null,
  state: 'Inactive',
  error: null,
  time_started: null,
  time_finished: null,
  message: null,
  cert_store_deleted_count: 0,
  revoked_cert_deleted_count: 0,
  missing_issuer_cert_count: 0,
  current_cert_store_count: null,
  current_revoked_cert_count: null,
  last_auto_tidy_finished: new Date().toISOString(),
});

/** Per-mount tidy state; `running` lets cleanup (and tests) await a background run. */
export class Tidier {
  status: TidyStatus = inactive();
  running: Promise<void> | null = null;
  /** When the last run ended (or the mount started): auto-tidy counts its interval from here. */
  lastFinished = Date.now();
  private abort: AbortController | null = null;

  constructor(private readonly logger: Logger) {}

  /** Starts a run; false when one is already running (Vault then only warns). */
  start(s: Storage, o: TidyOptions): boolean {
    if (this.running) return false;
    const abort = new AbortController();
    this.abort = abort;
    this.status = {
      ...inactive(),
      safety_buffer: o.safety_buffer,
      tidy_cert_store: o.tidy_cert_store,
      tidy_revoked_certs: o.tidy_revoked_certs,
      tidy_revoked_cert_issuer_associations: o.tidy_revoked_cert_issuer_associations,
      pause_duration: o.pause_duration,
      state: 'Running',
      time_started: new Date().toISOString(),
      last_auto_tidy_finished: this.status.last_auto_tidy_finished,
    };
    const c: Control = { signal: abort.signal, pauseMs: pauseMs(o.pause_duration), status: this.status };
    this.running = this.run(s, o, c)
      .then(() => {
        this.status.state = abort.signal.aborted ? 'Cancelled' : 'Finished';
        this.status.message = abort.signal.aborted ? 'Tidy operation cancelled' : 'Tidying finished';
      })
      .catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        this.logger.error('pki tidy failed', { error: msg });
        this.status.state = 'Error';
        this.status.error = msg;
      })
      .finally(() => {
        const now = new Date();
        this.status.time_finished = now.toISOString();
        this.status.last_auto_tidy_finished = now.toISOString();
        this.lastFinished = now.getTime();
        this.running = null;
        this.abort = null;
      });
    return true;
  }

  /** Asks the running tidy to stop after the certificate it is on; Vault's 400 when none runs. */
  cancel(): TidyStatus {
    if (!this.running || !this.abort) throw badRequest('Tidy operation cannot be cancelled as none is currently running.');
    this.abort.abort();
    this.status.state = 'Cancelling';
    return { ...this.status };
  }

  /** On unmount or seal: a running tidy stops after its current certificate. */
  cancelIfRunning(): void {
    this.abort?.abort();
  }

  private async run(s: Storage, o: TidyOptions, c: Control): Promise<void> {
    const cutoff = Date.now() - o.safety_buffer * 1000;
    if (o.tidy_cert_store) await tidyCertStore(s, cutoff, c);
    if ((o.tidy_revoked_certs || o.tidy_revoked_cert_issuer_associations) && !c.signal.aborted) {
      if (await tidyRevoked(s, o, cutoff, c)) await rebuildAllCrls(s);
    }
    c.status.current_cert_store_count = (await s.list('certs/')).length;
    c.status.current_revoked_cert_count = (await s.list('revoked/')).length;
  }
}
