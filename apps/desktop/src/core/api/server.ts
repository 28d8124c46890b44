/**
 * The console's local API (contract: shared/src/api/contract.ts): JSON over HTTP for queries and a
 * WebSocket live channel for subscriptions. It listens on loopback, refuses any request without the
 * session token and any cross-origin request.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  API_ERRORS,
  API_PREFIX,
  LIVE_PATH,
  TERMINAL_PATH,
  TERMINAL_SUBPROTOCOL,
  LIVE_SUBPROTOCOL,
  TOKEN_SUBPROTOCOL_PREFIX,
  type ApiErrorCode,
  type LiveEvent,
  type LiveRequest,
  type Alert,
  type AlertChangeEvent,
  type IncidentChangeEvent,
  type LogLine,
  type RouteResponses,
} from '@cerebro/shared/api/contract';
import type { TelemetryBatch } from '@cerebro/shared/protocol/messages';
import type { AlertStore } from '../alerts/alert-store';
import type { AlertScorer } from '../alerts/scorer';
import type { HostRegistry } from '../hosts/registry';
import type { TelemetryStore } from '../tsdb/store';
import type { LogService } from '../logs/log-service';
import { LogQueryError } from '../logs/search';
import { graphTopology } from '../graph/graph-topology';
import { IncidentRouteError, incidentsRoute } from '../incidents/routes';
import { AgentRouteError, agentGet, agentPost, isAgentRoute, type AgentDeps } from '../agents/routes';
import { RemediationRouteError, remediationGet, remediationPost } from '../remediation/routes';
import type { RemediationService } from '../remediation/service';
import type { IncidentService } from '../incidents/service';
import { notificationsRoute } from '../notify/routes';
import { NotifyError, type Notifier } from '../notify/notifier';
import { FleetFigures } from './fleet';
import { filterLines, logsRoute, logSubscription, type LogSubscription } from './logs-routes';
import { StaticFiles } from './static';
import { attachTerminalSocket, terminalRoute } from './terminal-routes';
import { TerminalError, type TerminalBroker } from '../terminals/broker';
import { TopologyBuilder } from './topology';

export interface ApiDeps {
  readonly registry: HostRegistry;
  readonly store: TelemetryStore;
  readonly alerts: AlertStore;
  readonly scorer: AlertScorer;
  readonly stats: () => RouteResponses['stats'];
  /** The log store (GET /logs, /logs/templates, live `logs`); absent: those answer NOT_FOUND. */
  readonly logs?: LogService;
  /** Incidents and forecasts (GET /incidents, /incidents/:id, /forecasts, live `incidents`); absent: those answer NOT_FOUND. */
  readonly incidents?: IncidentService;
  /** Models and diagnoses (GET /models, POST /models/load|unload, /incidents/:id/diagnose|diagnosis, live `models` and `diagnosis`); absent: NOT_FOUND. */
  readonly agents?: AgentDeps;
  /** Runbooks, policy, action runs and the audit log (/remediation/…); absent: those answer NOT_FOUND. */
  readonly remediation?: RemediationService;
  /** Incident notifications (GET /notifications, POST /notifications/test); absent: those answer NOT_FOUND. */
  readonly notifications?: Notifier;
  /** Terminal sessions (/terminals…, the TERMINAL_PATH socket); absent: those answer NOT_FOUND. */
  readonly terminals?: TerminalBroker;
  /** Where collectors connect (known once ingest listens). */
  readonly ingestUrl: () => string;
  readonly version: string;
  readonly startedMs: number;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export interface ApiOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** Folders searched for the built renderer (default: static.ts rendererCandidates()). */
  readonly rendererDirs?: readonly string[];
}

class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface LiveClient {
  readonly ws: WebSocket;
  readonly hostSubs: Set<string>;
  /** sub id → host id and optional key filter. */
  readonly sampleSubs: Map<string, { hostId: string; keys: Set<string> | null }>;
  /** sub id → host and level filter of the live `logs` topic. */
  readonly logSubs: Map<string, LogSubscription>;
  readonly alertSubs: Set<string>;
  readonly incidentSubs: Set<string>;
  /** sub id → the live `models` topic (null) or `diagnosis` (of one incident, or all with null). */
  readonly agentSubs: Map<string, { readonly topic: 'models' | 'diagnosis'; readonly incidentId: string | null }>;
  /** Answered the last protocol ping (or just connected). */
  alive: boolean;
}

