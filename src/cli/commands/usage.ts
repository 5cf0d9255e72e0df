/**
 * `operator usage`: the client count report (sys/internal/counters/activity) as the
 * vault CLI prints it: the period, then clients by namespace with a total.
 */
import type { JsonObject, JsonValue } from '../../api/index.js';
import { UsageError } from '../flags.js';
import type { Command } from '../command.js';

const obj = (v: JsonValue | undefined): JsonObject => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});
const num = (v: JsonValue | undefined): string => String(typeof v === 'number' ? v : 0);

/** RFC 3339 as given, or `YYYY-MM` (the month's first instant; with `end`, its last second). */
function timeFlag(name: string, v: string | undefined, end: boolean): string | undefined {
  if (v === undefined || v === '') return undefined;
  const month = /^(\d{4})-(\d{2})$/.exec(v);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]) - 1;
    const ms = end ? Date.UTC(y, m + 1, 1) - 1000 : Date.UTC(y, m, 1);
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (!Number.isFinite(Date.parse(v)) || !/^\d{4}-\d{2}-\d{2}T/.test(v)) throw new UsageError(`invalid -${name} "${v}" (want RFC 3339, such as 2026-01-01T00:00:00Z, or YYYY-MM)`);
  return v;
}

const usage: Command = {
  synopsis: 'Lists historical client counts',
  help: `operator usage [options]

  Prints how many clients (entities and tokens without one) used the server in a
  period, by namespace, with the total. Without -start-time the period is the last
  twelve months.

      $ ward operator usage -start-time=2026-01 -end-time=2026-03`,
  flags: [
    { name: 'start-time', kind: 'string', usage: 'Start of the period: RFC 3339 or YYYY-MM.' },
    { name: 'end-time', kind: 'string', usage: 'End of the period: RFC 3339 or YYYY-MM (the whole month).' },
  ],
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator usage takes no arguments');
    const query = { start_time: timeFlag('start-time', ctx.flags.str('start-time'), false), end_time: timeFlag('end-time', ctx.flags.str('end-time'), true) };
    const res = await ctx.api('retrieving client counts', ctx.client.request('GET', 'sys/internal/counters/activity', { query }));
    const d = res.body?.data;
    if (res.status === 204 || !d) {
      ctx.warn('No data is available for the requested time range.');
      return 0;
    }
    const row = (label: string, c: JsonObject): string[] => [label, num(c['entity_clients']), num(c['non_entity_clients']), num(c['secret_syncs']), num(c['acme_clients']), num(c['clients'])];
    const namespaces = Array.isArray(d['by_namespace']) ? d['by_namespace'].map(obj) : [];
    const rows = namespaces.map((ns) => row(ns['namespace_path'] === '' || ns['namespace_path'] === undefined ? '[root]' : String(ns['namespace_path']), obj(ns['counts'])));
    rows.push(row('Total', obj(d['total'])));
    return ctx.print({
      json: d,
      sections: [
        { kind: 'text', text: `Period start: ${String(d['start_time'] ?? '')}\nPeriod end: ${String(d['end_time'] ?? '')}` },
        { kind: 'columns', headers: ['Namespace path', 'Entity Clients', 'Non-Entity clients', 'Secret syncs', 'ACME clients', 'Active clients'], rows },
      ],
    });
  },
};

export const usageCommands: Record<string, Command> = { 'operator usage': usage };
