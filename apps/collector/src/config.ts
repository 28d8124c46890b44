/**
 * Collector configuration: defaults < JSON config file < environment < command-line flags.
 * Anything wrong is refused at start with a message naming the field, the value and what is expected.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LOGS, LogsConfigError, applyLogs, type LogsConfig } from './logs/config';

export const SOURCE_NAMES = ['cpu', 'load', 'memory', 'disks', 'filesystems', 'network', 'processes', 'sockets'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface SourceSetting {
  readonly enabled: boolean;
  /** Collect on every Nth tick (expensive sources scan less often). */
  readonly intervalTicks: number;
  /**
   * processes only: read each process's /proc/<pid>/io for its disk read and write rates (default true; one
   * more kept-open descriptor and read per process and scan). Off, the process table's disk columns are empty
   * and the console cannot tell which process a disk's I/O came from.
   */
  readonly diskIo?: boolean;
}

export interface CollectorConfig {
  /** wss:// URL of the console's ingest endpoint (ws:// only with `plaintext`); after enrolment the enrolled URL is the default. */
  readonly consoleUrl: string;
  /** Allow a plain ws:// connection (loopback development only); never the default. */
  readonly plaintext: boolean;
  /** SHA-256 fingerprint of the console CA to pin, for a static-token collector over wss:// (enrolment stores its own). */
  readonly fingerprint: string;
  /** The host's command policy file (trust/policy.ts); '' = /etc/cerebro/collector-policy.json or STATE_DIR/policy.json when present. */
  readonly policyFile: string;
  /** Ingest token (from `cerebro-console token create`). */
  readonly token: string;
  /** Stable host identity; default /etc/machine-id, else the hostname. */
  readonly hostId: string;
  readonly hostname: string;
  /** Collection tick, milliseconds. */
  readonly intervalMs: number;
  /** Where the spool and status live. */
  readonly stateDir: string;
  /** Disk bound of the spool of unacked batches, bytes. */
  readonly spoolMaxBytes: number;
  readonly procRoot: string;
  readonly sysRoot: string;
  readonly sources: Readonly<Record<SourceName, SourceSetting>>;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Log files and the journal (logs/config.ts); null: no logs. */
  readonly logs: LogsConfig | null;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const DEFAULT_INTERVAL_TICKS: Record<SourceName, number> = { cpu: 1, load: 1, memory: 1, disks: 1, filesystems: 1, network: 1, processes: 2, sockets: 10 };

function defaultStateDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/cerebro-collector';
  const base = process.env['XDG_STATE_HOME'] || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'cerebro-collector');
}

function defaultHostId(): string {
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = fs.readFileSync(file, 'utf8').trim();
      if (/^[0-9a-f]{32}$/.test(id)) return id;
    } catch {
      // try the next one
    }
  }
  return os.hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 128) || 'host';
}

/** The default console URL; an enrolled collector uses its enrolled URL instead while this is unchanged. */
export const DEFAULT_CONSOLE_URL = 'ws://127.0.0.1:7070/ingest';

