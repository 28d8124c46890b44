/**
 * Every error the collector ↔ console protocol can report, with a one-line meaning.
 * The code travels in `error` messages; the matching WebSocket close code is in CLOSE_CODES.
 */
export const PROTOCOL_ERRORS = {
  MALFORMED_FRAME: 'The frame is not valid msgpack, or not a binary frame.',
  INVALID_MESSAGE: 'The frame decoded but does not match the message schema.',
  FRAME_TOO_LARGE: 'The frame is larger than the console accepts (see welcome.limits.maxFrameBytes).',
  UNSUPPORTED_VERSION: 'The protocol version is not one this peer speaks.',
  UNAUTHORIZED: 'The token is missing, unknown, revoked or not valid for this host.',
  HELLO_EXPECTED: 'The first message on a connection must be hello.',
  HELLO_TIMEOUT: 'No hello arrived in time after the connection opened.',
  DUPLICATE_SESSION: 'Another connection for the same host id replaced this one.',
  LIMIT_EXCEEDED: 'A bound was reached (series per host, head size, samples per batch).',
  STORAGE_FAILURE: 'The console could not make the batch durable (disk full or I/O error); it was not acked.',
  SHUTTING_DOWN: 'The console is stopping; reconnect later.',
} as const;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

/** WebSocket close codes (4000–4999 is the application range). */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  MALFORMED_FRAME: 4000,
  UNAUTHORIZED: 4001,
  UNSUPPORTED_VERSION: 4002,
  INVALID_MESSAGE: 4003,
  FRAME_TOO_LARGE: 4004,
  DUPLICATE_SESSION: 4005,
  HELLO_EXPECTED: 4006,
  HELLO_TIMEOUT: 4007,
  LIMIT_EXCEEDED: 4008,
  STORAGE_FAILURE: 4009,
  SHUTTING_DOWN: 4010,
} as const satisfies Record<string, number>;

/** A protocol error as data: which rule failed, with which input, and what to do. */
export interface ProtocolError {
  readonly code: ProtocolErrorCode;
  /** Human-readable: names the field or value at fault and, where there is one, the fix. */
  readonly message: string;
}

export function protocolError(code: ProtocolErrorCode, message: string): ProtocolError {
  return { code, message };
}

/** Close code for an error code; errors that are not fatal still map to a code for completeness. */
export function closeCodeFor(code: ProtocolErrorCode): number {
  return CLOSE_CODES[code as keyof typeof CLOSE_CODES] ?? CLOSE_CODES.INVALID_MESSAGE;
}
