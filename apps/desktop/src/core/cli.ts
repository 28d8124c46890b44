/**
 * `cerebro-console`: run the console core headless, or talk to a running one through its local API
 * (found through $CEREBRO_HOME/console.json).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { routePath, type ApiErrorBody, type RouteName, type RouteResponses } from '@cerebro/shared/api/contract';
import { CONSOLE_VERSION, ConsoleCore, ConsoleStartError } from './console';
import { TokenStore } from './ingest/tokens';
import { enrollTokenCommand, hostCredentialsCommand, TrustCliError } from './trust/cli-trust';
import { TrustError } from './trust/console-trust';
import { logsCommand, LogsCliError } from './logs/cli-logs';
import { alertsCommand, incidentsCommand, IncidentsCliError } from './incidents/cli-incidents';
import { AgentsCliError, diagnoseCommand, modelsCommand } from './agents/cli-agents';
import { auditCommand, AuditCliError } from './audit/cli-audit';
import { notificationsCommand, NotificationsCliError } from './notify/cli-notifications';
import { cerebroHome, readConsoleInfo, type ConsoleInfo } from './paths';

const HELP = `cerebro-console ${CONSOLE_VERSION} — the CEREBRO console

Usage:
  cerebro-console serve [--ingest-host H] [--ingest-port N] [--api-port N] [--max-series-per-host N]
                        [--detector-warmup N] [--strong-series N] [--log-retention-days D] [--log-max-bytes N]
                        [--log-learning-minutes N] [--service-min-age S] [--insecure-plaintext]
                        [--models-dir DIR] [--model FILE] [--model-threads N]
                                      run the console core headless (ingest over TLS; plain ws://
                                      only with --insecure-plaintext, for loopback development) until SIGINT/SIGTERM
                                      (--detector-warmup: samples before a series may alert, default
                                      300; a test and benchmark aid, not for production; the stronger
                                      detector scores at most N of the hosts' headline series, default
                                      10000, ~8.6 KB each, 0: none, the cheap one scores all; logs are kept
                                      D days (default 7) and at most N bytes (default 2 GiB), oldest
                                      evicted first; new-template alerts start N minutes (default 60)
                                      after a host's first log record; GGUF models are listed from
                                      DIR (default $CEREBRO_HOME/models), FILE of it loaded at start,
                                      inference on N threads (default: cores - 1, at least 1); a
                                      listening process that ran S seconds (default 60) and exits, or
                                      then keeps restarting, raises an event alert)
  cerebro-console logs [--host H] [--level L] [--grep Q] [--limit N] [--follow] [--json]
                                      print the newest log records (L: error, warn+, "warn,error";
                                      Q: case-insensitive terms), then new ones with --follow
  cerebro-console hosts [--json]      list hosts (hostname first), from the running console
  cerebro-console alerts [--json] [--all]
                                      list open alerts (--all: resolved ones too), newest first
  cerebro-console incidents [--json] [--all]
                                      list open incidents (--all: resolved ones too) with their alerts
                                      in onset order and ranked causes
  cerebro-console notifications [--json] [--limit N] | notifications test CHANNEL
                                      incident notification deliveries and their outcomes (sent,
                                      failed, suppressed, gave up), newest first; or send a test
                                      message through one channel of $CEREBRO_HOME/notifications.json
  cerebro-console models [--json] | models load FILE | models unload
                                      the models folder's GGUF files and the loaded model; load or unload one
  cerebro-console diagnose INCIDENT [--json] [--rules]
                                      diagnose an incident with the loaded model (--rules, or no model:
                                      from the root-cause ranking), with its evidence references
  cerebro-console series HOST [KEY] [--minutes N] [--json]
                                      list a host's series, or print KEY's points (HOST: hostname or id)
  cerebro-console token create [--host ID] [--label TEXT]
                                      create a collector ingest token and print it (shown once)
  cerebro-console token list | token revoke ID
  cerebro-console enroll-token create [--ttl 15m] [--host-id H] [--url wss://NAME:PORT/ingest]
                                      a one-time enrolment token; prints the one line to run on the host
  cerebro-console enroll-token list
  cerebro-console hosts credentials [--json] | hosts revoke ID
                                      enrolled hosts' credentials; revoke one (credential or host id):
                                      its connection is closed at once and it cannot reconnect
  cerebro-console audit verify [--json]
                                      check the remediation audit log's hash chain and signed head;
                                      exit 1 naming the first broken record
  cerebro-console audit export [--out FILE]
                                      every audit record as JSON lines (stdout, or FILE)
  cerebro-console --help | --version

Data lives in $CEREBRO_HOME (default $XDG_DATA_HOME/cerebro, i.e. ~/.local/share/cerebro).
`;

class CliError extends Error {}

type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

function makeLog(min: string): Log {
  const order = ['debug', 'info', 'warn', 'error'];
  return (level, message) => {
    if (order.indexOf(level) >= order.indexOf(min)) process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
  };
}

function runningConsole(home: string): ConsoleInfo {
  const info = readConsoleInfo(home);
  if (!info) throw new CliError(`no running console found in ${home} (no console.json): start one with \`npm start\` or \`cerebro-console serve\`, or set CEREBRO_HOME`);
  return info;
}

async function api<N extends RouteName>(info: ConsoleInfo, name: N, hostId?: string, query?: Record<string, string>): Promise<RouteResponses[N]> {
  const url = new URL(routePath(name, hostId), info.apiUrl);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${info.apiToken}` } });
  } catch (e) {
    throw new CliError(`the console at ${info.apiUrl} (pid ${info.pid}) does not answer (${(e as Error).cause ?? (e as Error).message}); is it still running?`);
  }
  const body = (await res.json()) as RouteResponses[N] | ApiErrorBody;
  if (!res.ok) throw new CliError(`console: ${(body as ApiErrorBody).error?.message ?? res.statusText}`);
  return body as RouteResponses[N];
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

async function hosts(home: string, json: boolean): Promise<void> {
  const list = await api(runningConsole(home), 'hosts');
  if (json) {
    process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return;
  }
  if (list.length === 0) {
    process.stderr.write('no hosts yet: on the new host run `cerebro-collector enroll <ingest url> <token>` with a token from `cerebro-console enroll-token create`, then `cerebro-collector run` (README, "Add a host")\n');
    return;
  }
  process.stdout.write(
    table(
      list.map((h) => {
        const dropped = h.spool?.droppedBatches ?? 0;
        const row = [h.hostname, h.id, h.status, h.connected ? 'connected' : 'disconnected', `last seen ${ago(h.lastSeenMs)}`, `${h.seriesCount} series`];
        // Data a collector had to drop after a long outage is never silent.
        if (dropped > 0) row.push(`DROPPED ${dropped} batches (${h.spool?.droppedSamples ?? 0} samples) in outages`);
        if (h.sourceErrors.length > 0) row.push(`failing sources: ${h.sourceErrors.map((e) => e.source).join(', ')}`);
        return row;
      }),
    ),
  );
}

async function series(home: string, hostArg: string, key: string | undefined, minutes: number, json: boolean): Promise<void> {
  const info = runningConsole(home);
  const list = await api(info, 'hosts');
  const host = list.find((h) => h.id === hostArg) ?? list.find((h) => h.hostname === hostArg);
  if (!host) throw new CliError(`no host "${hostArg}"; known: ${list.map((h) => h.hostname).join(', ') || 'none'}`);
  if (!key) {
    const s = await api(info, 'series', host.id);
    if (json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    else process.stdout.write(table(s.map((x) => [x.key, String(round(x.lastValue)), ago(x.lastTs)])));
    return;
  }
  const to = Date.now();
  const data = await api(info, 'query', host.id, { key, from: String(to - minutes * 60_000), to: String(to), points: '500' });
  if (json) {
    process.stdout.write(JSON.stringify(data) + '\n');
    return;
  }
  const values = data.kind === 'raw' ? data.v : data.avg;
  process.stdout.write(table(data.t.map((t, i) => [new Date(t).toISOString(), String(round(values[i] as number))])));
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
}

function token(home: string, args: string[], host: string | undefined, label: string | undefined): void {
  const store = TokenStore.inHome(home);
  switch (args[0]) {
    case 'create': {
      const { token: t, record } = store.create({ hostId: host ?? null, label: label ?? '' });
      process.stderr.write(`token ${record.id} created${record.hostId ? ` for host ${record.hostId}` : ' (any host)'}; it is shown once:\n`);
      process.stdout.write(t + '\n');
      return;
    }
    case 'list':
      process.stdout.write(table(store.list().map((r) => [r.id, r.hostId ?? '(any host)', r.revoked ? 'revoked' : 'active', new Date(r.createdMs).toISOString(), r.label])));
      return;
    case 'revoke':
      if (!args[1]) throw new CliError('token revoke needs the token id (see `token list`)');
      if (!store.revoke(args[1])) throw new CliError(`no token with id ${args[1]}`);
      process.stderr.write(`token ${args[1]} revoked\n`);
      return;
    default:
      throw new CliError('token needs a subcommand: create, list or revoke');
  }
}

type ServeFlags = { 'models-dir'?: string; model?: string; 'model-threads'?: string; 'insecure-plaintext'?: boolean; 'ingest-host'?: string; 'ingest-port'?: string; 'api-port'?: string; 'max-series-per-host'?: string; 'detector-warmup'?: string; 'strong-series'?: string; 'service-min-age'?: string; 'log-level'?: string } & LogFlags;
type LogFlags = { 'log-retention-days'?: string; 'log-max-bytes'?: string; 'log-learning-minutes'?: string };

/** The log store's settings from serve's flags. */
function logStoreFlags(values: LogFlags): { retentionDays?: number; maxBytes?: number; learningMs?: number } {
  const positive = (name: keyof LogFlags, zeroOk = false): number | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (!zeroOk && n === 0)) throw new CliError(`--${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number, got "${v}"`);
    return n;
  };
  const days = positive('log-retention-days');
  const bytes = positive('log-max-bytes');
  const learning = positive('log-learning-minutes', true);
  return { ...(days !== undefined ? { retentionDays: days } : {}), ...(bytes !== undefined ? { maxBytes: bytes } : {}), ...(learning !== undefined ? { learningMs: learning * 60_000 } : {}) };
}