export function defaultConfig(): CollectorConfig {
  const sources = {} as Record<SourceName, SourceSetting>;
  for (const name of SOURCE_NAMES) sources[name] = { enabled: true, intervalTicks: DEFAULT_INTERVAL_TICKS[name] };
  sources.processes = { ...sources.processes, diskIo: true };
  return {
    consoleUrl: DEFAULT_CONSOLE_URL,
    plaintext: false,
    fingerprint: '',
    policyFile: '',
    token: '',
    hostId: defaultHostId(),
    hostname: os.hostname().slice(0, 255),
    intervalMs: 1000,
    stateDir: defaultStateDir(),
    spoolMaxBytes: 256 * 1024 * 1024,
    procRoot: '/proc',
    sysRoot: '/sys',
    sources,
    logLevel: 'info',
    logs: DEFAULT_LOGS,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const FIELDS = ['consoleUrl', 'token', 'tokenFile', 'hostId', 'hostname', 'intervalMs', 'stateDir', 'spoolMaxBytes', 'procRoot', 'sysRoot', 'sources', 'logLevel', 'logs', 'plaintext', 'fingerprint', 'policyFile'] as const;

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function expectString(where: string, v: unknown, pattern?: RegExp, hint?: string): string {
  if (typeof v !== 'string' || v.length === 0 || (pattern && !pattern.test(v))) {
    throw new ConfigError(`${where} must be ${hint ?? 'a non-empty string'}, got ${show(v)}`);
  }
  return v;
}

function expectInt(where: string, v: unknown, min: number, max: number, unit: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${where} must be an integer from ${min} to ${max} (${unit}), got ${show(v)}`);
  }
  return n;
}

const HOST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const WS_URL = /^wss?:\/\/[^\s/]+(\/\S*)?$/;

/** Apply a partial config (from the file, the environment or flags) onto `base`, validating each field. */
export function applyConfig(base: CollectorConfig, input: Record<string, unknown>, origin: string): CollectorConfig {
  const out: Mutable<CollectorConfig> = { ...base, sources: { ...base.sources } };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const where = `${origin}: field "${key}"`;
    switch (key as (typeof FIELDS)[number]) {
      case 'consoleUrl':
        out.consoleUrl = expectString(where, value, WS_URL, 'a ws:// or wss:// URL such as ws://127.0.0.1:7070/ingest');
        break;
      case 'plaintext':
        if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') throw new ConfigError(`${where} must be true or false, got ${show(value)}`);
        out.plaintext = value === true || value === 'true';
        break;
      case 'fingerprint':
        out.fingerprint = expectString(where, value, /^(sha-?256:)?([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/i, 'a SHA-256 fingerprint (64 hex digits, colons allowed)');
        break;
      case 'policyFile':
        out.policyFile = expectString(where, value);
        break;
      case 'token':
        out.token = expectString(where, value, /^[\x21-\x7e]{8,512}$/, 'a token of 8–512 printable characters (from `cerebro-console token create`)');
        break;
      case 'tokenFile': {
        const file = expectString(where, value);
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8').trim();
        } catch (e) {
          throw new ConfigError(`${where}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a readable file holding the token`);
        }
        out.token = expectString(`${where} (contents of ${file})`, text, /^[\x21-\x7e]{8,512}$/, 'a token of 8–512 printable characters');
        break;
      }
      case 'hostId':
        out.hostId = expectString(where, value, HOST_ID, '1–128 letters, digits, ".", "_", ":" or "-"');
        break;
      case 'hostname':
        out.hostname = expectString(where, value, /^.{1,255}$/s, 'a host name of 1–255 characters');
        break;
      case 'intervalMs':
        out.intervalMs = expectInt(where, value, 100, 60_000, 'milliseconds');
        break;
      case 'stateDir':
        out.stateDir = expectString(where, value);
        break;
      case 'spoolMaxBytes':
        out.spoolMaxBytes = expectInt(where, value, 1024 * 1024, 1024 ** 4, 'bytes; at least 1 MiB');
        break;
      case 'procRoot':
        out.procRoot = expectString(where, value);
        break;
      case 'sysRoot':
        out.sysRoot = expectString(where, value);
        break;
      case 'logLevel':
        if (value !== 'debug' && value !== 'info' && value !== 'warn' && value !== 'error') {
          throw new ConfigError(`${where} must be one of debug, info, warn, error, got ${show(value)}`);
        }
        out.logLevel = value;
        break;
      case 'sources':
        out.sources = applySources(out.sources, value, where);
        break;
      case 'logs':
        try {
          out.logs = applyLogs(out.logs, value, origin);
        } catch (e) {
          if (e instanceof LogsConfigError) throw new ConfigError(e.message);
          throw e;
        }
        break;
      default:
        throw new ConfigError(`${origin}: unknown field "${key}"; known fields are ${FIELDS.join(', ')}`);
    }
  }
  return out;
}

function applySources(base: Record<SourceName, SourceSetting>, value: unknown, where: string): Record<SourceName, SourceSetting> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where} must be an object such as {"processes": {"enabled": true, "intervalTicks": 2}}, got ${show(value)}`);
  }
  const out = { ...base };
  for (const [name, setting] of Object.entries(value)) {
    if (!(SOURCE_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(`${where}: unknown source "${name}"; known sources are ${SOURCE_NAMES.join(', ')}`);
    }
    const src = name as SourceName;
    if (typeof setting === 'boolean') {
      out[src] = { ...out[src], enabled: setting };
      continue;
    }
    if (typeof setting !== 'object' || setting === null) {
      throw new ConfigError(`${where}.${name} must be true, false or {"enabled": bool, "intervalTicks": n}, got ${show(setting)}`);
    }
    const s = setting as Record<string, unknown>;
    const known = src === 'processes' ? ['enabled', 'intervalTicks', 'diskIo'] : ['enabled', 'intervalTicks'];
    for (const k of Object.keys(s)) {
      if (!known.includes(k)) throw new ConfigError(`${where}.${name}: unknown field "${k}"; known fields are ${known.join(', ')}`);
    }
    for (const k of ['enabled', 'diskIo']) {
      if (s[k] !== undefined && typeof s[k] !== 'boolean') throw new ConfigError(`${where}.${name}.${k} must be true or false, got ${show(s[k])}`);
    }
    out[src] = {
      ...out[src],
      enabled: (s['enabled'] as boolean | undefined) ?? out[src].enabled,
      intervalTicks: s['intervalTicks'] === undefined ? out[src].intervalTicks : expectInt(`${where}.${name}.intervalTicks`, s['intervalTicks'], 1, 3600, 'ticks'),
      ...(s['diskIo'] !== undefined ? { diskIo: s['diskIo'] as boolean } : {}),
    };
  }
  return out;
}

/** Read and apply a JSON config file. */
export function loadConfigFile(base: CollectorConfig, file: string): CollectorConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold one JSON object, e.g. {"consoleUrl": "ws://console:7070/ingest", "tokenFile": "/etc/cerebro/token"}`);
  }
  return applyConfig(base, parsed as Record<string, unknown>, `config file ${file}`);
}

/** Environment variables that override the config file (and are overridden by flags). */
export const ENV_FIELDS = { CEREBRO_CONSOLE_URL: 'consoleUrl', CEREBRO_TOKEN: 'token', CEREBRO_HOST_ID: 'hostId', CEREBRO_COLLECTOR_STATE: 'stateDir' } as const;

export function applyEnv(base: CollectorConfig, env: NodeJS.ProcessEnv): CollectorConfig {
  let out = base;
  for (const [variable, field] of Object.entries(ENV_FIELDS)) {
    const value = env[variable];
    // Errors name the variable the user set, not the config field it maps to.
    if (value) out = applyConfig(out, { [field]: value }, `environment variable ${variable}`);
  }
  return out;
}

/** Checks that only make sense on the final config. */
export function finalCheck(config: CollectorConfig, enrolled = false): void {
  if (!enrolled && !config.token) {
    throw new ConfigError('no ingest token: pass --token, --token-file, CEREBRO_TOKEN or "token"/"tokenFile" in the config file (create one with `cerebro-console token create`), or enrol this host with `cerebro-collector enroll <console-url> <token>`');
  }
  if (config.consoleUrl.startsWith('ws://') && !config.plaintext) {
    throw new ConfigError(`${config.consoleUrl} is plaintext: the link carries credentials and commands, so it needs wss:// (enrol with \`cerebro-collector enroll <console-url> <token>\`). For loopback development only, set "plaintext": true in the config or pass --plaintext`);
  }
  if (config.consoleUrl.startsWith('wss://') && !enrolled && !config.fingerprint) {
    throw new ConfigError(`${config.consoleUrl}: a collector that is not enrolled must be given the console's certificate fingerprint to pin (--fingerprint, "fingerprint"); or enrol it with \`cerebro-collector enroll <console-url> <token>\``);
  }
}
