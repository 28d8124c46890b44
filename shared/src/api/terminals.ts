/**
 * Terminals in the console's local API (re-exported by contract.ts). HTTP opens, lists, closes and
 * replays sessions; the bytes travel on a dedicated WebSocket, TERMINAL_PATH?sid=…, authenticated like
 * the live channel (subprotocols TERMINAL_SUBPROTOCOL and `cerebro.token.<token>`):
 *
 *   client → console: binary frames = keystrokes (at most 32 KiB each); text frames = TerminalClientMessage
 *   console → client: binary frames = terminal output; text frames = TerminalServerEvent
 */

export const TERMINAL_SUBPROTOCOL = 'cerebro.terminal.v1';

/** One terminal session, open or ended, as the console recorded it. */
export interface TerminalSessionView {
  /** Session id (also the recording's file name, `<sid>.cast`, under $CEREBRO_HOME/recordings). */
  readonly sid: string;
  readonly hostId: string;
  readonly hostname: string;
  /** Who opened it (the operator name given to the API). */
  readonly by: string;
  /** The account the shell runs as on the host, and the shell ('' until the host answered). */
  readonly user: string;
  readonly shell: string;
  /** ms since the epoch. */
  readonly openedMs: number;
  readonly closedMs: number | null;
  readonly state: 'open' | 'closed';
  /** The shell's exit code, when it exited by itself. */
  readonly exitCode: number | null;
  /** Why it ended (exit, closed by the operator, idle, host disconnected). */
  readonly reason: string | null;
  readonly cols: number;
  readonly rows: number;
  /** Output bytes received from the host. */
  readonly outputBytes: number;
  /** The recording hit its size cap and stops early. */
  readonly recordingTruncated: boolean;
}

export interface TerminalsView {
  /** Newest first. */
  readonly sessions: readonly TerminalSessionView[];
  /** A session with neither input nor output for this long is closed, ms. */
  readonly idleTimeoutMs: number;
}

export interface TerminalOpenRequest {
  readonly hostId: string;
  /** Size in character cells (default 80 × 24). */
  readonly cols?: number;
  readonly rows?: number;
  /** Who opens it (default "operator"). */
  readonly by?: string;
  /** Account to run as; the host policy may refuse it. */
  readonly user?: string;
}

/** The session and its asciicast v2 recording (newline-delimited JSON: header, then [time, "o"|"i"|"r", data] events). */
export interface TerminalRecordingView {
  readonly session: TerminalSessionView;
  readonly cast: string;
}

/** Client → console control messages (text frames on the terminal socket). */
export type TerminalClientMessage = { readonly op: 'resize'; readonly cols: number; readonly rows: number } | { readonly op: 'close' };

/** Console → client events (text frames on the terminal socket). */
export type TerminalServerEvent =
  | { readonly type: 'attached'; readonly session: TerminalSessionView }
  | { readonly type: 'exit'; readonly code: number | null; readonly reason: string }
  | { readonly type: 'error'; readonly message: string };
