/**
 * The secrets a pod asks for: one rendered file per agent-inject-secret-<name> /
 * agent-inject-template(-file)-<name>, plus Ward's agent-inject-env-<name> files of
 * `export K=V` lines, with their per-secret annotations applied.
 */
import { posix } from 'node:path';
import { DenyError, type Annotations } from './values.js';

export interface SecretSpec {
  /** File name part (lower-cased unless case is preserved). */
  name: string;
  /** Annotation suffix as written, which per-secret annotations must repeat. */
  raw: string;
  /** Template text, or undefined when `source` (a template file) is used. */
  contents?: string;
  source?: string;
  destination: string;
  /** Directory the file lives in (a volume mount). */
  dir: string;
  perms?: string;
  command?: string;
  leftDelimiter: string;
  rightDelimiter: string;
  errorOnMissingKey: boolean;
  /** Ward: an `export K=V` file the app's command sources (agent-inject-env-<name>). */
  env: boolean;
}

const TEMPLATES = {
  map: (p: string) => `{{ with secret "${p}" }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}`,
  json: (p: string) => `{{ with secret "${p}" }}{{ .Data | toJSON }}\n{{ end }}`,
  // KV v2 keeps the pairs under .Data.data, everything else directly under .Data. Values are
  // single-quoted for the shell, with embedded quotes closed and reopened.
  env: (p: string) =>
    `{{ with secret "${p}" }}{{ range $k, $v := (or .Data.data .Data) }}export {{ $k }}='{{ print $v | replaceAll "'" "'\\\\''" }}'\n{{ end }}{{ end }}`,
};

export function readSecrets(a: Annotations, volumePath: string): SecretSpec[] {
  const preserveAll = a.bool('preserve-secret-case');
  const byRaw = new Map<string, { path?: string; env: boolean }>();
  for (const [raw, v] of a.withPrefix('agent-inject-secret-')) byRaw.set(raw, { path: v, env: false });
  for (const prefix of ['agent-inject-template-', 'agent-inject-template-file-']) {
    for (const [raw, v] of a.withPrefix(prefix)) if (v !== '' && !byRaw.has(raw)) byRaw.set(raw, { env: false });
  }
  for (const [raw, v] of a.withPrefix('agent-inject-env-')) {
    if (byRaw.has(raw)) throw a.deny(`agent-inject-env-${raw}`, `"${raw}" is already declared as a file secret; use another name`);
    byRaw.set(raw, { path: v, env: true });
  }
  const dflt = a.str('agent-inject-default-template') === 'json' ? 'json' : 'map';
  const out: SecretSpec[] = [];
  for (const [raw, decl] of byRaw) {
    const name = (a.has(`preserve-secret-case-${raw}`) ? a.bool(`preserve-secret-case-${raw}`) : preserveAll) ? raw : raw.toLowerCase();
    const inline = a.str(`agent-inject-template-${raw}`);
    const file = a.str(`agent-inject-template-file-${raw}`);
    const dir = a.str(`secret-volume-path-${raw}`) ?? volumePath;
    const rel = a.str(`agent-inject-file-${raw}`) ?? (decl.env ? `${name}.env` : name);
    if (rel === '' || rel.split('/').includes('..')) throw a.deny(`agent-inject-file-${raw}`, 'expected a relative file name inside the secrets volume');
    const s: SecretSpec = {
      name,
      raw,
      destination: posix.join(dir, rel),
      dir,
      leftDelimiter: a.str(`agent-template-left-delim-${raw}`) || '{{',
      rightDelimiter: a.str(`agent-template-right-delim-${raw}`) || '}}',
      errorOnMissingKey: a.bool(`error-on-missing-key-${raw}`),
      env: decl.env,
    };
    if (decl.env) s.contents = TEMPLATES.env(decl.path ?? '');
    else if (inline) s.contents = inline;
    else if (file) s.source = file;
    else if (decl.path) s.contents = TEMPLATES[dflt](decl.path);
    else continue;
    const perms = a.str(`agent-inject-perms-${raw}`);
    if (perms) s.perms = perms.padStart(4, '0');
    const cmd = a.str(`agent-inject-command-${raw}`);
    if (cmd) s.command = cmd;
    out.push(s);
  }
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s.destination)) throw new DenyError(`two secrets render to the same file ${s.destination} (check the agent-inject-file-* annotations)`);
    seen.add(s.destination);
  }
  return out;
}

