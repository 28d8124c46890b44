/**
 * The console's ingest endpoint: a WebSocket server collectors stream to.
 *
 * Per connection: the first frame must be a hello with a valid token (else a typed error and a close);
 * then batches, each decoded, validated, deduplicated on (host, epoch, seq), written to the WAL together
 * with the host's sequence state, appended to the telemetry store, and acked once the WAL commit is on
 * disk. A misbehaving client gets a clear error and its connection closed; other connections are unaffected.
 *
 * Trust (docs/security.md): the port serves TLS with the console CA's server certificate unless the
 * operator passed the plaintext flag; each WebSocket upgrade carries a fresh challenge that an enrolled
 * collector signs in its hello; a one-time token can be exchanged for a credential (`enroll`); revoked
 * credentials and tokens are noticed within a second and their live connections closed.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CHALLENGE_HEADER } from '@cerebro/shared/protocol/canonical';
import { closeCodeFor, protocolError, type ProtocolError, type ProtocolErrorCode } from '@cerebro/shared/protocol/errors';
import { decodeCollectorFrame, decodeRaw, encodeMessage, type DecodeLimits } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type CommandEnvelope, type CommandResult, type ConsoleMessage, type EnrolRequest, type Hello, type TelemetryBatch, type TerminalAck, type TerminalClose, type TerminalExit, type TerminalInput, type TerminalOutput, type TerminalResize } from '@cerebro/shared/protocol/messages';
import type { TelemetryStore } from '../tsdb/store';
import type { AlertScorer } from '../alerts/scorer';
import type { HostRegistry } from '../hosts/registry';
import { CommandSignError, signCommand } from '../trust/command-signer';
import { authenticateHello, enrol, revokedReason, type Identity, type IngestTrust } from './authenticate';
import { createIngestListener, type IngestListener } from './listener';
import { PendingCommands, refusal } from './pending-commands';
import { addSeq, advanceTo, emptySeqState, hasSeq, type SeqState } from './seq-state';
import type { TokenStore } from './tokens';
import { type ProcessTableDecoder, withWholeTable } from '@cerebro/shared/protocol/table-delta';
import type { WriteAheadLog } from './wal';

export interface IngestOptions extends DecodeLimits {
  readonly host: string;
  readonly port: number;
  /** Batches a collector may send before waiting for acks. */
  readonly maxInFlight: number;
  /** A connection that sends no hello within this is closed, ms. */
  readonly helloTimeoutMs: number;
  /** Ping interval; a connection silent for two intervals is terminated, ms. */
  readonly heartbeatMs: number;
  /** Serve plain ws:// instead of TLS: only when the operator asked for it (--insecure-plaintext). */
  readonly plaintext: boolean;
  /** How often revocations are looked for, ms. */
  readonly revocationCheckMs: number;
}

export const DEFAULT_INGEST_OPTIONS: IngestOptions = {
  host: '127.0.0.1',
  port: 7070,
  maxFrameBytes: 4 * 1024 * 1024,
  maxSamplesPerBatch: 20_000,
  maxInFlight: 32,
  helloTimeoutMs: 10_000,
  heartbeatMs: 10_000,
  plaintext: false,
  revocationCheckMs: 500,
};

export interface IngestStats {
  connections: number;
  batches: number;
  samples: number;
  duplicateBatches: number;
  /** Frames refused, by error code. */
  rejected: Partial<Record<ProtocolErrorCode, number>>;
  /** Samples the store refused (series limit...). */
  rejectedSamples: number;
  /** Seqs given up as never-coming when the out-of-order window overflowed. */
  seqGaps: number;
  /**
   * Times a connection's reads were paused because its host had more batches waiting for their commit
   * than the ack window (`maxInFlight`) allows: a client that ignores the window is slowed, not buffered.
   */
  readPauses: number;
}

export interface IngestDeps {
  readonly wal: WriteAheadLog;
  readonly store: TelemetryStore;
  readonly registry: HostRegistry;
  readonly tokens: TokenStore;
  /** TLS material, enrolment and credentials, the command key; null: plaintext with ingest tokens only. */
  readonly trust: IngestTrust | null;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** Scores every stored batch for anomalies (core/alerts); absent: no scoring. */
  readonly scorer?: AlertScorer;
  /**
   * Stores the batch's log records (core/logs); returns their commit, or null when there are none. The
   * batch is acked once this commit and the WAL's are both done.
   */
  readonly logs?: { ingest(hostId: string, batch: TelemetryBatch, pos: number): Promise<void> | null };
  /**
   * Rebuilds process tables sent as changes (shared/protocol/table-delta.ts), shared with the WAL replay
   * so both see a host's batches in one order; absent: the welcome offers no deltas.
   */
  readonly tables?: ProcessTableDecoder;
  /** Called for every accepted batch, after it is in the store (live subscriptions). */
  readonly onBatch?: (hostId: string, batch: TelemetryBatch) => void;
}

