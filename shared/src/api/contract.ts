/**
 * The console's local API (HTTP + WebSocket), one typed descriptor for every surface the UI and the CLI
 * use. The core implements it (apps/desktop/src/core/api); clients build URLs and parse results from here.
 * Every request needs the session token: `Authorization: Bearer <token>` over HTTP, and the WebSocket
 * subprotocol `cerebro.token.<token>` (beside `cerebro.v1`) for the live channel, since browsers cannot
 * set headers on a WebSocket. Cross-origin requests are refused.
 */
import type { Inventory, LogLevel, ProcessRow, SocketRow, SpoolStats } from '../protocol/messages';
import type { TopologyGraph } from '../topology/topology';
import type { ForecastsView, Incident, IncidentChangeEvent, IncidentsView } from './incidents';
import type { KnowledgeGraphView } from './graph';
import type { ActionRun, ActionsView, ApproveRunRequest, AuditView, DryRunView, KillSwitchRequest, ProposalsView, RemediationPolicyView, RemediationStatusView, RunbookRunRequest, RunbooksView, PolicySettingsRequest, SetLevelRequest } from './remediation';
import type { NotificationRecord, NotificationsView, NotificationTestRequest } from './notifications';
import type { TerminalOpenRequest, TerminalRecordingView, TerminalSessionView, TerminalsView } from './terminals';
import type { AskRecord, AskRequest, DiagnoseRequest, DiagnosisEvent, DiagnosisRecord, LoadModelRequest, ModelsView, ModelStatus, ModelStatusEvent, PlanDryRunView, PlanRunRequest } from './agents';
import type { MemoryStatus } from './memory';

export * from './incidents';
export * from './graph';
export * from './agents';
export * from './remediation';
export * from './notifications';
export * from './terminals';

export const API_PREFIX = '/api/v1';
export const LIVE_PATH = `${API_PREFIX}/live`;
export const LIVE_SUBPROTOCOL = 'cerebro.v1';
export const TOKEN_SUBPROTOCOL_PREFIX = 'cerebro.token.';
/** The terminal byte stream of one session: `${TERMINAL_PATH}?sid=…` (terminals.ts). */
export const TERMINAL_PATH = `${API_PREFIX}/terminal`;

export type HostStatus = 'live' | 'stale' | 'lost';

/** A source that failed on the host, as last reported by its collector. */
export interface HostSourceError {
  readonly source: string;
  /** What went wrong, e.g. "couldn't read /proc/diskstats: EACCES". */
  readonly error: string;
  /** When the console received the report, ms since the epoch. */
  readonly atMs: number;
}

/** One monitored host, as the console knows it from its collector. */
export interface Host {
  /** The collector's hostId. */
  readonly id: string;
  readonly hostname: string;
  /** live: batches arriving; stale: none for 10 s or disconnected; lost: none for 60 s. */
  readonly status: HostStatus;
  /** First batch ever received, ms since the epoch. */
  readonly firstSeenMs: number;
  /** Latest batch received, ms since the epoch. */
  readonly lastSeenMs: number;
  /** Sequence number of the latest batch ingested. */
  readonly lastSeq: number;
  /** Whether the collector's connection is open right now. */
  readonly connected: boolean;
  readonly agent: { readonly name: string; readonly version: string };
  readonly inventory?: Inventory;
  /** The collector's spool, including data it had to drop after a long outage. */
  readonly spool?: SpoolStats;
  /** Latest operator notices from the collector, newest last, at most 64. */
  readonly notices: readonly string[];
  /** Latest failing sources, at most 64. */
  readonly sourceErrors: readonly HostSourceError[];
  /** Distinct metric series the host reports. */
  readonly seriesCount: number;
  /** Remote address of the collector's connection, e.g. "10.0.0.7:51234". */
  readonly address: string;
}

export interface SeriesInfo {
  readonly key: string;
  /** ms since the epoch. */
  readonly firstTs: number;
  readonly lastTs: number;
  readonly lastValue: number;
}

/** Raw points when the range holds ≤ maxPoints samples. */
export interface RawSeries {
  readonly kind: 'raw';
  readonly t: readonly number[];
  readonly v: readonly number[];
}

/** Equal-width buckets (`bucketMs` wide, `t` = bucket start) otherwise: a chart draws the min/max envelope. */
export interface BucketedSeries {
  readonly kind: 'buckets';
  readonly bucketMs: number;
  readonly t: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
  readonly avg: readonly number[];
  readonly last: readonly number[];
  readonly n: readonly number[];
}

