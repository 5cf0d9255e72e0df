/**
 * The shell script that builds one container's filesystem view. It runs as root inside a
 * fresh mount and PID namespace (`unshare --mount --pid --fork`), so nothing it mounts is seen
 * by the host or by another container: a new tmpfs becomes the container's root, the host's
 * system directories and the repository are bind-mounted into it (read-only), a fresh /proc
 * shows only the container's own processes, each volumeMount is bound at its mountPath,
 * and the process then chroots, changes user and directory, and execs the container's argv
 * (passed as the script's positional parameters, so nothing in argv is ever re-parsed).
 *
 * The first thing it does is report its host PID on fd 3 (read from the host's /proc before
 * the new one is mounted): that process becomes the container's PID 1 after the execs, and
 * it is what the runner signals and what `exec` enters.
 */

export interface HostBind {
  /** Absolute path, the same inside and outside. */
  path: string;
  readOnly: boolean;
  /**
   * Copy-on-write (overlayfs over the host dir, upper layer in a per-container tmpfs), as an
   * image layer is: the container can write there and mountPaths such as /etc/app can be
   * created, without the host seeing any of it.
   */
  overlay?: boolean;
}

export interface VolumeBind {
  /** Host path (a pod volume dir, or a file or dir inside it for subPath). */
  source: string;
  /** mountPath inside the container. */
  target: string;
  readOnly: boolean;
  /** The source is a file (subPath onto a file): the target is created as an empty file. */
  file: boolean;
}

export interface MountPlan {
  /** An empty host dir that the tmpfs root is mounted on (inside the namespace only). */
  root: string;
  binds: HostBind[];
  /** Host symlinks at the top level to recreate (e.g. /bin -> usr/bin on merged-/usr hosts). */
  links: Array<{ path: string; target: string }>;
  volumes: VolumeBind[];
  /** Files to create in the root (e.g. the Ward shims), with their mode. */
  files: Array<{ path: string; content: string; mode: number }>;
  workingDir: string;
  readOnlyRoot: boolean;
  user?: { uid: number; gid: number };
}

/** Single-quotes a string for sh. */
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Where the upper layers of the copy-on-write system dirs live inside the root. */
const OVERLAY_DIR = '/.ward/layers';

const depth = (p: string): number => p.split('/').filter(Boolean).length;

export function mountScript(p: MountPlan): string {
  const R = (path: string) => `"$R"${q(path)}`;
  const lines = [
    'set -e',
    'read -r hostpid _ < /proc/self/stat',
    // The container's PATH is restored just before the final exec.
    'cpath="$PATH"',
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `R=${q(p.root)}`,
    'mkdir -p "$R"',
    'mount -t tmpfs -o mode=0755 ward-pod-root "$R"',
  ];
  for (const l of p.links) lines.push(`ln -s ${q(l.target)} ${R(l.path)}`);
  const overlays = p.binds.filter((b) => b.overlay);
  if (overlays.length > 0) lines.push(`mkdir -p ${R(OVERLAY_DIR)}`, `mount -t tmpfs -o mode=0700 ward-pod-layers ${R(OVERLAY_DIR)}`);
  p.binds.forEach((b, i) => {
    lines.push(`mkdir -p ${R(b.path)}`);
    if (b.overlay) {
      const up = `${OVERLAY_DIR}/u${i}`;
      const work = `${OVERLAY_DIR}/w${i}`;
      lines.push(`mkdir -p ${R(up)} ${R(work)}`, `mount -t overlay ward-pod-layer -o lowerdir=${q(b.path)},upperdir=${R(up)},workdir=${R(work)} ${R(b.path)}`);
      return;
    }
    lines.push(`mount --rbind ${q(b.path)} ${R(b.path)}`);
    if (b.readOnly) lines.push(`mount -o remount,bind,ro ${R(b.path)}`);
  });
  lines.push(`mkdir -p ${R('/proc')}`, `mount -t proc proc ${R('/proc')}`);
  // Parents before children, as container runtimes sort mounts, so /vault before /vault/secrets.
  const vols = [...p.volumes].sort((a, b) => depth(a.target) - depth(b.target));
  for (const v of vols) {
    if (v.file) lines.push(`mkdir -p "$(dirname ${R(v.target)})"`, `touch ${R(v.target)}`);
    else lines.push(`mkdir -p ${R(v.target)}`);
    lines.push(`mount --bind ${q(v.source)} ${R(v.target)}`);
    if (v.readOnly) lines.push(`mount -o remount,bind,ro ${R(v.target)}`);
  }
  for (const f of p.files) {
    lines.push(`mkdir -p "$(dirname ${R(f.path)})"`, `printf '%s' ${q(f.content)} > ${R(f.path)}`, `chmod ${f.mode.toString(8)} ${R(f.path)}`);
  }
  lines.push(`mkdir -p ${R(p.workingDir)}`);
  if (p.readOnlyRoot) {
    lines.push('mount -o remount,ro "$R"');
    for (const b of overlays) lines.push(`mount -o remount,ro ${R(b.path)}`);
  }
  const user = p.user ? `/usr/bin/setpriv --reuid=${p.user.uid} --regid=${p.user.gid} --clear-groups ` : '';
  lines.push(
    // Reported only now, so that `exec` into the container never sees it half built.
    'echo "$hostpid" >&3',
    'exec 3>&-',
    'PATH="$cpath"',
    `exec /usr/sbin/chroot "$R" ${user}/bin/sh -c 'cd "$0" && exec "$@"' ${q(p.workingDir)} "$@"`,
  );
  return lines.join('\n') + '\n';
}
