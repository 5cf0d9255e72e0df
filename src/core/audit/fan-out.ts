/**
 * The fan-out of one audit record to the enabled devices: fail-closed, so a record
 * that no device managed to write fails the request.
 */
import { auditTimers } from '../metrics/registry.js';
import { auditFailed, type WardError } from '../../sdk/errors.js';
import type { Logger } from '../../sdk/logical.js';
import type { AuditFormatter, RecordType } from './formatter.js';
import type { TableEntry } from './table.js';
import type { AuditDevice, AuditEntryInput } from './types.js';

export interface ActiveDevice {
  entry: TableEntry;
  device: AuditDevice;
  formatter: AuditFormatter;
  salt: Buffer;
  /** Rejection handlers for a failed write, built once per device rather than per record. */
  requestFailed: (err: unknown) => never;
  responseFailed: (err: unknown) => never;
}

export const DONE = Promise.resolve();

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Not async, and the single-device case (the usual one) hands back the device's own
 * batch promise with a prebuilt failure handler: every request logs twice, and an
 * async wrapper per record was a promise and a hop each time. `devices` is not empty.
 */
export function writeRecord(devices: ActiveDevice[], type: RecordType, e: AuditEntryInput, time: string, logger: Logger): Promise<void> {
  if (devices.length > 1) return logToAll(devices, type, e, time, logger);
  const a = devices[0]!;
  let written: Promise<void>;
  try {
    written = a.device.write(a.formatter.format(type, e, time));
  } catch (err) {
    return Promise.reject(writeFailed(logger, a, type, err));
  }
  return written.then(undefined, type === 'request' ? a.requestFailed : a.responseFailed);
}

/** Logs the failed write and returns what the request fails with. */
export function writeFailed(logger: Logger, a: ActiveDevice, type: RecordType, err: unknown): WardError {
  (type === 'request' ? auditTimers.logRequestFailure : auditTimers.logResponseFailure).inc();
  logger.error('audit write failed', { path: a.entry.path, type, error: errorText(err) });
  return auditFailed();
}

async function logToAll(devices: ActiveDevice[], type: RecordType, e: AuditEntryInput, time: string, logger: Logger): Promise<void> {
  // Formatting inside the async callback turns a serialisation error into that device's failure.
  const results = await Promise.allSettled(devices.map(async (a) => a.device.write(a.formatter.format(type, e, time))));
  let ok = 0;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (r.status === 'fulfilled') ok++;
    else logger.error('audit write failed', { path: devices[i]!.entry.path, type, error: errorText(r.reason) });
  }
  if (ok === 0) {
    (type === 'request' ? auditTimers.logRequestFailure : auditTimers.logResponseFailure).inc();
    throw auditFailed();
  }
}