async function serve(home: string, values: ServeFlags): Promise<void> {
  const port = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`--${name} must be a port number from 0 to 65535, got "${v}"`);
    return n;
  };
  const log = makeLog(values['log-level'] ?? 'info');
  const ingestPort = port('ingest-port', values['ingest-port']);
  const apiPort = port('api-port', values['api-port']);
  const maxSeries = values['max-series-per-host'];
  if (maxSeries !== undefined && !(Number.isInteger(Number(maxSeries)) && Number(maxSeries) >= 1)) {
    throw new CliError(`--max-series-per-host must be a positive integer, got "${maxSeries}"`);
  }
  const warmup = values['detector-warmup'];
  if (warmup !== undefined && !(Number.isInteger(Number(warmup)) && Number(warmup) >= 2)) {
    throw new CliError(`--detector-warmup must be an integer of at least 2 samples, got "${warmup}"`);
  }
  const strong = values['strong-series'];
  if (strong !== undefined && !(Number.isInteger(Number(strong)) && Number(strong) >= 0)) {
    throw new CliError(`--strong-series must be an integer of at least 0 (0: the cheap detector scores every series), got "${strong}"`);
  }
  const minAge = values['service-min-age'];
  if (minAge !== undefined && !(Number.isFinite(Number(minAge)) && Number(minAge) >= 1)) {
    throw new CliError(`--service-min-age must be a number of seconds, at least 1, got "${minAge}"`);
  }
  const threads = values['model-threads'];
  if (threads !== undefined && !(Number.isInteger(Number(threads)) && Number(threads) >= 1 && Number(threads) <= 256)) {
    throw new CliError(`--model-threads must be an integer from 1 to 256, got "${threads}" (more threads than cores makes inference far slower)`);
  }
  const core = await ConsoleCore.start({
    home,
    log,
    models: {
      ...(values['models-dir'] !== undefined ? { dir: path.resolve(values['models-dir']) } : {}),
      ...(threads !== undefined ? { threads: Number(threads) } : {}),
      ...(values.model !== undefined ? { load: values.model } : {}),
    },
    ...(warmup !== undefined ? { detectorWarmup: Number(warmup) } : {}),
    ...(strong !== undefined ? { strongSeries: Number(strong) } : {}),
    ...(minAge !== undefined ? { incidents: { processEvents: { minAgeMs: Number(minAge) * 1000 } } } : {}),
    logs: logStoreFlags(values),
    ...(maxSeries !== undefined ? { store: { maxSeriesPerHost: Number(maxSeries) } } : {}),
    ingest: { ...(values['ingest-host'] ? { host: values['ingest-host'] } : {}), ...(ingestPort !== undefined ? { port: ingestPort } : {}), ...(values['insecure-plaintext'] ? { plaintext: true } : {}) },
    api: apiPort !== undefined ? { port: apiPort } : {},
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log('info', `${signal}: stopping`);
    core.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log('error', `stop failed: ${(e as Error).stack ?? String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('uncaughtException', (e) => log('error', `uncaught: ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e) => log('error', `unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      json: { type: 'boolean' },
      minutes: { type: 'string' },
      host: { type: 'string' },
      label: { type: 'string' },
      'ingest-host': { type: 'string' },
      'insecure-plaintext': { type: 'boolean' },
      'host-id': { type: 'string' },
      ttl: { type: 'string' },
      url: { type: 'string' },
      'ingest-port': { type: 'string' },
      'api-port': { type: 'string' },
      'max-series-per-host': { type: 'string' },
      'detector-warmup': { type: 'string' },
      'strong-series': { type: 'string' },
      'service-min-age': { type: 'string' },
      'log-level': { type: 'string' },
      'log-retention-days': { type: 'string' },
      'log-max-bytes': { type: 'string' },
      'log-learning-minutes': { type: 'string' },
      'models-dir': { type: 'string' },
      model: { type: 'string' },
      'model-threads': { type: 'string' },
      level: { type: 'string' },
      grep: { type: 'string' },
      limit: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
      all: { type: 'boolean' },
      rules: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(CONSOLE_VERSION + '\n');
    return 0;
  }
  const home = cerebroHome();
  const [command, ...rest] = positionals;
  switch (command) {
    case 'serve':
      await serve(home, values);
      return -1;
    case 'hosts':
      if (rest[0] === 'credentials' || rest[0] === 'revoke') {
        hostCredentialsCommand(home, rest, values.json ?? false, (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
        return 0;
      }
      await hosts(home, values.json ?? false);
      return 0;
    case 'enroll-token': {
      const flags = { json: values.json ?? false, ...(values.ttl !== undefined ? { ttl: values.ttl } : {}), ...(values['host-id'] !== undefined ? { hostId: values['host-id'] } : {}), ...(values.url !== undefined ? { url: values.url } : {}), ...(values.label !== undefined ? { label: values.label } : {}) };
      enrollTokenCommand(home, rest, flags, (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
      return 0;
    }
    case 'series': {
      if (!rest[0]) throw new CliError('series needs a host: `cerebro-console series HOST [KEY]`');
      const minutes = Number(values.minutes ?? '5');
      if (!(minutes > 0)) throw new CliError(`--minutes must be a positive number, got "${values.minutes}"`);
      await series(home, rest[0], rest[1], minutes, values.json ?? false);
      return 0;
    }
    case 'token':
      token(home, rest, values.host, values.label);
      return 0;
    case 'alerts':
      await alertsCommand(runningConsole(home), { json: values.json ?? false, all: values.all ?? false }, (text) => process.stdout.write(text + '\n'));
      return 0;
    case 'incidents':
      await incidentsCommand(runningConsole(home), { json: values.json ?? false, all: values.all ?? false }, (text) => process.stdout.write(text + '\n'));
      return 0;
    case 'models':
      await modelsCommand(runningConsole(home), rest, values.json ?? false, (text) => process.stdout.write(text + '\n'));
      return 0;
    case 'diagnose':
      await diagnoseCommand(runningConsole(home), rest[0], { json: values.json ?? false, rules: values.rules ?? false }, (text) => process.stdout.write(text + '\n'));
      return 0;
    case 'logs': {
      const limit = Number(values.limit ?? '100');
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new CliError(`--limit must be an integer from 1 to 1000, got "${values.limit}"`);
      const opts = { ...(values.host !== undefined ? { host: values.host } : {}), ...(values.level !== undefined ? { level: values.level } : {}), ...(values.grep !== undefined ? { grep: values.grep } : {}) };
      await logsCommand(runningConsole(home), { ...opts, limit, follow: values.follow ?? false, json: values.json ?? false }, (line) => process.stdout.write(line + '\n'));
      return 0;
    }
    case 'notifications': {
      const limit = Number(values.limit ?? '50');
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new CliError(`--limit must be an integer from 1 to 1000, got "${values.limit}"`);
      return notificationsCommand(runningConsole(home), rest, { json: values.json ?? false, limit }, (text) => process.stdout.write(text + '\n'));
    }
    case 'audit':
      return auditCommand(home, rest, { json: values.json ?? false, ...(values.out !== undefined ? { out: values.out } : {}) }, (line) => process.stdout.write(line + '\n'));
    default:
      throw new CliError(`unknown command "${command}"; see --help`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    const known = e instanceof CliError || e instanceof LogsCliError || e instanceof IncidentsCliError || e instanceof AgentsCliError || e instanceof AuditCliError || e instanceof NotificationsCliError || e instanceof TrustCliError || e instanceof TrustError || e instanceof ConsoleStartError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`cerebro-console: ${known ? (e as Error).message : ((e as Error).stack ?? String(e))}\n`);
    process.exitCode = known ? 2 : 1;
  },
);
