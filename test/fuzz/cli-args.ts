/** Command-line options of `npm run fuzz` (test/fuzz/main.ts). */
import { randomInt } from 'node:crypto';

export const USAGE = `usage: node dist/test/fuzz/main.js [--requests N] [--seed S] [--replay I,J,…] [--verbose]
  --requests N      requests in the run (default 3000)
  --seed S          32-bit seed (default: random, printed)
  --replay I,J,…    send only these request numbers of the run, in order, and print the answers
  --timeout MS      client deadline per request (default 5000)
  --no-confirm      do not replay failures on a fresh server to confirm them
  --verbose         print every request and answer`;

export interface Args {
  requests: number;
  seed: number;
  replay: number[] | null;
  timeoutMs: number;
  confirm: boolean;
  verbose: boolean;
  help: boolean;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = { requests: 3000, seed: randomInt(2 ** 31), replay: null, timeoutMs: 5000, confirm: true, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new Error(`${flag} needs a non-negative integer, got ${JSON.stringify(v)}`);
      return Number(v);
    };
    switch (flag) {
      case '--requests':
        a.requests = int();
        break;
      case '--seed':
        a.seed = int();
        if (a.seed > 0xffffffff) throw new Error('--seed must fit in 32 bits');
        break;
      case '--replay':
        a.replay = value()
          .split(',')
          .map((s) => Number(s.trim().replace(/^#/, '')));
        if (a.replay.some((n) => !Number.isInteger(n) || n < 0)) throw new Error('--replay needs request numbers, e.g. --replay 12,345');
        break;
      case '--timeout':
        a.timeoutMs = int();
        break;
      case '--no-confirm':
        a.confirm = false;
        break;
      case '--verbose':
        a.verbose = true;
        break;
      case '--help':
      case '-h':
        a.help = true;
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  if (a.requests < 1) throw new Error('--requests must be at least 1');
  const outside = a.replay?.find((n) => n >= a.requests);
  if (outside !== undefined) throw new Error(`--replay ${outside} is outside a run of --requests ${a.requests} (give the run's --requests too)`);
  return a;
}
