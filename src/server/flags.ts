export interface ServerFlags {
  dev: boolean;
  devRootTokenId?: string;
  devListenAddress: string;
  devStorage: 'sqlite' | 'inmem';
  /** `-dev-ha`: HA on an in-memory lock (one-node cluster with a cluster port), as vault's flag. */
  devHa?: boolean;
  config?: string;
  allowRoot: boolean;
  logLevel?: string;
  help: boolean;
}

export const SERVER_USAGE = `Usage: ward server [options]

  Starts a Ward server that answers the Vault HTTP API.

  -dev                        Run an unsealed, throwaway dev server (root token printed)
  -dev-root-token-id=ID       Use ID as the dev root token
  -dev-listen-address=ADDR    Dev listener address (default 127.0.0.1:8200)
  -dev-storage=sqlite|inmem   Dev store (default sqlite, in a temporary directory)
  -dev-ha                     Dev server with HA enabled (in-memory store and lock; cluster port = port + 1)
  -config=FILE                HCL or JSON configuration file
  -allow-root                 Allow running as root (refused by default with -config)
  -log-level=LEVEL            trace, debug, info, warn or error`;

/** Parses vault-style flags: `-name=value`, `-name value`, `--name=value`, bare booleans. */
export function parseServerFlags(args: string[]): ServerFlags {
  const out: ServerFlags = { dev: false, devListenAddress: '127.0.0.1:8200', devStorage: 'sqlite', allowRoot: false, help: false };
  const takesValue = new Set(['dev-root-token-id', 'dev-listen-address', 'dev-storage', 'config', 'log-level']);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument "${arg}"`);
    const name = m[1] as string;
    let value = m[2];
    if (takesValue.has(name) && value === undefined) {
      value = args[++i];
      if (value === undefined) throw new Error(`flag -${name} needs a value`);
    }
    const bool = value === undefined || value === 'true';
    switch (name) {
      case 'dev':
        out.dev = bool;
        break;
      case 'allow-root':
        out.allowRoot = bool;
        break;
      case 'h':
      case 'help':
        out.help = true;
        break;
      case 'dev-root-token-id':
        out.devRootTokenId = value as string;
        break;
      case 'dev-listen-address':
        out.devListenAddress = value as string;
        break;
      case 'dev-ha':
        out.devHa = bool;
        break;
      case 'dev-storage':
        if (value !== 'sqlite' && value !== 'inmem') throw new Error('-dev-storage must be sqlite or inmem');
        out.devStorage = value;
        break;
      case 'config':
        out.config = value as string;
        break;
      case 'log-level':
        out.logLevel = value as string;
        break;
      default:
        throw new Error(`flag provided but not defined: -${name}`);
    }
  }
  return out;
}