export type SeriesData = RawSeries | BucketedSeries;

export interface HostTable<Row> {
  /** Collector time of the scan, ms; null when none arrived yet. */
  readonly ts: number | null;
  readonly rows: readonly Row[];
}

export interface IngestStatsView {
  readonly connectedCollectors: number;
  readonly batches: number;
  readonly samples: number;
  readonly duplicateBatches: number;
  readonly rejectedFrames: Readonly<Record<string, number>>;
  readonly rejectedSamples: number;
  /** Times a collector's reads were paused because it sent more batches than its ack window before their acks. */
  readonly readPauses: number;
  /** Process tables received as changes, and those of them whose base table the console did not hold (that batch had no table). */
  readonly tableDeltas: number;
  readonly tableDeltasMissed: number;
  /** Samples stored per second over the last 10 s. */
  readonly samplesPerSec: number;
  readonly walEntries: number;
  readonly store: { readonly series: number; readonly headSamples: number; readonly headBytes: number; readonly blocks: number };
  /** The log store (absent from consoles without one). */
  readonly logs?: LogStoreStatsView;
  /** The console process's own memory (absent from consoles before it was reported). */
  readonly memory?: ConsoleMemoryView;
  /** How late the console's event loop ran over the last complete 10 s: what every batch, ack and API call waited behind. */
  readonly eventLoop?: EventLoopView;
}

export interface EventLoopView {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The window these figures cover, s (0 before the first window completes). */
  readonly windowSec: number;
}

/** The console process's memory: what its heap holds against the limit the runtime will not pass. */
export interface ConsoleMemoryView {
  readonly rssBytes: number;
  /** V8 heap in use (live objects and garbage not yet collected). */
  readonly heapUsedBytes: number;
  /** V8's heap limit: past it the process dies out of memory (~4 GiB in Electron and in Node here). */
  readonly heapLimitBytes: number;
  /** Memory of ArrayBuffers and Buffers (typed arrays' data), outside the heap. */
  readonly arrayBuffersBytes: number;
}

export interface QueryParams {
  readonly key: string;
  /** ms since the epoch, inclusive; default: an hour before `to`. */
  readonly from?: number;
  /** ms since the epoch, inclusive; default: now. */
  readonly to?: number;
  /** Most points to return (buckets above it); default 1000. */
  readonly points?: number;
}

/**
 * A short history of one fleet figure: `values[i]` covers [t0 + i·stepMs, t0 + (i+1)·stepMs); null where
 * no sample arrived in that step.
 */
export type FleetHistory = readonly (number | null)[];

/** One host's headline figures for the fleet table; null where the host reports no such series. */
export interface FleetHost {
  readonly id: string;
  readonly hostname: string;
  readonly status: HostStatus;
  readonly connected: boolean;
  /** ms since the epoch. */
  readonly lastSeenMs: number;
  /** Latest cpu.util_pct, percent of all cores. */
  readonly cpuPct: number | null;
  /** Latest mem.used_pct, percent. */
  readonly memPct: number | null;
  /** Latest fs.used_pct of the fullest mount, percent. */
  readonly diskPct: number | null;
  /** Latest net.rx_bps + net.tx_bps summed over non-loopback interfaces, bytes per second. */
  readonly netBps: number | null;
  /** The same figures over the fleet window (FleetView.t0, stepMs): step averages (disk: fullest mount, net: summed). */
  readonly history: { readonly cpu: FleetHistory; readonly mem: FleetHistory; readonly disk: FleetHistory; readonly net: FleetHistory };
}

/** The fleet at a glance: every host with its latest figures and a short history (GET /fleet). */
export interface FleetView {
  /** Start of the history window, ms since the epoch. */
  readonly t0: number;
  /** Width of one history step, ms (10 min / 60 = 10 s by default). */
  readonly stepMs: number;
  /** Steps in each history, ≤ 60. */
  readonly steps: number;
  readonly hosts: readonly FleetHost[];
}

/** Who talks to whom (GET /topology), built from every host's latest socket and process tables (shared/src/topology). */
export interface TopologyView extends TopologyGraph {
  /** When the console built it, ms since the epoch. */
  readonly builtMs: number;
  /** Hosts whose socket table has arrived; the others contribute only their host node. */
  readonly hostsWithSockets: number;
}

