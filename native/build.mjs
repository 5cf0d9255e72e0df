#!/usr/bin/env node
/**
 * Builds native/build/Release/ward_native.node with node-gyp. `npm ci` and `npm install`
 * run it as the package's install script; run it by hand after editing ward_native.c.
 *
 * A failed build (no compiler, no headers) does not fail the install: `ward server` then
 * treats memory locking as unavailable and refuses to start unless `disable_mlock = true`,
 * naming the missing addon, so the failure cannot go unnoticed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function warn(message) {
  process.stderr.write(`ward: ${message}\n`);
}

/** node-gyp: npm names its bundled copy in npm_config_node_gyp for lifecycle scripts; otherwise the one beside this node's npm. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

/** Headers installed with this node (e.g. /usr/include/node), when npm has not named a nodedir: no download needed. */
function localNodeDir() {
  if (process.env.npm_config_nodedir) return undefined;
  const prefix = join(dirname(process.execPath), '..');
  try {
    const h = readFileSync(join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
    const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => new RegExp(`#define NODE_${k}_VERSION (\\d+)`).exec(h)?.[1]).join('.');
    return `v${v}` === process.version ? prefix : undefined;
  } catch {
    return undefined;
  }
}

if (process.platform !== 'linux') {
  warn(`the native hardening addon is Linux-only; skipped on ${process.platform} (memory locking unavailable: set disable_mlock = true)`);
  process.exit(0);
}
const gyp = findNodeGyp();
if (!gyp) {
  warn('node-gyp was not found; the native hardening addon was not built (ward server will refuse to start unless disable_mlock = true)');
  process.exit(0);
}
const nodedir = localNodeDir();
const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], { cwd: here, stdio: 'inherit' });
if (r.status !== 0) {
  warn('building the native hardening addon failed (see above); ward server will refuse to start unless disable_mlock = true');
}
