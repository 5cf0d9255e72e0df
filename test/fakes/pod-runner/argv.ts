/**
 * What a container runs: Kubernetes' command/args rules (command replaces the image's
 * entrypoint, args replace its cmd, both `$(VAR)`-expanded) over the two kinds of image the
 * runner knows. The Ward image's entrypoint is `ward` (cmd `server -dev`, as the Vault
 * image) and its `ward`/`vault` binaries run the repository's bin/ward with node; any other
 * image runs its command with the host's binaries, so a "busybox" app is just `sh -c …`.
 */
import type { V1Container } from '@kubernetes/client-node';
import { expandVars } from './expand.js';

export interface WardBinary {
  /** The node executable. */
  node: string;
  /** The repository's bin/ward. */
  wardBin: string;
}

/** Default `isWardImage`: the repository basename (no registry, tag or digest) is `ward` or `vault`. */
export function defaultIsWardImage(image: string): boolean {
  const noDigest = image.split('@')[0] ?? '';
  const slash = noDigest.lastIndexOf('/');
  const last = noDigest.slice(slash + 1);
  const repo = last.split(':')[0] ?? '';
  return repo === 'ward' || repo === 'vault';
}

const WARD_NAMES = new Set(['ward', 'vault', '/bin/ward', '/bin/vault', '/usr/local/bin/ward', '/usr/local/bin/vault', '/usr/bin/ward', '/usr/bin/vault']);

export function containerArgv(c: Pick<V1Container, 'name' | 'command' | 'args'>, wardImage: boolean, vars: ReadonlyMap<string, string>, ward: WardBinary): string[] {
  const command = (c.command ?? []).map((s) => expandVars(s, vars));
  const args = (c.args ?? []).map((s) => expandVars(s, vars));
  let argv: string[];
  if (command.length > 0) argv = [...command, ...args];
  else if (wardImage) argv = ['ward', ...(c.args !== undefined ? args : ['server', '-dev'])];
  else if (args.length > 0) argv = args;
  else throw new Error(`container "${c.name}": no command or args, and the runner does not know the image's entrypoint`);
  return wardImage ? mapWardArgv(argv, ward) : argv;
}

/** In the Ward image, `ward`/`vault` (bare or at their image paths) as argv[0] run bin/ward with node. */
export function mapWardArgv(argv: string[], ward: WardBinary): string[] {
  return WARD_NAMES.has(argv[0] as string) ? [ward.node, ward.wardBin, ...argv.slice(1)] : argv;
}
