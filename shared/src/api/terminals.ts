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

/**
 * The session and its asciicast v2 recording (newline-delimited JSON: header, then [time, "o"|"i"|"r",
 * data] events), one page at a time: `GET …/recording?offset=B&limit=N` answers the header line and the
 * whole event lines that start at byte B of the `.cast` file (0: the first event) and fit in N bytes
 * (at least one line; default TERMINAL_RECORDING_PAGE_BYTES, at most TERMINAL_RECORDING_MAX_PAGE_BYTES).
 * Every page is a valid asciicast file by itself.
 */
export interface TerminalRecordingView {
  readonly session: TerminalSessionView;
  readonly cast: string;
  /** Where this page lies in the recording (absent from consoles before paging: the whole recording). */
  readonly page?: TerminalRecordingPage;
}

export interface TerminalRecordingPage {
  /** Byte offset in the .cast file of this page's first event. */
  readonly offset: number;
  /** The offset to ask for next; null: no complete event after this page (yet, while the session is open). */
  readonly nextOffset: number | null;
  /** Size of the .cast file when read, bytes (header included). */
  readonly totalBytes: number;
}

/** Default and largest `limit` of a recording page, bytes. */
export const TERMINAL_RECORDING_PAGE_BYTES = 1024 * 1024;
export const TERMINAL_RECORDING_MAX_PAGE_BYTES = 8 * 1024 * 1024;

/** Client → console control messages (text frames on the terminal socket). */
export type TerminalClientMessage = { readonly op: 'resize'; readonly cols: number; readonly rows: number } | { readonly op: 'close' };

/** Console → client events (text frames on the terminal socket). */
export type TerminalServerEvent =
  | { readonly type: 'attached'; readonly session: TerminalSessionView }
  | { readonly type: 'exit'; readonly code: number | null; readonly reason: string }
  | { readonly type: 'error'; readonly message: string };
