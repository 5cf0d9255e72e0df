/**
 * What every container's tmpfs root gets from the host: the system directories
 * (copy-on-write, like an image layer: writable and able to hold mountPaths such as
 * /etc/app, while the host's stay untouched), /dev and /tmp, the repository and its node_modules (read-only, at their real
 * paths, so bin/ward and its imports resolve), node itself, and the top-level symlinks of a
 * merged-/usr host (/bin -> usr/bin …) recreated as symlinks.
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostBind } from './mount-script.js';

/** The repository root: this file compiles to dist/test/fakes/pod-runner/rootfs.js. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const WARD_BIN = join(REPO_ROOT, 'bin', 'ward');

export interface HostLayout {
  binds: HostBind[];
  links: Array<{ path: string; target: string }>;
}

const under = (p: string, dir: string): boolean => p === dir || p.startsWith(dir + '/');

export function hostLayout(): HostLayout {
  const binds: HostBind[] = [];
  const links: HostLayout['links'] = [];
  for (const d of ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32', '/etc']) {
    if (!existsSync(d) && !isLink(d)) continue;
    if (isLink(d)) links.push({ path: d, target: readlinkSync(d) });
    else binds.push({ path: d, readOnly: false, overlay: true });
  }
  binds.push({ path: '/dev', readOnly: false }, { path: '/tmp', readOnly: false });
  const extra = [REPO_ROOT];
  const nm = join(REPO_ROOT, 'node_modules');
  if (existsSync(nm)) {
    const real = realpathSync(nm);
    if (!under(real, REPO_ROOT)) extra.push(real);
  }
  const node = dirname(realpathSync(process.execPath));
  if (!binds.some((b) => under(node, b.path))) extra.push(node);
  for (const p of extra) if (!binds.some((b) => under(p, b.path))) binds.push({ path: p, readOnly: true });
  return { binds, links };
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
