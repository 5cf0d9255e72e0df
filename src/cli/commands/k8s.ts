import type { Command } from '../command.js';
import type { FlagSpec } from '../flags.js';
import { SETTINGS } from '../../k8s/injector/config.js';

const FLAGS: FlagSpec[] = SETTINGS.map((s) => ({ name: s.flag, kind: s.kind === 'bool' ? 'bool' : 'string', usage: `${s.usage} Env: ${s.env}.` }));

const injector: Command = {
  synopsis: 'Run the Kubernetes sidecar injector (a vault-k8s compatible mutating webhook)',
  help: `k8s injector (-tls-cert-file=FILE -tls-key-file=FILE | -tls-auto=WEBHOOK_CONFIG) [options]

  Serves the mutating admission webhook that adds a Ward agent to pods annotated with
  vault.hashicorp.com/agent-inject: "true", reading the same annotations, flags and
  AGENT_INJECT_* variables as vault-k8s (a set variable wins over its flag). Endpoints:
  POST /mutate (AdmissionReview v1), GET /health/ready, GET /metrics, over TLS 1.2+.

  Beyond vault-k8s: on Kubernetes >= 1.29 the agent is one native sidecar (opt out per
  pod with vault.hashicorp.com/agent-native-sidecar: "false"), and
  vault.hashicorp.com/agent-inject-env-NAME: PATH gives the app the secret's keys as
  environment variables without putting them in the pod spec.`,
  flags: FLAGS,
  usesClient: false,
  async run(ctx) {
    const given: Record<string, string> = {};
    for (const s of SETTINGS) {
      if (!ctx.flags.has(s.flag)) continue;
      given[s.flag] = s.kind === 'bool' ? String(ctx.flags.bool(s.flag)) : (ctx.flags.str(s.flag) ?? '');
    }
    // Loaded lazily: the webhook server is only needed by this command.
    const mod = await import('../../k8s/injector/main.js');
    return mod.runInjector(given, { stderr: ctx.io.stderr, env: ctx.io.env });
  },
};

export const k8sCommands: Record<string, Command> = { 'k8s injector': injector };