export type AlertSeverity = 'warning' | 'critical';
export type AlertState = 'open' | 'resolved';

/**
 * An anomaly on one series of one host, raised by the console's scorer through hysteresis (one alert per
 * episode, not per deviating sample). Stored as an RxDB document (collection `alerts`).
 */
export interface Alert {
  /** Unique, opaque. */
  readonly id: string;
  readonly hostId: string;
  /** The series, e.g. "cpu.util_pct". */
  readonly seriesKey: string;
  /** critical when the peak score reached 0.8, else warning. */
  readonly severity: AlertSeverity;
  readonly state: AlertState;
  /** First deviating sample, ms since the epoch (collector clock). */
  readonly startMs: number;
  /** Sample that resolved it, ms since the epoch; absent while open. */
  readonly endMs?: number;
  /** Highest anomaly score seen, in [0, 1]. */
  readonly peakScore: number;
  /** Latest anomaly score, in [0, 1]. */
  readonly lastScore: number;
  readonly evidence: {
    /** The series' usual level before the deviation, in the series' unit. */
    readonly baseline: number;
    /** Deviating samples, [ms since the epoch, value], at most 20 (the first ones). */
    readonly points: ReadonlyArray<readonly [number, number]>;
    /** Log alerts only (seriesKey `log.new{template=ID}` or `log.rate{template=ID}`): the template and lines behind it. */
    readonly log?: LogAlertEvidence;
  };
  /** Who acknowledged it (free text from the operator), and when (ms since the epoch). */
  readonly ackBy?: string;
  readonly ackMs?: number;
  /** Hidden from the open list until then, ms since the epoch. */
  readonly snoozedUntilMs?: number;
  /** Marked as noise by an operator; the series' sensitivity was halved (restored when the mark is taken back). */
  readonly noise: boolean;
  /** When `noise` was last set or taken back, ms since the epoch (absent: never; alerts stored before schema v1). */
  readonly noiseMs?: number;
}

/** Scoring coverage: series scored, and those still in warm-up (they never alert; the UI shows them as learning). */
export interface ScoringView {
  readonly series: number;
  readonly learning: number;
  /** Samples a series needs before it may alert. */
  readonly warmupSamples: number;
  /** Series refused for the scorer's series limit. */
  readonly refusedSeries: number;
  /** Series the stronger detector scores (a host's headline series; the others, the cheap one). */
  readonly strongSeries: number;
  /** Headline series left to the cheap detector because the stronger one's series limit was reached. */
  readonly strongRefused: number;
}

export interface AlertsView {
  /** Newest first; open (and not snoozed) ones only, unless `?all=1`. */
  readonly alerts: readonly Alert[];
  readonly scoring: ScoringView;
}

export interface HostAlertsView {
  /** The host's alerts, open and resolved, newest first, at most 200. */
  readonly alerts: readonly Alert[];
  /** Series of this host scored so far. */
  readonly series: number;
  /** Keys of this host's series still in warm-up. */
  readonly learning: readonly string[];
  /** Per learning key: samples it still needs before it may alert. */
  readonly learningLeft: Readonly<Record<string, number>>;
  /** Samples a series needs before it may alert. */
  readonly warmupSamples: number;
  /** Keys of this host's series the stronger detector scores (the others: the cheap one). */
  readonly strong: readonly string[];
}

/**
 * What happened to an alert, as the live `alerts` topic reports it: opened / updated (peak, last score or
 * evidence of an open alert) / resolved come from the scorer; acked / snoozed / noise from an operator.
 */
export type AlertChange = 'opened' | 'updated' | 'resolved' | 'acked' | 'snoozed' | 'noise';

export interface AlertChangeEvent {
  readonly change: AlertChange;
  /** The whole document after the change. */
  readonly alert: Alert;
}

/** Body of POST /alerts/:id/noise: `{}` or `{"noise": true}` marks it; `{"noise": false}` takes the mark back. */
export interface NoiseRequest {
  readonly noise?: boolean;
}

/** Body of POST /alerts/:id/ack. */
export interface AckRequest {
  /** Who acknowledges, e.g. a name; default "operator". */
  readonly by?: string;
}

/** Body of POST /alerts/:id/snooze. */
export interface SnoozeRequest {
  /** Minutes from now, 1 to 10080 (a week). */
  readonly minutes: number;
}

