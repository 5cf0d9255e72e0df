/**
 * Rendering Helm charts in tests with the template engine Helm uses (Go's text/template and
 * sprig), through the small renderer in test/helm-render. It is built once per test process
 * into a cache directory keyed by its source, from Debian's Go packages only (GOPATH mode,
 * no network), and its output is parsed with js-yaml.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { REPO_ROOT } from './process.js';

export const RENDERER_SRC = join(REPO_ROOT, 'test', 'helm-render');
/** Where Debian's golang-*-dev packages put their sources (GOPATH layout: src/<import path>). */
export const DEBIAN_GOPATH = '/usr/share/gocode';

/** A rendered Kubernetes object, as far as the tests look into it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  releaseName?: string;
  namespace?: string;
  /** Values files (-f), in order. */
  values?: string[];
  /** `--set` entries (`a.b=c`), typed as Helm types them. */
  set?: string[];
  /** `--set-string` entries. */
  setString?: string[];
  /** API versions the cluster serves beyond the built-in ones (`--api-versions`). */
  apiVersions?: string[];
  kubeVersion?: string;
}

export interface Rendered {
  /** Non-empty rendered templates by name (`<chart>/templates/x.yaml`). */
  files: Map<string, string>;
  /** Every object in every rendered template, in template-name order. */
  docs: K8sObject[];
  notes: string;
  /** The merged values the templates saw (defaults, -f files, --set). */
  values: Record<string, unknown>;
}

export class HelmRenderError extends Error {
  override name = 'HelmRenderError';
}

let built: string | undefined;

/** Builds the renderer (once per process; reused across processes while its source is unchanged). */
export function rendererBinary(): string {
  if (built !== undefined) return built;
  const hash = createHash('sha256');
  for (const f of readdirSync(RENDERER_SRC).filter((n) => n.endsWith('.go')).sort()) hash.update(f).update(readFileSync(join(RENDERER_SRC, f)));
  const dir = join(tmpdir(), `ward-helm-render-${hash.digest('hex').slice(0, 16)}`);
  const bin = join(dir, 'helm-render');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.${process.pid}`;
    try {
      execFileSync('go', ['build', '-o', tmp, '.'], {
        cwd: RENDERER_SRC,
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        // GOPATH mode: imports resolve under /usr/share/gocode/src; go.mod is ignored, nothing is downloaded.
        env: { ...process.env, GO111MODULE: 'off', GOPATH: DEBIAN_GOPATH, GOCACHE: join(dir, 'cache'), GOFLAGS: '', GOPROXY: 'off' },
      });
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr ?? '';
      throw new Error(`building test/helm-render failed (scripts/ensure-go.sh installs Go and sprig): ${stderr.trim() || String(e)}`);
    }
    renameSync(tmp, bin); // atomic: a concurrent test process sees no half-written binary
  }
  return (built = bin);
}

export function renderChart(chartDir: string, o: RenderOptions = {}): Rendered {
  return run(chartDir, o, false);
}

/** Only the merged values, without rendering: what Helm validates against values.schema.json first. */
export function mergedValues(chartDir: string, o: RenderOptions = {}): Record<string, unknown> {
  return run(chartDir, o, true).values;
}

function run(chartDir: string, o: RenderOptions, valuesOnly: boolean): Rendered {
  const args = ['-chart', chartDir, '-name', o.releaseName ?? 'ward', '-namespace', o.namespace ?? 'ward'];
  for (const f of o.values ?? []) args.push('-f', f);
  for (const s of o.set ?? []) args.push('-set', s);
  for (const s of o.setString ?? []) args.push('-set-string', s);
  for (const a of o.apiVersions ?? []) args.push('-api-versions', a);
  if (o.kubeVersion !== undefined) args.push('-kube-version', o.kubeVersion);
  if (valuesOnly) args.push('-values-only');
  let out: string;
  try {
    out = execFileSync(rendererBinary(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? String(e);
    throw new HelmRenderError(stderr.trim());
  }
  const parsed = JSON.parse(out) as { manifests: { name: string; content: string }[]; notes: string; values: Record<string, unknown> };
  const files = new Map<string, string>();
  const docs: K8sObject[] = [];
  for (const m of parsed.manifests) {
    files.set(m.name, m.content);
    for (const d of yaml.loadAll(m.content, undefined, { filename: m.name })) {
      if (d !== null && d !== undefined) docs.push(d as K8sObject);
    }
  }
  return { files, docs, notes: parsed.notes, values: parsed.values };
}
