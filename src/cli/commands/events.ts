/**
 * `events subscribe`: Ward's event notifications (sys/events/subscribe, a websocket), one
 * line of JSON per event as the vault CLI prints them, until interrupted or `-timeout`
 * passes. Unlike the operator's subscription it does not reconnect: a refused or lost
 * stream ends the command with exit code 2, as the vault CLI does.
 */
import { UsageError } from '../flags.js';
import { CliError, describeError, type Command } from '../command.js';
import { parseDurationSeconds } from '../../lib/duration.js';

const subscribe: Command = {
  synopsis: 'Subscribe to event notifications',
  help: `events subscribe [options] EVENT_TYPE

  Prints the events of EVENT_TYPE, a glob such as kv* or kv-v2/data-write, one
  JSON line each, until interrupted. The token needs read on
  sys/events/subscribe/EVENT_TYPE, and receives only the events of paths its
  policies grant "subscribe" on (with matching subscribe_event_types).

      $ ward events subscribe -filter='data_path == secret/data/app' 'kv*'`,
  flags: [
    { name: 'filter', kind: 'string', usage: 'Filter expression selecting the events to print (e.g. operation == data-write).' },
    { name: 'namespaces', kind: 'strings', usage: 'Additional child namespaces to subscribe to (repeatable).' },
    { name: 'timeout', kind: 'string', usage: 'Close the subscription after this duration (e.g. 30s); default: never.' },
  ],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'events subscribe [options] EVENT_TYPE');
    let timeoutMs = 0;
    const t = ctx.flags.str('timeout');
    if (t !== undefined && t !== '') {
      try {
        timeoutMs = parseDurationSeconds(t) * 1000;
      } catch {
        throw new UsageError(`invalid -timeout "${t}" (want a duration such as 30s)`);
      }
    }
    const filter = ctx.flags.str('filter');
    const namespaces = ctx.flags.list('namespaces');
    return new Promise<number>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const sub = ctx.client.subscribeEvents({
        eventType: ctx.args[0]!,
        ...(filter ? { filter } : {}),
        ...(namespaces.length > 0 ? { namespaces } : {}),
        onEvent: (e) => ctx.out(`${JSON.stringify(e.raw)}\n`),
        onState: (s) => {
          if (s.error === undefined) return;
          sub.close();
          if (timer) clearTimeout(timer);
          reject(new CliError(`Error subscribing to events: ${describeError(s.error)}`, 2));
        },
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          sub.close();
          resolve(0);
        }, timeoutMs);
      }
    });
  },
};

export const eventsCommands: Record<string, Command> = { 'events subscribe': subscribe };