/** One stored log record, as the logs API returns it. */
export interface LogLine {
  /** The record's position; pass it as `cursor` to continue with older records. Opaque. */
  readonly id: string;
  /** ms since the epoch (collector clock). */
  readonly ts: number;
  readonly hostId: string;
  /** `file:<path>` or `journal`. */
  readonly src: string;
  readonly level: LogLevel;
  readonly msg: string;
  readonly unit?: string;
  readonly pid?: number;
  /** The mined template (8 hex digits), see GET /logs/templates. */
  readonly templateId: string;
}

/** GET /logs: records newest first. */
export interface LogSearchView {
  readonly records: readonly LogLine[];
  /** Pass as `cursor` for the next (older) page; null when the range is exhausted. */
  readonly cursor: string | null;
  /**
   * True when the request stopped at its scan budget before filling `limit`: the records are right but
   * there may be more matches older than `cursor` (ask again with it, or narrow host/level/template/time).
   */
  readonly partial: boolean;
  /** Records examined to answer. */
  readonly scanned: number;
}

/** One template in GET /logs/templates. */
export interface LogTemplateRow {
  readonly id: string;
  /** Tokens with `<*>` for variables. */
  readonly text: string;
  /** Records in the requested window (and host, when given). */
  readonly count: number;
  /** Records ever, on every host. */
  readonly total: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** Levels its records had. */
  readonly levels: readonly LogLevel[];
  /** Counts per step of the window (LogTemplatesView.stepMs), oldest first. */
  readonly spark: readonly number[];
}

/** GET /logs/templates: templates with records in [from, to], most frequent first (at most 500). */
export interface LogTemplatesView {
  readonly from: number;
  readonly to: number;
  /** Width of one sparkline step, ms (a whole number of minutes). */
  readonly stepMs: number;
  readonly templates: readonly LogTemplateRow[];
  /** Hosts that have logs (for filters). */
  readonly hosts: readonly string[];
}

/** A log alert's evidence: which template, and sample lines. */
export interface LogAlertEvidence {
  /** new: a template never seen on the host, at warn level or above; rate: its per-minute count left its baseline. */
  readonly kind: 'new' | 'rate';
  readonly templateId: string;
  readonly text: string;
  /** Most severe level seen on its records. */
  readonly level: LogLevel;
  /**
   * Up to 5 lines, oldest first; `unit` and `pid` name the process that wrote the line where the collector
   * knows it (the journal's or syslog's program, or the process writing the file).
   */
  readonly samples: ReadonlyArray<{ readonly ts: number; readonly src: string; readonly msg: string; readonly unit?: string; readonly pid?: number }>;
}

/** The console's log store, for /stats. */
export interface LogStoreStatsView {
  /** Records stored now, and their estimated size (keys and values), bytes. */
  readonly records: number;
  readonly bytes: number;
  /** Limits: size cap (bytes) and age (days); the oldest records are evicted past either. */
  readonly maxBytes: number;
  readonly retentionDays: number;
  /** Records evicted by retention since the store was created, and their bytes. */
  readonly evictedRecords: number;
  readonly evictedBytes: number;
  /** Templates the miner knows. */
  readonly templates: number;
  /** Batches whose logs could not be written (each is logged; the WAL still holds them). */
  readonly writeFailures: number;
}

