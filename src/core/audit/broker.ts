/**
 * The audit broker: owns the audit table, one salt per device, and the fan-out of every
 * request and response record to all enabled devices. The pipeline calls it for every
 * request, so no backend can skip auditing. Fail-closed: with devices enabled, an entry
 * that no device managed to write fails the request with a 500.
 */
import { auditTimers } from '../metrics/registry.js';
import { randomBytes } from 'node:crypto';
import { createFileDevice } from '../../audit/file/file-device.js';
import { createSocketDevice } from '../../audit/socket/socket-device.js';
import { createSyslogDevice } from '../../audit/syslog/syslog-device.js';
import { rfc3339, systemClock, type Clock } from '../../lib/clock.js';
import { uuid } from '../../lib/ids.js';
import { zeroize } from '../../lib/secure.js';
import { auditFailed, badRequest, WardError } from '../../sdk/errors.js';
import type { Logger } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { AuditFormatter, type FormatOptions, type RecordType } from './formatter.js';
import { AuditedHeaders } from './request-headers.js';
import { brokenDevice } from './broken-device.js';
import type { AuditDevice, AuditDeviceFactory, AuditEntryInput } from './types.js';

/** Where the table lives in the broker's storage (a barrier view of its own). */
export const AUDIT_TABLE_KEY = 'table';
/** Salt of the device with this uuid; a new enable at the same path gets a new salt. */
export const saltKey = (id: string): string => `salt/${id}`;

export interface AuditDeviceInfo {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  path: string;
}

export interface EnableAuditOptions {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
}

interface TableEntry extends AuditDeviceInfo {
  uuid: string;
}

interface ActiveDevice {
  entry: TableEntry;
  device: AuditDevice;
  formatter: AuditFormatter;
  salt: Buffer;
  /** Rejection handlers for a failed write, built once per device rather than per record. */
  requestFailed: (err: unknown) => never;
  responseFailed: (err: unknown) => never;
}

const DONE = Promise.resolve();

export interface AuditBrokerDeps {
  /** Barrier storage holding the audit table and the per-device salts. */
  storage: Storage;
  logger: Logger;
  clock?: Clock;
  /** Device types by name; defaults to `file`, `socket` and `syslog`. */
  factories?: Readonly<Record<string, AuditDeviceFactory>>;
}

const defaultFactories: Readonly<Record<string, AuditDeviceFactory>> = {
  file: createFileDevice,
  socket: createSocketDevice,
  syslog: (options) => createSyslogDevice(options),
};

/** "foo", "/foo/" and "foo/" all name the device "foo/". */
export function normalizeAuditPath(path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '' ? '' : `${p}/`;
}

/** Vault's ParseBool for option strings; a bad value is a 400 naming the option. */
function boolOption(options: Record<string, string>, name: string, fallback: boolean): boolean {
  const v = options[name];
  if (v === undefined || v === '') return fallback;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw badRequest(`unable to parse "${name}": invalid boolean "${v}"`);
}

function formatOptions(options: Record<string, string>): FormatOptions {
  return {
    logRaw: boolOption(options, 'log_raw', false),
    hmacAccessor: boolOption(options, 'hmac_accessor', true),
    elideListResponses: boolOption(options, 'elide_list_responses', false),
  };
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

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

  /**
   * Not async, and the single-device case (the usual one) hands back the device's own
   * batch promise with a prebuilt failure handler: every request logs twice, and an
   * async wrapper per record was a promise and a hop each time.
   */
  private log(type: RecordType, e: AuditEntryInput): Promise<void> {
    const devices = this.devices;
    if (devices.length === 0) return DONE;
    const time = this.now();
    if (devices.length > 1) return this.logToAll(devices, type, e, time);
    const a = devices[0]!;
    let written: Promise<void>;
    try {
      written = a.device.write(a.formatter.format(type, e, time));
    } catch (err) {
      return Promise.reject(this.writeFailed(a, type, err));
    }
    return written.then(undefined, type === 'request' ? a.requestFailed : a.responseFailed);
  }

  /** Logs the failed write and returns what the request fails with. */
  private writeFailed(a: ActiveDevice, type: RecordType, err: unknown): WardError {
    (type === 'request' ? auditTimers.logRequestFailure : auditTimers.logResponseFailure).inc();
    this.logger.error('audit write failed', { path: a.entry.path, type, error: errorText(err) });
    return auditFailed();
  }

  private async logToAll(devices: ActiveDevice[], type: RecordType, e: AuditEntryInput, time: string): Promise<void> {
    // Formatting inside the async callback turns a serialisation error into that device's failure.
    const results = await Promise.allSettled(devices.map(async (a) => a.device.write(a.formatter.format(type, e, time))));
    let ok = 0;
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.status === 'fulfilled') ok++;
      else this.logger.error('audit write failed', { path: devices[i]!.entry.path, type, error: errorText(r.reason) });
    }
    if (ok === 0) {
      (type === 'request' ? auditTimers.logRequestFailure : auditTimers.logResponseFailure).inc();
      throw auditFailed();
    }
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
        throw this.writeFailed(a, 'request', err);
      },
      responseFailed: (err) => {
        throw this.writeFailed(a, 'response', err);
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
