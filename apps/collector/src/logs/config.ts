/**
 * The `logs` section of the collector's config, its defaults and its validation. Every error names the
 * field (`logs.rateLimit.perSec`), the value and what is expected, like the rest of config.ts.
 */
import fs from 'node:fs';
import { MAX_LOG_MESSAGE_CHARS } from '@cerebro/shared/protocol/messages';
import { compileGlob } from './glob';
import { compileCustomRule } from './redact';

export interface LogsConfig {
  /**
   * Glob patterns of files to follow (absolute; `*`, `?`, `[...]`, `**`), or "auto": /var/log/syslog and
   * /var/log/messages, only where no journal is followed (on systemd hosts they repeat the journal).
   */
  readonly files: readonly string[] | 'auto';
  /** Base-name patterns never followed (compressed rotations). */
  readonly exclude: readonly string[];
  /** The systemd journal: "auto" follows it where journald runs. */
  readonly journal: boolean | 'auto';
  /** Where a file found at the collector's very first start begins: its end (only new lines) or its beginning. */
  readonly startAt: 'end' | 'beginning';
  readonly rateLimit: { readonly perSec: number; readonly burst: number };
  /** Apply the built-in secret patterns (passwords, tokens, keys, bearer headers, JWTs, URL credentials). */
  readonly redactDefaults: boolean;
  /** More patterns to redact (JavaScript regular expressions; a leading (?i) ignores case). */
  readonly redact: readonly string[];
  readonly multiline: { readonly enabled: boolean; readonly maxLines: number; readonly maxChars: number; readonly idleMs: number };
  /** A line without its newline is shipped after this long, ms. */
  readonly partialLineMs: number;
  /** Most bytes of log text in one batch (the rest waits for the next tick). */
  readonly maxBatchBytes: number;
  /** How often the patterns are expanded again to find new files, ms. */
  readonly rescanMs: number;
}

export const DEFAULT_LOGS: LogsConfig = {
  files: 'auto',
  exclude: ['*.gz', '*.xz', '*.bz2', '*.zst', '*.zip', '*.lz4'],
  journal: 'auto',
  startAt: 'end',
  rateLimit: { perSec: 1000, burst: 5000 },
  redactDefaults: true,
  redact: [],
  multiline: { enabled: true, maxLines: 500, maxChars: MAX_LOG_MESSAGE_CHARS, idleMs: 500 },
  partialLineMs: 5000,
  maxBatchBytes: 1024 * 1024,
  rescanMs: 5000,
};

/** The files "auto" stands for, where no journal is followed. */
export const AUTO_FILES = ['/var/log/syslog', '/var/log/messages'];

export const LOGS_FIELDS = ['files', 'exclude', 'journal', 'startAt', 'rateLimit', 'redactDefaults', 'redact', 'multiline', 'partialLineMs', 'maxBatchBytes', 'rescanMs'] as const;

/** Raised for a bad value; config.ts turns it into its ConfigError. */
export class LogsConfigError extends Error {}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function int(where: string, v: unknown, min: number, max: number, unit: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new LogsConfigError(`${where} must be an integer from ${min} to ${max} (${unit}), got ${show(v)}`);
  return v;
}

function bool(where: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new LogsConfigError(`${where} must be true or false, got ${show(v)}`);
  return v;
}

function strings(where: string, v: unknown, check: (s: string, where: string) => void): string[] {
  if (!Array.isArray(v)) throw new LogsConfigError(`${where} must be a list of strings, got ${show(v)}`);
  return v.map((s, i) => {
    if (typeof s !== 'string' || s.length === 0) throw new LogsConfigError(`${where}, item ${i + 1}, must be a non-empty string, got ${show(s)}`);
    check(s, `${where}, item ${i + 1}`);
    return s;
  });
}

function object(where: string, v: unknown, fields: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new LogsConfigError(`${where} must be an object, got ${show(v)}`);
  for (const k of Object.keys(v)) if (!fields.includes(k)) throw new LogsConfigError(`${where}: unknown field "${k}"; known fields are ${fields.join(', ')}`);
  return v as Record<string, unknown>;
}

/**
 * Apply a `logs` value onto `base`: false (off), true (defaults), or an object of fields. `origin` says
 * where the value came from ("config file /etc/cerebro/collector.json"); errors read
 * `<origin>: field "logs.rateLimit.perSec" must be ...`.
 */
