/**
 * Terminal sessions on the collector's side. A granted `terminal.open` (signature, expiry, replay and
 * policy already checked by the gate) forks a pty host child (pty-host.ts) for the session; its output
 * goes to the console as `term.out` frames of at most MAX_TERMINAL_CHUNK_BYTES, under a credit window:
 * once TERMINAL_WINDOW_BYTES are unacknowledged the child pauses its pty, and resumes when the console's
 * acks bring it under half the window. Frames for a session id that no grant opened are refused with a
 * `term.exit` and logged. Every session ends when the link to the console drops, and when it has seen
 * neither input nor output for `idleMs` (the host's own limit, so a console that vanished without
 * closing it does not leave a shell running). An account without a login shell (nologin, false) is
 * refused up front, naming the account and the policy field to set.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TerminalAck, TerminalClose, TerminalExit, TerminalInput, TerminalOutput, TerminalResize } from '@cerebro/shared/protocol/messages';
import { MAX_TERMINAL_CHUNK_BYTES, MAX_TERMINALS_PER_HOST, parseTerminalOpen, TERMINAL_WINDOW_BYTES, type TerminalOpened } from '@cerebro/shared/protocol/terminal';
import type { CommandRefusal } from '@cerebro/shared/protocol/commands';
import type { FromPtyHost, ToPtyHost } from './pty-host-protocol';

export type TerminalLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
export type ConsoleTerminalFrame = TerminalInput | TerminalAck | TerminalResize | TerminalClose;

export interface TerminalManagerOptions {
  /** Sends a frame to the console; false when there is no live connection. */
  readonly send: (msg: TerminalOutput | TerminalExit) => boolean;
  readonly log: TerminalLog;
  /** The host policy's terminal account (null: the collector's own). */
  readonly terminalUser: string | null;
  /** How to start the pty host: a module and the node flags to run it with (default: this collector's `pty-host` command). */
  readonly ptyHost?: { readonly module: string; readonly args: readonly string[]; readonly execArgv: readonly string[]; readonly execPath?: string };
  /** Credit window, bytes (default TERMINAL_WINDOW_BYTES). */
  readonly windowBytes?: number;
  /** passwd file to resolve accounts from (tests). */
  readonly passwdFile?: string;
  /** A session with neither input nor output for this long is closed, ms (default 15 min; policy terminalIdleMinutes). */
  readonly idleMs?: number;
  /** The collector's own account (tests; default os.userInfo()). */
  readonly self?: () => Account;
}

/** Shells that refuse logins: an account with one of these cannot run a terminal. */
const NO_LOGIN_SHELLS = new Set(['nologin', 'false']);
const DEFAULT_IDLE_MS = 15 * 60_000;

export type OpenOutcome = { readonly ok: true; readonly output: TerminalOpened } | { readonly ok: false; readonly code: CommandRefusal; readonly message: string };

interface Session {
  readonly sid: string;
  readonly child: ChildProcess;
  readonly user: string;
  /** Output bytes sent to the console, and acknowledged by it. */
  sent: number;
  acked: number;
  paused: boolean;
  ended: boolean;
  /** Last input or output, ms since the epoch. */
  lastActivityMs: number;
  /** Why the host is closing it (idle), for the exit frame's reason. */
  closing: string | null;
}

export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** The passwd entry of `name`, or null. */
export function lookupAccount(name: string, passwdText: string): Account | null {
  for (const line of passwdText.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 7) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/', shell: f[6] || '/bin/sh' };
  }
  return null;
}

function selfAccount(): Account {
  const me = os.userInfo();
  return { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, shell: me.shell || process.env['SHELL'] || '/bin/sh' };
}

/** "15 min", "90 s". */
function formatMinutes(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * A refusal when `account`'s shell refuses logins (the .deb's dedicated `cerebro-collector` user has
 * /usr/sbin/nologin): its shell would exit at once, so say which account and what to set instead.
 */
export function noLoginRefusal(account: Account, collectorsOwn: boolean): { error: string; code: CommandRefusal } | null {
  if (!NO_LOGIN_SHELLS.has(path.basename(account.shell))) return null;
  const who = collectorsOwn ? `terminals run as the collector's own account ${JSON.stringify(account.name)}, whose` : `the account ${JSON.stringify(account.name)}'s`;
  return {
    code: 'FORBIDDEN_BY_POLICY',
    error: `${who} shell is ${account.shell}, which refuses logins: set "terminalUser" in this host's policy file (by default /etc/cerebro/collector-policy.json) to an account with a login shell (the collector must run as root to switch to it), or "terminals": false`,
  };
}

function defaultPtyHost(): { module: string; args: string[]; execArgv: string[] } {
  return { module: process.argv[1] as string, args: ['pty-host'], execArgv: [...process.execArgv] };
}

