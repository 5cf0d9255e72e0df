import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processMetrics } from './process-metrics.js';

const value = (text: string, name: string): number => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in\n${text}`);
  return Number(m[1]);
};

test('process and heap gauges under the names Prometheus client libraries use', () => {
  const text = processMetrics();
  assert.match(text, /^# TYPE process_resident_memory_bytes gauge$/m);
  const rss = value(text, 'process_resident_memory_bytes');
  assert.ok(rss > 1024 * 1024, `rss ${rss}`);
  const used = value(text, 'nodejs_heap_size_used_bytes');
  const total = value(text, 'nodejs_heap_size_total_bytes');
  assert.ok(used > 0 && used <= total, `heap ${used}/${total}`);
  assert.ok(value(text, 'process_cpu_seconds_total') > 0);
  assert.ok(value(text, 'process_start_time_seconds') > 1_600_000_000);
  assert.ok(text.endsWith('\n'));
});
