/**
 * `sys/loggers` and `sys/loggers/:name`: read, set (POST level) and revert (DELETE) the
 * log level at run time, as Vault. Changes last until the server restarts; a revert goes
 * back to the level the server was started with.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { parseLevelName, type LoggerControl, type LogLevelName } from '../loggers/control.js';

const levelField = field.string({ description: 'trace, debug, info, warn or error' });

/** The `level` of a write, with Vault's texts for a missing, empty or unknown one. */
function levelOf(d: FieldData<{ level: typeof levelField }>): LogLevelName {
  if (!d.has('level')) throw badRequest('level is required');
  const raw = d.get('level');
  if (raw === '') throw badRequest('level is empty');
  const level = parseLevelName(raw);
  if (level === undefined) throw badRequest(`invalid level provided: unknown log level: ${raw.trim().toLowerCase()}`);
  return level;
}

const notFound = (name: string): Error => badRequest(`logger ${JSON.stringify(name)} not found`);

export function loggerPaths(control: LoggerControl): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'loggers/?',
      fields: { level: levelField },
      synopsis: 'Read or change the log level of every logger.',
      operations: {
        read: async () => ({ data: control.levels() }),
        update: async (_req, d) => {
          control.setAll(levelOf(d));
          return null;
        },
        delete: async () => {
          control.revertAll();
          return null;
        },
      },
    }),
    definePath({
      pattern: 'loggers/(?<name>.+)',
      fields: { name: field.string({ required: true }), level: levelField },
      synopsis: 'Read or change the log level of one logger (core, watchdog, …).',
      operations: {
        read: async (_req, d) => {
          const level = control.levels()[d.get('name')];
          return { data: level === undefined ? {} : { [d.get('name')]: level } };
        },
        update: async (_req, d) => {
          if (!control.setOne(d.get('name'), levelOf(d))) throw notFound(d.get('name'));
          return null;
        },
        delete: async (_req, d) => {
          if (!control.revertOne(d.get('name'))) throw notFound(d.get('name'));
          return null;
        },
      },
    }),
  ];
}