export class TerminalManager {
  private readonly sessions = new Map<string, Session>();
  private readonly window: number;
  readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: TerminalManagerOptions) {
    this.window = o.windowBytes ?? TERMINAL_WINDOW_BYTES;
    this.idleMs = o.idleMs ?? DEFAULT_IDLE_MS;
  }

  get count(): number {
    return this.sessions.size;
  }

  /** Start the session a granted `terminal.open` asks for. Never rejects. */
  async open(payload: unknown): Promise<OpenOutcome> {
    const parsed = parseTerminalOpen(payload);
    if (!parsed.ok) return { ok: false, code: 'INVALID_PAYLOAD', message: parsed.error };
    const p = parsed.value;
    if (this.sessions.has(p.sid)) return { ok: false, code: 'INVALID_PAYLOAD', message: `terminal session ${p.sid} already exists on this host` };
    if (this.sessions.size >= MAX_TERMINALS_PER_HOST) return { ok: false, code: 'BUSY', message: `this host runs ${MAX_TERMINALS_PER_HOST} terminals at once already; close one first` };
    const account = this.account(p.user ?? this.o.terminalUser);
    if ('error' in account) return { ok: false, code: account.code ?? 'HOST_ERROR', message: account.error };
    const host: NonNullable<TerminalManagerOptions['ptyHost']> = this.o.ptyHost ?? defaultPtyHost();
    let child: ChildProcess;
    try {
      child = fork(host.module, [...host.args], { execArgv: [...host.execArgv], ...(host.execPath ? { execPath: host.execPath } : {}), serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    } catch (e) {
      return { ok: false, code: 'HOST_ERROR', message: `cannot start the pty host: ${(e as Error).message}` };
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const session: Session = { sid: p.sid, child, user: account.name, sent: 0, acked: 0, paused: false, ended: false, lastActivityMs: Date.now(), closing: null };
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      TERM: 'xterm-256color',
      LANG: process.env['LANG'] ?? 'C.UTF-8',
      HOME: account.home,
      USER: account.name,
      LOGNAME: account.name,
      SHELL: account.shell,
    };
    const open: ToPtyHost = {
      t: 'open',
      shell: account.shell,
      args: [],
      cwd: fs.existsSync(account.home) ? account.home : '/',
      env,
      cols: p.cols,
      rows: p.rows,
      ...(account.switchTo ? { uid: account.uid, gid: account.gid } : {}),
    };
    return new Promise<OpenOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: OpenOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        settle({ ok: false, code: 'HOST_ERROR', message: `the pty host did not start the shell within 10 s${stderr ? `: ${stderr.trim()}` : ''}` });
        child.kill('SIGKILL');
      }, 10_000);
      child.on('message', (raw: unknown) => {
        const msg = raw as FromPtyHost;
        switch (msg.t) {
          case 'ready':
            this.sessions.set(p.sid, session);
            session.lastActivityMs = Date.now();
            this.watchIdle();
            this.o.log(msg.warning ? 'warn' : 'info', `terminal ${p.sid}: opened for ${p.by} as ${account.name} (${account.shell}, pid ${msg.pid}); capabilities ${msg.capabilities}`);
            settle({ ok: true, output: { sid: p.sid, pid: msg.pid, user: account.name, shell: account.shell, capabilities: msg.capabilities, ...(msg.warning ? { warning: msg.warning } : {}) } });
            return;
          case 'out':
            this.output(session, msg.stream, msg.data);
            return;
          case 'exit':
            this.end(session, msg.code, session.closing ?? (msg.signal ? `the shell was killed by signal ${msg.signal}` : `the shell exited with code ${msg.code ?? '?'}`));
            return;
          case 'error':
            settle({ ok: false, code: 'HOST_ERROR', message: msg.message });
            this.o.log('warn', `terminal ${p.sid}: ${msg.message}`);
            return;
        }
      });
      child.on('error', (e) => settle({ ok: false, code: 'HOST_ERROR', message: `the pty host failed: ${e.message}` }));
      child.on('exit', (code, signal) => {
        settle({ ok: false, code: 'HOST_ERROR', message: `the pty host exited (${signal ?? code}) before the shell started${stderr ? `: ${stderr.trim()}` : ''}` });
      });
      // Not on 'exit', which can come before the last IPC messages (the shell's last output, its exit code).
      child.on('disconnect', () => {
        if (this.sessions.get(p.sid) === session) this.end(session, null, session.closing ?? `the pty host ended without reporting the shell's exit${stderr ? `: ${stderr.trim().slice(-300)}` : ''}`);
      });
      child.send(open);
    });
  }

  /** A frame of the console for a session. */
  onFrame(msg: ConsoleTerminalFrame): void {
    const s = this.sessions.get(msg.sid);
    if (!s) {
      if (msg.type === 'term.in' || msg.type === 'term.resize') {
        this.o.log('warn', `terminal ${msg.sid}: ${msg.type} refused: no such session on this host (a terminal opens only with a signed terminal.open grant)`);
        this.o.send({ type: 'term.exit', sid: msg.sid, code: null, reason: 'no such session on this host: a terminal opens only with a signed terminal.open grant' });
      }
      return;
    }
    switch (msg.type) {
      case 'term.in':
        s.lastActivityMs = Date.now();
        this.toChild(s, { t: 'in', data: msg.data });
        return;
      case 'term.resize':
        this.toChild(s, { t: 'resize', cols: msg.cols, rows: msg.rows });
        return;
      case 'term.ack':
        s.acked = Math.min(s.sent, s.acked + msg.bytes);
        if (s.paused && s.sent - s.acked <= this.window / 2) {
          s.paused = false;
          this.toChild(s, { t: 'resume' });
        }
        return;
      case 'term.close':
        this.o.log('info', `terminal ${s.sid}: closed by the console (${msg.reason})`);
        this.toChild(s, { t: 'close' });
        return;
    }
  }

  /** End every session (the link dropped, or the collector stops). */
  closeAll(reason: string): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    for (const s of [...this.sessions.values()]) {
      this.o.log('info', `terminal ${s.sid}: ended: ${reason}`);
      this.toChild(s, { t: 'close' });
      this.sessions.delete(s.sid);
      s.ended = true;
      setTimeout(() => s.child.kill('SIGKILL'), 3000).unref();
    }
  }

  /** Checks for idle sessions while any is open (a few times per idle period, at most every 5 s). */
  private watchIdle(): void {
    if (this.idleTimer) return;
    this.idleTimer = setInterval(() => {
      const now = Date.now();
      for (const s of this.sessions.values()) {
        if (s.closing !== null || now - s.lastActivityMs < this.idleMs) continue;
        s.closing = `idle for ${formatMinutes(this.idleMs)} (no input or output), closed by the host`;
        this.o.log('info', `terminal ${s.sid}: ${s.closing}`);
        this.toChild(s, { t: 'close' });
        // A pty host that does not confirm is killed; its disconnect then ends the session.
        setTimeout(() => s.child.kill('SIGKILL'), 5000).unref();
      }
      if (this.sessions.size === 0 && this.idleTimer) {
        clearInterval(this.idleTimer);
        this.idleTimer = null;
      }
    }, Math.min(5_000, Math.max(100, this.idleMs / 4)));
    this.idleTimer.unref();
  }

  private output(s: Session, stream: 'o' | 'i', data: Uint8Array): void {
    if (s.ended) return;
    s.lastActivityMs = Date.now();
    for (let at = 0; at < data.byteLength; at += MAX_TERMINAL_CHUNK_BYTES) {
      const chunk = data.subarray(at, Math.min(data.byteLength, at + MAX_TERMINAL_CHUNK_BYTES));
      if (!this.o.send({ type: 'term.out', sid: s.sid, stream, data: chunk })) {
        this.end(s, null, 'the link to the console dropped');
        this.toChild(s, { t: 'close' });
        return;
      }
      if (stream === 'o') s.sent += chunk.byteLength;
    }
    if (!s.paused && s.sent - s.acked > this.window) {
      s.paused = true;
      this.toChild(s, { t: 'pause' });
    }
  }

  private end(s: Session, code: number | null, reason: string): void {
    if (s.ended) return;
    s.ended = true;
    this.sessions.delete(s.sid);
    this.o.log('info', `terminal ${s.sid}: ended: ${reason}`);
    this.o.send({ type: 'term.exit', sid: s.sid, code, reason });
  }

  private toChild(s: Session, msg: ToPtyHost): void {
    if (s.child.connected) s.child.send(msg);
  }

  private account(name: string | null): (Account & { switchTo: boolean }) | { error: string; code?: CommandRefusal } {
    const me = this.o.self?.() ?? selfAccount();
    if (name === null || name === me.name) {
      const refusal = noLoginRefusal(me, this.o.terminalUser === null);
      return refusal ?? { ...me, switchTo: false };
    }
    let passwd = '';
    try {
      passwd = fs.readFileSync(this.o.passwdFile ?? '/etc/passwd', 'utf8');
    } catch (e) {
      return { error: `cannot read the account database to find ${name}: ${(e as Error).message}` };
    }
    const acct = lookupAccount(name, passwd);
    if (!acct) return { error: `no account ${JSON.stringify(name)} on this host (the policy's terminalUser or the requested user)` };
    const refusal = noLoginRefusal(acct, false);
    if (refusal) return refusal;
    if (me.uid !== 0) return { error: `the collector runs as ${me.name}, not root, so it cannot start a terminal as ${name}` };
    return { ...acct, switchTo: true };
  }
}
