/** Prometheus text metrics of the webhook: reviews by outcome and their latency. */

export type Outcome = 'allowed' | 'denied' | 'bad_request' | 'error';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class InjectorMetrics {
  private readonly counts: Record<Outcome, number> = { allowed: 0, denied: 0, bad_request: 0, error: 0 };
  private readonly buckets = BUCKETS.map(() => 0);
  private sum = 0;
  private count = 0;

  observe(outcome: Outcome, seconds: number): void {
    this.counts[outcome]++;
    this.count++;
    this.sum += seconds;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    });
  }

  render(): string {
    const lines = [
      '# HELP ward_injector_requests_total Admission reviews answered, by outcome.',
      '# TYPE ward_injector_requests_total counter',
      ...Object.entries(this.counts).map(([k, v]) => `ward_injector_requests_total{outcome="${k}"} ${v}`),
      '# HELP ward_injector_request_duration_seconds Time to answer an admission review.',
      '# TYPE ward_injector_request_duration_seconds histogram',
      ...BUCKETS.map((b, i) => `ward_injector_request_duration_seconds_bucket{le="${b}"} ${this.buckets[i] ?? 0}`),
      `ward_injector_request_duration_seconds_bucket{le="+Inf"} ${this.count}`,
      `ward_injector_request_duration_seconds_sum ${this.sum}`,
      `ward_injector_request_duration_seconds_count ${this.count}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
