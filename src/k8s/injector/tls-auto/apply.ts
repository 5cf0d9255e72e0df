/** Carries out a Plan: generates what it asks for and returns the new state (the caller writes it). */
import type { Plan } from './plan.js';
import { generateCa, issueServing } from './pki.js';
import type { CertState } from './state.js';

export interface IssueConfig {
  hosts: readonly string[];
  caValidityMs: number;
  servingValidityMs: number;
  /** CN of generated CAs (default "Ward Agent Injector CA"). */
  caCommonName?: string;
}

export async function applyPlan(s: CertState | undefined, p: Plan, now: number, cfg: IssueConfig): Promise<CertState> {
  const cn = cfg.caCommonName ?? 'Ward Agent Injector CA';
  let ca = s?.ca;
  let previousCaPem = s?.previousCaPem;
  let caRotatedAt = s?.caRotatedAt;
  if (p.ca === 'new' || !ca) {
    ca = await generateCa(cn, cfg.caValidityMs, now);
    previousCaPem = undefined;
    caRotatedAt = undefined;
  } else if (p.ca === 'rotate') {
    previousCaPem = ca.certPem;
    ca = await generateCa(cn, cfg.caValidityMs, now);
    caRotatedAt = now;
  } else if (p.dropPrevious) {
    previousCaPem = undefined;
  }
  const serving = p.serving === 'issue' || !s ? await issueServing(ca, cfg.hosts, cfg.servingValidityMs, now) : s.serving;
  return {
    ca,
    serving,
    hosts: p.serving === 'issue' || !s ? [...cfg.hosts] : s.hosts,
    ...(previousCaPem ? { previousCaPem } : {}),
    ...(caRotatedAt !== undefined ? { caRotatedAt } : {}),
  };
}
