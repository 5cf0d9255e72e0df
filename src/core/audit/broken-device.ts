/**
 * The stand-in for an audit device the broker could not open on unseal (see brokenDevice).
 */
import { WardError } from '../../sdk/errors.js';
import type { AuditDevice } from './types.js';

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Stands in for a stored device that could not be opened on unseal. It keeps the path
 * audited-but-failing (fail-closed) instead of silently dropping it. Each write (one
 * attempt at a time) and each reopen tries to open it again, so a socket peer or a log
 * directory that comes back is picked up without an operator.
 */
export function brokenDevice(type: string, cause: string, retry: () => Promise<AuditDevice>): AuditDevice {
  let inner: AuditDevice | null = null;
  let opening: Promise<AuditDevice> | null = null;
  const what = cause.split(':')[0];
  const open = (): Promise<AuditDevice> =>
    (opening ??= retry().then(
      (d) => (inner = d),
      (e: unknown) => {
        opening = null;
        throw new Error(`${what}: ${e instanceof WardError ? e.messages.join('; ') : errorText(e)}`);
      },
    ));
  return {
    type,
    write: (line) => (inner ? inner.write(line) : open().then((d) => d.write(line))),
    reopen: async () => {
      if (inner) return inner.reopen();
      await open();
    },
    close: async () => {
      // An open still in flight would leave its connection or file behind: let it land first.
      await opening?.catch(() => undefined);
      await inner?.close();
    },
  };
}
