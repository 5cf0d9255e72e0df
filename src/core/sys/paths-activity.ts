/**
 * Client counting, as Vault: `internal/counters/activity` (a period's report),
 * `/activity/monthly` (this month so far), `/activity/export` (each client, JSON lines or
 * CSV), `internal/counters/config`, and the older `internal/counters/tokens` and
 * `/entities` totals. Without a client in the period the reports answer 204, as Vault.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type FieldSpec, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { ActivityConfig, ActivityLog } from '../activity/activity-log.js';
import { addMonths, monthKey, monthStart, rfc3339 } from '../activity/months.js';
import { activityReport, exportBody, monthlyReport } from '../activity/report.js';

export interface ActivityPathDeps {
  activity: ActivityLog;
  now(): number;
  /** Service tokens in storage (sys/internal/counters/tokens). */
  serviceTokens(): Promise<number>;
  entities(): number;
}

/** Vault's TypeTime: RFC 3339, or seconds since the epoch. 0 = not given. */
const time = (description: string): FieldSpec<number> => ({
  kind: 'time',
  description,
  default: 0,
  required: false,
  sensitive: false,
  parse(raw: unknown): number {
    if (typeof raw === 'number' && Number.isFinite(raw)) return raw * 1000;
    const s = String(raw).trim();
    if (/^\d+$/.test(s)) return Number(s) * 1000;
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) ? Date.parse(s) : Number.NaN;
    if (!Number.isFinite(ms)) throw new TypeError(`unable to parse time ${JSON.stringify(s)}: expected RFC 3339 or seconds since the epoch`);
    return ms;
  },
});

const periodFields = { start_time: time('Start of the period (RFC 3339)'), end_time: time('End of the period (RFC 3339)') };

/** The period asked for: by default the last twelve months up to now; Vault's text when it is backwards. */
function period(now: number, start: number, end: number): { start: number; end: number } {
  const e = end === 0 ? now : end;
  const s = start === 0 ? addMonths(monthStart(now), -11) : start;
  if (s > e) throw badRequest('start_time is later than end_time');
  return { start: s, end: e };
}

const ENABLED_VALUES = ['default', 'enable', 'disable'] as const;
const MAX_RETENTION = 60;

export function activityPaths(deps: ActivityPathDeps): PathDef<Fields>[] {
  const { activity } = deps;
  return [
    definePath({
      pattern: 'internal/counters/activity',
      fields: { ...periodFields, current_billing_period: field.bool({ description: 'Report the current billing period (Ward: the last default_report_months).' }), limit_namespaces: field.int({ description: 'Namespaces to list at most (Ward has one namespace).' }) },
      synopsis: 'Report the clients seen in a period, by namespace, mount and month.',
      operations: {
        read: async (_req, d): Promise<LogicalResponse> => {
          const { start, end } = period(deps.now(), d.get('start_time'), d.get('end_time'));
          const data = activityReport(await activity.records(start, end), start, end);
          if (data === null) return { status: 204 };
          return d.has('current_billing_period') ? { data, warnings: ['current_billing_period is deprecated; unless otherwise specified, all requests will default to the current billing period'] } : { data };
        },
      },
    }),
    definePath({
      pattern: 'internal/counters/activity/monthly',
      fields: {},
      synopsis: 'Report the clients seen this month so far.',
      operations: {
        read: async (): Promise<LogicalResponse> => {
          const now = deps.now();
          const data = monthlyReport((await activity.records(now, now)).get(monthKey(now)) ?? [], now);
          return data === null ? { status: 204 } : { data };
        },
      },
    }),
    definePath({
      pattern: 'internal/counters/activity/export',
      fields: { ...periodFields, format: field.string({ default: 'json', description: 'json (one object a line) or csv.' }) },
      synopsis: 'Export each client seen in a period, as JSON lines or CSV.',
      operations: {
        read: async (_req, d): Promise<LogicalResponse> => {
          const format = d.get('format');
          if (format !== 'json' && format !== 'csv') throw badRequest(`invalid format: ${JSON.stringify(format)}`);
          // Vault's export defaults to the whole retained history up to now.
          const now = deps.now();
          const start = d.get('start_time') === 0 ? addMonths(monthStart(now), -activity.current.retentionMonths) : d.get('start_time');
          const { end } = period(now, start, d.get('end_time'));
          const body = exportBody(await activity.records(start, end), start, end, format);
          if (body === null) return { status: 204 };
          return { raw: { status: 200, contentType: format === 'json' ? 'application/json' : 'text/csv', body } };
        },
      },
    }),
    definePath({
      pattern: 'internal/counters/config',
      fields: {
        enabled: field.string({ description: 'enable, disable or default (default-enabled).' }),
        retention_months: field.int({ description: 'Months of client records kept (at most 60).' }),
        default_report_months: field.int({ description: 'Months a report covers when no start_time is given.' }),
      },
      synopsis: 'Client counting: on or off, and how many months are kept.',
      operations: {
        read: async () => {
          const c = activity.current;
          return {
            data: {
              enabled: c.enabled === 'default' ? 'default-enabled' : c.enabled,
              retention_months: c.retentionMonths,
              default_report_months: 12,
              queries_available: true,
              reporting_enabled: false,
              minimum_retention_months: 48,
              billing_start_timestamp: rfc3339(addMonths(monthStart(deps.now()), -11)),
            },
          };
        },
        update: async (_req, d): Promise<LogicalResponse | null> => {
          const warnings: string[] = [];
          const next: ActivityConfig = { ...activity.current };
          if (d.has('default_report_months')) warnings.push('default_report_months is deprecated: defaulting to billing start time');
          if (d.has('retention_months')) next.retentionMonths = d.get('retention_months');
          if (next.retentionMonths < 0) throw badRequest('retention_months must be greater than or equal to 0');
          if (next.retentionMonths > MAX_RETENTION) {
            next.retentionMonths = MAX_RETENTION;
            warnings.push(`retention_months cannot be greater than ${MAX_RETENTION}; capped to ${MAX_RETENTION}.`);
          }
          if (d.has('enabled')) {
            const e = d.get('enabled');
            if (!(ENABLED_VALUES as readonly string[]).includes(e)) throw badRequest('enabled must be one of "default", "enable", "disable"');
            if (activity.enabled && e === 'disable') warnings.push('the current monthly segment will be deleted because the activity log was disabled');
            next.enabled = e as ActivityConfig['enabled'];
          }
          if (next.enabled !== 'disable' && next.retentionMonths === 0) throw badRequest('retention_months cannot be 0 while enabled');
          await activity.configure(next);
          return warnings.length > 0 ? { warnings } : null;
        },
      },
    }),
    definePath({
      pattern: 'internal/counters/tokens',
      fields: {},
      synopsis: 'The number of service tokens.',
      operations: { read: async () => ({ data: { counters: { service_tokens: { total: await deps.serviceTokens() } } } }) },
    }),
    definePath({
      pattern: 'internal/counters/entities',
      fields: {},
      synopsis: 'The number of entities.',
      operations: { read: async () => ({ data: { counters: { entities: { total: deps.entities() } } } }) },
    }),
  ];
}