interface HostIngest {
  state: SeqState;
  /** Commits in progress, by seq: a duplicate that arrives meanwhile is acked when its original is durable. */
  readonly pending: Map<number, Promise<boolean>>;
  session: Session | null;
}

interface Session {
  readonly id: string;
  readonly ws: WebSocket;
  readonly address: string;
  hostId: string | null;
  alive: boolean;
  /** The random challenge sent in this connection's upgrade response; an enrolled hello signs it. */
  readonly challenge: string;
  /** How the hello authenticated (checked again when credentials or tokens change). */
  identity: Identity | null;
  /** Reads paused: its host has more batches waiting for their commit than the ack window allows. */
  paused: boolean;
  /** The connection was already warned that it sends beyond the ack window (once per connection). */
  warnedWindow: boolean;
}

export interface SendCommandOptions {
  /** How long to wait for the result, ms (default 10 s). */
  readonly timeoutMs?: number;
  /** The command's life: the collector refuses it after this, ms (default 60 s). */
  readonly ttlMs?: number;
}

/** Receives the terminal frames of collectors (core/terminals/broker.ts). */
export interface TerminalSink {
  frame(hostId: string, msg: TerminalOutput | TerminalExit): void;
  /** The host's connection closed: its terminal sessions are gone. */
  hostGone(hostId: string): void;
}

export class IngestServer {
  /** Where collectors' terminal frames go; null: output is answered with term.close (no terminals here). */
  terminalSink: TerminalSink | null = null;
  private wss: WebSocketServer | null = null;
  private listener: IngestListener | null = null;
  private readonly challenges = new WeakMap<IncomingMessage, string>();
  private readonly commands = new PendingCommands();
  private revocationTimer: NodeJS.Timeout | null = null;
  private trustStamp = '';
  private readonly options: IngestOptions;
  private readonly hosts = new Map<string, HostIngest>();
  private readonly sessions = new Set<Session>();
  private heartbeat: NodeJS.Timeout | null = null;
  readonly stats: IngestStats = { connections: 0, batches: 0, samples: 0, duplicateBatches: 0, rejected: {}, rejectedSamples: 0, seqGaps: 0, readPauses: 0 };

  constructor(
    private readonly deps: IngestDeps,
    options: Partial<IngestOptions> = {},
  ) {
    this.options = { ...DEFAULT_INGEST_OPTIONS, ...options };
    for (const [hostId, state] of deps.wal.loadSeqStates()) this.hosts.set(hostId, { state, pending: new Map(), session: null });
  }

