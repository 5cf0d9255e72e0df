/**
 * The audit device types a broker can enable by default: file, socket and syslog.
 */
import { createFileDevice } from '../../audit/file/file-device.js';
import { createSocketDevice } from '../../audit/socket/socket-device.js';
import { createSyslogDevice } from '../../audit/syslog/syslog-device.js';
import type { AuditDeviceFactory } from './types.js';

export const defaultFactories: Readonly<Record<string, AuditDeviceFactory>> = {
  file: createFileDevice,
  socket: createSocketDevice,
  syslog: (options) => createSyslogDevice(options),
};