/** HTTP routes: method, path pattern (`:host` is the host id), and the JSON response type. */
export const ROUTES = {
  health: { method: 'GET', path: `${API_PREFIX}/health` },
  hosts: { method: 'GET', path: `${API_PREFIX}/hosts` },
  host: { method: 'GET', path: `${API_PREFIX}/hosts/:host` },
  series: { method: 'GET', path: `${API_PREFIX}/hosts/:host/series` },
  query: { method: 'GET', path: `${API_PREFIX}/hosts/:host/query` },
  processes: { method: 'GET', path: `${API_PREFIX}/hosts/:host/processes` },
  sockets: { method: 'GET', path: `${API_PREFIX}/hosts/:host/sockets` },
  stats: { method: 'GET', path: `${API_PREFIX}/stats` },
  fleet: { method: 'GET', path: `${API_PREFIX}/fleet` },
  topology: { method: 'GET', path: `${API_PREFIX}/topology` },
  /** The knowledge graph: services and their call edges with first/last seen (?view=services on /topology draws it). */
  graph: { method: 'GET', path: `${API_PREFIX}/graph` },
  alerts: { method: 'GET', path: `${API_PREFIX}/alerts` },
  hostAlerts: { method: 'GET', path: `${API_PREFIX}/hosts/:host/alerts` },
  ackAlert: { method: 'POST', path: `${API_PREFIX}/alerts/:id/ack` },
  snoozeAlert: { method: 'POST', path: `${API_PREFIX}/alerts/:id/snooze` },
  noiseAlert: { method: 'POST', path: `${API_PREFIX}/alerts/:id/noise` },
  /** ?host=&level=(comma list, or L+ for L and more severe)&template=&q=(case-insensitive terms)&from=&to=&limit=&cursor= */
  logs: { method: 'GET', path: `${API_PREFIX}/logs` },
  /** ?host=&from=&to= */
  logTemplates: { method: 'GET', path: `${API_PREFIX}/logs/templates` },
  /** ?state=open (default) | all */
  incidents: { method: 'GET', path: `${API_PREFIX}/incidents` },
  incident: { method: 'GET', path: `${API_PREFIX}/incidents/:id` },
  /** ?host= (a host id; default every host) */
  forecasts: { method: 'GET', path: `${API_PREFIX}/forecasts` },
  /** The models folder's GGUF files and the model host's status. */
  models: { method: 'GET', path: `${API_PREFIX}/models` },
  /** Load a file of the models folder (answers once loaded; progress on the live `models` topic). */
  loadModel: { method: 'POST', path: `${API_PREFIX}/models/load` },
  unloadModel: { method: 'POST', path: `${API_PREFIX}/models/unload` },
  /** Diagnose an incident (model, else rules); tokens on the live `diagnosis` topic. */
  diagnose: { method: 'POST', path: `${API_PREFIX}/incidents/:id/diagnose` },
  /** The latest diagnosis of an incident. */
  diagnosis: { method: 'GET', path: `${API_PREFIX}/incidents/:id/diagnosis` },
  /** Hand the incident's plan to the remediation engine's dry run (nothing runs); answers with the dry run. */
  planDryRun: { method: 'POST', path: `${API_PREFIX}/incidents/:id/plan/dry-run` },
  /** Hand the incident's plan to the remediation engine as an operator's run (under the policy). */
  planExecute: { method: 'POST', path: `${API_PREFIX}/incidents/:id/plan/execute` },
  /** A free question to the agents (read-only tools, a bounded number of steps); tokens on the live `diagnosis` topic. */
  ask: { method: 'POST', path: `${API_PREFIX}/agents/ask` },
  /** An Ask by id (:id). */
  askRecord: { method: 'GET', path: `${API_PREFIX}/agents/ask/:id` },
  /** The agents' embedding memory: what is embedded (done/total per kind), with which model, and the search method in force. */
  agentMemory: { method: 'GET', path: `${API_PREFIX}/agents/memory` },
  /** The runbook library, and the files that failed validation. */
  runbooks: { method: 'GET', path: `${API_PREFIX}/remediation/runbooks` },
  /** What a run of runbook :id would do on body.hostId, with the policy's verdict; sends nothing, and records the dry run (a live run needs one first: DRY_RUN_REQUIRED). */
  runbookDryRun: { method: 'POST', path: `${API_PREFIX}/remediation/runbooks/:id/dry-run` },
  /** Run runbook :id (one-click): answers at once with the run (running, awaiting-approval or refused, e.g. DRY_RUN_REQUIRED before any dry run). */
  runbookExecute: { method: 'POST', path: `${API_PREFIX}/remediation/runbooks/:id/execute` },
  /** ?limit= (default 100): runs, newest first. */
  actions: { method: 'GET', path: `${API_PREFIX}/remediation/actions` },
  action: { method: 'GET', path: `${API_PREFIX}/remediation/actions/:id` },
  /** Approve a run awaiting approval (level "suggest"). */
  approveAction: { method: 'POST', path: `${API_PREFIX}/remediation/actions/:id/approve` },
  /** ?limit= (default 50): the newest audit records and the whole chain's verification. */
  audit: { method: 'GET', path: `${API_PREFIX}/remediation/audit` },
  remediationStatus: { method: 'GET', path: `${API_PREFIX}/remediation/status` },
  /** Turn the kill switch on (no autonomous action runs) or off. */
  killSwitch: { method: 'POST', path: `${API_PREFIX}/remediation/kill-switch` },
  /** ?incident=ID: the runbooks that fit each ranked cause of the incident, with the params the cause gives. */
  remediationProposals: { method: 'GET', path: `${API_PREFIX}/remediation/proposals` },
  /** The policy in force: levels per runbook and host group, dry-run rule, kill switch, the file to edit. */
  remediationPolicy: { method: 'GET', path: `${API_PREFIX}/remediation/policy` },
  /** Set a runbook's autonomy level for a host group or every host; written to the policy file and audited. */
  remediationSetLevel: { method: 'POST', path: `${API_PREFIX}/remediation/policy/level` },
  /** Default level, dry-run rule, blast radius and maintenance mode, from the UI (written to the file, audited). */
  remediationSetSettings: { method: 'POST', path: `${API_PREFIX}/remediation/policy/settings` },
  /** ?limit= (default 100): notification deliveries and their outcomes, newest first. */
  notifications: { method: 'GET', path: `${API_PREFIX}/notifications` },
  /** Send a test message through one channel (one attempt); answers with its record. */
  notificationTest: { method: 'POST', path: `${API_PREFIX}/notifications/test` },
  /** Terminal sessions, open and ended, newest first (who opened them and when). */
  terminals: { method: 'GET', path: `${API_PREFIX}/terminals` },
  /** Open a terminal on a host: the console signs a short-lived terminal.open grant; the host's policy may refuse it. */
  openTerminal: { method: 'POST', path: `${API_PREFIX}/terminals` },
  /** A session and its asciicast v2 recording, for replay: ?offset=bytes&limit=bytes, one page (TerminalRecordingView). */
  terminalRecording: { method: 'GET', path: `${API_PREFIX}/terminals/:id/recording` },
  closeTerminal: { method: 'POST', path: `${API_PREFIX}/terminals/:id/close` },
} as const;

