/**
 * Layering rules, checked from import specifiers:
 * backends (auth, secrets, audit devices) see only sdk/ and lib/; sdk/ sees only lib/;
 * storage sees only lib/ and itself; clients (api, cli, agent, k8s) never reach into the
 * server (core, http, storage, server) except the CLI's `server` command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

const RULES: Record<string, readonly string[]> = {
  lib: ['lib'],
  sdk: ['sdk', 'lib'],
  storage: ['storage', 'lib'],
  auth: ['auth', 'sdk', 'lib'],
  secrets: ['secrets', 'sdk', 'lib'],
  audit: ['audit', 'sdk', 'lib'],
  api: ['api', 'lib'],
  cli: ['cli', 'api', 'lib'],
  agent: ['agent', 'api', 'lib'],
  k8s: ['k8s', 'api', 'lib'],
};

/**
 * Sanctioned crossings: `ward server`, `ward agent` and `ward k8s …` start their programs
 * from the CLI, and `ward operator diagnose` runs the server's local checks (as Vault's
 * diagnose does). The operator's destination templates reuse the agent's pure template engine
 * (lexer, parser, evaluator) through one re-exporting module.
 */
const EXCEPTIONS = new Set(['cli/main.ts -> server', 'cli/commands/agent.ts -> agent', 'cli/commands/k8s.ts -> k8s', 'cli/commands/k8s-csi.ts -> k8s', 'cli/commands/k8s-operator.ts -> k8s', 'cli/commands/k8s-bootstrap.ts -> k8s', 'cli/commands/diagnose.ts -> server', 'cli/commands/migrate.ts -> server', 'k8s/operator/template-engine.ts -> agent']);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function violations(files: { path: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const f of files) {
    const rel = relative(SRC, f.path);
    const area = rel.split('/')[0] ?? '';
    const allowed = RULES[area];
    if (!allowed) continue;
    for (const m of f.text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? '';
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(f.path), spec));
      const targetArea = target.split('/')[0] ?? '';
      if (target.startsWith('..')) continue;
      if (allowed.includes(targetArea) || EXCEPTIONS.has(`${rel} -> ${targetArea}`)) continue;
      found.push(`${rel} imports ${spec} (${targetArea}/ is off limits for ${area}/)`);
    }
  }
  return found;
}

test('no module crosses a layer boundary', () => {
  const files = walk(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  assert.ok(files.length > 20, 'the source tree was found');
  assert.deepEqual(violations(files), []);
});

test('the checker flags a backend that imports the core', () => {
  const fake = { path: join(SRC, 'secrets/kv/evil.ts'), text: "import { WardCore } from '../../core/core.js';\n" };
  const dynamic = { path: join(SRC, 'auth/approle/evil.ts'), text: "const m = await import('../../core/tokens/token-store.js');\n" };
  assert.equal(violations([fake, dynamic]).length, 2);
});
