/**
 * `cerebro-collector`: run the collector daemon, or show the status of a running one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_VERSION, CollectorAgent } from './agent';
import { ConfigError, applyConfig, applyEnv, defaultConfig, loadConfigFile, SOURCE_NAMES, type CollectorConfig } from './config';
import { enrol, EnrolError } from './trust/enrol';
import { createLogger } from './log';
import { collectInventory } from './sources/inventory';
import { runPtyHost } from './actions/pty-host';

const HELP = `cerebro-collector ${AGENT_VERSION} — streams this host's telemetry to a CEREBRO console

Usage:
  cerebro-collector enroll <console-url> <token> [--fingerprint SHA256] [--state-dir DIR] [--host-id ID]
                                       enrol this host once with a one-time token from
                                       \`cerebro-console enroll-token create\` (TLS, console pinned)
  cerebro-collector run [options]      collect and stream until stopped (SIGINT/SIGTERM)
  cerebro-collector status [options]   show the state of the collector using this state directory
  cerebro-collector inventory          print this host's static inventory as JSON
  cerebro-collector --help | --version

Options (flags override the config file, which overrides the defaults):
  --config FILE         JSON config file (fields: consoleUrl, plaintext, fingerprint, policyFile, token,
                        tokenFile, hostId, hostname, intervalMs, stateDir, spoolMaxBytes, procRoot, sysRoot,
                        sources, logLevel, logs)
  --console URL         console ingest URL (default: the enrolled one; env CEREBRO_CONSOLE_URL)
  --token TOKEN         static ingest token instead of enrolment (env CEREBRO_TOKEN); prefer --token-file
  --token-file FILE     file holding the static ingest token
  --fingerprint SHA256  console CA fingerprint to pin (static token over wss://; enroll: must match the token)
  --plaintext           allow a ws:// console URL (loopback development only; never the default)
  --policy-file FILE    command policy (default /etc/cerebro/collector-policy.json, else STATE_DIR/policy.json
                        when present): {"commands": {"deny": [..], "allow": [..]}, "terminals": false,
                        "terminalUser": "ops",
                        "remediation": {"allow": ["restart-service"], "allowedDirs": ["/var/log/app"],
                        "scriptsDir": DIR, "supervisorConfig": FILE}}; it wins over the console
  --host-id ID          stable host id (default: /etc/machine-id)
  --interval MS         collection interval in milliseconds (default 1000)
  --state-dir DIR       spool and status directory (default /var/lib/cerebro-collector as root,
                        else $XDG_STATE_HOME/cerebro-collector; env CEREBRO_COLLECTOR_STATE)
  --spool-max-bytes N   disk bound of the spool of unsent batches (default 268435456)
  --disable SOURCE      switch a source off (repeatable): ${SOURCE_NAMES.join(', ')}
  --proc-root DIR       procfs root (default /proc)    --sys-root DIR   sysfs root (default /sys)
  --log-level LEVEL     debug, info, warn or error (default info)
  --log-file PATTERN    follow log files matching PATTERN (repeatable; replaces logs.files)
  --journal MODE        the systemd journal: auto (default: where journald runs), on or off
  --no-logs             collect no logs at all

Logs (config file field "logs", or false to switch them off):
  files          glob patterns (absolute; * ? [..] **), or "auto" (default): /var/log/syslog and
                 /var/log/messages where they exist, only when no journal is followed
  exclude        base-name patterns never followed (default *.gz *.xz *.bz2 *.zst *.zip *.lz4)
  journal        true, false or "auto" (default): journalctl -o json --follow, resumed at the saved cursor
  startAt        "end" (default) or "beginning": where files found at the very first start begin; files
                 appearing later, and files created while the collector was stopped, are read from the start
  rateLimit      {"perSec": 1000, "burst": 5000}: records over it are dropped and counted
  redactDefaults true (default): replace passwords, tokens, API keys, bearer/basic credentials, AWS keys,
                 private keys, JWTs and URL credentials by <redacted>
  redact         more patterns to redact (JavaScript regular expressions; a leading (?i) ignores case)
  multiline      {"enabled": true, "maxLines": 500, "maxChars": 16384, "idleMs": 500}: stack traces and
                 other continuation lines are joined to their record
  partialLineMs  a last line without its newline is sent after this long (default 5000)
  maxBatchBytes  most bytes of log text per batch (default 1048576; the rest waits for the next tick)
  rescanMs       how often the patterns are expanded again for new files (default 5000)
  Read offsets (per device and inode) and the journal cursor live in STATE_DIR/log-offsets.json.
`;

function parse(argv: string[]): { command: string; config: CollectorConfig; args: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      config: { type: 'string' },
      console: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      fingerprint: { type: 'string' },
      plaintext: { type: 'boolean' },
      'policy-file': { type: 'string' },
      'host-id': { type: 'string' },
      interval: { type: 'string' },
      'state-dir': { type: 'string' },
      'spool-max-bytes': { type: 'string' },
      disable: { type: 'string', multiple: true },
      'proc-root': { type: 'string' },
      'sys-root': { type: 'string' },
      'log-level': { type: 'string' },
      'log-file': { type: 'string', multiple: true },
      journal: { type: 'string' },
      'no-logs': { type: 'boolean' },
    },
  });
  if (values.help) return { command: 'help', config: defaultConfig(), args: [] };
  if (values.version) return { command: 'version', config: defaultConfig(), args: [] };
  const command = positionals[0] ?? 'help';
  const maxArgs = command === 'enroll' ? 3 : 1;
  if (positionals.length > maxArgs) throw new ConfigError(`unexpected argument "${positionals[maxArgs]}"; see --help`);
  let config = defaultConfig();
  if (values.config) config = loadConfigFile(config, values.config);
  config = applyEnv(config, process.env);
  const sources: Record<string, boolean> = {};
  for (const name of values.disable ?? []) sources[name] = false;
  config = applyConfig(
    config,
    {
      consoleUrl: values.console,
      plaintext: values.plaintext,
      fingerprint: command === 'enroll' ? undefined : values.fingerprint,
      policyFile: values['policy-file'],
      token: values.token,
      tokenFile: values['token-file'],
      hostId: values['host-id'],
      intervalMs: values.interval,
      stateDir: values['state-dir'],
      spoolMaxBytes: values['spool-max-bytes'],
      procRoot: values['proc-root'],
      sysRoot: values['sys-root'],
      logLevel: values['log-level'],
      sources: values.disable ? sources : undefined,
      logs: logFlags(values['log-file'], values.journal, values['no-logs']),
    },
    'command line',
  );
  return { command, config, args: command === 'enroll' ? [...positionals.slice(1), ...(values.fingerprint ? [values.fingerprint] : [])] : [] };
}

async function enrolCommand(config: CollectorConfig, args: string[]): Promise<number> {
  const [url, token, fingerprint] = args;
  if (!url || !token) throw new ConfigError('enroll needs the console URL and the token: `cerebro-collector enroll wss://CONSOLE:7070/ingest cbe1.…` (the line `cerebro-console enroll-token create` prints)');
  const saved = await enrol({ url, token, fingerprint, hostId: config.hostId, hostname: config.hostname, stateDir: config.stateDir, agentVersion: AGENT_VERSION });
  process.stdout.write(`enrolled host ${saved.hostId} with ${saved.consoleUrl} as credential ${saved.credentialId}; console pinned to SHA-256 ${saved.fingerprint}; saved in ${config.stateDir}. Start it with: cerebro-collector run${config.stateDir ? ` --state-dir ${config.stateDir}` : ''}\n`);
  return 0;
}

/** The log flags as a partial `logs` config value (undefined: none given). */
function logFlags(files: string[] | undefined, journal: string | undefined, noLogs: boolean | undefined): unknown {
  if (noLogs) return false;
  if (journal !== undefined && journal !== 'auto' && journal !== 'on' && journal !== 'off') throw new ConfigError(`--journal must be auto, on or off, got "${journal}"`);
  if (!files && journal === undefined) return undefined;
  return { ...(files ? { files } : {}), ...(journal === undefined ? {} : { journal: journal === 'auto' ? 'auto' : journal === 'on' }) };
}

