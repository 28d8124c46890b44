/**
 * The collector ↔ console wire protocol, version 1 (docs/protocol.md explains the flow).
 * Every message is one msgpack-encoded map in one binary WebSocket frame, discriminated by `type`.
 * This file is the only definition of the wire format: both sides import it.
 */
import type { ProtocolErrorCode } from './errors';

export const PROTOCOL_VERSION = 1;

/** Collector → console: first message on every connection. */
export interface Hello {
  readonly type: 'hello';
  /** Protocol version the collector speaks. */
  readonly v: number;
  /** Stable host identity (machine-id by default); the key of everything the console stores for the host. */
  readonly hostId: string;
  readonly hostname: string;
  /** Static ingest token (`cerebro-console token create`), or '' when the collector authenticates with `auth`. Never logged. */
  readonly token: string;
  /** Enrolled collectors: proof of the per-host key, bound to this connection's challenge (see HelloAuth). */
  readonly auth?: HelloAuth;
  readonly agent: { readonly name: string; readonly version: string };
  /**
   * Random id of the collector's spool, created with it. Sequence numbers count within an epoch: a collector
   * whose state was wiped starts a new epoch at seq 1 instead of colliding with numbers the console has seen.
   */
  readonly epoch: string;
  /**
   * The oldest seq still in the collector's spool (= nextSeq when it is empty). Every seq below it was either
   * acked or dropped by the spool's bound (and counted in SpoolStats): the console stops waiting for it.
   */
  readonly oldestSeq: number;
  /** The sequence number the collector will give its next new batch. */
  readonly nextSeq: number;
}

/**
 * Proof that the collector holds the private key of its enrolled credential: an Ed25519 signature over
 * `helloSigningInput` (canonical.ts), which includes the random challenge the console sent in the
 * `x-cerebro-challenge` header of this connection's WebSocket upgrade. A recorded hello is therefore
 * worthless on any other connection.
 */
export interface HelloAuth {
  /** Credential id given at enrolment. */
  readonly cred: string;
  /** Ed25519 signature, 64 bytes. */
  readonly sig: Uint8Array;
}

/** Collector → console, instead of a hello, once: exchange a one-time enrolment token for a credential. */
export interface EnrolRequest {
  readonly type: 'enroll';
  readonly v: number;
  readonly hostId: string;
  readonly hostname: string;
  /** The one-time token from `cerebro-console enroll-token create`. Never logged. */
  readonly token: string;
  /** The collector's new Ed25519 public key, SPKI PEM; its private key never leaves the host. */
  readonly publicKey: string;
  readonly agent: { readonly name: string; readonly version: string };
}

/** Console → collector: enrolment accepted; the connection is closed after it. */
export interface Enrolled {
  readonly type: 'enrolled';
  /** Id of the new credential (goes into every later hello's `auth.cred`). */
  readonly credentialId: string;
  readonly hostId: string;
  /** The console's Ed25519 command-signing public key, SPKI PEM: the collector verifies every command with it. */
  readonly commandKey: string;
}

/** Console → collector: the hello was accepted. */
export interface Welcome {
  readonly type: 'welcome';
  readonly v: number;
  readonly sessionId: string;
  /** Every batch seq ≤ durableSeq for this host is durable on the console: the collector may drop them from its spool. */
  readonly durableSeq: number;
  /** Highest seq the console holds for this host in this epoch (≥ durableSeq; > durableSeq when batches arrived out of order). Informational: epochs keep a reset collector from reusing seqs. */
  readonly maxSeq: number;
  /** Console wall clock, ms since the epoch (for clock-skew reporting). */
  readonly serverTimeMs: number;
  readonly limits: {
    /** Largest frame the console accepts, in bytes. */
    readonly maxFrameBytes: number;
    /** Most metric samples accepted in one batch. */
    readonly maxSamplesPerBatch: number;
    /** Most batches the collector may send before waiting for acks. */
    readonly maxInFlight: number;
    /** The console rebuilds process tables from `procsDelta` (consoles since 2026-11-27; absent: send whole tables). */
    readonly tableDeltas?: boolean;
  };
}

/** One process, as seen in /proc/<pid>. */
export interface ProcessRow {
  readonly pid: number;
  readonly ppid: number;
  /** Short name (comm), at most 15 characters on Linux. */
  readonly name: string;
  /** Command line, arguments joined by spaces, truncated to 512 characters; '' for kernel threads. */
  readonly cmd: string;
  /** Owner user name (or the numeric uid as a string when it has no name). */
  readonly user: string;
  /** Kernel state letter: R, S, D, Z, T, I, ... */
  readonly state: string;
  /** CPU used since the previous scan, percent of one core (can exceed 100 for multi-threaded processes). */
  readonly cpuPct: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
  readonly threads: number;
  /** Open file descriptors, or null where the collector may not read /proc/<pid>/fd. */
  readonly fds: number | null;
  /** Process start time, ms since the epoch (pid + start identifies a process across pid reuse). */
  readonly startMs: number;
  /**
   * Bytes a second the process caused to be read from storage since the previous scan (/proc/<pid>/io
   * `read_bytes`: disk reads, not page-cache hits); null where the collector may not read its io file
   * (another user's process without CAP_SYS_PTRACE) or has no earlier scan of it. Absent from collectors
   * before 2026-11-26.
   */
  readonly readBps?: number | null;
  /** Likewise bytes a second written to storage (`write_bytes`: dirtied pages the kernel will write back). */
  readonly writeBps?: number | null;
}

