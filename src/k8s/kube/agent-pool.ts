/**
 * Kept-alive HTTPS agents for client-node's typed calls. client-node 1.4 builds a new
 * https.Agent for every request (KubeConfig.createAgent), so every call paid a TCP and TLS
 * handshake and a fresh SecureContext (parsing the CA): at a few thousand resources the
 * operator spent most of its CPU there, and so did the API server. The pool keeps one agent
 * per distinct TLS setting (CA, client certificate, server name, verification), so rotated
 * credentials still get a new agent and nothing else changes.
 */
import { createHash } from 'node:crypto';
import type * as http from 'node:http';
import * as https from 'node:https';

type TlsField = 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'servername' | 'rejectUnauthorized';
const FIELDS: readonly TlsField[] = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized'];
/** A process talks to one or two API servers; more settings than this means credentials churn, so forget the oldest. */
const MAX_AGENTS = 8;

export class AgentPool {
  readonly #agents = new Map<string, https.Agent>();

  /** The pooled agent for `agent`'s TLS settings; any other agent (proxies, plain http) is returned unchanged. */
  reuse(agent: http.Agent | https.Agent): http.Agent | https.Agent {
    if (Object.getPrototypeOf(agent) !== https.Agent.prototype) return agent;
    const o = (agent as https.Agent).options as Partial<Record<TlsField, unknown>>;
    const h = createHash('sha256');
    for (const f of FIELDS) h.update(`${f}=${fingerprint(o[f])};`);
    const key = h.digest('hex');
    let pooled = this.#agents.get(key);
    if (!pooled) {
      const tls = Object.fromEntries(FIELDS.filter((f) => o[f] !== undefined).map((f) => [f, o[f]]));
      pooled = new https.Agent({ ...tls, keepAlive: true, scheduling: 'lifo' });
      this.#agents.set(key, pooled);
      if (this.#agents.size > MAX_AGENTS) {
        const [oldest, a] = this.#agents.entries().next().value as [string, https.Agent];
        this.#agents.delete(oldest);
        a.destroy();
      }
    }
    agent.destroy(); // client-node's throwaway agent has no sockets yet
    return pooled;
  }

  destroy(): void {
    for (const a of this.#agents.values()) a.destroy();
    this.#agents.clear();
  }
}

function fingerprint(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Buffer.isBuffer(v) || typeof v === 'string') return createHash('sha256').update(v).digest('hex');
  if (Array.isArray(v)) return v.map(fingerprint).join(',');
  return JSON.stringify(v);
}
