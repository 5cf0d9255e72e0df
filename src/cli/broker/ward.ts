/** The broker's two server calls, made with the broker's own (narrowly scoped) token. */
import { ApiError, type WardClient } from '../../api/index.js';
import type { BrokerDeps } from './run.js';

/** Role and mount names become path segments; nothing that could climb out of the role. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `auth/<mount>/role/<role>/secret-id`: where secret IDs are minted, and the creation path wrapping tokens must show. */
export function secretIdPath(mount: string, role: string): string {
  return `auth/${mount.replace(/^\/+|\/+$/g, '')}/role/${role}/secret-id`;
}

/**
 * `mint` asks for a secret ID wrapped for `wrapTtl`, with metadata `{"device_id": id}` (a
 * JSON string, as AppRole expects); `stillValid` runs `sys/wrapping/lookup`, which does not
 * consume the token. A 400 from lookup means used, expired or unknown: not valid. A token
 * from any other creation path is not valid either (it was not minted by this broker's role).
 */
export function wardOps(client: WardClient, o: { mount: string; role: string; wrapTtl: string }): Pick<BrokerDeps, 'mint' | 'stillValid'> {
  const path = secretIdPath(o.mount, o.role);
  return {
    async mint(deviceId) {
      const res = await client.request('POST', path, { body: { metadata: JSON.stringify({ device_id: deviceId }) }, wrapTtl: o.wrapTtl });
      const token = res.body?.wrap_info?.token;
      // An unwrapped answer holds a live secret ID; it is dropped here and never delivered.
      if (!token) throw new Error(`the server did not wrap the response from ${path}; refusing to deliver an unwrapped secret ID`);
      return token;
    },
    async stillValid(token) {
      try {
        const res = await client.wrappingLookup(token);
        return res.body?.data?.['creation_path'] === path;
      } catch (e) {
        if (e instanceof ApiError && e.status === 400) return false;
        throw e;
      }
    },
  };
}