const MAX_QUERY_POINTS = 20_000;
/** Largest POST body accepted, bytes. */
const MAX_BODY_BYTES = 16 * 1024;
/** Longest snooze, minutes (a week). */
const MAX_SNOOZE_MINUTES = 7 * 24 * 60;
/** Protocol-level ping to every live client; one that has not answered the previous ping is dropped. */
const LIVE_PING_MS = 15_000;

export class ApiServer {
  private server: http.Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly clients = new Set<LiveClient>();
  private readonly token: Buffer;
  private origins = new Set<string>();
  private readonly fleet: FleetFigures;
  private readonly files: StaticFiles;
  private readonly topology: TopologyBuilder;
  /** Alert changes not pushed yet: everything stored in one turn of the event loop goes out as one event. */
  private pendingAlerts: AlertChangeEvent[] = [];
  private readonly offAlerts: () => void;
  private readonly offLogs: () => void;
  private readonly offIncidents: () => void;
  private pendingIncidents: IncidentChangeEvent[] = [];
  private readonly offAgents: Array<() => void> = [];
  private pinger: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: ApiDeps,
    private readonly options: ApiOptions,
  ) {
    this.token = Buffer.from(options.token);
    this.fleet = new FleetFigures(deps.store);
    this.files = new StaticFiles(options.rendererDirs);
    this.topology = new TopologyBuilder(deps.registry);
    deps.registry.on('host', (host) => {
      for (const c of this.clients) for (const sub of c.hostSubs) this.push(c, { type: 'host', sub, host });
    });
    this.offAlerts = deps.alerts.onChange((change, alert) => this.queueAlert({ change, alert }));
    this.offLogs =
      deps.logs?.onLines(
        (hostId, lines) => this.pushLogs(hostId, lines),
        () => this.followsLogs(),
      ) ?? (() => undefined);
    this.offIncidents = deps.incidents?.onChange((change, incident) => this.queueIncident({ change, incident })) ?? (() => undefined);
    if (deps.agents) {
      this.offAgents.push(
        deps.agents.models.onStatus((status) => {
          for (const c of this.clients) for (const [sub, s] of c.agentSubs) if (s.topic === 'models') this.push(c, { type: 'models', sub, status });
        }),
        deps.agents.diagnoses.onEvent((event) => {
          const incidentId = event.kind === 'token' ? event.incidentId : event.record.incidentId;
          for (const c of this.clients) {
            for (const [sub, s] of c.agentSubs) if (s.topic === 'diagnosis' && (s.incidentId === null || s.incidentId === incidentId)) this.push(c, { type: 'diagnosis', sub, event });
          }
        }),
      );
    }
  }

  /** Incident changes of one turn of the event loop go out as one event, like alerts. */
  private queueIncident(e: IncidentChangeEvent): void {
    if (this.clients.size === 0) return;
    if (this.pendingIncidents.length === 0) {
      setImmediate(() => {
        const changes = this.pendingIncidents;
        this.pendingIncidents = [];
        for (const c of this.clients) for (const sub of c.incidentSubs) this.push(c, { type: 'incidents', sub, changes });
      });
    }
    this.pendingIncidents.push(e);
  }

  private queueAlert(e: AlertChangeEvent): void {
    if (this.clients.size === 0) return;
    if (this.pendingAlerts.length === 0) setImmediate(() => this.flushAlerts());
    this.pendingAlerts.push(e);
  }

  private flushAlerts(): void {
    const changes = this.pendingAlerts;
    this.pendingAlerts = [];
    for (const c of this.clients) for (const sub of c.alertSubs) this.push(c, { type: 'alerts', sub, changes });
  }

  /** Half-open sockets (a suspended laptop, a dead network) are noticed and closed within two ping periods. */
  private startPinging(): void {
    this.pinger = setInterval(() => {
      for (const c of this.clients) {
        if (!c.alive) {
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        c.ws.ping();
      }
    }, LIVE_PING_MS);
    this.pinger.unref();
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => this.handle(req, res));
      const wss = new WebSocketServer({
        noServer: true,
        perMessageDeflate: false,
        maxPayload: 64 * 1024,
        handleProtocols: (protocols) => (protocols.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
      });
      // Terminal byte streams: their own server, so each socket speaks only its subprotocol.
      const terminalWss = new WebSocketServer({
        noServer: true,
        perMessageDeflate: false,
        maxPayload: 64 * 1024,
        handleProtocols: (protocols) => (protocols.has(TERMINAL_SUBPROTOCOL) ? TERMINAL_SUBPROTOCOL : false),
      });
      server.on('upgrade', (req, socket, head) => {
        const refusal = this.refusal(req, true);
        const url = new URL(req.url ?? '/', 'http://x');
        const terminals = this.deps.terminals;
        if (!refusal && url.pathname === TERMINAL_PATH && terminals) {
          const sid = url.searchParams.get('sid') ?? '';
          terminalWss.handleUpgrade(req, socket, head, (ws) => attachTerminalSocket(terminals, ws, sid, this.deps.log));
          return;
        }
        if (refusal || url.pathname !== LIVE_PATH) {
          const status = refusal ? API_ERRORS[refusal.code].status : 404;
          socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => this.live(ws));
      });
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        const addr = server.address();
        const port = typeof addr === 'object' && addr ? addr.port : this.options.port;
        const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
        this.origins = new Set([`http://${host}:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`]);
        resolve(port);
      });
      this.server = server;
      this.wss = wss;
      this.startPinging();
    });
  }

  /** Push a batch to live sample subscribers (called by ingest for every accepted batch). */
  publishBatch(hostId: string, batch: TelemetryBatch): void {
    if (this.clients.size === 0) return;
    for (const c of this.clients) {
      for (const [sub, s] of c.sampleSubs) {
        if (s.hostId !== hostId) continue;
        let keys: readonly string[] = batch.metrics.k;
        let values: readonly number[] = batch.metrics.v;
        if (s.keys) {
          const k: string[] = [];
          const v: number[] = [];
          for (let i = 0; i < keys.length; i++) {
            if (s.keys.has(keys[i] as string)) {
              k.push(keys[i] as string);
              v.push(values[i] as number);
            }
          }
          keys = k;
          values = v;
        }
        if (keys.length > 0) this.push(c, { type: 'samples', sub, hostId, ts: batch.ts, keys, values });
      }
    }
  }

  async close(): Promise<void> {
    this.offAlerts();
    this.offLogs();
    this.offIncidents();
    for (const off of this.offAgents) off();
    if (this.pinger) clearInterval(this.pinger);
    for (const c of this.clients) c.ws.close(1001, 'console stopping');
    this.wss?.close();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Why a request must be refused, or null. */
  private refusal(req: http.IncomingMessage, websocket: boolean): ApiError | null {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.origins.has(origin)) {
      return new ApiError('FORBIDDEN_ORIGIN', `requests from origin ${origin} are refused; the API serves only its own origin`);
    }
    let given: string | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) given = auth.slice(7);
    if (websocket && given === undefined) {
      const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      given = protocols.find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX))?.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
    }
    if (given === undefined) return new ApiError('UNAUTHORIZED', 'no session token: send "Authorization: Bearer <token>" (the token is in $CEREBRO_HOME/console.json)');
    const g = Buffer.from(given);
    if (g.length !== this.token.length || !timingSafeEqual(g, this.token)) return new ApiError('UNAUTHORIZED', 'wrong session token: read the current one from $CEREBRO_HOME/console.json');
    return null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    try {
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      // The UI's static files hold no secret and need no token; everything under the API prefix does.
      if (pathname !== API_PREFIX && !pathname.startsWith(API_PREFIX + '/') && (req.method === 'GET' || req.method === 'HEAD')) {
        this.files.serve(pathname, res);
        return;
      }
      const refusal = this.refusal(req, false);
      if (refusal) throw refusal;
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST') {
        this.post(req, url).then(
          (body) => this.json(res, 200, body),
          (e: unknown) => this.fail(req, res, e),
        );
        return;
      }
      if (req.method !== 'GET') throw new ApiError('BAD_REQUEST', `method ${req.method} is not allowed; the API takes GET, and POST for alert actions`);
      const body = this.route(url);
      if (body instanceof Promise) {
        body.then(
          (b) => this.json(res, 200, b),
          (e: unknown) => this.fail(req, res, e),
        );
        return;
      }
      this.json(res, 200, body);
    } catch (e) {
      this.fail(req, res, e);
    }
  }

  private fail(req: http.IncomingMessage, res: http.ServerResponse, e: unknown): void {
    const error = e instanceof ApiError ? e : new ApiError('INTERNAL', (e as Error).message);
    if (error.code === 'INTERNAL') this.deps.log('error', `api: ${req.url}: ${(e as Error).stack ?? String(e)}`);
    this.json(res, API_ERRORS[error.code].status, { error: { code: error.code, message: error.message } });
  }

  /** POST /alerts/:id/{ack,snooze,noise}: the operator's alert actions. */
  private async post(req: http.IncomingMessage, url: URL): Promise<unknown> {
    const parts = this.parts(url);
    if (isAgentRoute(parts)) return this.agentRoute(parts, await readJsonBody(req));
    if (parts[0] === 'remediation') return this.remediationRoute(parts, url.searchParams, await readJsonBody(req));
    if (parts[0] === 'terminals') return this.terminalRoute(parts, await readJsonBody(req));
    if (parts[0] === 'notifications') return this.notificationRoute(parts, url.searchParams, await readJsonBody(req));
    if (parts.length !== 3 || parts[0] !== 'alerts') throw new ApiError('NOT_FOUND', `no POST route ${url.pathname}; POST takes /alerts/:id/ack, /snooze or /noise`);
    const id = parts[1] as string;
    const action = parts[2] as string;
    const body = await readJsonBody(req);
    const { alerts, scorer } = this.deps;
    const now = Date.now();
    let updated: Alert | null;
    switch (action) {
      case 'ack': {
        const by = body['by'] ?? 'operator';
        if (typeof by !== 'string' || by.length === 0 || by.length > 128) throw new ApiError('BAD_REQUEST', '"by" must be a string of 1 to 128 characters (who acknowledges)');
        updated = await alerts.update(id, (a) => ({ ...a, ackBy: by, ackMs: now }), 'acked');
        break;
      }
      case 'snooze': {
        const minutes = body['minutes'];
        if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes < 1 || minutes > MAX_SNOOZE_MINUTES) {
          throw new ApiError('BAD_REQUEST', `body must be {"minutes": N} with N from 1 to ${MAX_SNOOZE_MINUTES}, got ${JSON.stringify(body['minutes'])}`);
        }
        updated = await alerts.update(id, (a) => ({ ...a, snoozedUntilMs: Math.round(now + minutes * 60_000) }), 'snoozed');
        break;
      }
      case 'noise': {
        const mark = body['noise'] ?? true;
        if (typeof mark !== 'boolean') throw new ApiError('BAD_REQUEST', `"noise" must be true (mark the alert as noise) or false (take the mark back), got ${JSON.stringify(mark)}`);
        // Setting the mark it already has changes nothing: one alert lowers its series' sensitivity once,
        // however often the request is repeated (a retry, a double click), and taking the mark back
        // restores it once. The check is inside the document's update, which runs one at a time.
        let changed = false;
        updated = await alerts.update(
          id,
          (a) => {
            // A conflict may run this again on a newer copy: the last run decides.
            changed = a.noise !== mark;
            return changed ? { ...a, noise: mark, noiseMs: now } : a;
          },
          'noise',
        );
        if (!updated) break;
        if (!changed) return { alert: updated, enterThreshold: scorer.enterThreshold(updated.hostId, updated.seriesKey) } satisfies RouteResponses['noiseAlert'];
        const enterThreshold = mark ? scorer.desensitize(updated.hostId, updated.seriesKey) : scorer.resensitize(updated.hostId, updated.seriesKey);
        this.deps.log('info', `alert ${id} ${mark ? 'marked as noise' : 'no longer marked as noise'}: ${updated.hostId} ${updated.seriesKey} now alerts from score ${enterThreshold ?? '(not scored)'}`);
        return { alert: updated, enterThreshold } satisfies RouteResponses['noiseAlert'];
      }
      default:
        throw new ApiError('NOT_FOUND', `no alert action "${action}"; use ack, snooze or noise`);
    }
    if (!updated) throw new ApiError('NOT_FOUND', `no alert with id ${id}`);
    return updated satisfies RouteResponses['ackAlert'];
  }

  private parts(url: URL): string[] {
    const path = url.pathname;
    if (!path.startsWith(API_PREFIX + '/')) throw new ApiError('NOT_FOUND', `no route ${path}; routes start with ${API_PREFIX}/`);
    try {
      return path.slice(API_PREFIX.length + 1).split('/').map(decodeURIComponent);
    } catch {
      throw new ApiError('BAD_REQUEST', `malformed percent-encoding in ${path}`);
    }
  }

  private scoring(): RouteResponses['alerts']['scoring'] {
    const s = this.deps.scorer.stats();
    return { series: s.series, learning: s.learning, warmupSamples: this.deps.scorer.options.detector.warmupSamples, refusedSeries: s.refusedSeries, strongSeries: s.strongSeries, strongRefused: s.strongRefused };
  }

  private route(url: URL): unknown {
    const path = url.pathname;
    const parts = this.parts(url);
    const { registry, store, alerts, scorer } = this.deps;
    if (parts.length === 1 && parts[0] === 'alerts') {
      const all = url.searchParams.get('all') === '1';
      return alerts.list(all).then((list) => ({ alerts: list, scoring: this.scoring() }) satisfies RouteResponses['alerts']);
    }
    if (parts.length === 1 && parts[0] === 'health') return { ok: true, version: this.deps.version, startedMs: this.deps.startedMs, ingestUrl: this.deps.ingestUrl() } satisfies RouteResponses['health'];
    if (parts.length === 1 && parts[0] === 'stats') return this.deps.stats();
    if (parts.length === 1 && parts[0] === 'fleet') return this.fleet.view(registry.list()) satisfies RouteResponses['fleet'];
    if (parts.length === 1 && parts[0] === 'topology') {
      const knowledge = this.deps.incidents?.knowledge;
      if (url.searchParams.get('view') === 'services' && knowledge !== undefined) return graphTopology(this.topology.view(), knowledge.view()) satisfies RouteResponses['topology'];
      return this.topology.view() satisfies RouteResponses['topology'];
    }
    if (parts.length === 1 && parts[0] === 'graph') {
      const knowledge = this.deps.incidents?.knowledge;
      if (knowledge === undefined) throw new ApiError('NOT_FOUND', 'the knowledge graph is off: the incidents service did not start (see the console log)');
      return knowledge.view() satisfies RouteResponses['graph'];
    }
    if (parts[0] === 'logs') return this.logs(parts, url.searchParams);
    if (isAgentRoute(parts)) return this.agentRoute(parts, null);
    if (parts[0] === 'remediation') return this.remediationRoute(parts, url.searchParams, null);
    if (parts[0] === 'terminals') return this.terminalRoute(parts, null, url.searchParams);
    if (parts[0] === 'notifications') return this.notificationRoute(parts, url.searchParams, null);
    if (parts[0] === 'incidents' || parts[0] === 'forecasts') return this.incidentRoutes(parts, url.searchParams);
    if (parts[0] !== 'hosts') throw new ApiError('NOT_FOUND', `no route ${path}`);
    if (parts.length === 1) return registry.list() satisfies RouteResponses['hosts'];
    const hostId = parts[1] as string;
    const host = registry.get(hostId);
    if (!host) throw new ApiError('NOT_FOUND', `no host with id ${hostId}`);
    if (parts.length === 2) return host satisfies RouteResponses['host'];
    switch (parts.length === 3 ? parts[2] : '') {
      case 'series':
        return store.listSeries(hostId) satisfies RouteResponses['series'];
      case 'query':
        return this.query(hostId, url.searchParams);
      case 'processes': {
        const t = registry.processes(hostId);
        return { ts: t?.ts ?? null, rows: t?.procs ?? [] } satisfies RouteResponses['processes'];
      }
      case 'sockets': {
        const t = registry.sockets(hostId);
        return { ts: t?.ts ?? null, rows: t?.sockets ?? [] } satisfies RouteResponses['sockets'];
      }
      case 'alerts': {
        const { series, learning, left, strong } = scorer.hostLearning(hostId);
        const warmupSamples = scorer.options.detector.warmupSamples;
        return alerts.forHost(hostId).then((list) => ({ alerts: list, series, learning, learningLeft: left, warmupSamples, strong }) satisfies RouteResponses['hostAlerts']);
      }
      default:
        throw new ApiError('NOT_FOUND', `no route ${path}`);
    }
  }

  private logs(parts: readonly string[], params: URLSearchParams): unknown {
    if (!this.deps.logs) throw new ApiError('NOT_FOUND', 'this console has no log store');
    try {
      const body = logsRoute(this.deps.logs, parts, params);
      if (body === null) throw new ApiError('NOT_FOUND', `no route /${parts.join('/')}; logs routes are /logs and /logs/templates`);
      return body;
    } catch (e) {
      throw e instanceof LogQueryError ? new ApiError('BAD_REQUEST', e.message) : e;
    }
  }

  private incidentRoutes(parts: readonly string[], params: URLSearchParams): unknown {
    if (!this.deps.incidents) throw new ApiError('NOT_FOUND', 'this console has no incidents service');
    const asApi = (e: unknown): unknown => (e instanceof IncidentRouteError ? new ApiError(e.code, e.message) : e);
    try {
      const body = incidentsRoute(this.deps.incidents, parts, params);
      if (body === null) throw new ApiError('NOT_FOUND', `no route /${parts.join('/')}; incident routes are /incidents, /incidents/:id and /forecasts`);
      return body instanceof Promise ? body.catch((e: unknown) => Promise.reject(asApi(e))) : body;
    } catch (e) {
      throw asApi(e);
    }
  }

  /** GET (body null) or POST of the terminal routes. */
  private terminalRoute(parts: readonly string[], body: Record<string, unknown> | null, params?: URLSearchParams): unknown {
    const t = this.deps.terminals;
    if (!t) throw new ApiError('NOT_FOUND', 'this console has no terminal broker');
    const asApi = (e: unknown): unknown => (e instanceof TerminalError ? new ApiError(e.code === 'CLOSED' ? 'BAD_REQUEST' : e.code, e.message) : e);
    try {
      const out = terminalRoute(t, parts, body, params);
      return out instanceof Promise ? out.catch((e: unknown) => Promise.reject(asApi(e))) : out;
    } catch (e) {
      throw asApi(e);
    }
  }

  /** GET (body null) or POST of the remediation routes. */
  private remediationRoute(parts: readonly string[], params: URLSearchParams, body: Record<string, unknown> | null): unknown {
    const r = this.deps.remediation;
    if (!r) throw new ApiError('NOT_FOUND', 'this console has no remediation engine');
    const asApi = (e: unknown): unknown => (e instanceof RemediationRouteError ? new ApiError(e.code, e.message) : e);
    try {
      const out = body === null ? remediationGet(r, parts, params) : remediationPost(r, parts, body);
      return out instanceof Promise ? out.catch((e: unknown) => Promise.reject(asApi(e))) : out;
    } catch (e) {
      throw asApi(e);
    }
  }

  /** GET (body null) or POST of the notification routes. */
  private notificationRoute(parts: readonly string[], params: URLSearchParams, body: Record<string, unknown> | null): unknown {
    const n = this.deps.notifications;
    if (!n) throw new ApiError('NOT_FOUND', 'this console has no notifier');
    const asApi = (e: unknown): unknown => (e instanceof NotifyError ? new ApiError(e.code, e.message) : e);
    try {
      const answer = notificationsRoute(n, parts, params, body);
      if (answer === null) throw new ApiError('NOT_FOUND', `no ${body === null ? 'GET' : 'POST'} route /${parts.join('/')}; notification routes are GET /notifications and POST /notifications/test`);
      return answer instanceof Promise ? answer.catch((e: unknown) => Promise.reject(asApi(e))) : answer;
    } catch (e) {
      throw asApi(e);
    }
  }

  /** GET (body null) or POST of the models and diagnosis routes. */
  private agentRoute(parts: readonly string[], body: Record<string, unknown> | null): Promise<unknown> {
    const agents = this.deps.agents;
    if (!agents) return Promise.reject(new ApiError('NOT_FOUND', 'this console has no model host'));
    const asApi = (e: unknown): unknown => (e instanceof AgentRouteError ? new ApiError(e.code, e.message) : e);
    return (body === null ? agentGet(agents, parts) : agentPost(agents, parts, body)).catch((e: unknown) => Promise.reject(asApi(e)));
  }

  /** Whether any client follows the live `logs` topic (else the log store builds no lines for it). */
  private followsLogs(): boolean {
    for (const c of this.clients) if (c.logSubs.size > 0) return true;
    return false;
  }

  private pushLogs(hostId: string, lines: readonly LogLine[]): void {
    for (const c of this.clients) {
      for (const [sub, filter] of c.logSubs) {
        const records = filterLines(filter, hostId, lines);
        if (records) this.push(c, { type: 'logs', sub, records });
      }
    }
  }

  private query(hostId: string, params: URLSearchParams): RouteResponses['query'] {
    const key = params.get('key');
    if (!key) throw new ApiError('BAD_REQUEST', 'parameter "key" is required (a series key from /series, e.g. cpu.util_pct)');
    const num = (name: string, fallback: number): number => {
      const v = params.get(name);
      if (v === null || v === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new ApiError('BAD_REQUEST', `parameter "${name}" must be a number (ms since the epoch, or a count), got "${v}"`);
      return n;
    };
    const to = num('to', Date.now());
    const from = num('from', to - 3600_000);
    const points = num('points', 1000);
    if (from > to) throw new ApiError('BAD_REQUEST', `"from" (${from}) is after "to" (${to})`);
    if (points < 1 || points > MAX_QUERY_POINTS) throw new ApiError('BAD_REQUEST', `"points" must be from 1 to ${MAX_QUERY_POINTS}, got ${points}`);
    if (this.deps.store.latest(hostId, key) === null) throw new ApiError('NOT_FOUND', `host ${hostId} has no series ${key}`);
    return this.deps.store.query(hostId, key, { from, to, maxPoints: points });
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  }

  private live(ws: WebSocket): void {
    const client: LiveClient = { ws, hostSubs: new Set(), sampleSubs: new Map(), alertSubs: new Set(), incidentSubs: new Set(), logSubs: new Map(), agentSubs: new Map(), alive: true };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => {
      let req: LiveRequest;
      try {
        if (isBinary) throw new Error('binary frame');
        req = JSON.parse(data.toString()) as LiveRequest;
        if (typeof req !== 'object' || req === null || typeof req.id !== 'string') throw new Error('not a request object with an id');
      } catch (e) {
        this.push(client, { type: 'error', message: `live request refused (${(e as Error).message}); send JSON such as {"op":"subscribe","id":"1","topic":"hosts"}` });
        return;
      }
      client.alive = true;
      if (req.op === 'ping') {
        this.push(client, { type: 'pong', id: req.id });
      } else if (req.op === 'unsubscribe') {
        client.hostSubs.delete(req.id);
        client.sampleSubs.delete(req.id);
        client.alertSubs.delete(req.id);
        client.incidentSubs.delete(req.id);
        client.logSubs.delete(req.id);
        client.agentSubs.delete(req.id);
      } else if (req.op === 'subscribe' && req.topic === 'logs') {
        const sub = logSubscription(req);
        if (typeof sub === 'string') this.push(client, { type: 'error', sub: req.id, message: sub });
        else client.logSubs.set(req.id, sub);
      } else if (req.op === 'subscribe' && req.topic === 'alerts') {
        client.alertSubs.add(req.id);
      } else if (req.op === 'subscribe' && req.topic === 'incidents') {
        client.incidentSubs.add(req.id);
      } else if (req.op === 'subscribe' && req.topic === 'models') {
        client.agentSubs.set(req.id, { topic: 'models', incidentId: null });
        if (this.deps.agents) this.push(client, { type: 'models', sub: req.id, status: this.deps.agents.models.current() });
      } else if (req.op === 'subscribe' && req.topic === 'diagnosis') {
        client.agentSubs.set(req.id, { topic: 'diagnosis', incidentId: typeof req.incidentId === 'string' ? req.incidentId : null });
      } else if (req.op === 'subscribe' && req.topic === 'hosts') {
        client.hostSubs.add(req.id);
        for (const host of this.deps.registry.list()) this.push(client, { type: 'host', sub: req.id, host });
      } else if (req.op === 'subscribe' && req.topic === 'samples' && typeof req.hostId === 'string') {
        client.sampleSubs.set(req.id, { hostId: req.hostId, keys: Array.isArray(req.keys) ? new Set(req.keys) : null });
      } else {
        this.push(client, { type: 'error', sub: req.id, message: 'unknown request: op must be subscribe (topic hosts, alerts, or samples with hostId), unsubscribe or ping' });
      }
    });
  }

  private push(client: LiveClient, event: LiveEvent): void {
    // A client that does not read (e.g. a frozen tab) must not make the console buffer without bound.
    if (client.ws.bufferedAmount > 8 * 1024 * 1024) {
      client.ws.terminate();
      return;
    }
    client.ws.send(JSON.stringify(event));
  }
}

/** Reads a small JSON object body (empty: {}); anything else is a BAD_REQUEST. */
function readJsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError('BAD_REQUEST', `request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        const v: unknown = JSON.parse(text);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch (e) {
        reject(new ApiError('BAD_REQUEST', `the body must be a JSON object (${(e as Error).message})`));
      }
    });
  });
}
