/**
 * Loads Ward's native hardening addon (native/ward_native.c, built by node-gyp at
 * `npm ci`). A missing or broken build is not fatal here: the caller treats it as
 * "memory locking unavailable" and refuses to start unless disable_mlock is set.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's whole surface: each call returns 0 or an errno value (see ward_native.c). */
export interface NativeHardening {
  /**
   * mlockall(MCL_CURRENT | MCL_FUTURE [| MCL_ONFAULT]) after installing the seccomp filter
   * that keeps V8 alive with locked memory: 0, an errno of mlockall (> 0), or minus the
   * errno of the filter installation (< 0; nothing was locked).
   */
  lockMemory(onFault: boolean): number;
  /** prctl(PR_SET_DUMPABLE, 0): 0 or errno. */
  disableDumpable(): number;
  /** prctl(PR_GET_DUMPABLE): 0 (not dumpable), 1, 2, or -errno. */
  dumpable(): number;
  /** setrlimit(RLIMIT_CORE, {0, 0}): 0 or errno. */
  disableCoreDumps(): number;
}

export type NativeLoad = { ok: true; addon: NativeHardening; path: string } | { ok: false; reason: string };

/** Where node-gyp puts the build; this file compiles to dist/src/server/native.js. */
export const ADDON_PATH = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'native', 'build', 'Release', 'ward_native.node');

let cached: NativeLoad | undefined;

/** Loads the addon once per process. */
export function loadNativeHardening(path = ADDON_PATH): NativeLoad {
  if (cached && path === ADDON_PATH) return cached;
  let result: NativeLoad;
  if (process.platform !== 'linux') result = { ok: false, reason: `not supported on ${process.platform}` };
  else if (!existsSync(path)) result = { ok: false, reason: `the native addon was not built (${path} is missing; build it with "node native/build.mjs" (needs a C compiler, make and python3))` };
  else {
    try {
      // A native module's exports are untyped; the interface above is what ward_native.c defines.
      const addon = createRequire(import.meta.url)(path) as NativeHardening;
      result = { ok: true, addon, path };
    } catch (e) {
      result = { ok: false, reason: `the native addon failed to load: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  if (path === ADDON_PATH) cached = result;
  return result;
}

/** Lower-case messages for the errno values these calls return (Go's wording, as Vault prints them). */
const ERRNO_TEXT: Record<number, string> = {
  1: 'operation not permitted',
  11: 'resource temporarily unavailable',
  12: 'cannot allocate memory',
  14: 'bad address',
  22: 'invalid argument',
  38: 'function not implemented',
};

/** "cannot allocate memory" for 12 (or -12), "errno 99" for one not listed. */
export function errnoText(errno: number): string {
  const n = Math.abs(errno);
  return ERRNO_TEXT[n] ?? `errno ${n}`;
}
