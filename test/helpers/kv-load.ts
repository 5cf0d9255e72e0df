/**
 * A steady KV v2 write load on an HA cluster, as clients would send it: a few concurrent
 * writers, each sending to the running nodes in turn (standbys forward), every write to a
 * key of its own with a value of its own. Every acknowledged (200) write is recorded, so a
 * test can read each one back after failovers and find any acknowledged write that was lost.
 * Redirects are not followed (a 307 to a dead active is a failed attempt, counted).
 */
import type { WardCluster, WardNode } from './ward-cluster.js';
import { pause } from './wait.js';

export interface Ack {
  key: string;
  value: string;
  /** Epoch ms the request was sent and the 200 arrived. */
  sentAt: number;
  ackedAt: number;
  node: string;
}

export interface LoadOptions {
  writers?: number;
  /** Pause between one writer's writes (keeps the number of keys to verify modest). */
  pauseMs?: number;
  /** Send a failed request (5xx, connection error) once more, counting it. */
  retryOnce?: boolean;
  /** Which nodes may be sent to (default: every running node). */
  targets?: () => WardNode[];
  mount?: string;
}

export class KvLoad {
  readonly acks: Ack[] = [];
  /** Attempts that got no 200 (after the retry, if any), by cause. */
  readonly failures: string[] = [];
  /** Requests sent a second time after a 5xx or connection error. */
  retried = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(
    private readonly cluster: WardCluster,
    private readonly o: LoadOptions = {},
  ) {}

  start(): void {
    this.running = true;
    for (let w = 0; w < (this.o.writers ?? 3); w++) this.loops.push(this.writer(w));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** When the first write sent at or after `t` was acknowledged (null if none was). */
  firstAckSentAfter(t: number): number | null {
    let best: number | null = null;
    for (const a of this.acks) if (a.sentAt >= t && (best === null || a.ackedAt < best)) best = a.ackedAt;
    return best;
  }

  /** Waits until a write sent at or after `t` is acknowledged; resolves with its ack time. */
  async ackAfter(t: number, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.firstAckSentAfter(t);
      if (at !== null) return at;
      if (Date.now() > deadline) throw new Error(`no write acknowledged within ${timeoutMs} ms of ${new Date(t).toISOString()}; failures: ${this.failures.slice(-5).join(' | ')}`);
      await pause(25);
    }
  }

  /** Failed attempts grouped by cause (status and message, node and ids left out). */
  failureSummary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.failures) {
      const cause = f.replace(/^[^:]+: /, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/127\.0\.0\.1:\d+/g, '<addr>').slice(0, 100);
      out[cause] = (out[cause] ?? 0) + 1;
    }
    return out;
  }

  /** Reads every acknowledged write back through `node`; returns the ones missing or different. */
  async lost(node: WardNode): Promise<string[]> {
    const bad: string[] = [];
    const queue = [...this.acks];
    const reader = async (): Promise<void> => {
      for (let a = queue.pop(); a !== undefined; a = queue.pop()) {
        const r = await fetch(`${node.url}/v1/${this.mount}/data/${a.key}`, { headers: { 'X-Vault-Token': this.cluster.rootToken }, redirect: 'manual' });
        const text = await r.text();
        const v = r.status === 200 ? (JSON.parse(text) as { data: { data: { v?: string } } }).data.data.v : undefined;
        if (v !== a.value) bad.push(`${a.key}: acknowledged ${a.value} by ${a.node}, read ${r.status} ${v ?? text.slice(0, 120)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, reader));
    return bad;
  }

  private get mount(): string {
    return this.o.mount ?? 'secret';
  }

  private async writer(w: number): Promise<void> {
    let turn = w;
    while (this.running) {
      const targets = (this.o.targets ?? (() => this.cluster.nodes.filter((n) => n.running)))();
      const node = targets[turn++ % Math.max(1, targets.length)];
      if (node === undefined) {
        await pause(50);
        continue;
      }
      const n = this.seq++;
      const key = `load/w${w}-${n}`;
      const value = `v-${w}-${n}-${Date.now()}`;
      const sentAt = Date.now();
      let outcome = await this.put(node, key, value);
      if (outcome !== 'ok' && this.o.retryOnce && /^(5\d\d|conn)/.test(outcome)) {
        this.retried++;
        outcome = await this.put(node, key, value);
      }
      if (outcome === 'ok') this.acks.push({ key, value, sentAt, ackedAt: Date.now(), node: node.name });
      else this.failures.push(`${node.name}: ${outcome}`);
      await pause(this.o.pauseMs ?? 20);
    }
  }

  private async put(node: WardNode, key: string, value: string): Promise<string> {
    try {
      const r = await fetch(`${node.url}/v1/${this.mount}/data/${key}`, {
        method: 'PUT',
        headers: { 'X-Vault-Token': this.cluster.rootToken, 'Content-Type': 'application/json' },
        body: JSON.stringify({ data: { v: value } }),
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
      const text = await r.text();
      return r.status === 200 ? 'ok' : `${r.status} ${text.slice(0, 200)}`;
    } catch (e) {
      return `conn ${(e as Error).message}`;
    }
  }
}
