/**
 * The audit broker: owns the audit table, one salt per device, and the fan-out of every
 * request and response record to all enabled devices. The pipeline calls it for every
 * request, so no backend can skip auditing. Fail-closed: with devices enabled, an entry
 * that no device managed to write fails the request with a 500.
 */
import { randomBytes } from 'node:crypto';
import { rfc3339, systemClock, type Clock } from '../../lib/clock.js';
import { uuid } from '../../lib/ids.js';
import { zeroize } from '../../lib/secure.js';
import { badRequest, WardError } from '../../sdk/errors.js';
import type { Logger } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { AuditFormatter, type FormatOptions, type RecordType } from './formatter.js';
import { AuditedHeaders } from './request-headers.js';
import { brokenDevice } from './broken-device.js';
import type { AuditDevice, AuditDeviceFactory, AuditEntryInput } from './types.js';
import { AUDIT_TABLE_KEY, formatOptions, normalizeAuditPath, saltKey, type AuditDeviceInfo, type EnableAuditOptions, type TableEntry } from './table.js';
import { defaultFactories } from './device-factories.js';
import { DONE, errorText, writeFailed, writeRecord, type ActiveDevice } from './fan-out.js';

export interface AuditBrokerDeps {
  /** Barrier storage holding the audit table and the per-device salts. */
  storage: Storage;
  logger: Logger;
  clock?: Clock;
  /** Device types by name; defaults to `file`, `socket` and `syslog`. */
  factories?: Readonly<Record<string, AuditDeviceFactory>>;
}

export class AuditBroker {
  private readonly storage: Storage;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly factories: Readonly<Record<string, AuditDeviceFactory>>;
  private readonly active = new Map<string, ActiveDevice>();
  /** Snapshot of `active` values for the hot path; rebuilt on enable/disable. */
  private devices: ActiveDevice[] = [];
  /** Table changes run one at a time so concurrent enables cannot lose an entry. */
  private mutex: Promise<void> = Promise.resolve();
  /** sys/config/auditing/request-headers: which request headers records carry. */
  readonly headers: AuditedHeaders;

  constructor(deps: AuditBrokerDeps) {
    this.storage = deps.storage;
    this.headers = new AuditedHeaders(deps.storage);
    this.logger = deps.logger;
    this.clock = deps.clock ?? systemClock;
    this.factories = deps.factories ?? defaultFactories;
  }

  /** On unseal: re-enables every device in the stored table. A device that fails to open stays in place, failing. */
  async load(): Promise<void> {
    await this.headers.load();
    await this.exclusive(async () => {
      const table = (await getJSON<{ entries: TableEntry[] }>(this.storage, AUDIT_TABLE_KEY))?.entries ?? [];
      for (const entry of table) {
        if (this.active.has(entry.path)) continue;
        let salt = await this.storage.get(saltKey(entry.uuid));
        if (salt === null) {
          salt = randomBytes(32);
          await this.storage.put(saltKey(entry.uuid), salt);
        }
        const create = (): Promise<AuditDevice> => this.createDevice(entry.type, entry.options);
        let device: AuditDevice;
        try {
          device = await create();
        } catch (e) {
          const cause = `audit device ${entry.path} unavailable: ${e instanceof WardError ? e.messages.join('; ') : errorText(e)}`;
          this.logger.error('failed to open audit device; requests fail until it is fixed or disabled', { path: entry.path, error: cause });
          device = brokenDevice(entry.type, cause, create);
        }
        this.activate(entry, device, salt);
      }
    });
  }

  /** Enables a device at `path`; the device opens its target now, so a bad target is a 400. */
  async enable(path: string, o: EnableAuditOptions): Promise<void> {
    const p = normalizeAuditPath(path);
    if (p === '') throw badRequest('audit path must not be empty');
    const factory = this.factories[o.type];
    if (!factory) throw badRequest(`unknown backend type: "${o.type}"`);
    const options = { ...o.options };
    formatOptions(options); // validate before touching anything
    await this.exclusive(async () => {
      if (this.active.has(p)) throw badRequest('path already in use');
      const device = await this.createDevice(o.type, options);
      const entry: TableEntry = { path: p, type: o.type, description: o.description, options, local: o.local, uuid: uuid() };
      const salt = randomBytes(32);
      try {
        await this.storage.put(saltKey(entry.uuid), salt);
        await this.persist([...this.active.values()].map((a) => a.entry).concat(entry));
      } catch (e) {
        await device.close().catch(() => undefined);
        throw e;
      }
      this.activate(entry, device, salt);
      this.logger.info('enabled audit device', { path: p, type: o.type });
    });
  }

