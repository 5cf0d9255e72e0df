/**
 * The `syslog` audit device's options, as Vault's (go-syslog's) names them: `facility`
 * (default AUTH, case-insensitive) and `tag` (default "vault"); records go out at
 * severity INFO, so the default PRI is <38>. Plus `format` (json or jsonx) and `prefix`.
 */
import { badRequest } from '../../sdk/errors.js';
import { checkFormat } from '../format-option.js';

export interface SyslogOptions {
  /** The facility's name in lower case, as syslog tools spell it ("auth", "local0"). */
  facility: string;
  /** facility * 8 + severity (INFO). */
  priority: number;
  tag: string;
  prefix: string;
}

/** RFC 5424 facility codes by go-syslog's names (8-11 have no name there either). */
const FACILITIES: Readonly<Record<string, number>> = {
  KERN: 0,
  USER: 1,
  MAIL: 2,
  DAEMON: 3,
  AUTH: 4,
  SYSLOG: 5,
  LPR: 6,
  NEWS: 7,
  UUCP: 8,
  CRON: 9,
  AUTHPRIV: 10,
  FTP: 11,
  LOCAL0: 16,
  LOCAL1: 17,
  LOCAL2: 18,
  LOCAL3: 19,
  LOCAL4: 20,
  LOCAL5: 21,
  LOCAL6: 22,
  LOCAL7: 23,
};

const SEVERITY_INFO = 6;

export function parseSyslogOptions(options: Record<string, string>): SyslogOptions {
  const name = (options['facility'] ?? '').trim().toUpperCase() || 'AUTH';
  const facility = FACILITIES[name];
  if (facility === undefined) throw badRequest(`error creating syslogger: invalid syslog facility: ${name}`);
  const tag = (options['tag'] ?? '').trim() || 'vault';
  // A newline in the tag would start a forged record of its own; Vault takes any tag.
  if (/[\x00-\x1f\x7f]/.test(tag)) throw badRequest('tag must not contain control characters');
  checkFormat(options);
  return { facility: name.toLowerCase(), priority: facility * 8 + SEVERITY_INFO, tag, prefix: options['prefix'] ?? '' };
}
