/**
 * The collector's side of the link: connect, hello, send spooled batches in seq order with a window of
 * unacked frames, drop what the console acks, detect half-open connections with pings, and reconnect
 * with jittered exponential backoff. Nothing is ever sent that is not in the spool first.
 * Over wss:// the console must show the pinned certificate before the hello is sent (console-socket.ts);
 * an enrolled collector signs the connection's challenge with its key; commands go through the gate.
 */
import { sign, type KeyObject } from 'node:crypto';
import WebSocket from 'ws';
import { helloSigningInput } from '@cerebro/shared/protocol/canonical';
import { decodeConsoleFrame, encodeMessage } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type CommandEnvelope, type CommandResult, type ConsoleMessage, type Hello, type TerminalAck, type TerminalClose, type TerminalExit, type TerminalInput, type TerminalOutput, type TerminalResize } from '@cerebro/shared/protocol/messages';
import { openConsoleSocket, upgradeRefusal } from './console-socket';
import type { Spool } from './spool';

export type LinkState = 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface LinkOptions {
  /** ws:// or wss:// URL of the console's ingest endpoint. */
  readonly url: string;
  /** Static ingest token; '' when `auth` is used. */
  readonly token: string;
  /** Enrolled credential: its id and the host's private key (signs each connection's challenge). */
  readonly auth?: { readonly credentialId: string; readonly key: KeyObject } | undefined;
  /** SHA-256 (hex) of the console CA certificate; required for wss://. */
  readonly pin?: string | null;
  /** Runs a command from the console (signature, freshness, replay and policy checks included); never rejects. */
  readonly onCommand?: (cmd: CommandEnvelope) => Promise<CommandResult>;
  /** Terminal frames from the console (actions/terminals.ts); absent: they are ignored. */
  readonly onTerminal?: (msg: TerminalInput | TerminalAck | TerminalResize | TerminalClose) => void;
  /** The connection closed (terminal sessions end with it). */
  readonly onDisconnect?: () => void;
  /** Called on each welcome, before the spool is sent (the agent then sends its next process table whole). */
  readonly onWelcome?: () => void;
  readonly hostId: string;
  readonly hostname: string;
  readonly agentVersion: string;
  readonly spool: Spool;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** Ping interval, ms; a connection that answers no ping within two intervals is closed. */
  readonly heartbeatMs?: number;
  /** Backoff bounds, ms. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

export interface LinkStats {
  state: LinkState;
  connects: number;
  sentFrames: number;
  acks: number;
  lastAckMs: number | null;
  lastError: string | null;
  inFlight: number;
  sessionId: string | null;
}

const DEFAULT_MAX_IN_FLIGHT = 32;

export class Link {
  private ws: WebSocket | null = null;
  private readonly inFlight = new Set<number>();
  private lastSentSeq = 0;
  private maxInFlight = DEFAULT_MAX_IN_FLIGHT;
  /** The last welcome offered process tables as changes (a console that does not gets whole tables). */
  private tableDeltas = false;
  private welcomed = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private alive = true;
  private lastLoggedError = '';
  readonly stats: LinkStats = { state: 'stopped', connects: 0, sentFrames: 0, acks: 0, lastAckMs: null, lastError: null, inFlight: 0, sessionId: null };

  constructor(private readonly options: LinkOptions) {}

  /** Whether the console last connected to rebuilds process tables from changes (false before any welcome). */
  get offersTableDeltas(): boolean {
    return this.tableDeltas;
  }

  /**
   * Send a terminal frame now, beside the batches (terminal output is not spooled: a session does not
   * outlive its connection). False when there is no welcomed connection.
   */
  sendTerminal(msg: TerminalOutput | TerminalExit): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.welcomed) return false;
    ws.send(encodeMessage(msg));
    return true;
  }

  /** The console URL this link connects to. */
  get url(): string {
    return this.options.url;
  }

  start(): void {
    if (this.stats.state !== 'stopped') return;
    this.connect();
  }

  /** A new batch is in the spool: send it if the window allows. */
  notify(): void {
    if (this.welcomed) this.pump();
  }

  async stop(): Promise<void> {
    this.stats.state = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    if (!ws) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000, 'collector stopping');
    });
  }

  private connect(): void {
    this.stats.state = 'connecting';
    this.welcomed = false;
    this.inFlight.clear();
    this.stats.inFlight = 0;
    const socket = openConsoleSocket(this.options.url, this.options.pin ?? null);
    const ws = socket.ws;
    this.ws = ws;
    // Set when the console answered the upgrade with an HTTP refusal, whose reason must not be overwritten.
    let refused = false;
    ws.on('open', () => {
      const spool = this.options.spool;
      const auth = this.options.auth;
      if (auth && !socket.challenge) {
        this.failed(`the console at ${this.options.url} sent no challenge, so this enrolled collector cannot prove its identity: upgrade the console`);
        ws.close(1000, 'no challenge');
        return;
      }
      const proof = auth && socket.challenge ? { cred: auth.credentialId, sig: sign(null, Buffer.from(helloSigningInput(socket.challenge, { hostId: this.options.hostId, epoch: spool.epoch }, auth.credentialId)), auth.key) } : undefined;
      const hello: Hello = {
        type: 'hello',
        v: PROTOCOL_VERSION,
        hostId: this.options.hostId,
        hostname: this.options.hostname,
        token: this.options.token,
        ...(proof ? { auth: proof } : {}),
        agent: { name: 'cerebro-collector', version: this.options.agentVersion },
        epoch: spool.epoch,
        oldestSeq: spool.oldestSeq,
        nextSeq: spool.nextSeq,
      };
      ws.send(encodeMessage(hello));
      this.startHeartbeat(ws);
    });
    ws.on('message', (data, isBinary) => {
      // A welcome that arrives while stop() closes the socket must not flip the state back to 'connected':
      // the close would then schedule a reconnect, and the stopped link would reconnect forever.
      if (this.stats.state === 'stopped') return;
      this.alive = true;
      if (!isBinary) {
        this.failed(`console sent a text frame; expected binary msgpack`);
        return;
      }
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const msg = decodeConsoleFrame(bytes);
      if (!msg.ok) {
        this.failed(`console frame rejected: ${msg.error.message}`);
        ws.close(4003, msg.error.code);
        return;
      }
      this.onMessage(ws, msg.value);
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d.slice(0, 1024)));
      res.on('end', () => {
        refused = true;
        this.failed(upgradeRefusal(this.options.url, res, body));
        req.destroy();
        ws.terminate();
      });
    });
    ws.on('error', (e) => {
      if (refused) return;
      if (socket.pinError) this.failed(`refusing to talk to the console at ${this.options.url}: ${socket.pinError}`);
      else this.failed(`cannot reach the console at ${this.options.url}: ${e.message}${/wrong version number|packet length too long/.test(e.message) ? ' (the console is not serving TLS here: it runs with --insecure-plaintext, so use ws:// with "plaintext": true, or restart it without the flag)' : ''}`);
    });
    ws.on('close', (code, reason) => {
      this.stopHeartbeat();
      if (this.ws === ws) this.ws = null;
      this.options.onDisconnect?.();
      const why = reason.toString();
      if (code !== 1000 && code !== 1005 && why) this.failed(`console closed the connection (${code} ${why})`);
      if (this.stats.state !== 'stopped') this.scheduleReconnect();
    });
  }

  private onMessage(ws: WebSocket, msg: ConsoleMessage): void {
    const spool = this.options.spool;
    switch (msg.type) {
      case 'welcome': {
        this.welcomed = true;
        this.attempt = 0;
        this.stats.state = 'connected';
        this.stats.connects++;
        this.stats.sessionId = msg.sessionId;
        this.stats.lastError = null;
        this.lastLoggedError = '';
        this.maxInFlight = Math.max(1, Math.min(msg.limits.maxInFlight, 1024));
        this.tableDeltas = msg.limits.tableDeltas === true;
        this.options.onWelcome?.();
        spool.ackUpTo(msg.durableSeq);
        this.lastSentSeq = msg.durableSeq;
        this.options.log('info', `connected to ${this.options.url} (session ${msg.sessionId}); ${spool.stats().pendingBatches} batches to send`);
        this.pump();
        return;
      }
      case 'ack':
        if (this.inFlight.delete(msg.seq)) this.stats.inFlight = this.inFlight.size;
        spool.ack(msg.seq);
        this.stats.acks++;
        this.stats.lastAckMs = Date.now();
        this.pump();
        return;
      case 'error':
        if (msg.seq !== undefined && msg.code === 'INVALID_MESSAGE') {
          // A batch the console can never accept would block the stream forever: drop it, counted.
          this.options.log('error', `console rejected batch ${msg.seq} as invalid and it was dropped: ${msg.message}`);
          this.inFlight.delete(msg.seq);
          spool.reject(msg.seq);
          this.pump();
          return;
        }
        this.failed(`console error ${msg.code}: ${msg.message}`);
        return;
      case 'enrolled':
        this.failed('the console sent an enrolment answer on a data connection; ignored');
        return;
      case 'command':
        this.runCommand(ws, msg);
        return;
      case 'term.in':
      case 'term.ack':
      case 'term.resize':
      case 'term.close':
        this.options.onTerminal?.(msg);
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  /**
   * Without a command runner (not enrolled) every command is refused, with a reason. Commands run
   * asynchronously: frames, acks and other commands keep flowing while an action runs. The result goes
   * back on the connection the command came in on; if that closed meanwhile, the console has already
   * answered its caller NOT_CONNECTED, so the result is only logged here.
   */
  private runCommand(ws: WebSocket, cmd: CommandEnvelope): void {
    const run = this.options.onCommand;
    const pending: Promise<CommandResult> = run ? run(cmd) : Promise.resolve({ type: 'result', id: cmd.id, ok: false, error: { code: 'NOT_ENROLLED', message: `this collector runs no commands ('${cmd.kind}' refused): it was not enrolled` } });
    pending
      .then((result) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(encodeMessage(result));
        else this.options.log('warn', `the result of command ${cmd.id} ('${cmd.kind}', ${result.ok ? 'ran' : `refused ${result.error?.code}`}) was not delivered: the connection it came on closed meanwhile`);
      })
      .catch((e: unknown) => this.options.log('error', `command ${cmd.id} ('${cmd.kind}'): no result sent: ${(e as Error).message}`));
  }

  private pump(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.welcomed) return;
    while (this.inFlight.size < this.maxInFlight) {
      const next = this.options.spool.nextAfter(this.lastSentSeq);
      if (!next) break;
      ws.send(next.frame);
      this.lastSentSeq = next.seq;
      this.inFlight.add(next.seq);
      this.stats.sentFrames++;
    }
    this.stats.inFlight = this.inFlight.size;
  }

  private startHeartbeat(ws: WebSocket): void {
    this.alive = true;
    const every = this.options.heartbeatMs ?? 10_000;
    this.heartbeatTimer = setInterval(() => {
      if (!this.alive) {
        this.failed(`no answer from the console for ${2 * every} ms; reconnecting`);
        ws.terminate();
        return;
      }
      this.alive = false;
      ws.ping();
    }, every);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private scheduleReconnect(): void {
    this.stats.state = 'backoff';
    this.welcomed = false;
    const base = this.options.backoffBaseMs ?? 500;
    const max = this.options.backoffMaxMs ?? 30_000;
    // Full jitter: a console restart must not be met by every collector of the fleet in the same second.
    const ceiling = Math.min(max, base * 2 ** Math.min(this.attempt, 16));
    const delay = Math.max(100, Math.round(Math.random() * ceiling));
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stats.state !== 'stopped') this.connect();
    }, delay);
  }

  private failed(message: string): void {
    this.stats.lastError = message;
    // Log a repeating failure once, not on every retry.
    if (message !== this.lastLoggedError) this.options.log('warn', message);
    this.lastLoggedError = message;
  }
}
