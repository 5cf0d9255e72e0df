/**
 * A small, faithful stand-in for the core used by http/ tests: it records what the
 * handler passed in and answers with whatever the test scripts.
 */
import type { CoreApi, CoreResult, HealthStatus, HttpRequestInput, InitFinish, InitResult, LeaderStatus, SealStatus } from '../core/api-types.js';
import { WARD_VERSION } from '../core/api-types.js';
import { badRequest } from '../sdk/errors.js';

export class FakeCore implements CoreApi {
  initialized = false;
  sealed = true;
  standby = false;
  perfStandby = false;
  drMode = 'disabled';
  t = 0;
  n = 0;
  progress = 0;
  inputs: HttpRequestInput[] = [];
  initCalls: [number, number][] = [];
  unsealCalls: [string | undefined, boolean][] = [];
  /** Scripted answer for handleRequest; default echoes the input as data. */
  answer: (input: HttpRequestInput) => Promise<CoreResult> | CoreResult = (input) => result(input, { data: { echo: input.data } });

  async isInitialized(): Promise<boolean> {
    return this.initialized;
  }

  async init(shares: number, threshold: number, _recovery?: unknown, finish?: InitFinish): Promise<InitResult> {
    if (this.initialized) throw badRequest('Vault is already initialized');
    this.initCalls.push([shares, threshold]);
    this.initialized = true;
    this.n = shares;
    this.t = threshold;
    const r: InitResult = { keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.root' };
    if (!finish) return r;
    const done = await finish(r);
    if (done.keep) this.keptInit = done.result;
    return done.result;
  }

  keptInit: InitResult | null = null;

  async initResponse(): Promise<InitResult | null> {
    return this.keptInit;
  }

  async sealStatus(): Promise<SealStatus> {
    return {
      type: 'shamir',
      initialized: this.initialized,
      sealed: this.sealed,
      t: this.t,
      n: this.n,
      progress: this.progress,
      nonce: '',
      version: WARD_VERSION,
      build_date: '2024-01-01T00:00:00Z',
      migration: false,
      recovery_seal: false,
      storage_type: 'inmem',
    };
  }

  async unseal(key: string | undefined, reset: boolean): Promise<SealStatus> {
    this.unsealCalls.push([key, reset]);
    if (reset) this.progress = 0;
    else this.progress++;
    return this.sealStatus();
  }

  async health(): Promise<HealthStatus> {
    return {
      initialized: this.initialized,
      sealed: this.sealed,
      standby: this.sealed || this.standby,
      performance_standby: this.perfStandby,
      replication_performance_mode: 'disabled',
      replication_dr_mode: this.drMode,
      server_time_utc: 1700000000,
      version: WARD_VERSION,
      enterprise: false,
    };
  }

  async leader(): Promise<LeaderStatus> {
    return {
      ha_enabled: false,
      is_self: false,
      active_time: '0001-01-01T00:00:00Z',
      leader_address: '',
      leader_cluster_address: '',
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    };
  }

  async handleRequest(input: HttpRequestInput): Promise<CoreResult> {
    this.inputs.push(input);
    return this.answer(input);
  }

  get last(): HttpRequestInput {
    const i = this.inputs.at(-1);
    if (!i) throw new Error('no request reached the core');
    return i;
  }
}

/** A CoreResult for `input` with the given response and defaults for everything else. */
export function result(input: HttpRequestInput, response: CoreResult['response'], extra: Partial<CoreResult> = {}): CoreResult {
  return {
    operation: input.operation,
    path: input.path,
    requestId: 'req-1',
    response,
    leaseId: '',
    leaseDuration: 0,
    renewable: false,
    auth: null,
    wrapInfo: null,
    mountType: 'kv',
    ...extra,
  };
}