/** Request bodies of the POST routes. */
export interface RouteRequests {
  ackAlert: AckRequest;
  snoozeAlert: SnoozeRequest;
  noiseAlert: NoiseRequest;
  loadModel: LoadModelRequest;
  unloadModel: Record<string, never>;
  diagnose: DiagnoseRequest;
  planDryRun: PlanRunRequest;
  planExecute: PlanRunRequest;
  ask: AskRequest;
  runbookDryRun: RunbookRunRequest;
  runbookExecute: RunbookRunRequest;
  approveAction: ApproveRunRequest;
  killSwitch: KillSwitchRequest;
  remediationSetLevel: SetLevelRequest;
  remediationSetSettings: PolicySettingsRequest;
  notificationTest: NotificationTestRequest;
  openTerminal: TerminalOpenRequest;
  closeTerminal: Record<string, never>;
}

export interface RouteResponses {
  /** `ingestUrl`: where collectors connect, e.g. ws://10.0.0.2:7070/ingest (the UI's first-run instructions show it). */
  health: { readonly ok: true; readonly version: string; readonly startedMs: number; readonly ingestUrl: string };
  hosts: readonly Host[];
  host: Host;
  series: readonly SeriesInfo[];
  query: SeriesData;
  processes: HostTable<ProcessRow>;
  sockets: HostTable<SocketRow>;
  stats: IngestStatsView;
  fleet: FleetView;
  topology: TopologyView;
  graph: KnowledgeGraphView;
  alerts: AlertsView;
  hostAlerts: HostAlertsView;
  ackAlert: Alert;
  snoozeAlert: Alert;
  /** The alert, and the series' new enter threshold (null when the series is no longer scored). */
  noiseAlert: { readonly alert: Alert; readonly enterThreshold: number | null };
  logs: LogSearchView;
  logTemplates: LogTemplatesView;
  incidents: IncidentsView;
  incident: Incident;
  forecasts: ForecastsView;
  models: ModelsView;
  loadModel: ModelStatus;
  unloadModel: ModelStatus;
  /** The running record, or the finished one with `wait`. */
  diagnose: DiagnosisRecord;
  diagnosis: DiagnosisRecord;
  planDryRun: PlanDryRunView;
  planExecute: ActionRun;
  ask: AskRecord;
  askRecord: AskRecord;
  agentMemory: MemoryStatus;
  runbooks: RunbooksView;
  runbookDryRun: DryRunView;
  runbookExecute: ActionRun;
  actions: ActionsView;
  action: ActionRun;
  approveAction: ActionRun;
  audit: AuditView;
  remediationStatus: RemediationStatusView;
  killSwitch: RemediationStatusView;
  remediationProposals: ProposalsView;
  remediationPolicy: RemediationPolicyView;
  remediationSetLevel: RemediationPolicyView;
  remediationSetSettings: RemediationPolicyView;
  notifications: NotificationsView;
  notificationTest: NotificationRecord;
  terminals: TerminalsView;
  openTerminal: TerminalSessionView;
  terminalRecording: TerminalRecordingView;
  closeTerminal: TerminalSessionView;
}