/** A process table as the changes against the table of batch `base` (shared/protocol/table-delta.ts). */
export interface ProcessTableDelta {
  /** Seq of the batch whose table (whole or itself rebuilt) this changes. */
  readonly base: number;
  /** Rows new or changed since that table. */
  readonly rows: readonly ProcessRow[];
  /** Pids of that table that are no longer in this one. */
  readonly gone: readonly number[];
}

export type SocketProto = 'tcp' | 'tcp6' | 'udp' | 'udp6';

/** One socket from /proc/net/{tcp,tcp6,udp,udp6}. */
export interface SocketRow {
  readonly proto: SocketProto;
  /** TCP state name (LISTEN, ESTABLISHED, TIME_WAIT, ...); 'UNCONN' for unconnected UDP. */
  readonly state: string;
  readonly localAddr: string;
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
  readonly inode: number;
  /** Owning process, or null when it cannot be seen (another user's process without privileges). */
  readonly pid: number | null;
  /** Owning process name (comm), or null. */
  readonly process: string | null;
}

/** Static facts about the host, sent once per connection. */
export interface Inventory {
  readonly hostname: string;
  readonly os: { readonly platform: string; readonly distro: string; readonly release: string; readonly kernel: string; readonly arch: string };
  readonly cpu: { readonly model: string; readonly cores: number; readonly physicalCores: number; readonly mhz: number };
  readonly memory: { readonly totalBytes: number; readonly swapTotalBytes: number };
  readonly system: { readonly manufacturer: string; readonly model: string; readonly virtual: boolean };
  readonly disks: ReadonlyArray<{ readonly name: string; readonly type: string; readonly sizeBytes: number }>;
  readonly bootTimeMs: number;
  /** Addresses of the host's interfaces (used to link sockets across hosts). */
  readonly addresses: readonly string[];
  /** What the host's own policy file lets the console do (absent from collectors that predate it). */
  readonly hostPolicy?: HostPolicySummary;
}

/**
 * The host's policy as the console needs it to propose only what the host will run: the remediation
 * actions allowed (null: any), the directories file actions may touch, the process names signal and
 * renice may touch, and whether terminals are on. The collector enforces it whatever the console does.
 */
export interface HostPolicySummary {
  readonly remediationAllow: readonly string[] | null;
  readonly allowedDirs: readonly string[];
  readonly processes: { readonly allow: readonly string[] | null; readonly deny: readonly string[] } | null;
  readonly terminals: boolean;
}

/** State of the collector's on-disk spool; the drop counters are cumulative since the spool was created. */
export interface SpoolStats {
  /** Batches written but not yet acked. */
  readonly pendingBatches: number;
  readonly pendingBytes: number;
  /** Batches dropped because the spool reached its disk bound (oldest first). */
  readonly droppedBatches: number;
  /** Metric samples inside the dropped batches. */
  readonly droppedSamples: number;
  readonly droppedBytes: number;
  /** Log records inside the dropped batches (absent from collectors that predate log shipping). */
  readonly droppedLogs?: number;
}

/** Severity of a log record, normalised by the collector (journal PRIORITY, or words such as ERROR/WARN in the line). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Most log records in one batch; the collector carries the rest over to the next batch. */
export const MAX_LOGS_PER_BATCH = 5_000;
/** Longest record message in characters (a joined multi-line record included); the collector truncates longer ones and counts them. */
export const MAX_LOG_MESSAGE_CHARS = 16_384;

/** One log record: a line, or several joined lines (a stack trace), already redacted on the host. */
export interface LogRecord {
  /** When the record was written (journal timestamp) or read (files), ms since the epoch. */
  readonly ts: number;
  /** Where it came from: `file:<path>` or `journal`. */
  readonly src: string;
  readonly level: LogLevel;
  /** The text, multi-line records joined with "\n", secrets replaced by `<redacted>`. */
  readonly msg: string;
  /** The program that wrote it, where known (journal SYSLOG_IDENTIFIER or _SYSTEMD_UNIT, syslog tag). */
  readonly unit?: string;
  readonly pid?: number;
}

/** The collector's log counters, cumulative since the collector started. */
export interface LogStats {
  /** Records shipped (put into batches). */
  readonly records: number;
  /** Records dropped by the per-host rate limit. */
  readonly droppedRateLimit: number;
  /** Secrets replaced by `<redacted>`. */
  readonly redactions: number;
  /** Records cut to MAX_LOG_MESSAGE_CHARS. */
  readonly truncated: number;
  /** Files followed now (the journal counts as one). */
  readonly sources: number;
}

