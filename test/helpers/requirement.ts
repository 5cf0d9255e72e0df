/**
 * The one place that decides what a test does when the machine lacks something it needs
 * (the openssl CLI, /dev/full, PostgreSQL server binaries, root): locally the test is skipped
 * with the reason; under CI (CI=true) a missing component throws instead, so a CI machine
 * that lost a component fails the run rather than turning it green by skipping.
 *
 *   describe('TLS listener', { skip: skipUnless(OPENSSL) }, () => { ... });
 *
 * scripts/run-tests.mjs is the second net: it lists every skipped test and fails a CI run
 * that skipped anything, whatever the reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Requirement {
  /** What is missing, as a person would name it. */
  what: string;
  /** How to get it. */
  hint: string;
  present(): boolean;
}

/** True when the environment says this is a CI run (CI=true, as CI services set it). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').toLowerCase();
  return v === 'true' || v === '1';
}

function memo(check: () => boolean): () => boolean {
  let known: boolean | undefined;
  return () => (known ??= check());
}

function commandRuns(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The PostgreSQL bin dir holding initdb and pg_ctl, or null when none is installed. */
export function findPostgresBin(): string | null {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // pg_config is absent on server-only installs; fall back to the Debian layout.
  }
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(base, v, 'bin')));
  }
  return candidates.find((d) => d !== '' && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) ?? null;
}

export const OPENSSL: Requirement = {
  what: 'the openssl CLI',
  hint: 'run scripts/ensure-openssl.sh (scripts/run-tests.mjs does)',
  present: memo(() => commandRuns('openssl', ['version'])),
};

/** A device whose writes always fail with ENOSPC: how audit tests make a log unwritable. */
export const DEV_FULL: Requirement = {
  what: '/dev/full',
  hint: 'run on Linux with /dev/full present (in a container: do not mask /dev)',
  present: memo(() => existsSync('/dev/full')),
};

export const POSTGRES: Requirement = {
  what: 'PostgreSQL server binaries (initdb, pg_ctl)',
  hint: 'run scripts/ensure-postgres.sh (npm test does)',
  present: memo(() => findPostgresBin() !== null),
};

/** Root privileges: tests of refusing to run as root, mlock and dumpability need them. */
export const ROOT: Requirement = {
  what: 'root privileges',
  hint: 'run the suite as root (the project container does)',
  present: () => typeof process.getuid === 'function' && process.getuid() === 0,
};

/** util-linux setpriv: runs a command as another user or with other capabilities. */
export const SETPRIV: Requirement = {
  what: 'setpriv (util-linux)',
  hint: 'apt-get install util-linux',
  present: memo(() => commandRuns('setpriv', ['--version'])),
};

/** A new PID namespace (`unshare -pf`), to run a command as PID 1 the way a container does. */
export const PID_NAMESPACE: Requirement = {
  what: 'PID namespaces (unshare -pf)',
  hint: 'run as root with util-linux unshare',
  present: memo(() => commandRuns('unshare', ['-pf', 'true'])),
};

/** Go and sprig from Debian's packages: the Helm chart tests render templates with them (test/helpers/helm.ts). */
export const GO: Requirement = {
  what: 'Go with sprig (golang-go, golang-github-masterminds-sprig-dev)',
  hint: 'run scripts/ensure-go.sh (scripts/run-tests.mjs does)',
  present: memo(() => commandRuns('go', ['version']) && existsSync('/usr/share/gocode/src/github.com/Masterminds/sprig/functions.go') && existsSync('/usr/share/gocode/src/gopkg.in/yaml.v3/yaml.go')),
};

/** OpenSSH's ssh-keygen (Debian openssh-client): the independent parser of SSH certificates. */
export const SSH_KEYGEN: Requirement = {
  what: 'ssh-keygen (openssh-client)',
  hint: 'run scripts/ensure-openssh.sh (scripts/run-tests.mjs does)',
  present: memo(() => commandRuns('sh', ['-c', 'command -v ssh-keygen'])),
};

/** OpenSSH's server (Debian openssh-server): end-to-end logins with Ward-signed certificates. */
export const SSHD: Requirement = {
  what: 'sshd (openssh-server)',
  hint: 'run scripts/ensure-openssh.sh (scripts/run-tests.mjs does)',
  present: memo(() => existsSync('/usr/sbin/sshd') && commandRuns('sh', ['-c', 'command -v ssh'])),
};

/** Why a test needing `reqs` cannot run here, or undefined when it can. */
export function missingReason(reqs: readonly Requirement[]): string | undefined {
  const missing = reqs.filter((r) => !r.present());
  if (missing.length === 0) return undefined;
  return missing.map((r) => `${r.what} not found; ${r.hint}`).join('; ');
}

/**
 * The `skip` option for a test that needs `reqs`: false when everything is present, the
 * reason when something is missing, and under CI a thrown error naming what is missing.
 */
export function skipUnless(...reqs: Requirement[]): string | false {
  const reason = missingReason(reqs);
  if (reason === undefined) return false;
  if (isCi()) throw new Error(`${reason} (CI=true: a missing component fails the run instead of skipping)`);
  return reason;
}