  /** Disables the device at `path` and forgets its salt. Unknown paths are a no-op. */
  async disable(path: string): Promise<void> {
    const p = normalizeAuditPath(path);
    await this.exclusive(async () => {
      const a = this.active.get(p);
      if (!a) return;
      await this.persist([...this.active.values()].filter((x) => x !== a).map((x) => x.entry));
      this.active.delete(p);
      this.devices = [...this.active.values()];
      await this.storage.delete(saltKey(a.entry.uuid));
      await this.shutdown(a);
      this.logger.info('disabled audit device', { path: p });
    });
  }

  /** The table as `sys/audit` reports it, keyed by path with its trailing "/". */
  list(): Record<string, AuditDeviceInfo> {
    const out: Record<string, AuditDeviceInfo> = {};
    for (const { entry: e } of this.active.values()) {
      out[e.path] = { type: e.type, description: e.description, options: { ...e.options }, local: e.local, path: e.path };
    }
    return out;
  }

  /** `sys/audit-hash`: the HMAC of `input` under the device's salt. */
  async hash(path: string, input: string): Promise<string> {
    const a = this.active.get(normalizeAuditPath(path));
    if (!a) throw badRequest('unknown audit backend');
    return a.formatter.hash(input);
  }

  hasDevices(): boolean {
    return this.devices.length > 0;
  }

  logRequest(e: AuditEntryInput): Promise<void> {
    return this.log('request', e);
  }

  logResponse(e: AuditEntryInput): Promise<void> {
    return this.log('response', e);
  }

  /** Closes every device (on seal). The table stays in storage for the next load(). */
  async close(): Promise<void> {
    await this.exclusive(async () => {
      const all = [...this.active.values()];
      this.active.clear();
      this.devices = [];
      await Promise.all(all.map((a) => this.shutdown(a)));
    });
  }

  /** Log rotation (SIGHUP): every device closes and reopens its target. Failures are logged. */
  async reopen(): Promise<void> {
    await Promise.all(
      this.devices.map((a) =>
        a.device.reopen().catch((e: unknown) => this.logger.error('failed to reopen audit device', { path: a.entry.path, error: errorText(e) })),
      ),
    );
  }

  private log(type: RecordType, e: AuditEntryInput): Promise<void> {
    const devices = this.devices;
    if (devices.length === 0) return DONE;
    return writeRecord(devices, type, e, this.now(), this.logger);
  }

  private now(): string {
    return rfc3339(this.clock.now());
  }

  private async createDevice(type: string, options: Record<string, string>): Promise<AuditDevice> {
    const factory = this.factories[type];
    if (!factory) throw badRequest(`unknown backend type: "${type}"`);
    try {
      return await factory(options);
    } catch (e) {
      if (WardError.is(e)) throw e;
      throw badRequest(`sys/audit: failed to create audit device: ${errorText(e)}`);
    }
  }

  private activate(entry: TableEntry, device: AuditDevice, salt: Buffer): void {
    let opts: FormatOptions;
    try {
      opts = formatOptions(entry.options);
    } catch {
      // A stored table predating a validation rule: log with the safe defaults.
      opts = formatOptions({});
    }
    const a: ActiveDevice = {
      entry,
      device,
      salt,
      formatter: new AuditFormatter(salt, opts, this.headers),
      requestFailed: (err) => {
        throw writeFailed(this.logger, a, 'request', err);
      },
      responseFailed: (err) => {
        throw writeFailed(this.logger, a, 'response', err);
      },
    };
    this.active.set(entry.path, a);
    this.devices = [...this.active.values()];
  }

  private async shutdown(a: ActiveDevice): Promise<void> {
    a.formatter.clearCache();
    try {
      await a.device.close();
    } catch (e) {
      this.logger.warn('error closing audit device', { path: a.entry.path, error: errorText(e) });
    }
    zeroize(a.salt);
  }

  private persist(entries: TableEntry[]): Promise<void> {
    return putJSON(this.storage, AUDIT_TABLE_KEY, { entries });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutex.then(fn);
    this.mutex = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
