/**
 * Everything `run` needs to trust the console and be trusted by it, from the config and the state
 * directory: the URL and pin, the enrolled credential (or a static token), and the command gate with the
 * host's policy. Anything inconsistent is a ConfigError naming what to fix.
 */
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CommandEnvelope, CommandResult } from '@cerebro/shared/protocol/messages';
import { AuditHeadKeeper } from '../actions/audit-head';
import { remediationHandler } from '../actions/handler';
import { TerminalManager } from '../actions/terminals';
import type { TerminalExit, TerminalOutput } from '@cerebro/shared/protocol/messages';
import { ConfigError, DEFAULT_CONSOLE_URL, finalCheck, type CollectorConfig } from '../config';
import { CommandGate } from './command-gate';
import { CommandRunner, type CommandLog } from './commands';
import { CredentialError, loadCredential } from './credential';
import { NonceStore } from './nonces';
import { normaliseFingerprint } from './pin';
import { loadPolicy, PolicyError, type CollectorPolicy } from './policy';

export const SYSTEM_POLICY_FILE = '/etc/cerebro/collector-policy.json';

export interface LinkTrust {
  readonly url: string;
  readonly token: string;
  readonly pin: string | null;
  readonly auth: { readonly credentialId: string; readonly key: KeyObject } | undefined;
  /** Checks and runs a command; never rejects (trust/commands.ts). */
  readonly onCommand: (cmd: CommandEnvelope) => Promise<CommandResult>;
  readonly policy: CollectorPolicy;
  /** Terminal sessions opened by granted `terminal.open` commands. */
  readonly terminals: TerminalManager;
  /** Where the terminal sessions send their frames (the link, once it exists). */
  readonly setTerminalSink: (send: (msg: TerminalOutput | TerminalExit) => boolean) => void;
  /** One line for the start-up log: how this collector authenticates. */
  readonly describe: string;
}

function policyFor(config: CollectorConfig): { policy: CollectorPolicy; file: string | null } {
  try {
    if (config.policyFile) return { policy: loadPolicy(config.policyFile, false), file: config.policyFile };
    for (const file of [SYSTEM_POLICY_FILE, path.join(config.stateDir, 'policy.json')]) {
      if (fs.existsSync(file)) return { policy: loadPolicy(file, false), file };
    }
    return { policy: loadPolicy(SYSTEM_POLICY_FILE, true), file: null };
  } catch (e) {
    if (e instanceof PolicyError) throw new ConfigError(`${e.message}; fix the file (see \`cerebro-collector --help\`) or remove it`);
    throw e;
  }
}

export function resolveLinkTrust(config: CollectorConfig, log: CommandLog): LinkTrust {
  let credential;
  try {
    credential = loadCredential(config.stateDir);
  } catch (e) {
    if (e instanceof CredentialError) throw new ConfigError(e.message);
    throw e;
  }
  if (credential && credential.hostId !== config.hostId) {
    throw new ConfigError(`this state directory was enrolled as host ${credential.hostId}, but the collector runs as host ${config.hostId}: pass --host-id ${credential.hostId}, or enrol again`);
  }
  const url = credential && config.consoleUrl === DEFAULT_CONSOLE_URL ? credential.consoleUrl : config.consoleUrl;
  finalCheck({ ...config, consoleUrl: url }, credential !== null);
  const { policy, file } = policyFor(config);
  const commandKey = credential?.commandPublicKey ?? null;
  const gate = new CommandGate({ commandKey, hostId: config.hostId, policy, nonces: new NonceStore(path.join(config.stateDir, 'command-nonces.json')) });
  // Heads are verified with the console key learnt at enrolment, the same key that signs the commands.
  const heads = new AuditHeadKeeper(path.join(config.stateDir, 'audit-head.json'), commandKey);
  let sink: (msg: TerminalOutput | TerminalExit) => boolean = () => false;
  const terminals = new TerminalManager({ send: (m) => sink(m), log, terminalUser: policy.terminalUser, idleMs: policy.terminalIdleMinutes * 60_000 });
  const runner = new CommandRunner({ gate, log, remediation: remediationHandler(policy.actions, { heads, onOlderHead: (m) => log('warn', m) }), terminals: (payload) => terminals.open(payload) });
  const pin = credential?.fingerprint ?? (config.fingerprint ? normaliseFingerprint(config.fingerprint) : null);
  return {
    url,
    token: credential ? '' : config.token,
    pin,
    auth: credential ? { credentialId: credential.credentialId, key: credential.key } : undefined,
    onCommand: (cmd) => runner.run(cmd),
    policy,
    terminals,
    setTerminalSink: (send) => {
      sink = send;
    },
    describe: `${credential ? `enrolled credential ${credential.credentialId}` : 'static ingest token'}; ${url.startsWith('wss://') ? `TLS, console pinned to SHA-256 ${pin?.slice(0, 16)}…` : 'PLAINTEXT (development only)'}; command policy ${file ?? 'none (every known command allowed when signed)'}; remediation actions ${policy.remediationAllow ? policy.remediationAllow.join(', ') || 'none' : 'all'}, file actions in ${policy.actions.allowedDirs.join(', ') || 'no directory'}, scripts from ${policy.actions.scriptsDir ?? 'nowhere'}; terminals ${policy.terminals ? `on (as ${policy.terminalUser ?? 'the collector\'s user'})` : 'off'}`,
  };
}
