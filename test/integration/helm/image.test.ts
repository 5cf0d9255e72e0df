/**
 * The Dockerfile and the chart agree: the chart's containers run the image's ENTRYPOINT
 * (exec form, so Ward is PID 1) with the server's CMD, as the image's USER; the runtime
 * stage is a current Node LTS; and everything the runtime stage copies exists after a local
 * build, with bin/ward's import inside that set. (Base images cannot be pulled here, so the
 * image itself is not built; chart-server.test.ts runs the same command line.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../../helpers/process.js';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { BOOTSTRAP_VALUES, find, render } from './chart.js';
import { podSpecs } from './policy.js';

interface Stage {
  from: string;
  name?: string;
  instructions: { op: string; args: string }[];
}

/** Dockerfile stages: comments dropped, continuation lines joined. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = (m[1] ?? '').toUpperCase();
    const args = m[2] ?? '';
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: f?.[1] ?? args, ...(f?.[2] ? { name: f[2] } : {}), instructions: [] });
    } else stages.at(-1)?.instructions.push({ op, args });
  }
  return stages;
}

const dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
/** Docker's rule for the patterns used here: a pattern matches a path or one of its parent directories. */
const ignoredByDocker = (path: string): boolean =>
  dockerignore.some((p) => {
    const re = p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:.*/)?');
    return new RegExp(`^${re}(?:/.*)?$`).test(path);
  });
/** Repository-relative paths of the files under `dir`. */
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [relative(REPO_ROOT, join(dir, e.name))]));
const runtime = dockerfile.at(-1) as Stage;
const last = (op: string): string | undefined => runtime.instructions.filter((i) => i.op === op).at(-1)?.args;
/** Exec form only: a JSON array (shell form would put /bin/sh in front of Ward as PID 1). */
const execForm = (op: string): string[] => {
  const raw = last(op);
  if (raw === undefined || !raw.startsWith('[')) assert.fail(`${op} must be in exec form, got ${raw}`);
  return JSON.parse(raw) as string[];
};

describe('the container image', () => {
  it('is multi-stage with a Node 22 or 24 runtime and a fixed non-root USER', () => {
    assert.ok(dockerfile.length >= 2, 'a build stage and a runtime stage');
    assert.match(runtime.from, /^node:(22|24)([.-]|$)/);
    assert.match(last('USER') ?? '', /^[1-9]\d*:[1-9]\d*$/);
  });

  it('copies into the runtime stage only what a build produces, and bin/ward imports from it', () => {
    const copies = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => i.args.split(/\s+/));
    const sources = copies.map((c) => c.find((w, i) => i > 0 && !w.startsWith('--')) ?? '').map((s) => s.replace(/^\/src\//, ''));
    assert.deepEqual(sources.sort(), ['bin', 'dist/src', 'native/build/Release/ward_native.node', 'node_modules', 'package.json']);
    for (const s of sources) assert.ok(existsSync(join(REPO_ROOT, s)), `${s} exists after npm ci && tsc`);
    const imported = /from '\.\.\/(dist\/src\/[^']+)'/.exec(readFileSync(join(REPO_ROOT, 'bin', 'ward'), 'utf8'))?.[1];
    assert.ok(imported && existsSync(join(REPO_ROOT, imported)), `bin/ward imports ${imported}`);
  });

  // The injector's agent containers run `ward agent` (and `ward agent -check-rendered` as their
  // startup probe) in this image, and deploy/kubernetes/*.yaml run `command: [ward]`.
  it('has `ward` on its PATH', () => {
    const path = /^PATH=("?)(.*)\1$/.exec(runtime.instructions.filter((i) => i.op === 'ENV').map((i) => i.args).find((a) => a.startsWith('PATH=')) ?? '')?.[2] ?? '';
    assert.ok(path.split(':').includes(`${last('WORKDIR')}/bin`), `PATH=${path} includes the copied bin/`);
    assert.ok(path.split(':').includes('${PATH}') || path.split(':').includes('$PATH'), 'and keeps the base image PATH');
    assert.ok((statSync(join(REPO_ROOT, 'bin', 'ward')).mode & 0o111) !== 0, 'bin/ward is executable');
    assert.match(readFileSync(join(REPO_ROOT, 'bin', 'ward'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('keeps the build context small (.dockerignore)', () => {
    for (const p of ['.git', 'node_modules', 'dist', 'test']) assert.ok(dockerignore.includes(p), p);
  });

  // The build stage's `npm ci` runs tsc on what the context keeps: one kept file importing a
  // left-out one (a test helper importing test/helpers/) fails `docker build`.
  it('builds from its context: no TypeScript file the context keeps imports one it leaves out', () => {
    const build = dockerfile[0] as Stage;
    const copied = build.instructions.filter((i) => i.op === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const broken: string[] = [];
    for (const top of copied.filter((c) => !c.includes('.'))) {
      for (const file of walk(join(REPO_ROOT, top)).filter((f) => f.endsWith('.ts') && !ignoredByDocker(f))) {
        for (const [, spec] of readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
          const target = relative(REPO_ROOT, join(REPO_ROOT, dirname(file), (spec ?? '').replace(/\.js$/, '.ts')));
          if (ignoredByDocker(target) || !copied.some((c) => target === c || target.startsWith(`${c}/`))) broken.push(`${file} -> ${target}`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });
});

describe('the chart runs the image as built', { skip: skipUnless(GO) }, () => {
  it("uses the image's ENTRYPOINT, CMD and USER", () => {
    const r = render(undefined, { values: [BOOTSTRAP_VALUES], set: ['injector.enabled=true', 'csiProvider.enabled=true', 'operator.enabled=true', 'bootstrap.enabled=true'] });
    const entrypoint = execForm('ENTRYPOINT');
    const [uid, gid] = (last('USER') ?? '').split(':').map(Number);
    for (const { where, spec } of podSpecs(r.docs)) {
      const c = (spec['containers'] as { command: string[] }[])[0];
      assert.deepEqual(c?.command, entrypoint, where);
    }
    const server = find(r.docs, 'StatefulSet', 'ward')?.['spec'] as { template: { spec: { securityContext: Record<string, unknown>; containers: { args: string[] }[] } } };
    assert.deepEqual(server.template.spec.containers[0]?.args, execForm('CMD'));
    assert.equal(server.template.spec.securityContext['runAsUser'], uid);
    assert.equal(server.template.spec.securityContext['runAsGroup'], gid);
  });
});
