/**
 * The console's ingest endpoint: a WebSocket server collectors stream to.
 *
 * Per connection: the first frame must be a hello with a valid token (else a typed error and a close);
 * then batches, each decoded, validated, deduplicated on (host, epoch, seq), written to the WAL together
 * with the host's sequence state, appended to the telemetry store, and acked once the WAL commit is on
 * disk. A misbehaving client gets a clear error and its connection closed; other connections are unaffected.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeCodeFor, protocolError, type ProtocolError, type ProtocolErrorCode } from '@cerebro/shared/protocol/errors';
import { decodeCollectorFrame, decodeRaw, encodeMessage, type DecodeLimits } from '@cerebro/shared/protocol/codec';
import { PROTOCOL_VERSION, type ConsoleMessage, type Hello, type TelemetryBatch } from '@cerebro/shared/protocol/messages';
import type { TelemetryStore } from '../tsdb/store';
import type { AlertScorer } from '../alerts/scorer';
import type { HostRegistry } from '../hosts/registry';
import { addSeq, advanceTo, emptySeqState, hasSeq, type SeqState } from './seq-state';
import type { TokenStore } from './tokens';
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
}

export const DEFAULT_INGEST_OPTIONS: IngestOptions = {
  host: '127.0.0.1',
  port: 7070,
  maxFrameBytes: 4 * 1024 * 1024,
  maxSamplesPerBatch: 20_000,
  maxInFlight: 32,
  helloTimeoutMs: 10_000,
  heartbeatMs: 10_000,
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
}

export interface IngestDeps {
  readonly wal: WriteAheadLog;
  readonly store: TelemetryStore;
  readonly registry: HostRegistry;
  readonly tokens: TokenStore;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** Scores every stored batch for anomalies (core/alerts); absent: no scoring. */
  readonly scorer?: AlertScorer;
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
}

export class IngestServer {
  private wss: WebSocketServer | null = null;
  private readonly options: IngestOptions;
  private readonly hosts = new Map<string, HostIngest>();
  private readonly sessions = new Set<Session>();
  private heartbeat: NodeJS.Timeout | null = null;
  readonly stats: IngestStats = { connections: 0, batches: 0, samples: 0, duplicateBatches: 0, rejected: {}, rejectedSamples: 0, seqGaps: 0 };

  constructor(
    private readonly deps: IngestDeps,
    options: Partial<IngestOptions> = {},
  ) {
    this.options = { ...DEFAULT_INGEST_OPTIONS, ...options };
    for (const [hostId, state] of deps.wal.loadSeqStates()) this.hosts.set(hostId, { state, pending: new Map(), session: null });
  }

  /** Start listening; resolves with the bound port (use port 0 for any free port). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({
        host: this.options.host,
        port: this.options.port,
        path: '/ingest',
        perMessageDeflate: false,
        // ws enforces a hard cap; frames between our limit and this get a readable FRAME_TOO_LARGE first.
        maxPayload: this.options.maxFrameBytes * 2,
        clientTracking: false,
      });
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        wss.on('error', (e) => this.deps.log('error', `ingest server error: ${e.message}`));
        this.startHeartbeat();
        const addr = wss.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.options.port);
      });
      wss.on('connection', (ws, req) => this.accept(ws, req));
      this.wss = wss;
    });
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      for (const s of this.sessions) {
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
    const pending = [...this.hosts.values()].flatMap((h) => [...h.pending.values()]);
    await Promise.allSettled(pending);
    for (const s of this.sessions) this.sendError(s, protocolError('SHUTTING_DOWN', 'the console is stopping; reconnect later'), true);
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
  }

  connectedHosts(): string[] {
    return [...this.hosts.entries()].filter(([, h]) => h.session).map(([id]) => id);
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const session: Session = { id: randomBytes(8).toString('hex'), ws, address: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`, hostId: null, alive: true };
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
    ws.on('close', () => {
      clearTimeout(helloTimer);
      this.sessions.delete(session);
      if (session.hostId) {
        const h = this.hosts.get(session.hostId);
        if (h?.session === session) {
          h.session = null;
          this.deps.registry.disconnected(session.hostId);
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
        this.sendError(session, protocolError('INVALID_MESSAGE', 'hello was already received on this connection'), true);
        return;
      case 'result':
        this.deps.log('debug', `command ${msg.id} on ${session.hostId}: ${msg.ok ? 'ok' : `refused (${msg.error?.code}: ${msg.error?.message})`}`);
        return;
      case 'error':
        this.deps.log('warn', `collector ${session.hostId} reported ${msg.code}: ${msg.message}`);
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  private async hello(session: Session, hello: Hello): Promise<void> {
    const auth = this.deps.tokens.verify(hello.token, hello.hostId);
    if (!auth.ok) {
      this.deps.log('warn', `refused collector ${hello.hostId} from ${session.address}: ${auth.reason}`);
      this.sendError(session, protocolError('UNAUTHORIZED', auth.reason), true);
      return;
    }
    let h = this.hosts.get(hello.hostId);
    if (!h) {
      h = { state: emptySeqState(hello.epoch), pending: new Map(), session: null };
      this.hosts.set(hello.hostId, h);
    }
    if (h.session && h.session !== session) {
      // The newest connection wins: the old one is most likely half-open after a network change.
      this.sendError(h.session, protocolError('DUPLICATE_SESSION', `a new connection for host ${hello.hostId} from ${session.address} replaced this one`), true);
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
      limits: { maxFrameBytes: this.options.maxFrameBytes, maxSamplesPerBatch: this.options.maxSamplesPerBatch, maxInFlight: this.options.maxInFlight },
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
    const commit = this.deps.wal.append(pos, hostId, frame, snapshot).then(
      () => true,
      (e: unknown) => {
        this.storageFailed(hostId, seq, e);
        return false;
      },
    );
    h.pending.set(seq, commit);
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
    this.deps.registry.batch(hostId, batch, this.deps.store.seriesCount(hostId));
    this.deps.onBatch?.(hostId, batch);
    void commit.then((ok) => {
      h.pending.delete(seq);
      if (ok) ack();
    });
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

/** The seq of a frame that decoded as msgpack but failed validation, when it has a usable one. */
function peekSeq(bytes: Uint8Array): number | undefined {
  const raw = decodeRaw(bytes);
  if (!raw.ok || typeof raw.value !== 'object' || raw.value === null) return undefined;
  const o = raw.value as Record<string, unknown>;
  const seq = o['seq'];
  return o['type'] === 'batch' && typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}
