/**
 * Severity of a file log line, from what writers commonly put near its start: a syslog priority `<3>`,
 * `level=error` / `"level":"error"` (logfmt, JSON), or a word such as ERROR, WARN, INFO (any case, often
 * in brackets). Only the first HEAD characters are looked at, so a message that mentions "error" later
 * is not mistaken for an error line.
 */
import type { LogLevel } from '@cerebro/shared/protocol/messages';

const HEAD = 120;

const WORDS: Readonly<Record<string, LogLevel>> = {
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
  fatal: 'fatal',
  panic: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  severe: 'error',
  err: 'error',
  error: 'error',
  eror: 'error',
  warn: 'warn',
  warning: 'warn',
  notice: 'info',
  info: 'info',
  information: 'info',
  informational: 'info',
  debug: 'debug',
  dbug: 'debug',
  trace: 'trace',
  verbose: 'trace',
};

/** Syslog severities 0–7 (RFC 5424), also journald's PRIORITY. */
export const SYSLOG_SEVERITY: readonly LogLevel[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];

const SYSLOG_PRI = /^<(\d{1,3})>/;
const KEY_VALUE = /\b(?:level|lvl|severity|loglevel)"?\s*[=:]\s*"?([A-Za-z]+)/i;
// A level word standing alone: not part of a longer word or identifier (ErrorHandler, info.txt, /debug/).
const WORD = /(?:^|[\s[(<|:])(emerg(?:ency)?|alert|fatal|panic|crit(?:ical)?|severe|err(?:or)?|eror|warn(?:ing)?|notice|info(?:rmation(?:al)?)?|debug|dbug|trace|verbose)(?=$|[\s\]):|>,-])/i;
// Single-letter levels as glog/klog and Android write them: "E1104 12:00:00.123", "W/Tag:".
const GLOG = /^([EWIDF])\d{4} \d\d:\d\d:\d\d/;
const GLOG_LEVEL: Readonly<Record<string, LogLevel>> = { E: 'error', W: 'warn', I: 'info', D: 'debug', F: 'fatal' };

export function detectLevel(line: string): LogLevel {
  const head = line.length > HEAD ? line.slice(0, HEAD) : line;
  const pri = SYSLOG_PRI.exec(head);
  if (pri) {
    const n = Number(pri[1]);
    if (n <= 191) return SYSLOG_SEVERITY[n % 8] as LogLevel;
  }
  const kv = KEY_VALUE.exec(head);
  if (kv) {
    const level = WORDS[(kv[1] as string).toLowerCase()];
    if (level) return level;
  }
  const word = WORD.exec(head);
  if (word) return WORDS[(word[1] as string).toLowerCase()] ?? 'unknown';
  const glog = GLOG.exec(head);
  if (glog) return GLOG_LEVEL[glog[1] as string] ?? 'unknown';
  return 'unknown';
}
