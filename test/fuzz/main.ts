/**
 * `npm run fuzz -- --requests N --seed S`: fuzzes a real `ward server -dev` and exits
 * non-zero when anything failed. `--replay 12,345` re-sends those requests of the same
 * run (same --seed and --requests) to a fresh server and prints every answer.
 */
import { randomInt } from 'node:crypto';
import { buildCatalogue } from './catalogue.js';
import { formatReport, groupFailures } from './report.js';
import { run, type Failure, type RunOptions } from './runner.js';

const USAGE = `usage: node dist/test/fuzz/main.js [--requests N] [--seed S] [--replay I,J,…] [--verbose]
  --requests N      requests in the run (default 3000)
  --seed S          32-bit seed (default: random, printed)
  --replay I,J,…    send only these request numbers of the run, in order, and print the answers
  --timeout MS      client deadline per request (default 5000)
  --no-confirm      do not replay failures on a fresh server to confirm them
  --verbose         print every request and answer`;

interface Args {
  requests: number;
  seed: number;
  replay: number[] | null;
  timeoutMs: number;
  confirm: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { requests: 3000, seed: randomInt(2 ** 31), replay: null, timeoutMs: 5000, confirm: true, verbose: false };
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
        a.seed = int() >>> 0;
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
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return a;
}

/** Replays a failure on a fresh server: alone first, then after the writes it may depend on. */
async function confirm(base: RunOptions, f: Failure): Promise<string> {
  const earlier = f.history.map((h) => h.index);
  const attempts = f.generator === 'reseed' || f.generator === 'canary' ? [earlier] : earlier.length > 0 ? [[f.index], [...earlier, f.index]] : [[f.index]];
  for (const only of attempts) {
    if (only.length === 0) continue;
    const r = await run({ ...base, only, log: () => undefined });
    if (r.failures.some((g) => g.kind === f.kind && g.status === f.status)) return `reproduced on a fresh server by --replay ${only.join(',')}`;
  }
  return 'NOT reproduced on a fresh server (depends on more state than the listed writes, or on timing)';
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const targets = await buildCatalogue();
  const base: RunOptions = { requests: args.requests, seed: args.seed, timeoutMs: args.timeoutMs, targets };
  process.stderr.write(`[fuzz] seed ${args.seed}, ${args.requests} requests, ${targets.length} targets\n`);
  const res = await run({ ...base, verbose: args.verbose || args.replay !== null, ...(args.replay ? { only: args.replay } : {}) });
  process.stdout.write(`${formatReport(res)}\n`);
  if (args.confirm && args.replay === null && res.failures.length > 0) {
    process.stdout.write('\nconfirming each distinct failure on a fresh server:\n');
    for (const [n, g] of groupFailures(res.failures).slice(0, 10).entries()) {
      process.stdout.write(`  ${n + 1}. #${g.first.index} ${g.first.kind}: ${await confirm(base, g.first)}\n`);
    }
  }
  return res.failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