async function run(config: CollectorConfig): Promise<void> {
  const log = createLogger(config.logLevel);
  const agent = new CollectorAgent({ config, log });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log('info', `${signal}: stopping`);
    agent.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log('error', `stop failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('uncaughtException', (e) => log('error', `uncaught: ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e) => log('error', `unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  await agent.start();
}

function status(config: CollectorConfig): number {
  const file = path.join(config.stateDir, 'status.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    process.stdout.write(`no collector status in ${config.stateDir} (is one running with --state-dir ${config.stateDir}?)\n`);
    return 1;
  }
  const s = JSON.parse(text) as { pid: number; updatedMs: number; hostId: string; consoleUrl: string; link: { state: string; lastError: string | null; acks: number }; spool: Record<string, number> };
  let running = false;
  try {
    process.kill(s.pid, 0);
    running = true;
  } catch {
    running = false;
  }
  const age = Math.round((Date.now() - s.updatedMs) / 1000);
  process.stdout.write(
    [
      `collector pid ${s.pid}: ${running ? 'running' : 'not running'} (status written ${age}s ago)`,
      `host id:   ${s.hostId}`,
      `console:   ${s.consoleUrl} — ${s.link.state}${s.link.lastError ? ` (last error: ${s.link.lastError})` : ''}`,
      `spool:     ${s.spool['pendingBatches']} batches pending (${s.spool['pendingBytes']} bytes); dropped ${s.spool['droppedBatches']} batches / ${s.spool['droppedSamples']} samples since created; rejected ${s.spool['rejectedBatches']}`,
    ].join('\n') + '\n',
  );
  return running ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'pty-host') {
    // Forked by the collector for one terminal session (actions/pty-host.ts); not a user command.
    await runPtyHost();
    return -1;
  }
  let parsed: { command: string; config: CollectorConfig; args: string[] };
  try {
    parsed = parse(argv);
  } catch (e) {
    const message = e instanceof ConfigError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? (e as Error).message : String(e);
    process.stderr.write(`cerebro-collector: ${message}\n`);
    return 2;
  }
  switch (parsed.command) {
    case 'help':
      process.stdout.write(HELP);
      return 0;
    case 'version':
      process.stdout.write(`${AGENT_VERSION}\n`);
      return 0;
    case 'run':
      try {
        await run(parsed.config);
      } catch (e) {
        process.stderr.write(`cerebro-collector: ${e instanceof ConfigError ? e.message : ((e as Error).stack ?? String(e))}\n`);
        return 2;
      }
      return -1; // keeps running
    case 'status':
      return status(parsed.config);
    case 'enroll':
      try {
        return await enrolCommand(parsed.config, parsed.args);
      } catch (e) {
        if (!(e instanceof EnrolError || e instanceof ConfigError)) throw e;
        process.stderr.write(`cerebro-collector: ${e.message}\n`);
        return 2;
      }
    case 'inventory':
      process.stdout.write(JSON.stringify(await collectInventory({ procRoot: parsed.config.procRoot })) + '\n');
      return 0;
    default:
      process.stderr.write(`cerebro-collector: unknown command "${parsed.command}"; commands are enroll, run, status, inventory (see --help)\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cerebro-collector: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