export type RouteName = keyof typeof ROUTES;

/** Build the path of a route, escaping the host id (or the alert id for the alert routes). */
export function routePath(name: RouteName, hostId?: string): string {
  const p: string = ROUTES[name].path;
  return hostId === undefined ? p : p.replace(':host', encodeURIComponent(hostId)).replace(':id', encodeURIComponent(hostId));
}

/** API errors, each with a one-line meaning and its HTTP status. */
export const API_ERRORS = {
  UNAUTHORIZED: { status: 401, meaning: 'The session token is missing or wrong.' },
  FORBIDDEN_ORIGIN: { status: 403, meaning: 'Cross-origin requests are refused.' },
  NOT_FOUND: { status: 404, meaning: 'No such route, host, series or alert.' },
  BAD_REQUEST: { status: 400, meaning: 'A parameter is missing or malformed.' },
  INTERNAL: { status: 500, meaning: 'The console failed; see its log.' },
  REFUSED: { status: 403, meaning: 'A host refused the operation (a terminal grant it does not accept, or its local policy); the message says why.' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

/**
 * Live channel, client → console. `alerts`: every alert change from now on (query GET /alerts for the
 * current ones). `ping`: the console answers `pong` with the same id at once; a client that hears nothing
 * for a few seconds after a ping treats the socket as dead and reconnects (browsers cannot see WebSocket
 * ping frames). The console itself pings every client at the protocol level and drops those that stop answering.
 */
export type LiveRequest =
  | { readonly op: 'subscribe'; readonly id: string; readonly topic: 'hosts' }
  | { readonly op: 'subscribe'; readonly id: string; readonly topic: 'samples'; readonly hostId: string; readonly keys?: readonly string[] }
  | { readonly op: 'subscribe'; readonly id: string; readonly topic: 'alerts' }
  /** Every incident change from now on (query GET /incidents for the current ones). */
  | { readonly op: 'subscribe'; readonly id: string; readonly topic: 'incidents' }
  /** Model host status changes, load progress included (the current status first). */
  | { readonly op: 'subscribe'; readonly id: string; readonly topic: 'models' }
  /** Diagnosis tokens and finished records (of one incident, or of all). */
  | { readonly op: 'subscribe'; readonly id: string; readonly topic: 'diagnosis'; readonly incidentId?: string }
  | { readonly op: 'subscribe'; readonly id: string; readonly topic: 'logs'; readonly hostId?: string; readonly levels?: readonly LogLevel[] }
  | { readonly op: 'unsubscribe'; readonly id: string }
  | { readonly op: 'ping'; readonly id: string };

/** Live channel, console → client. `alerts` carries the changes of one moment, in the order they were stored. */
export type LiveEvent =
  | { readonly type: 'host'; readonly sub: string; readonly host: Host }
  | { readonly type: 'samples'; readonly sub: string; readonly hostId: string; readonly ts: number; readonly keys: readonly string[]; readonly values: readonly number[] }
  | { readonly type: 'alerts'; readonly sub: string; readonly changes: readonly AlertChangeEvent[] }
  /** Incident changes of one moment, in the order they were stored. */
  | { readonly type: 'incidents'; readonly sub: string; readonly changes: readonly IncidentChangeEvent[] }
  | ({ readonly type: 'models'; readonly sub: string } & ModelStatusEvent)
  | { readonly type: 'diagnosis'; readonly sub: string; readonly event: DiagnosisEvent }
  /** New log records of one batch (filtered by the subscription's host and levels), as they are stored. */
  | { readonly type: 'logs'; readonly sub: string; readonly records: readonly LogLine[] }
  | { readonly type: 'pong'; readonly sub?: undefined; readonly id: string }
  | { readonly type: 'error'; readonly sub?: string; readonly message: string };

/** Alert actions of the API (POST, with the alert id in place of `:id`). */
export type AlertActionRoute = 'ackAlert' | 'snoozeAlert' | 'noiseAlert';
