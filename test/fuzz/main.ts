/**
 * `npm run fuzz -- --requests N --seed S`: fuzzes a real `ward server -dev` and exits
 * non-zero when anything failed. `--replay 12,345` re-sends those requests of the same
 * run (same --seed and --requests) to a fresh server and prints every answer.
 */
import { buildCatalogue } from './catalogue.js';
import { parseArgs, USAGE, type Args } from './cli-args.js';
import { formatReport, groupFailures } from './report.js';
import { run, type Failure, type RunOptions } from './runner.js';

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
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
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

// Ctrl-C or a kill ends the run through process.exit, whose handler stops the ward server.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
