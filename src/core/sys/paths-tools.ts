/**
 * `sys/tools/random` and `sys/tools/hash`: random bytes and digests for clients that
 * lack a good local source. Paths are relative to the sys mount.
 */
import type { Fields } from '../../sdk/framework/fields.js';
import type { PathDef } from '../../sdk/framework/path.js';
import { hashPath, randomBytesPath } from '../../sdk/helpers/tools.js';

export { MAX_RANDOM_BYTES } from '../../sdk/helpers/tools.js';

/** The tools paths of the sys backend. */
export function toolsPaths(): PathDef<Fields>[] {
  return [randomBytesPath('tools/'), hashPath('tools/')];
}