/** Outcome of one source's collection in this tick. */
export interface SourceStatus {
  readonly source: string;
  readonly ok: boolean;
  /** Wall time of the collection, milliseconds. */
  readonly durationMs: number;
  /** Why it failed, when ok is false (e.g. "couldn't read /proc/diskstats: EACCES"). */
  readonly error?: string;
}

/**
 * Collector → console: everything collected in one tick.
 * Metric samples are columnar: `metrics.k[i]` is the series key (see series.ts), `metrics.v[i]` its value at `ts`.
 */
export interface TelemetryBatch {
  readonly type: 'batch';
  /** Per-host sequence number, strictly increasing; ingest is idempotent on (hostId, seq). */
  readonly seq: number;
  /** Sample time, ms since the epoch (collector clock). */
  readonly ts: number;
  readonly metrics: { readonly k: readonly string[]; readonly v: readonly number[] };
  /** The full process table, when scanned in this tick. */
  readonly procs?: readonly ProcessRow[];
  /** Or the table as changes against an earlier batch's (table-delta.ts); never both. */
  readonly procsDelta?: ProcessTableDelta;
  /** The full socket table, when scanned in this tick. */
  readonly sockets?: readonly SocketRow[];
  readonly inventory?: Inventory;
  readonly spool?: SpoolStats;
  /** Log records read since the previous batch (at most MAX_LOGS_PER_BATCH). */
  readonly logs?: readonly LogRecord[];
  readonly logStats?: LogStats;
  /** Sources that failed or that report status this tick. */
  readonly sources?: readonly SourceStatus[];
  /** One-off notices for the operator (e.g. "cannot see owners of sockets of other users: run with CAP_SYS_PTRACE"). */
  readonly notices?: readonly string[];
}

/** Console → collector: batch `seq` is durable. */
export interface Ack {
  readonly type: 'ack';
  readonly seq: number;
}

/** Either side: something went wrong. A fatal error is followed by a close. */
export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ProtocolErrorCode;
  readonly message: string;
  readonly fatal: boolean;
  /** The batch seq the error refers to, when it refers to one. */
  readonly seq?: number;
}

/**
 * Console → collector command envelope, signed by the console (commands.ts lists the kinds and refusal
 * codes). The collector checks signature, freshness, replay and its local policy before anything else.
 */
export interface CommandEnvelope {
  readonly type: 'command';
  /** Unique id, echoed in the result. */
  readonly id: string;
  /** What to do, e.g. 'terminal.open', 'runbook.step'. */
  readonly kind: string;
  readonly issuedAtMs: number;
  /** The collector refuses the command after this instant. */
  readonly expiresAtMs: number;
  /** Random, never reused; the collector refuses a nonce it has seen. */
  readonly nonce: string;
  readonly payload: unknown;
  /** Ed25519 signature over `commandSigningInput` (canonical.ts): every other field plus the target host id. */
  readonly sig?: Uint8Array;
}

/** Collector → console: the outcome of a command. */
export interface CommandResult {
  readonly type: 'result';
  readonly id: string;
  readonly ok: boolean;
  readonly output?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Terminal streams (terminal.ts has the flow-control rules): a session is opened by a signed
 * `terminal.open` command whose payload names its `sid`; these frames then carry its bytes both ways
 * on the same connection, at most MAX_TERMINAL_CHUNK_BYTES of data each.
 */
/** Collector → console: bytes the pty printed (`o`), or input the host wrote to it while echo was on (`i`, for the recording only). */
export interface TerminalOutput {
  readonly type: 'term.out';
  readonly sid: string;
  readonly stream: 'o' | 'i';
  readonly data: Uint8Array;
}

/** Collector → console: the session ended (shell exited, closed, idle, refused input); nothing more comes for `sid`. */
export interface TerminalExit {
  readonly type: 'term.exit';
  readonly sid: string;
  /** The shell's exit code; null when it did not exit by itself (killed, closed, never started). */
  readonly code: number | null;
  readonly reason: string;
}

/** Console → collector: keystrokes (or pasted text) for session `sid`. */
export interface TerminalInput {
  readonly type: 'term.in';
  readonly sid: string;
  readonly data: Uint8Array;
}

/** Console → collector: the console consumed `bytes` more output bytes of `sid` (flow-control credit). */
export interface TerminalAck {
  readonly type: 'term.ack';
  readonly sid: string;
  readonly bytes: number;
}

/** Console → collector: the viewer's terminal size changed, in character cells. */
export interface TerminalResize {
  readonly type: 'term.resize';
  readonly sid: string;
  readonly cols: number;
  readonly rows: number;
}

/** Console → collector: end session `sid` (the operator closed it, or it was idle). */
export interface TerminalClose {
  readonly type: 'term.close';
  readonly sid: string;
  readonly reason: string;
}

export type CollectorMessage = Hello | EnrolRequest | TelemetryBatch | CommandResult | ErrorMessage | TerminalOutput | TerminalExit;
export type ConsoleMessage = Welcome | Enrolled | Ack | CommandEnvelope | ErrorMessage | TerminalInput | TerminalAck | TerminalResize | TerminalClose;
export type Message = CollectorMessage | ConsoleMessage;
export type MessageType = Message['type'];
