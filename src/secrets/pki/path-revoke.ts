/**
 * `revoke`, `tidy` and `tidy-status`. Tidy runs in the background (Vault answers 202
 * at once) and reports through tidy-status; only one run at a time per mount.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { getJSON, type Storage } from '../../sdk/storage.js';
import { rebuildAllCrls, revokeSerial } from './crl.js';
import type { PkiContext } from './issuance.js';
import { certPath, revokedPath, type CertRecord, type RevokedRecord } from './store.js';

export interface TidyOptions {
  tidyCertStore: boolean;
  tidyRevokedCerts: boolean;
  /** Seconds past notAfter before an expired certificate is removed. */
  safetyBuffer: number;
}

export interface TidyStatus {
  state: 'Inactive' | 'Running' | 'Finished' | 'Error';
  error: string | null;
  time_started: string | null;
  time_finished: string | null;
  tidy_cert_store: boolean;
  tidy_revoked_certs: boolean;
  safety_buffer: number;
  cert_store_deleted_count: number;
  revoked_cert_deleted_count: number;
}

/** Removes expired certificates (and expired revocations) past the safety buffer. */
export async function tidy(s: Storage, o: TidyOptions, now = Date.now()): Promise<{ certs: number; revoked: number }> {
  const cutoff = now - o.safetyBuffer * 1000;
  let certs = 0;
  let revoked = 0;
  if (o.tidyRevokedCerts) {
    for (const k of await s.list('revoked/')) {
      const r = await getJSON<RevokedRecord>(s, revokedPath(k));
      if (r && r.notAfter < cutoff) {
        await s.delete(revokedPath(k));
        await s.delete(certPath(k));
        revoked++;
      }
    }
    if (revoked > 0) await rebuildAllCrls(s);
  }
  if (o.tidyCertStore) {
    for (const k of await s.list('certs/')) {
      const r = await getJSON<CertRecord>(s, certPath(k));
      // A revoked certificate stays until tidy_revoked_certs drops it: the CRL needs it.
      if (r && r.notAfter < cutoff && (await s.get(revokedPath(k))) === null) {
        await s.delete(certPath(k));
        certs++;
      }
    }
  }
  return { certs, revoked };
}

/** Per-mount tidy state; `running` lets tests await a background run. */
export class Tidier {
  status: TidyStatus = {
    state: 'Inactive',
    error: null,
    time_started: null,
    time_finished: null,
    tidy_cert_store: false,
    tidy_revoked_certs: false,
    safety_buffer: 0,
    cert_store_deleted_count: 0,
    revoked_cert_deleted_count: 0,
  };
  running: Promise<void> | null = null;

  constructor(private readonly ctx: PkiContext) {}

  start(s: Storage, o: TidyOptions): void {
    if (this.running) throw badRequest('tidy operation already in progress');
    this.status = {
      ...this.status,
      state: 'Running',
      error: null,
      time_started: new Date().toISOString(),
      time_finished: null,
      tidy_cert_store: o.tidyCertStore,
      tidy_revoked_certs: o.tidyRevokedCerts,
      safety_buffer: o.safetyBuffer,
      cert_store_deleted_count: 0,
      revoked_cert_deleted_count: 0,
    };
    this.running = tidy(s, o)
      .then((n) => {
        this.status = { ...this.status, state: 'Finished', cert_store_deleted_count: n.certs, revoked_cert_deleted_count: n.revoked };
      })
      .catch((e: unknown) => {
        this.ctx.logger.error('pki tidy failed', { error: e instanceof Error ? e.message : String(e) });
        this.status = { ...this.status, state: 'Error', error: e instanceof Error ? e.message : String(e) };
      })
      .finally(() => {
        this.status = { ...this.status, time_finished: new Date().toISOString() };
        this.running = null;
      });
  }
}

export function revokePaths(tidier: Tidier): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'revoke',
      fields: { serial_number: field.string({ required: true, description: 'Serial of the certificate to revoke (colon or hyphen form).' }) },
      synopsis: 'Revoke a certificate and rebuild the CRL.',
      operations: {
        async update(req, d) {
          const { revocationTime, warnings } = await revokeSerial(req.storage, d.get('serial_number'));
          return {
            data: { revocation_time: revocationTime, revocation_time_rfc3339: new Date(revocationTime * 1000).toISOString(), state: 'revoked' },
            ...(warnings.length > 0 ? { warnings } : {}),
          };
        },
      },
    }),
    definePath({
      pattern: 'tidy',
      fields: {
        tidy_cert_store: field.bool({ description: 'Remove expired certificates from storage.' }),
        tidy_revoked_certs: field.bool({ description: 'Remove expired certificates from the revoked list and CRL.' }),
        safety_buffer: field.durationSecond({ default: 72 * 3600, description: 'Grace period past expiry before removal.' }),
      },
      synopsis: 'Clean up expired certificates in the background.',
      operations: {
        async update(req, d) {
          const o: TidyOptions = { tidyCertStore: d.get('tidy_cert_store'), tidyRevokedCerts: d.get('tidy_revoked_certs'), safetyBuffer: d.get('safety_buffer') };
          if (!o.tidyCertStore && !o.tidyRevokedCerts) throw badRequest('at least one operation must be enabled for tidy operation to start');
          if (o.safetyBuffer < 1) throw badRequest('safety_buffer must be greater than zero');
          tidier.start(req.storage, o);
          return { status: 202, warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Ward's server logs."] };
        },
      },
    }),
    definePath({
      pattern: 'tidy-status',
      fields: {},
      synopsis: 'State of the last tidy run.',
      operations: { read: async () => ({ data: { ...tidier.status } }) },
    }),
  ];
}
