/**
 * The process gauges controller-runtime's /metrics carries (from the Prometheus Go client's
 * process collector), under the names Node's Prometheus clients use for the heap: what a
 * dashboard needs to see the operator's memory with many resources.
 */
import { memoryUsage } from 'node:process';

const startedAt = Date.now() / 1000 - process.uptime();

export function processMetrics(): string {
  const m = memoryUsage();
  const cpu = process.cpuUsage();
  const gauge = (name: string, help: string, v: number, type = 'gauge'): string => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${v}\n`;
  return [
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', m.rss),
    gauge('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6, 'counter'),
    gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', Math.round(startedAt)),
    gauge('nodejs_heap_size_used_bytes', 'V8 heap used in bytes.', m.heapUsed),
    gauge('nodejs_heap_size_total_bytes', 'V8 heap allocated in bytes.', m.heapTotal),
    gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects, in bytes.', m.external),
  ].join('');
}