export function applyLogs(base: LogsConfig | null, value: unknown, origin: string): LogsConfig | null {
  if (value === false || value === null) return null;
  if (value === true) return base ?? DEFAULT_LOGS;
  const field = (name: string): string => `${origin}: field "logs${name ? `.${name}` : ''}"`;
  const o = object(field(''), value, LOGS_FIELDS);
  const out: { -readonly [K in keyof LogsConfig]: LogsConfig[K] } = { ...(base ?? DEFAULT_LOGS) };
  for (const [key, v] of Object.entries(o)) {
    const w = field(key);
    switch (key as (typeof LOGS_FIELDS)[number]) {
      case 'files':
        out.files = v === 'auto' ? 'auto' : strings(w, v, checkGlob);
        break;
      case 'exclude':
        out.exclude = strings(w, v, () => undefined);
        break;
      case 'journal':
        if (v !== 'auto' && typeof v !== 'boolean') throw new LogsConfigError(`${w} must be true, false or "auto", got ${show(v)}`);
        out.journal = v;
        break;
      case 'startAt':
        if (v !== 'end' && v !== 'beginning') throw new LogsConfigError(`${w} must be "end" or "beginning", got ${show(v)}`);
        out.startAt = v;
        break;
      case 'rateLimit': {
        const r = object(w, v, ['perSec', 'burst']);
        const perSec = r['perSec'] === undefined ? out.rateLimit.perSec : int(field('rateLimit.perSec'), r['perSec'], 1, 1_000_000, 'records per second');
        const burst = r['burst'] === undefined ? Math.max(out.rateLimit.burst, perSec) : int(field('rateLimit.burst'), r['burst'], 1, 10_000_000, 'records');
        if (burst < perSec) throw new LogsConfigError(`${field('rateLimit.burst')} (${burst}) must be at least rateLimit.perSec (${perSec})`);
        out.rateLimit = { perSec, burst };
        break;
      }
      case 'redactDefaults':
        out.redactDefaults = bool(w, v);
        break;
      case 'redact':
        out.redact = strings(w, v, checkRegex);
        break;
      case 'multiline': {
        const m = object(w, v, ['enabled', 'maxLines', 'maxChars', 'idleMs']);
        out.multiline = {
          enabled: m['enabled'] === undefined ? out.multiline.enabled : bool(field('multiline.enabled'), m['enabled']),
          maxLines: m['maxLines'] === undefined ? out.multiline.maxLines : int(field('multiline.maxLines'), m['maxLines'], 1, 10_000, 'lines'),
          maxChars: m['maxChars'] === undefined ? out.multiline.maxChars : int(field('multiline.maxChars'), m['maxChars'], 256, MAX_LOG_MESSAGE_CHARS, 'characters'),
          idleMs: m['idleMs'] === undefined ? out.multiline.idleMs : int(field('multiline.idleMs'), m['idleMs'], 0, 60_000, 'milliseconds'),
        };
        break;
      }
      case 'partialLineMs':
        out.partialLineMs = int(w, v, 0, 600_000, 'milliseconds');
        break;
      case 'maxBatchBytes':
        out.maxBatchBytes = int(w, v, 64 * 1024, 2 * 1024 * 1024, 'bytes; the console takes frames of at most 4 MiB');
        break;
      case 'rescanMs':
        out.rescanMs = int(w, v, 500, 3_600_000, 'milliseconds');
        break;
    }
  }
  return out;
}

function checkGlob(s: string, where: string): void {
  try {
    compileGlob(s);
  } catch (e) {
    throw new LogsConfigError(`${where}: ${(e as Error).message}`);
  }
}

function checkRegex(s: string, where: string): void {
  try {
    compileCustomRule(s);
  } catch (e) {
    throw new LogsConfigError(`${where}: ${(e as Error).message}`);
  }
}

/** The file patterns to follow: "auto" resolves to the syslog files that exist, only where no journal is followed. */
export function resolveFiles(config: LogsConfig, journalFollowed: boolean, exists: (p: string) => boolean = fs.existsSync): string[] {
  if (config.files !== 'auto') return [...config.files];
  return journalFollowed ? [] : AUTO_FILES.filter(exists);
}