  /** Start listening; resolves with the bound port (use port 0 for any free port). */
  listen(): Promise<number> {
    const trust = this.deps.trust;
    if (!this.options.plaintext && !trust) return Promise.reject(new Error('the ingest server needs TLS keys and certificates, or the explicit plaintext option'));
    const listener = createIngestListener({ tls: this.options.plaintext || !trust ? null : trust.tls, log: this.deps.log });
    const wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // ws enforces a hard cap; frames between our limit and this get a readable FRAME_TOO_LARGE first.
      maxPayload: this.options.maxFrameBytes * 2,
      clientTracking: false,
    });
    wss.on('headers', (headers, req) => {
      const challenge = randomBytes(24).toString('base64url');
      this.challenges.set(req, challenge);
      headers.push(`${CHALLENGE_HEADER}: ${challenge}`);
    });
    wss.on('connection', (ws: WebSocket, req: IncomingMessage) => this.accept(ws, req));
    wss.on('error', (e) => this.deps.log('error', `ingest server error: ${e.message}`));
    listener.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(wss, req, socket, head));
    listener.http.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8' }).end('this is the CEREBRO collector ingest endpoint: connect with a WebSocket to /ingest\n');
    });
    this.wss = wss;
    this.listener = listener;
    return new Promise((resolve, reject) => {
      listener.net.once('error', reject);
      listener.net.listen(this.options.port, this.options.host, () => {
        listener.net.off('error', reject);
        listener.net.on('error', (e) => this.deps.log('error', `ingest server error: ${e.message}`));
        this.startHeartbeat();
        this.startRevocationChecks();
        const addr = listener.net.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.options.port);
      });
    });
  }

  private upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== '/ingest') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }

  /** Close live sessions whose credential or token was revoked (by the CLI, another process) since their hello. */
  private startRevocationChecks(): void {
    this.revocationTimer = setInterval(() => {
      const stamp = `${this.deps.trust?.credentials.changeStamp() ?? ''}|${tokenStamp(this.deps.tokens)}`;
      if (stamp === this.trustStamp) return;
      this.trustStamp = stamp;
      for (const s of this.sessions) {
        if (!s.identity) continue;
        const why = revokedReason(s.identity, this.deps.tokens, this.deps.trust);
        if (why) this.sendError(s, protocolError('UNAUTHORIZED', `${why}; this connection is closed`), true);
      }
    }, this.options.revocationCheckMs);
    this.revocationTimer.unref();
  }

  /**
   * Sign a command for `hostId`, send it on the host's live connection and wait for its result. Never
   * throws for a host that is away or silent: the result says so (NOT_CONNECTED, TIMEOUT).
   */
  async sendCommand(hostId: string, kind: string, payload: unknown, options: SendCommandOptions = {}): Promise<CommandResult> {
    const trust = this.deps.trust;
    if (!trust) return refusal('-', 'NOT_ENROLLED', 'this console has no command key (no trust material loaded)');
    let cmd;
    try {
      cmd = signCommand(trust.commandKey, hostId, kind, payload, options.ttlMs ?? 60_000);
    } catch (e) {
      if (e instanceof CommandSignError) return refusal('-', 'INVALID_PAYLOAD', e.message);
      throw e;
    }
    return this.sendEnvelope(hostId, cmd, options.timeoutMs ?? 10_000);
  }

  /** Send an envelope as it is (sendCommand signs one) and wait for its result; never throws. */
  sendEnvelope(hostId: string, cmd: CommandEnvelope, timeoutMs: number): Promise<CommandResult> {
    const session = this.hosts.get(hostId)?.session;
    if (!session || session.ws.readyState !== session.ws.OPEN) return Promise.resolve(refusal(cmd.id, 'NOT_CONNECTED', `host ${hostId} has no live connection to this console`));
    const result = this.commands.wait(cmd.id, hostId, session.id, timeoutMs);
    this.send(session, cmd);
    this.deps.log('info', `command ${cmd.id} (${cmd.kind}) sent to ${hostId}`);
    return result;
  }

  /** Send a terminal frame to the host's live connection; false when it has none. */
  sendTerminal(hostId: string, msg: TerminalInput | TerminalAck | TerminalResize | TerminalClose): boolean {
    const session = this.hosts.get(hostId)?.session;
    if (!session || session.ws.readyState !== session.ws.OPEN) return false;
    this.send(session, msg);
    return true;
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      for (const s of this.sessions) {
        // Its pongs wait behind the reads this console paused: silence is ours, not the link's.
        if (s.paused) s.alive = true;
        if (!s.alive) {
          this.deps.log('warn', `collector ${s.hostId ?? s.address} did not answer pings for ${2 * this.options.heartbeatMs} ms; closing the half-open connection`);
          s.ws.terminate();
          continue;
        }
        s.alive = false;
        s.ws.ping();
      }
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Close every connection (SHUTTING_DOWN) after in-flight commits settle, then the server. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.revocationTimer) clearInterval(this.revocationTimer);
    const pending = [...this.hosts.values()].flatMap((h) => [...h.pending.values()]);
    await Promise.allSettled(pending);
    for (const s of this.sessions) this.sendError(s, protocolError('SHUTTING_DOWN', 'the console is stopping; reconnect later'), true);
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    const listener = this.listener;
    if (listener) await new Promise<void>((resolve) => listener.net.close(() => resolve()));
  }

  /** Process tables received as changes, and those whose base table was not held (no table for that batch). */
  tableDeltas(): { tableDeltas: number; tableDeltasMissed: number } {
    return { tableDeltas: this.deps.tables?.deltas ?? 0, tableDeltasMissed: this.deps.tables?.missed ?? 0 };
  }

  connectedHosts(): string[] {
    return [...this.hosts.entries()].filter(([, h]) => h.session).map(([id]) => id);
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const session: Session = {
      id: randomBytes(8).toString('hex'),
      ws,
      address: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`,
      hostId: null,
      alive: true,
      challenge: this.challenges.get(req) ?? randomBytes(24).toString('base64url'),
      identity: null,
      paused: false,
      warnedWindow: false,
    };
    this.challenges.delete(req);
    this.sessions.add(session);
    this.stats.connections++;
    const helloTimer = setTimeout(() => {
      if (!session.hostId) this.sendError(session, protocolError('HELLO_TIMEOUT', `no hello within ${this.options.helloTimeoutMs} ms of connecting`), true);
    }, this.options.helloTimeoutMs);
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      session.alive = true;
      try {
        this.onFrame(session, data, isBinary);
      } catch (e) {
        // A bug in handling one frame must not take the console down; the collector retries the batch.
        this.deps.log('error', `ingest: unexpected failure on a frame from ${session.hostId ?? session.address}: ${(e as Error).stack ?? String(e)}`);
        ws.close(1011, 'internal error');
      }
    });
    ws.on('error', (e) => {
      // ws reports protocol violations (e.g. a frame over maxPayload) here and then closes the socket.
      this.count(e.message.includes('Max payload') ? 'FRAME_TOO_LARGE' : 'MALFORMED_FRAME');
      this.deps.log('warn', `ingest: connection from ${session.hostId ?? session.address} failed: ${e.message}`);
    });
    ws.on('close', (code) => {
      clearTimeout(helloTimer);
      this.sessions.delete(session);
      this.commands.sessionClosed(session.id, `close code ${code}`);
      if (session.hostId) {
        const h = this.hosts.get(session.hostId);
        if (h?.session === session) {
          h.session = null;
          this.deps.registry.disconnected(session.hostId);
          this.terminalSink?.hostGone(session.hostId);
        }
      }
    });
  }

  private onFrame(session: Session, data: WebSocket.RawData, isBinary: boolean): void {
    if (!isBinary) {
      this.sendError(session, protocolError('MALFORMED_FRAME', 'text frame received: the protocol uses binary msgpack frames only'), true);
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const decoded = decodeCollectorFrame(bytes, this.options);
    if (!decoded.ok) {
      const e = decoded.error;
      // Before the hello nothing is trusted: close. After it, an invalid batch is refused by seq so the
      // collector can drop it instead of resending it forever; a frame that is not even msgpack closes.
      const seq = session.hostId && e.code === 'INVALID_MESSAGE' ? peekSeq(bytes) : undefined;
      if (seq !== undefined) {
        this.count(e.code);
        // The collector drops a refused batch; count its seq as handled so the watermark moves past it.
        const h = this.hosts.get(session.hostId as string);
        if (h) this.stats.seqGaps += addSeq(h.state, seq);
        this.send(session, { type: 'error', code: e.code, message: e.message, fatal: false, seq });
      } else {
        this.sendError(session, e, true);
      }
      return;
    }
    const msg = decoded.value;
    if (!session.hostId) {
      if (msg.type === 'enroll') {
        this.enrol(session, msg);
        return;
      }
      if (msg.type !== 'hello') {
        this.sendError(session, protocolError('HELLO_EXPECTED', `the first message must be hello, got ${msg.type}`), true);
        return;
      }
      this.hello(session, msg).catch((e: unknown) => {
        this.deps.log('error', `ingest: hello of ${msg.hostId} failed: ${(e as Error).stack ?? String(e)}`);
        session.ws.close(1011, 'internal error');
      });
      return;
    }
    switch (msg.type) {
      case 'batch':
        this.batch(session, session.hostId, msg, bytes);
        return;
      case 'hello':
      case 'enroll':
        this.sendError(session, protocolError('INVALID_MESSAGE', `${msg.type} is only valid as the first message of a connection`), true);
        return;
      case 'result':
        this.deps.log(msg.ok ? 'debug' : 'warn', `command ${msg.id} on ${session.hostId}: ${msg.ok ? 'ok' : `refused (${msg.error?.code}: ${msg.error?.message})`}`);
        if (!this.commands.settle(session.hostId, msg)) this.deps.log('warn', `collector ${session.hostId} answered command ${msg.id}, which no one waits for (late or unknown); ignored`);
        return;
      case 'error':
        this.deps.log('warn', `collector ${session.hostId} reported ${msg.code}: ${msg.message}`);
        return;
      case 'term.out':
      case 'term.exit':
        if (this.terminalSink) this.terminalSink.frame(session.hostId, msg);
        else if (msg.type === 'term.out') this.send(session, { type: 'term.close', sid: msg.sid, reason: 'this console has no terminal broker' });
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  private enrol(session: Session, req: EnrolRequest): void {
    const outcome = enrol(req, !this.options.plaintext, this.deps.trust);
    if (!outcome.ok) {
      this.deps.log('warn', `refused to enrol host ${req.hostId} (${req.hostname}) from ${session.address}: ${outcome.reason}`);
      this.sendError(session, protocolError('UNAUTHORIZED', outcome.reason), true);
      return;
    }
    this.deps.log('info', `enrolled host ${req.hostId} (${req.hostname}) from ${session.address} as credential ${outcome.reply.credentialId}`);
    this.send(session, outcome.reply);
    session.ws.close(1000, 'enrolled');
  }

  private async hello(session: Session, hello: Hello): Promise<void> {
    const auth = authenticateHello(hello, session.challenge, this.deps.tokens, this.deps.trust);
    if (!auth.ok) {
      this.deps.log('warn', `refused collector ${hello.hostId} from ${session.address}: ${auth.reason}`);
      this.sendError(session, protocolError('UNAUTHORIZED', auth.reason), true);
      return;
    }
    session.identity = auth.identity;
    let h = this.hosts.get(hello.hostId);
    if (!h) {
      h = { state: emptySeqState(hello.epoch), pending: new Map(), session: null };
      this.hosts.set(hello.hostId, h);
    }
    if (h.session && h.session !== session) {
      // The newest connection wins: the old one is most likely half-open after a network change.
      this.sendError(h.session, protocolError('DUPLICATE_SESSION', `a new connection for host ${hello.hostId} from ${session.address} replaced this one`), true);
      // Terminal sessions live and die with their connection.
      this.terminalSink?.hostGone(hello.hostId);
    }
    h.session = session;
    session.hostId = hello.hostId;
    await Promise.allSettled([...h.pending.values()]);
    if (h.state.epoch !== hello.epoch) {
      this.deps.log('info', `host ${hello.hostId} started a new spool epoch (its state was reset); sequence numbers restart`);
      h.state = emptySeqState(hello.epoch);
    }
    advanceTo(h.state, hello.oldestSeq);
    try {
      await this.deps.wal.saveSeqState(hello.hostId, { ...h.state, above: [...h.state.above] });
    } catch (e) {
      this.sendError(session, protocolError('STORAGE_FAILURE', `cannot write the host's state: ${(e as Error).message}`), true);
      return;
    }
    if (session.ws.readyState !== session.ws.OPEN) return;
    this.deps.registry.connected(hello.hostId, hello.hostname, hello.agent, session.address);
    this.send(session, {
      type: 'welcome',
      v: PROTOCOL_VERSION,
      sessionId: session.id,
      durableSeq: h.state.contig,
      maxSeq: h.state.max,
      serverTimeMs: Date.now(),
      limits: { maxFrameBytes: this.options.maxFrameBytes, maxSamplesPerBatch: this.options.maxSamplesPerBatch, maxInFlight: this.options.maxInFlight, ...(this.deps.tables ? { tableDeltas: true } : {}) },
    });
    this.deps.log('info', `collector ${hello.hostId} (${hello.hostname}, ${hello.agent.name} ${hello.agent.version}) connected from ${session.address}; durable up to seq ${h.state.contig}`);
  }

  private batch(session: Session, hostId: string, batch: TelemetryBatch, frame: Uint8Array): void {
    const h = this.hosts.get(hostId) as HostIngest;
    const seq = batch.seq;
    const ack = (): void => this.send(session, { type: 'ack', seq });
    if (hasSeq(h.state, seq)) {
      const inFlight = h.pending.get(seq);
      this.stats.duplicateBatches++;
      if (inFlight) void inFlight.then((ok) => ok && ack());
      else ack();
      return;
    }
    this.stats.seqGaps += addSeq(h.state, seq);
    const pos = this.deps.wal.takePos();
    const snapshot: SeqState = { ...h.state, above: [...h.state.above] };
    const logs = this.deps.logs?.ingest(hostId, batch, pos) ?? null;
    const durable = this.deps.wal.append(pos, hostId, frame, snapshot);
    // A failed log write is logged and counted by the log store; the WAL entry alone decides the ack.
    const commit = (logs ? Promise.all([durable, logs.catch(() => undefined)]) : durable).then(
      () => true,
      (e: unknown) => {
        this.storageFailed(hostId, seq, e);
        return false;
      },
    );
    h.pending.set(seq, commit);
    if (h.pending.size > this.options.maxInFlight && !session.paused) this.pauseReads(session, hostId, h.pending.size);
    const result = this.deps.store.appendBatch(hostId, batch.ts, batch.metrics.k, batch.metrics.v, pos);
    this.stats.batches++;
    this.stats.samples += result.appended;
    if (result.rejected > 0) {
      this.stats.rejectedSamples += result.rejected;
      for (const e of result.errors) this.send(session, { type: 'error', code: 'LIMIT_EXCEEDED', message: e.message, fatal: false });
    }
    // The same samples the store took; the scorer's per-host key cache makes this no Map lookup per sample.
    const limit = this.deps.scorer?.scoreBatch(hostId, batch.ts, batch.metrics.k, batch.metrics.v);
    if (limit) this.deps.log('warn', limit.message);
    // In arrival order, which is the WAL's: a delta applies onto the table of the batch before it.
    const whole = this.deps.tables ? withWholeTable(this.deps.tables, hostId, batch) : batch;
    this.deps.registry.batch(hostId, whole, this.deps.store.seriesCount(hostId));
    this.deps.onBatch?.(hostId, whole);
    void commit.then((ok) => {
      h.pending.delete(seq);
      if (ok) ack();
      if (session.paused && h.pending.size <= this.options.maxInFlight) {
        session.paused = false;
        session.ws.resume();
      }
    });
  }

  /**
   * Backpressure for a client that ignores the ack window: its socket is not read until its host's
   * commits catch up, so the kernel's buffers, then TCP, hold it back instead of this process's memory.
   * What ws had already read still arrives, so the waiting batches are bounded by the window plus one read.
   */
  private pauseReads(session: Session, hostId: string, waiting: number): void {
    session.paused = true;
    session.ws.pause();
    this.stats.readPauses++;
    if (session.warnedWindow) return;
    session.warnedWindow = true;
    this.deps.log(
      'warn',
      `collector ${hostId} (${session.address}) sent ${waiting} batches that are not yet durable, beyond its ack window of ${this.options.maxInFlight}: its reads are paused until they are (a collector that waits for acks never sees this; check its version)`,
    );
  }

  private storageFailed(hostId: string, seq: number, e: unknown): void {
    const message = `could not make batch ${seq} of ${hostId} durable (${(e as Error).message}); it was not acked and the collector keeps it — free disk space on the console`;
    this.deps.log('error', message);
    const h = this.hosts.get(hostId);
    if (!h) return;
    // Reload what is really durable, so the resent batch is not mistaken for a duplicate.
    h.state = this.deps.wal.loadSeqStates().get(hostId) ?? emptySeqState(h.state.epoch);
    if (h.session) this.sendError(h.session, protocolError('STORAGE_FAILURE', message), true);
  }

  private count(code: ProtocolErrorCode): void {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
  }

  private send(session: Session, msg: ConsoleMessage): void {
    if (session.ws.readyState === session.ws.OPEN) session.ws.send(encodeMessage(msg));
  }

  private sendError(session: Session, error: ProtocolError, fatal: boolean): void {
    this.count(error.code);
    if (error.code !== 'SHUTTING_DOWN' && error.code !== 'DUPLICATE_SESSION') {
      this.deps.log('warn', `ingest: ${session.hostId ?? session.address}: ${error.code}: ${error.message}`);
    }
    this.send(session, { type: 'error', code: error.code, message: error.message, fatal });
    // The close reason is limited to 123 bytes by the WebSocket protocol.
    if (fatal) session.ws.close(closeCodeFor(error.code), error.code.slice(0, 120));
  }
}

/** Changes when the token file changes (its reload is keyed the same way). */
function tokenStamp(tokens: TokenStore): string {
  return tokens.list().map((t) => `${t.id}${t.revoked ? '-' : '+'}`).join(',');
}

/** The seq of a frame that decoded as msgpack but failed validation, when it has a usable one. */
function peekSeq(bytes: Uint8Array): number | undefined {
  const raw = decodeRaw(bytes);
  if (!raw.ok || typeof raw.value !== 'object' || raw.value === null) return undefined;
  const o = raw.value as Record<string, unknown>;
  const seq = o['seq'];
  return o['type'] === 'batch' && typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}
